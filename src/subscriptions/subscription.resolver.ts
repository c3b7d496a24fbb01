import { Arg, Ctx, PubSub, Resolver, Root, Subscription, SubscribeResolverData } from 'type-graphql';
import { followedOrders, maySeeOrder } from '../auth/access-policy';
import { Context } from '../context';
import { badInput, badRequest, notFound } from '../graphql/errors';
import { Loaders } from '../loaders';
import { Order } from '../orders/order.entity';
import { StockLevel } from '../stock/stock-level.entity';
import { Change, DeliveryGate, SubscriptionHub } from './subscription-hub';
import type { SocketEntry } from './subscription-limits';

/**
 * The context of a subscription: a request's context plus the hub of the instance serving it and what its
 * changes wait for before each is sent (room on the socket, points of the key).
 */
export interface SubscriptionContext extends Context {
  hub?: SubscriptionHub;
  /** The socket the subscription came on, with its key and how far its client is behind. */
  socketEntry?: SocketEntry;
  delivery?: DeliveryGate;
}

type SubscribeData<Args = Record<string, unknown>> = SubscribeResolverData<
  unknown,
  Args,
  SubscriptionContext
>;

/** Codes a storefront may watch in one subscription, as for the stockLevels query. */
const MAX_SKU_CODES = 250;

/**
 * type-graphql wants a PubSub once a schema has subscriptions; these bring their own `subscribe`, so it is
 * never used.
 */
export const unusedPubSub: PubSub = {
  publish() {
    throw new Error('subscriptions use the subscription hub, not a PubSub');
  },
  subscribe() {
    throw new Error('subscriptions use the subscription hub, not a PubSub');
  },
};

function hubOf(context: SubscriptionContext): SubscriptionHub {
  if (!context.hub) {
    throw badRequest('Subscriptions are served over WebSocket on /graphql (graphql-ws protocol)');
  }
  return context.hub;
}

async function stockChanges({ args, context }: SubscribeData<{ skuCodes?: string[] | null }>) {
  const hub = hubOf(context);
  const codes = args.skuCodes;
  if (codes === undefined || codes === null) return hub.stock(null, context.delivery);
  if (codes.length === 0)
    throw badInput('skuCodes', 'skuCodes must name at least one SKU; omit it to hear every SKU');
  if (codes.length > MAX_SKU_CODES)
    throw badInput('skuCodes', `skuCodes may name at most ${MAX_SKU_CODES} SKUs, got ${codes.length}`);
  const skus = await context.services.catalog.skusByCodes([...new Set(codes)]);
  const known = new Set(skus.map((sku) => sku.code));
  const unknown = codes.find((code) => !known.has(code));
  if (unknown !== undefined) throw notFound('Sku', unknown, 'skuCodes');
  return hub.stock(
    skus.map((sku) => sku.id),
    context.delivery,
  );
}

function orderChanges({ context }: SubscribeData) {
  const hub = hubOf(context);
  return hub.orders(followedOrders(context.principal), context.delivery);
}

/**
 * Each change is resolved with the loaders of its publication, created after the commit, so it shows the
 * state after the change.
 */
function loadersOf(change: Change, context: SubscriptionContext): Loaders {
  context.loaders = change.loaders();
  return context.loaders;
}

@Resolver()
export class SubscriptionResolver {
  @Subscription(() => StockLevel, {
    description: 'Every change to on-hand, reserved or available of the given SKUs (all SKUs when omitted).',
    subscribe: stockChanges,
  })
  async stockLevelChanged(
    @Root() change: Change,
    @Ctx() context: SubscriptionContext,
    @Arg('skuCodes', () => [String], { nullable: true }) _skuCodes?: string[] | null,
  ): Promise<StockLevel> {
    hubOf(context);
    const level = await loadersOf(change, context).stockLevel.load(change.id);
    if (!level) throw notFound('StockLevel of SKU id', String(change.id));
    return level;
  }

  @Subscription(() => Order, {
    description:
      'Status changes: a merchant receives its own orders, WAREHOUSE and ADMIN all. OFFICIAL keys are refused with FORBIDDEN.',
    subscribe: orderChanges,
  })
  async orderStatusChanged(@Root() change: Change, @Ctx() context: SubscriptionContext): Promise<Order> {
    hubOf(context);
    const order = await loadersOf(change, context).order.load(change.id);
    if (!order || !maySeeOrder(context.principal, order)) throw notFound('Order id', String(change.id));
    return order;
  }
}
