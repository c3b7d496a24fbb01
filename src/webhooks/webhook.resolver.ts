import {
  Arg,
  Args,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  ID,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { Context } from '../context';
import { ConnectionArgs, connectionType } from '../graphql/connection';
import { Role } from '../graphql/enums';
import { Merchant } from '../orders/merchant.entity';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { WebhookDeliveryStatus } from './webhook.enums';
import { CreateWebhookEndpointInput } from './webhook.inputs';

export const WebhookDeliveryConnection = connectionType(WebhookDelivery, 'WebhookDelivery');

@ObjectType()
export class CreatedWebhookEndpoint {
  @Field(() => WebhookEndpoint) endpoint: WebhookEndpoint;
  @Field({ description: 'Shown once: the HMAC-SHA256 key of the X-Gaodu-Signature header.' }) secret: string;
}

@Resolver(() => WebhookEndpoint)
export class WebhookEndpointResolver {
  @Authorized(Role.MERCHANT)
  @Query(() => [WebhookEndpoint], { description: 'MERCHANT: its own endpoints; ADMIN: all.' })
  webhookEndpoints(@Ctx() { services, principal }: Context) {
    return services.webhooks.endpoints(principal);
  }

  @Authorized(Role.MERCHANT)
  @Query(() => WebhookDeliveryConnection, { description: 'Newest first.' })
  webhookDeliveries(
    @Arg('endpointId', () => ID) endpointId: string,
    @Arg('status', () => WebhookDeliveryStatus, { nullable: true }) status: WebhookDeliveryStatus | null,
    @Args() page: ConnectionArgs,
    @Ctx() { services, principal }: Context,
  ) {
    return services.webhooks.deliveries(principal, endpointId, status ?? null, page);
  }

  @Authorized(Role.MERCHANT)
  @Mutation(() => CreatedWebhookEndpoint)
  createWebhookEndpoint(
    @Arg('input', () => CreateWebhookEndpointInput) input: CreateWebhookEndpointInput,
    @Ctx() { services, principal }: Context,
  ) {
    return services.webhooks.createEndpoint(principal, input);
  }

  @Authorized(Role.MERCHANT)
  @Mutation(() => Boolean)
  deleteWebhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() { services, principal }: Context) {
    return services.webhooks.deleteEndpoint(principal, id);
  }

  @Authorized(Role.MERCHANT)
  @Mutation(() => WebhookDelivery, {
    description: 'Sends a delivery again now, whatever its status; the same delivery id.',
  })
  redeliverWebhook(@Arg('deliveryId', () => ID) deliveryId: string, @Ctx() { services, principal }: Context) {
    return services.webhooks.redeliver(principal, deliveryId);
  }

  @FieldResolver(() => Merchant, {
    nullable: true,
    description: "Set when registered by or for a merchant: it then receives only that merchant's orders.",
  })
  merchant(@Root() endpoint: WebhookEndpoint, @Ctx() { loaders }: Context) {
    return endpoint.merchantId === null ? null : loaders.merchant.load(endpoint.merchantId);
  }
}

@Resolver(() => WebhookDelivery)
export class WebhookDeliveryResolver {
  @FieldResolver(() => WebhookEndpoint)
  endpoint(@Root() delivery: WebhookDelivery, @Ctx() { loaders }: Context) {
    return loaders.webhookEndpoint.load(delivery.endpointId);
  }
}
