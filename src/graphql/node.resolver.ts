import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { maySeeMovements, maySeeOrder } from '../auth/access-policy';
import { Context } from '../context';
import { Loaders } from '../loaders';
import { badInput } from './errors';
import { fromGlobalId, Node } from './node';

const MAX_NODES = 100;

/** node(id:) and nodes(ids:): any object with a global id, null where unknown or not visible. */
@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true })
  node(@Arg('id', () => ID) id: string, @Ctx() context: Context) {
    return loadNode(context, id);
  }

  @Query(() => [Node], { nullable: 'items' })
  nodes(@Arg('ids', () => [ID]) ids: string[], @Ctx() context: Context) {
    if (ids.length > MAX_NODES)
      throw badInput('ids', `ids takes at most ${MAX_NODES} ids, got ${ids.length}`);
    return Promise.all(ids.map((id) => loadNode(context, id)));
  }
}

async function loadNode(context: Context, globalId: string): Promise<unknown> {
  const parsed = fromGlobalId(globalId);
  if (!parsed) return null;
  const { loaders, principal } = context;
  const byType: Record<string, (l: Loaders, id: number) => Promise<unknown>> = {
    Farm: (l, id) => l.farm.load(id),
    Sku: (l, id) => l.sku.load(id),
    Location: (l, id) => l.location.load(id),
    Carrier: (l, id) => l.carrier.load(id),
    VillageStation: (l, id) => l.station.load(id),
    Merchant: (l, id) => l.merchant.load(id),
    Lot: (l, id) => l.lot.load(id),
    Order: async (l, id) => {
      const order = await l.order.load(id);
      return order && maySeeOrder(principal, order) ? order : null;
    },
    StockMovement: (l, id) => (maySeeMovements(principal) ? l.movement.load(id) : Promise.resolve(null)),
  };
  // Own keys only: an id naming `constructor` or `toString` is as unknown as any other type.
  return Object.hasOwn(byType, parsed.type) ? byType[parsed.type](loaders, parsed.id) : null;
}
