import DataLoader from 'dataloader';
import { DataSource, EntityTarget, In, ObjectLiteral } from 'typeorm';
import { Carrier } from './catalog/carrier.entity';
import { Farm } from './catalog/farm.entity';
import { Location } from './catalog/location.entity';
import { SkuSupplier } from './catalog/sku-supplier.entity';
import { Sku } from './catalog/sku.entity';
import { VillageStation } from './catalog/village-station.entity';
import { Allocation } from './orders/allocation.entity';
import { Merchant } from './orders/merchant.entity';
import { OrderEvent } from './orders/order-event.entity';
import { OrderLine } from './orders/order-line.entity';
import { Order } from './orders/order.entity';
import { OrderReturn } from './orders/order-return.entity';
import { ReturnLine } from './orders/return-line.entity';
import { LotPlacement } from './stock/lot-placement.entity';
import { Lot } from './stock/lot.entity';
import { expiredUnitsSql, partsFromRow } from './stock/availability';
import { StockLevel } from './stock/stock-level.entity';
import { StockMovement } from './stock/stock-movement.entity';
import { addDays, shanghaiToday } from './time';
import { WebhookEndpoint } from './webhooks/webhook-endpoint.entity';
import { ConnectionArgs } from './graphql/connection';
import { childConnectionLoader } from './graphql/child-connections';
import { rowsWhereIn } from './db/raw-rows';
import { applyLotFilter } from './stock/lot-filter';
import { LotFilter } from './stock/stock.inputs';
import { applyOrderFilter, orderSortColumn, orderSortValue } from './orders/order-filter';
import { OrderFilter, OrderOrder } from './orders/order.inputs';

type Row = ObjectLiteral & { id: number };

/**
 * A stock level with its read-time parts, by plain SQL (the storefronts' hottest read: no query builder);
 * its one parameter is today's date, the SKU ids follow.
 */
const STOCK_LEVEL_SELECT =
  'SELECT sl.sku_id AS sku_id, sl.on_hand AS on_hand, sl.reserved AS reserved,' +
  ' sl.held_or_expired AS held_or_expired, sl.updated_at AS updated_at,' +
  ` s.low_stock_threshold AS low_stock_threshold, ${expiredUnitsSql('sl.sku_id', '?')} AS expired_not_written_off` +
  ' FROM stock_level sl INNER JOIN sku s ON s.id = sl.sku_id';

/** Rows by id, in key order, null for a missing id. */
function byId<T extends Row>(dataSource: DataSource, entity: EntityTarget<T>): DataLoader<number, T | null> {
  return new DataLoader(async (ids) => {
    const rows = await rowsWhereIn(dataSource, entity, 'id', ids);
    const map = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => map.get(id) ?? null);
  });
}

/** All rows whose `column` equals each key, in key order, ordered by `orderBy`. */
function groupedBy<T extends ObjectLiteral>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
  column: keyof T & string,
  orderBy: Partial<Record<keyof T & string, 'ASC' | 'DESC'>> = {},
): DataLoader<number, T[]> {
  const name = (property: string) =>
    dataSource.getMetadata(entity).findColumnWithPropertyName(property)!.databaseName;
  return new DataLoader(async (keys) => {
    const order = Object.entries(orderBy).map(([property, direction]) => {
      if (direction !== 'ASC') throw new Error(`groupedBy orders ascending only, got ${direction}`);
      return name(property);
    });
    const rows = await rowsWhereIn(dataSource, entity, name(column), keys, order);
    const groups = new Map<number, T[]>(keys.map((key) => [key, []]));
    for (const row of rows) groups.get(row[column])?.push(row);
    return keys.map((key) => groups.get(key) ?? []);
  });
}

/**
 * The per-request DataLoaders. Field resolvers read through them, so a query costs SQL round trips
 * bounded by its depth, not by the length of its lists. Writes call `clearAll()`.
 */
export class Loaders {
  constructor(private readonly dataSource: DataSource) {}

  readonly farm = byId(this.dataSource, Farm);
  readonly sku = byId(this.dataSource, Sku);
  readonly location = byId(this.dataSource, Location);
  readonly carrier = byId(this.dataSource, Carrier);
  readonly station = byId(this.dataSource, VillageStation);
  readonly merchant = byId(this.dataSource, Merchant);
  readonly lot = byId(this.dataSource, Lot);
  readonly order = byId(this.dataSource, Order);
  readonly webhookEndpoint = byId(this.dataSource, WebhookEndpoint);
  readonly movement = byId(this.dataSource, StockMovement);

  readonly placementsByLot = groupedBy(this.dataSource, LotPlacement, 'lotId', { locationId: 'ASC' });
  readonly placementsByLocation = groupedBy(this.dataSource, LotPlacement, 'locationId', { lotId: 'ASC' });
  readonly linesByOrder = groupedBy(this.dataSource, OrderLine, 'orderId', { id: 'ASC' });
  readonly allocationsByLine = groupedBy(this.dataSource, Allocation, 'orderLineId', { id: 'ASC' });
  readonly eventsByOrder = groupedBy(this.dataSource, OrderEvent, 'orderId', { id: 'ASC' });
  readonly returnsByOrder = groupedBy(this.dataSource, OrderReturn, 'orderId', { id: 'ASC' });
  readonly linesByReturn = groupedBy(this.dataSource, ReturnLine, 'returnId', { id: 'ASC' });
  readonly movementsByReturnLine = groupedBy(this.dataSource, StockMovement, 'returnLineId', { id: 'ASC' });

  /** Farms registered to supply each SKU. */
  readonly suppliersBySku = new DataLoader<number, Farm[]>(async (skuIds) => {
    const links = await rowsWhereIn(this.dataSource, SkuSupplier, 'sku_id', skuIds);
    const farms = await this.farm.loadMany([...new Set(links.map((l) => l.farmId))]);
    const farmById = new Map(farms.filter((f): f is Farm => f instanceof Farm).map((f) => [f.id, f]));
    return skuIds.map((skuId) =>
      links
        .filter((l) => l.skuId === skuId)
        .map((l) => farmById.get(l.farmId))
        .filter((f): f is Farm => !!f),
    );
  });

  /** SKUs each farm is registered to supply. */
  readonly skusByFarm = new DataLoader<number, Sku[]>(async (farmIds) => {
    const links = await this.dataSource.getRepository(SkuSupplier).findBy({ farmId: In([...farmIds]) });
    const skus = await this.sku.loadMany([...new Set(links.map((l) => l.skuId))]);
    const skuById = new Map(skus.filter((s): s is Sku => s instanceof Sku).map((s) => [s.id, s]));
    return farmIds.map((farmId) =>
      links
        .filter((l) => l.farmId === farmId)
        .map((l) => skuById.get(l.skuId))
        .filter((s): s is Sku => !!s),
    );
  });

  /** Stock levels by SKU id, with their read-time parts (expired units not yet written off, threshold). */
  readonly stockLevel = new DataLoader<number, StockLevel | null>(async (skuIds) => {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `${STOCK_LEVEL_SELECT} WHERE sl.sku_id IN (${skuIds.map(() => '?').join(', ')})`,
      [shanghaiToday(), ...skuIds],
    );
    const map = new Map(rows.map((row) => [Number(row.sku_id), stockLevelFromRow(row)]));
    return skuIds.map((id) => map.get(id) ?? null);
  });

  /** Units in ACTIVE lots of a SKU expiring within the next `days` days; key "skuId:days". */
  readonly expiringWithin = new DataLoader<string, number>(async (keys) => {
    const byDays = new Map<number, number[]>();
    for (const key of keys) {
      const [skuId, days] = key.split(':').map(Number);
      byDays.set(days, [...(byDays.get(days) ?? []), skuId]);
    }
    const today = shanghaiToday();
    const totals = new Map<string, number>();
    for (const [days, skuIds] of byDays) {
      const rows: { sku_id: number; units: string | number }[] = await this.dataSource
        .createQueryBuilder()
        .select('l.sku_id', 'sku_id')
        .addSelect('SUM(l.quantity_on_hand)', 'units')
        .from(Lot, 'l')
        .where('l.sku_id IN (:...skuIds)', { skuIds })
        .andWhere("l.status = 'ACTIVE'")
        .andWhere('l.expires_on >= :today AND l.expires_on <= :until', { today, until: addDays(today, days) })
        .groupBy('l.sku_id')
        .getRawMany();
      for (const row of rows) totals.set(`${row.sku_id}:${days}`, Number(row.units));
    }
    return keys.map((key) => totals.get(key) ?? 0);
  });

  private readonly lotsByFarm = childConnectionLoader(this.dataSource, Lot, 'farm_id', applyLotFilter);
  private readonly lotsBySku = childConnectionLoader(this.dataSource, Lot, 'sku_id', applyLotFilter);
  private readonly ordersByMerchant = childConnectionLoader(
    this.dataSource,
    Order,
    'merchant_id',
    applyOrderFilter,
    orderSortValue,
  );

  /** A page of the lots of a farm or a SKU. */
  lotsOf(parent: 'farm' | 'sku', parentId: number, page: ConnectionArgs, filter: LotFilter) {
    const loader = parent === 'farm' ? this.lotsByFarm : this.lotsBySku;
    return loader.load({ parentId, page: { ...page }, filter: { ...filter } });
  }

  /** A page of a merchant's orders, by id. */
  ordersOf(merchantId: number, page: ConnectionArgs, filter: OrderFilter, orderBy: OrderOrder | null = null) {
    const sort = orderBy ? { column: orderSortColumn(orderBy), direction: orderBy.direction } : null;
    return this.ordersByMerchant.load({
      parentId: merchantId,
      page: { ...page },
      filter: { ...filter },
      sort,
    });
  }

  /** Forgets everything loaded: a write may have changed it. */
  clearAll(): void {
    for (const value of Object.values(this)) {
      if (value instanceof DataLoader) value.clearAll();
    }
  }
}

export function stockLevelFromRow(row: Record<string, unknown>): StockLevel {
  return Object.assign(new StockLevel(), {
    skuId: Number(row.sku_id),
    ...partsFromRow(row),
    updatedAt:
      row.updated_at instanceof Date
        ? row.updated_at
        : new Date(`${String(row.updated_at).replace(' ', 'T')}Z`),
    lowStockThreshold: Number(row.low_stock_threshold),
  });
}
