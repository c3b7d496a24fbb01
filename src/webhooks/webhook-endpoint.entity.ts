import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { exactColumn, instantColumn } from '../db/columns';
import { Node, toGlobalId } from '../graphql/node';
import { DateTimeScalar } from '../graphql/scalars';
import { WebhookEventType } from './webhook.enums';

/** events column: the event types, comma-separated, in a fixed order. */
const eventsTransformer = {
  to: (events: WebhookEventType[] | undefined) => (events === undefined ? events : events.join(',')),
  from: (text: string | null) => (text ? (text.split(',') as WebhookEventType[]) : []),
};

/**
 * A URL that receives signed deliveries. The secret is kept because signing needs it; it is shown once, when
 * the endpoint is created, and never read back through the API.
 */
@ObjectType({
  implements: Node,
  description: 'A URL that receives signed event deliveries (see DESIGN.md, Webhooks).',
})
@Entity('webhook_endpoint')
@Index(['merchantId', 'id'])
export class WebhookEndpoint implements Node {
  static readonly nodeType = 'WebhookEndpoint';

  @PrimaryGeneratedColumn()
  id: number;

  @Field(() => ID, { name: 'id' })
  get nodeId(): string {
    return toGlobalId(WebhookEndpoint.nodeType, this.id);
  }

  @Field()
  @Column({ length: 2000 })
  url: string;

  @Field(() => [WebhookEventType])
  @Column({ type: 'varchar', length: 200, transformer: eventsTransformer })
  events: WebhookEventType[];

  /** Set when registered by or for a merchant: it then receives only that merchant's orders. */
  @Column({ type: 'int', nullable: true })
  merchantId: number | null;

  /** The HMAC-SHA256 key of the x-gaodu-signature header. */
  @Column(exactColumn(100))
  secret: string;

  @Field()
  @Column({ type: 'boolean', default: true })
  active: boolean;

  @Field(() => DateTimeScalar)
  @Column(instantColumn())
  createdAt: Date;

  receives(event: WebhookEventType): boolean {
    return this.active && this.events.includes(event);
  }
}
