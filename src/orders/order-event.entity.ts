import { Field, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { instantColumn } from '../db/columns';
import { OrderStatus } from '../graphql/enums';
import { DateTimeScalar } from '../graphql/scalars';

/** One status change of an order. */
@ObjectType()
@Entity('order_event')
@Index(['orderId', 'id'])
export class OrderEvent {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'int' })
  orderId: number;

  @Field(() => OrderStatus)
  @Column({ type: 'varchar', length: 12 })
  status: OrderStatus;

  @Field(() => DateTimeScalar)
  @Column(instantColumn())
  at: Date;

  @Field({ description: "The key's label that caused it." })
  @Column({ length: 80 })
  actor: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 300, nullable: true })
  note: string | null;
}
