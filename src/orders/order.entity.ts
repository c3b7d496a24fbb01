import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { exactColumn, fenColumn, instantColumn } from '../db/columns';
import { OrderStatus } from '../graphql/enums';
import { Node, toGlobalId } from '../graphql/node';
import { DateTimeScalar } from '../graphql/scalars';
import { Money } from '../graphql/money.type';

/** An outbound order of one merchant. The destination is kept flat beside it. */
@ObjectType({ implements: Node })
@Entity('orders')
@Index(['merchantId', 'id'])
@Index(['status', 'id'])
@Index(['carrierId', 'id'])
@Index(['placedAt'])
@Index('IDX_orders_updated_at_id', ['updatedAt', 'id'])
@Index('IDX_orders_merchant_updated_at_id', ['merchantId', 'updatedAt', 'id'])
export class Order implements Node {
  static readonly nodeType = 'Order';

  @PrimaryGeneratedColumn()
  id: number;

  @Field(() => ID, { name: 'id' })
  get nodeId(): string {
    return toGlobalId(Order.nodeType, this.id);
  }

  @Field({ description: 'Human key, e.g. GD-20261129-000123.' })
  @Index({ unique: true })
  @Column(exactColumn(30))
  number: string;

  @Column({ type: 'int' })
  merchantId: number;

  @Field(() => OrderStatus)
  @Column({ type: 'varchar', length: 12 })
  status: OrderStatus;

  @Column(fenColumn())
  totalFen: bigint;

  @Field(() => Money, { name: 'total' })
  get total(): Money {
    return Money.fromFen(this.totalFen);
  }

  @Column({ type: 'int', nullable: true })
  stationId: number | null;

  @Column({ type: 'varchar', length: 80, nullable: true })
  recipientName: string | null;

  @Column({ type: 'varchar', length: 40, nullable: true })
  recipientPhone: string | null;

  @Column({ type: 'varchar', length: 300, nullable: true })
  address: string | null;

  @Column({ type: 'varchar', length: 80, nullable: true })
  city: string | null;

  @Column({ type: 'varchar', length: 80, nullable: true })
  province: string | null;

  @Column({ type: 'int', nullable: true })
  carrierId: number | null;

  @Field(() => String, { nullable: true })
  @Column(exactColumn(60, { nullable: true }))
  trackingNumber: string | null;

  @Field(() => Int, { nullable: true })
  @Column({ type: 'int', nullable: true })
  parcels: number | null;

  @Field(() => Int, { nullable: true })
  @Column({ type: 'int', nullable: true })
  weightGrams: number | null;

  @Field(() => DateTimeScalar)
  @Column(instantColumn())
  placedAt: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  @Column(instantColumn({ nullable: true }))
  dispatchedAt: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  @Column(instantColumn({ nullable: true }))
  deliveredAt: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  @Column(instantColumn({ nullable: true }))
  cancelledAt: Date | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 300, nullable: true })
  cancelReason: string | null;

  /** Set on every change of the order (placed, each transition, returns): the change feed's key. */
  @Field(() => DateTimeScalar)
  @Column(instantColumn())
  updatedAt: Date;
}
