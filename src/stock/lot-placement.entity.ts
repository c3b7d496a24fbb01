import { Field, Int, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Units of one lot in one bin; `allocated` of them are earmarked for allocated, unpicked orders. */
@ObjectType()
@Entity('lot_placement')
@Index(['locationId'])
export class LotPlacement {
  @PrimaryColumn({ type: 'int' })
  lotId: number;

  @PrimaryColumn({ type: 'int' })
  locationId: number;

  @Field(() => Int)
  @Column({ type: 'int' })
  quantity: number;

  @Column({ type: 'int', default: 0 })
  allocated: number;
}
