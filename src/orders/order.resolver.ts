import { Arg, Args, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { CreateMerchantInput } from '../catalog/catalog.inputs';
import { Role } from '../graphql/enums';
import { Carrier } from '../catalog/carrier.entity';
import { Location } from '../catalog/location.entity';
import { Sku } from '../catalog/sku.entity';
import { VillageStation } from '../catalog/village-station.entity';
import { Context } from '../context';
import { maySeeOrder, maySeeOrdersOf, recipientField } from '../auth/access-policy';
import { connectionType, ConnectionArgs, emptyConnection } from '../graphql/connection';
import { notFound } from '../graphql/errors';
import { Lot } from '../stock/lot.entity';
import { StockMovement } from '../stock/stock-movement.entity';
import { Allocation } from './allocation.entity';
import { Destination } from './destination.type';
import { Merchant } from './merchant.entity';
import { OrderEvent } from './order-event.entity';
import { OrderLine } from './order-line.entity';
import { Order } from './order.entity';
import { OrderFilter, OrderOrder } from './order.inputs';

export const OrderConnection = connectionType(Order, 'Order');
export const MerchantConnection = connectionType(Merchant, 'Merchant');

@Resolver(() => Order)
export class OrderResolver {
  @Query(() => Order, {
    nullable: true,
    description: "NOT_FOUND, not FORBIDDEN, when a merchant asks for another merchant's order.",
  })
  async order(@Arg('number') number: string, @Ctx() { services, principal }: Context) {
    const order = await services.orders.orderByNumber(principal, number);
    if (!order) throw notFound('Order', number, 'number');
    return order;
  }

  @Query(() => OrderConnection)
  orders(
    @Args() page: ConnectionArgs,
    @Arg('filter', () => OrderFilter, { nullable: true }) filter: OrderFilter | null,
    @Arg('orderBy', () => OrderOrder, { nullable: true }) orderBy: OrderOrder | null,
    @Ctx() { services, principal }: Context,
  ) {
    return services.orders.orders(principal, page, filter ?? {}, orderBy);
  }

  @FieldResolver(() => Merchant)
  merchant(@Root() order: Order, @Ctx() { loaders }: Context) {
    return loaders.merchant.load(order.merchantId);
  }

  @FieldResolver(() => [OrderLine])
  lines(@Root() order: Order, @Ctx() { loaders }: Context) {
    return loaders.linesByOrder.load(order.id);
  }

  @FieldResolver(() => Destination)
  destination(@Root() order: Order) {
    return new Destination(order);
  }

  @FieldResolver(() => Carrier, { nullable: true })
  carrier(@Root() order: Order, @Ctx() { loaders }: Context) {
    return order.carrierId === null ? null : loaders.carrier.load(order.carrierId);
  }

  @FieldResolver(() => [OrderEvent], { description: 'Every status change, oldest first.' })
  history(@Root() order: Order, @Ctx() { loaders }: Context) {
    return loaders.eventsByOrder.load(order.id);
  }
}

@Resolver(() => Destination)
export class DestinationResolver {
  @FieldResolver(() => VillageStation, { nullable: true })
  station(@Root() destination: Destination, @Ctx() { loaders }: Context) {
    return destination.order.stationId === null ? null : loaders.station.load(destination.order.stationId);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: "Personal data: the order's merchant, WAREHOUSE and ADMIN only.",
  })
  recipientName(@Root() { order }: Destination, @Ctx() { principal }: Context) {
    return recipientField(principal, order, order.recipientName);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: "Personal data: the order's merchant, WAREHOUSE and ADMIN only.",
  })
  recipientPhone(@Root() { order }: Destination, @Ctx() { principal }: Context) {
    return recipientField(principal, order, order.recipientPhone);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: "Personal data: the order's merchant, WAREHOUSE and ADMIN only.",
  })
  address(@Root() { order }: Destination, @Ctx() { principal }: Context) {
    return recipientField(principal, order, order.address);
  }
}

@Resolver(() => OrderLine)
export class OrderLineResolver {
  @FieldResolver(() => Sku)
  sku(@Root() line: OrderLine, @Ctx() { loaders }: Context) {
    return loaders.sku.load(line.skuId);
  }

  @FieldResolver(() => [Allocation], { description: 'Empty until the order is allocated.' })
  allocations(@Root() line: OrderLine, @Ctx() { loaders }: Context) {
    return loaders.allocationsByLine.load(line.id);
  }
}

@Resolver(() => Allocation)
export class AllocationResolver {
  @FieldResolver(() => Lot)
  lot(@Root() allocation: Allocation, @Ctx() { loaders }: Context) {
    return loaders.lot.load(allocation.lotId);
  }

  @FieldResolver(() => Location)
  location(@Root() allocation: Allocation, @Ctx() { loaders }: Context) {
    return loaders.location.load(allocation.locationId);
  }
}

@Resolver(() => Merchant)
export class MerchantResolver {
  @Query(() => Merchant, { nullable: true })
  merchant(@Arg('code') code: string, @Ctx() { services }: Context) {
    return services.catalog.merchantByCode(code);
  }

  @Query(() => MerchantConnection)
  merchants(@Args() page: ConnectionArgs, @Ctx() { services }: Context) {
    return services.catalog.merchants(page);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Merchant)
  createMerchant(@Arg('input') input: CreateMerchantInput, @Ctx() { services }: Context) {
    return services.catalog.createMerchant(input);
  }

  @FieldResolver(() => OrderConnection, {
    description: 'A merchant sees only its own; WAREHOUSE, OFFICIAL and ADMIN see all.',
  })
  orders(
    @Root() merchant: Merchant,
    @Args() page: ConnectionArgs,
    @Arg('filter', () => OrderFilter, { nullable: true }) filter: OrderFilter | null,
    @Arg('orderBy', () => OrderOrder, { nullable: true }) orderBy: OrderOrder | null,
    @Ctx() { loaders, principal }: Context,
  ) {
    if (!maySeeOrdersOf(principal, merchant.id)) return emptyConnection<Order>(page);
    return loaders.ordersOf(merchant.id, page, filter ?? {}, orderBy);
  }
}

@Resolver(() => StockMovement)
export class MovementOrderResolver {
  @FieldResolver(() => Order, { nullable: true })
  async order(@Root() movement: StockMovement, @Ctx() { loaders, principal }: Context) {
    if (movement.orderId === null) return null;
    const order = await loaders.order.load(movement.orderId);
    return order && maySeeOrder(principal, order) ? order : null;
  }
}
