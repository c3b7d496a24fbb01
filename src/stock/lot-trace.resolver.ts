import { Arg, Authorized, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { MOVEMENT_READERS } from '../auth/access-policy';
import { Context } from '../context';
import { Merchant } from '../orders/merchant.entity';
import { Order } from '../orders/order.entity';
import { LotShipment, LotTrace } from './lot-trace.type';

@Resolver(() => LotTrace)
export class LotTraceResolver {
  @Authorized(...MOVEMENT_READERS)
  @Query(() => LotTrace, { nullable: true })
  traceLot(@Arg('code') code: string, @Ctx() { services }: Context) {
    return services.stock.traceLot(code);
  }

  /** The merchants whose orders took units of the lot, by code. */
  @FieldResolver(() => [Merchant])
  async merchants(@Root() trace: LotTrace, @Ctx() { loaders }: Context) {
    const orders = await loaders.order.loadMany(trace.shipments.map((s) => s.orderId));
    const merchantIds = [
      ...new Set(orders.filter((o): o is Order => o instanceof Order).map((o) => o.merchantId)),
    ];
    const merchants = await loaders.merchant.loadMany(merchantIds);
    return merchants
      .filter((m): m is Merchant => m instanceof Merchant)
      .sort((a, b) => a.code.localeCompare(b.code));
  }
}

@Resolver(() => LotShipment)
export class LotShipmentResolver {
  @FieldResolver(() => Order)
  order(@Root() shipment: LotShipment, @Ctx() { loaders }: Context) {
    return loaders.order.load(shipment.orderId);
  }
}
