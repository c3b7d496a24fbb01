import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { Context } from '../context';
import { Role } from '../graphql/enums';
import { Order } from './order.entity';
import { DispatchOrderInput, PlaceOrderInput } from './order.inputs';

/**
 * The order state machine's mutations. Each clears the request's loaders, since it changed what they hold.
 */
@Resolver()
export class OrderOperationsResolver {
  @Authorized(Role.MERCHANT)
  @Mutation(() => Order, {
    description:
      'All lines reserved or none: INSUFFICIENT_STOCK lists every short SKU in extensions.shortages.',
  })
  placeOrder(@Arg('input') input: PlaceOrderInput, @Ctx() { services, principal, loaders }: Context) {
    loaders.clearAll();
    return services.orders.placeOrder(principal, input);
  }

  @Authorized(Role.MERCHANT, Role.WAREHOUSE)
  @Mutation(() => Order, {
    description: 'PLACED or ALLOCATED -> CANCELLED, releasing the reservation. WAREHOUSE may cancel too.',
  })
  cancelOrder(
    @Arg('number') number: string,
    @Arg('reason') reason: string,
    @Arg('idempotencyKey', () => String, { nullable: true }) idempotencyKey: string | null,
    @Ctx() { services, principal, loaders }: Context,
  ) {
    loaders.clearAll();
    return services.orders.cancelOrder(principal, number, reason, idempotencyKey);
  }

  @Authorized(Role.WAREHOUSE)
  @Mutation(() => Order, {
    description: 'PLACED -> ALLOCATED: picks lots first-expiry-first-out, skipping HELD and EXPIRED lots.',
  })
  allocateOrder(
    @Arg('number') number: string,
    @Arg('idempotencyKey', () => String, { nullable: true }) idempotencyKey: string | null,
    @Ctx() { services, principal, loaders }: Context,
  ) {
    loaders.clearAll();
    return services.orders.allocateOrder(principal, number, idempotencyKey);
  }

  @Authorized(Role.WAREHOUSE)
  @Mutation(() => Order, {
    description: 'ALLOCATED -> PICKED: units leave their locations (PICK movements).',
  })
  pickOrder(
    @Arg('number') number: string,
    @Arg('idempotencyKey', () => String, { nullable: true }) idempotencyKey: string | null,
    @Ctx() { services, principal, loaders }: Context,
  ) {
    loaders.clearAll();
    return services.orders.pickOrder(principal, number, idempotencyKey);
  }

  @Authorized(Role.WAREHOUSE)
  @Mutation(() => Order, { description: 'PICKED -> DISPATCHED.' })
  dispatchOrder(@Arg('input') input: DispatchOrderInput, @Ctx() { services, principal, loaders }: Context) {
    loaders.clearAll();
    return services.orders.dispatchOrder(principal, input);
  }

  @Authorized(Role.WAREHOUSE)
  @Mutation(() => Order, { description: 'DISPATCHED -> DELIVERED.' })
  markDelivered(
    @Arg('number') number: string,
    @Arg('idempotencyKey', () => String, { nullable: true }) idempotencyKey: string | null,
    @Ctx() { services, principal, loaders }: Context,
  ) {
    loaders.clearAll();
    return services.orders.markDelivered(principal, number, idempotencyKey);
  }
}
