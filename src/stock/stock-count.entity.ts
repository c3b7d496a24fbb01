import { Field, Int, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { instantColumn } from '../db/columns';
import { DateTimeScalar } from '../graphql/scalars';

/** One stocktake of one bin of one lot: what the books said, what was counted, and the correction. */
@ObjectType({ description: 'A stocktake of one bin of one lot.' })
@Entity('stock_count')
@Index(['lotId', 'id'])
@Index(['countedAt'])
export class StockCount {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'int' })
  lotId: number;

  @Column({ type: 'int' })
  locationId: number;

  @Field(() => Int, { description: 'What the bin held by the books when the count was recorded.' })
  @Column({ type: 'int' })
  previousQuantity: number;

  @Field(() => Int)
  @Column({ type: 'int' })
  countedQuantity: number;

  /** The COUNT_CORRECTION movement; null when the count matched the books. */
  @Column({ type: 'int', nullable: true })
  movementId: number | null;

  @Field({ description: "The key's label that recorded it." })
  @Column({ length: 80 })
  actor: string;

  @Field(() => DateTimeScalar)
  @Column(instantColumn())
  countedAt: Date;
}
