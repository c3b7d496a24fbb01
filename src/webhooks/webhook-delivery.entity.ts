import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { exactColumn, instantColumn } from '../db/columns';
import { Node, toGlobalId } from '../graphql/node';
import { DateTimeScalar } from '../graphql/scalars';
import { WebhookDeliveryStatus, WebhookEventType } from './webhook.enums';

/**
 * One event for one endpoint: the outbox row, written in the transaction of the change that caused it, then
 * sent (and retried) by the dispatcher. `leaseOwner`/`leaseUntil` say which dispatcher is sending it now.
 */
@ObjectType({ implements: Node })
@Entity('webhook_delivery')
@Index(['endpointId', 'id'])
@Index(['status', 'nextAttemptAt'])
@Index(['status', 'deliveredAt'])
export class WebhookDelivery implements Node {
  static readonly nodeType = 'WebhookDelivery';

  @PrimaryGeneratedColumn()
  id: number;

  /** The x-gaodu-delivery header and the body's id: the same on every retry. */
  @Field(() => ID, { name: 'id' })
  get nodeId(): string {
    return toGlobalId(WebhookDelivery.nodeType, this.id);
  }

  @Column({ type: 'int' })
  endpointId: number;

  @Field(() => WebhookEventType)
  @Column({ type: 'varchar', length: 30 })
  event: WebhookEventType;

  /** The event's data as JSON text; the body wraps it with id, type and occurredAt. */
  @Column({ type: 'text' })
  data: string;

  @Field(() => WebhookDeliveryStatus)
  @Column({ type: 'varchar', length: 12 })
  status: WebhookDeliveryStatus;

  @Field(() => Int)
  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Field(() => Int, { nullable: true })
  @Column({ type: 'int', nullable: true })
  lastStatusCode: number | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 300, nullable: true })
  lastError: string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  @Column(instantColumn({ nullable: true }))
  nextAttemptAt: Date | null;

  /** When the event happened (occurredAt of the body); retries stop 24 hours after it. */
  @Field(() => DateTimeScalar)
  @Column(instantColumn())
  createdAt: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  @Column(instantColumn({ nullable: true }))
  deliveredAt: Date | null;

  /** The dispatcher claim that is sending it now, until leaseUntil. */
  @Column(exactColumn(60, { nullable: true }))
  leaseOwner: string | null;

  @Column(instantColumn({ nullable: true }))
  leaseUntil: Date | null;

  @Field({ description: 'The JSON body that is POSTed.' })
  get payload(): string {
    return `{"id":${JSON.stringify(this.nodeId)},"type":${JSON.stringify(this.event)},"occurredAt":${JSON.stringify(this.createdAt.toISOString())},"data":${this.data}}`;
  }
}
