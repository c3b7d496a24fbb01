import { Field, Int, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Units of an order line to take from one lot in one bin. */
@ObjectType()
@Entity('allocation')
@Index(['orderLineId'])
@Index(['orderId'])
@Index(['lotId'])
export class Allocation {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'int' })
  orderId: number;

  @Column({ type: 'int' })
  orderLineId: number;

  @Column({ type: 'int' })
  lotId: number;

  @Column({ type: 'int' })
  locationId: number;

  @Field(() => Int)
  @Column({ type: 'int' })
  quantity: number;
}
