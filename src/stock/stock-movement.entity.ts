import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { instantColumn } from '../db/columns';
import { AdjustmentReason, MovementType } from '../graphql/enums';
import { Node, toGlobalId } from '../graphql/node';
import { DateTimeScalar } from '../graphql/scalars';

/** One row of the append-only stock ledger; never updated or deleted. */
@ObjectType({ implements: Node, description: 'One row of the append-only stock ledger.' })
@Entity('stock_movement')
@Index(['skuId', 'id'])
@Index(['lotId', 'id'])
@Index(['orderId'])
@Index(['returnLineId'])
@Index(['occurredAt'])
export class StockMovement implements Node {
  static readonly nodeType = 'StockMovement';

  @PrimaryGeneratedColumn()
  id: number;

  @Field(() => ID, { name: 'id' })
  get nodeId(): string {
    return toGlobalId(StockMovement.nodeType, this.id);
  }

  @Field(() => MovementType)
  @Column({ type: 'varchar', length: 12 })
  type: MovementType;

  @Column({ type: 'int' })
  skuId: number;

  @Column({ type: 'int' })
  lotId: number;

  @Column({ type: 'int', nullable: true })
  fromLocationId: number | null;

  @Column({ type: 'int', nullable: true })
  toLocationId: number | null;

  @Field(() => Int, { description: 'Units moved, always positive.' })
  @Column({ type: 'int' })
  quantity: number;

  @Field(() => Int, {
    description: "Signed effect on the SKU's on-hand: + receipt/found, - pick/damage/expiry, 0 transfer.",
  })
  @Column({ type: 'int' })
  onHandDelta: number;

  @Field(() => AdjustmentReason, { nullable: true })
  @Column({ type: 'varchar', length: 20, nullable: true })
  reason: AdjustmentReason | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 500, nullable: true })
  note: string | null;

  @Column({ type: 'int', nullable: true })
  orderId: number | null;

  /** The return line a RETURN movement belongs to. */
  @Column({ type: 'int', nullable: true })
  returnLineId: number | null;

  @Field({ description: 'The label of the API key that caused it.' })
  @Column({ length: 80 })
  actor: string;

  @Field(() => DateTimeScalar)
  @Column(instantColumn())
  occurredAt: Date;
}
