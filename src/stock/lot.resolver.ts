import { Arg, Args, Authorized, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { Farm } from '../catalog/farm.entity';
import { Location } from '../catalog/location.entity';
import { Sku } from '../catalog/sku.entity';
import { MOVEMENT_READERS } from '../auth/access-policy';
import { Context } from '../context';
import { connectionType, ConnectionArgs } from '../graphql/connection';
import { LotPlacement } from './lot-placement.entity';
import { Lot } from './lot.entity';
import { StockLevel } from './stock-level.entity';
import { StockMovement } from './stock-movement.entity';
import { LotFilter, MovementFilter } from './stock.inputs';

export const LotConnection = connectionType(Lot, 'Lot');
export const StockMovementConnection = connectionType(StockMovement, 'StockMovement');

@Resolver(() => Lot)
export class LotResolver {
  @Query(() => Lot, { nullable: true })
  lot(@Arg('code') code: string, @Ctx() { services }: Context) {
    return services.stock.lotByCode(code);
  }

  @Query(() => LotConnection)
  lots(
    @Args() page: ConnectionArgs,
    @Arg('filter', () => LotFilter, { nullable: true }) filter: LotFilter | null,
    @Ctx() { services }: Context,
  ) {
    return services.stock.lots(page, filter ?? {});
  }

  @Authorized(...MOVEMENT_READERS)
  @Query(() => StockMovementConnection)
  stockMovements(
    @Args() page: ConnectionArgs,
    @Arg('filter', () => MovementFilter, { nullable: true }) filter: MovementFilter | null,
    @Ctx() { services }: Context,
  ) {
    return services.stock.movements(page, filter ?? {});
  }

  @FieldResolver(() => Sku)
  sku(@Root() lot: Lot, @Ctx() { loaders }: Context) {
    return loaders.sku.load(lot.skuId);
  }

  @FieldResolver(() => Farm)
  farm(@Root() lot: Lot, @Ctx() { loaders }: Context) {
    return loaders.farm.load(lot.farmId);
  }

  @FieldResolver(() => [LotPlacement])
  placements(@Root() lot: Lot, @Ctx() { loaders }: Context) {
    return loaders.placementsByLot.load(lot.id).then((rows) => rows.filter((p) => p.quantity > 0));
  }
}

@Resolver(() => LotPlacement)
export class LotPlacementResolver {
  @FieldResolver(() => Lot)
  lot(@Root() placement: LotPlacement, @Ctx() { loaders }: Context) {
    return loaders.lot.load(placement.lotId);
  }

  @FieldResolver(() => Location)
  location(@Root() placement: LotPlacement, @Ctx() { loaders }: Context) {
    return loaders.location.load(placement.locationId);
  }
}

@Resolver(() => StockLevel)
export class StockLevelResolver {
  @FieldResolver(() => Sku)
  sku(@Root() level: StockLevel, @Ctx() { loaders }: Context) {
    return loaders.sku.load(level.skuId);
  }

  @FieldResolver(() => Int, {
    description: 'Units in ACTIVE lots whose expiresOn falls within the next `days` days.',
  })
  expiringWithin(
    @Root() level: StockLevel,
    @Arg('days', () => Int, { defaultValue: 7 }) days: number,
    @Ctx() { loaders }: Context,
  ) {
    return loaders.expiringWithin.load(`${level.skuId}:${days}`);
  }
}

@Resolver(() => StockMovement)
export class StockMovementResolver {
  @FieldResolver(() => Sku)
  sku(@Root() movement: StockMovement, @Ctx() { loaders }: Context) {
    return loaders.sku.load(movement.skuId);
  }

  @FieldResolver(() => Lot)
  lot(@Root() movement: StockMovement, @Ctx() { loaders }: Context) {
    return loaders.lot.load(movement.lotId);
  }

  @FieldResolver(() => Location, { nullable: true })
  fromLocation(@Root() movement: StockMovement, @Ctx() { loaders }: Context) {
    return movement.fromLocationId === null ? null : loaders.location.load(movement.fromLocationId);
  }

  @FieldResolver(() => Location, { nullable: true })
  toLocation(@Root() movement: StockMovement, @Ctx() { loaders }: Context) {
    return movement.toLocationId === null ? null : loaders.location.load(movement.toLocationId);
  }
}
