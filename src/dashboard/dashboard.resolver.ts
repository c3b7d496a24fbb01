import { Arg, Authorized, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { Carrier } from '../catalog/carrier.entity';
import { Farm } from '../catalog/farm.entity';
import { Sku } from '../catalog/sku.entity';
import { Context } from '../context';
import { Role } from '../graphql/enums';
import { LocalDateScalar } from '../graphql/scalars';
import { Money } from '../graphql/money.type';
import { Lot } from '../stock/lot.entity';
import { StockLevel } from '../stock/stock-level.entity';
import {
  CarrierFigures,
  DailyFigures,
  Dashboard,
  FarmFigures,
  MonthlyFigures,
  SkuFigures,
  VillageFigures,
} from './dashboard.types';

@Resolver(() => Dashboard)
export class DashboardResolver {
  @Authorized(Role.OFFICIAL)
  @Query(() => Dashboard, { description: 'OFFICIAL and ADMIN. At most 366 days.' })
  dashboard(
    @Arg('from', () => LocalDateScalar) from: string,
    @Arg('to', () => LocalDateScalar) to: string,
    @Ctx() context: Context,
  ) {
    return context.services.dashboard.dashboard(from, to, context);
  }

  @FieldResolver(() => Money)
  async sales(@Root() dashboard: Dashboard, @Ctx() { services }: Context) {
    return Money.fromFen((await services.dashboard.summary(dashboard)).salesFen);
  }

  @FieldResolver(() => Int)
  async ordersPlaced(@Root() dashboard: Dashboard, @Ctx() { services }: Context) {
    return (await services.dashboard.summary(dashboard)).ordersPlaced;
  }

  @FieldResolver(() => Int)
  async ordersDispatched(@Root() dashboard: Dashboard, @Ctx() { services }: Context) {
    return (await services.dashboard.summary(dashboard)).ordersDispatched;
  }

  @FieldResolver(() => Int)
  async parcelsDispatched(@Root() dashboard: Dashboard, @Ctx() { services }: Context) {
    return (await services.dashboard.summary(dashboard)).parcels;
  }

  @FieldResolver(() => Int)
  async unitsDispatched(@Root() dashboard: Dashboard, @Ctx() { services }: Context) {
    return (await services.dashboard.summary(dashboard)).units;
  }

  @FieldResolver(() => Int, {
    description:
      "Units that came back in the range (RESALEABLE and DAMAGED), and their value at the order's unit price.",
  })
  async unitsReturned(@Root() dashboard: Dashboard, @Ctx() { services }: Context) {
    return (await services.dashboard.summary(dashboard)).unitsReturned;
  }

  @FieldResolver(() => Money)
  async salesReturned(@Root() dashboard: Dashboard, @Ctx() { services }: Context) {
    return Money.fromFen((await services.dashboard.summary(dashboard)).salesReturnedFen);
  }

  @FieldResolver(() => [DailyFigures], { description: 'One row for every day of the range, zeros included.' })
  async daily(@Root() dashboard: Dashboard, @Ctx() { services }: Context) {
    return (await services.dashboard.summary(dashboard)).daily;
  }

  @FieldResolver(() => [MonthlyFigures], {
    description: 'One row for every calendar month the range touches.',
  })
  async monthly(@Root() dashboard: Dashboard, @Ctx() { services }: Context) {
    return (await services.dashboard.summary(dashboard)).monthly;
  }

  @FieldResolver(() => [CarrierFigures])
  byCarrier(@Root() dashboard: Dashboard, @Ctx() { services }: Context) {
    return services.dashboard.byCarrier(dashboard);
  }

  @FieldResolver(() => [FarmFigures], {
    description: 'Sales attributed to the farms whose lots were shipped, largest first.',
  })
  byFarm(
    @Root() dashboard: Dashboard,
    @Arg('limit', () => Int, { defaultValue: 10 }) limit: number,
    @Ctx() { services }: Context,
  ) {
    return services.dashboard.byFarm(dashboard, limit);
  }

  @FieldResolver(() => [VillageFigures], {
    description: 'Sales by the village of the selling merchant, largest first.',
  })
  byMerchantVillage(@Root() dashboard: Dashboard, @Ctx() { services }: Context) {
    return services.dashboard.byMerchantVillage(dashboard);
  }

  @FieldResolver(() => [SkuFigures])
  topSkus(
    @Root() dashboard: Dashboard,
    @Arg('limit', () => Int, { defaultValue: 10 }) limit: number,
    @Ctx() { services }: Context,
  ) {
    return services.dashboard.topSkus(dashboard, limit);
  }

  @FieldResolver(() => Money, { description: 'Value of everything on hand now, at SKU price.' })
  stockValue(@Root() dashboard: Dashboard, @Ctx() { services }: Context) {
    return services.dashboard.stockValue(dashboard);
  }

  @FieldResolver(() => [StockLevel])
  async lowStock(
    @Root() dashboard: Dashboard,
    @Arg('limit', () => Int, { defaultValue: 20 }) limit: number,
    @Ctx() { services, loaders }: Context,
  ) {
    const levels = await loaders.stockLevel.loadMany(
      await services.dashboard.lowStockSkuIds(dashboard, limit),
    );
    return levels.filter((level): level is StockLevel => level instanceof StockLevel);
  }

  @FieldResolver(() => [Lot])
  expiringLots(
    @Root() dashboard: Dashboard,
    @Arg('withinDays', () => Int, { defaultValue: 7 }) withinDays: number,
    @Arg('limit', () => Int, { defaultValue: 20 }) limit: number,
    @Ctx() { services }: Context,
  ) {
    return services.dashboard.expiringLots(dashboard, withinDays, limit);
  }
}

@Resolver(() => CarrierFigures)
export class CarrierFiguresResolver {
  @FieldResolver(() => Carrier)
  carrier(@Root() figures: CarrierFigures, @Ctx() { loaders }: Context) {
    return loaders.carrier.load(figures.carrierId);
  }
}

@Resolver(() => FarmFigures)
export class FarmFiguresResolver {
  @FieldResolver(() => Farm)
  farm(@Root() figures: FarmFigures, @Ctx() { loaders }: Context) {
    return loaders.farm.load(figures.farmId);
  }
}

@Resolver(() => SkuFigures)
export class SkuFiguresResolver {
  @FieldResolver(() => Sku)
  sku(@Root() figures: SkuFigures, @Ctx() { loaders }: Context) {
    return loaders.sku.load(figures.skuId);
  }
}
