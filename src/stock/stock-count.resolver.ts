import { Arg, Authorized, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { Location } from '../catalog/location.entity';
import { Context } from '../context';
import { Role } from '../graphql/enums';
import { Lot } from './lot.entity';
import { StockCount } from './stock-count.entity';
import { StockMovement } from './stock-movement.entity';
import { CountStockInput } from './stock.inputs';

@Resolver(() => StockCount)
export class StockCountResolver {
  @Authorized(Role.WAREHOUSE)
  @Mutation(() => StockCount, {
    description:
      'Stocktake of one bin: records the counted quantity as a COUNT_CORRECTION of the difference. A count that would leave on-hand below what open orders have reserved is INSUFFICIENT_STOCK.',
  })
  countStock(@Arg('input') input: CountStockInput, @Ctx() { services, principal, loaders }: Context) {
    loaders.clearAll();
    return services.stockCounts.countStock(principal, input);
  }

  @FieldResolver(() => Lot)
  lot(@Root() count: StockCount, @Ctx() { loaders }: Context) {
    return loaders.lot.load(count.lotId);
  }

  @FieldResolver(() => Location)
  location(@Root() count: StockCount, @Ctx() { loaders }: Context) {
    return loaders.location.load(count.locationId);
  }

  @FieldResolver(() => StockMovement, {
    nullable: true,
    description: 'The ADJUSTMENT (COUNT_CORRECTION) of the difference; null when the count matched.',
  })
  movement(@Root() count: StockCount, @Ctx() { loaders }: Context) {
    return count.movementId === null ? null : loaders.movement.load(count.movementId);
  }
}
