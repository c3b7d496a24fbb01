import { ArrayMaxSize, ArrayMinSize, IsOptional, Length } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { WebhookEventType } from './webhook.enums';

@InputType()
export class CreateWebhookEndpointInput {
  @Field({
    description:
      'https, or http to a private or loopback address only where WEBHOOK_ALLOW_PRIVATE_URLS is set.',
  })
  @Length(1, 2000)
  url: string;

  @Field(() => [WebhookEventType])
  @ArrayMinSize(1)
  @ArrayMaxSize(3)
  events: WebhookEventType[];

  @Field({
    nullable: true,
    description: 'ADMIN registering for a merchant; a MERCHANT key always registers for itself.',
  })
  @IsOptional()
  @Length(1, 40)
  merchantCode?: string;
}
