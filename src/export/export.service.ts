import { DataSource, In, ObjectLiteral, Repository, SelectQueryBuilder } from 'typeorm';
import { Carrier } from '../catalog/carrier.entity';
import { Farm } from '../catalog/farm.entity';
import { Location } from '../catalog/location.entity';
import { Sku } from '../catalog/sku.entity';
import { VillageStation } from '../catalog/village-station.entity';
import { DashboardService, MAX_DASHBOARD_LIMIT } from '../dashboard/dashboard.service';
import {
  CarrierFigures,
  DailyFigures,
  FarmFigures,
  MonthlyFigures,
  SkuFigures,
  VillageFigures,
} from '../dashboard/dashboard.types';
import { Merchant } from '../orders/merchant.entity';
import { OrderLine } from '../orders/order-line.entity';
import { Order } from '../orders/order.entity';
import { Lot } from '../stock/lot.entity';
import { StockMovement } from '../stock/stock-movement.entity';
import { addDays, shanghaiDayStart } from '../time';

/** Rows read per statement: a file of any length holds at most this many rows in memory at once. */
export const EXPORT_BATCH = 1000;

export const DASHBOARD_SECTIONS = ['daily', 'monthly', 'carriers', 'farms', 'villages', 'skus'] as const;
export type DashboardSection = (typeof DASHBOARD_SECTIONS)[number];

export interface MovementRow {
  movement: StockMovement;
  skuCode?: string;
  lotCode?: string;
  fromLocation?: string;
  toLocation?: string;
  orderNumber?: string;
}

export interface OrderRow {
  order: Order;
  merchant?: Merchant;
  carrierCode?: string;
  stationCode?: string;
  lines: number;
  units: number;
}

export type DashboardRow =
  | DailyFigures
  | MonthlyFigures
  | (CarrierFigures & { carrier?: Carrier })
  | (FarmFigures & { farm?: Farm })
  | VillageFigures
  | (SkuFigures & { sku?: Sku });

/** id -> entity of the ids given, in one statement. */
async function byId<T extends ObjectLiteral & { id: number }>(
  repository: Repository<T>,
  ids: Iterable<number | null | undefined>,
): Promise<Map<number, T>> {
  const wanted = [...new Set([...ids].filter((id): id is number => typeof id === 'number'))];
  if (wanted.length === 0) return new Map();
  const rows = await repository.findBy({ id: In(wanted) } as never);
  return new Map(rows.map((row) => [row.id, row]));
}

/**
 * Batches of a query in the order of (`time`, id), read with keyset pagination: each statement starts
 * after the last row of the one before, on the index of `time` (which holds the id), so a year of rows
 * costs the same per batch as the first day.
 */
async function* keyset<T extends ObjectLiteral & { id: number }>(
  query: () => SelectQueryBuilder<T>,
  alias: string,
  time: keyof T & string,
): AsyncGenerator<T[]> {
  let after: T | null = null;
  for (;;) {
    const qb = query();
    if (after) {
      qb.andWhere(
        `(${alias}.${time} > :afterAt OR (${alias}.${time} = :afterAt AND ${alias}.id > :afterId))`,
        {
          afterAt: after[time],
          afterId: after.id,
        },
      );
    }
    const rows = await qb
      .orderBy(`${alias}.${time}`, 'ASC')
      .addOrderBy(`${alias}.id`, 'ASC')
      .limit(EXPORT_BATCH)
      .getMany();
    if (rows.length > 0) yield rows;
    if (rows.length < EXPORT_BATCH) return;
    after = rows[rows.length - 1];
  }
}

/** The rows of the CSV exports: the ledger and orders in batches, the dashboard's sections whole. */
export class ExportService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly dashboard: DashboardService,
  ) {}

  /** Stock movements of the Asia/Shanghai days from..to, oldest first, in batches of EXPORT_BATCH. */
  async *movements(from: string, to: string): AsyncGenerator<MovementRow[]> {
    const repository = this.dataSource.getRepository(StockMovement);
    const query = () =>
      repository.createQueryBuilder('m').where('m.occurredAt >= :start AND m.occurredAt < :end', {
        start: shanghaiDayStart(from),
        end: shanghaiDayStart(addDays(to, 1)),
      });
    for await (const batch of keyset(query, 'm', 'occurredAt')) {
      const [skus, lots, locations, orders] = await Promise.all([
        byId(
          this.dataSource.getRepository(Sku),
          batch.map((m) => m.skuId),
        ),
        byId(
          this.dataSource.getRepository(Lot),
          batch.map((m) => m.lotId),
        ),
        byId(
          this.dataSource.getRepository(Location),
          batch.flatMap((m) => [m.fromLocationId, m.toLocationId]),
        ),
        byId(
          this.dataSource.getRepository(Order),
          batch.map((m) => m.orderId),
        ),
      ]);
      yield batch.map((movement) => ({
        movement,
        skuCode: skus.get(movement.skuId)?.code,
        lotCode: lots.get(movement.lotId)?.code,
        fromLocation: locations.get(movement.fromLocationId ?? -1)?.code,
        toLocation: locations.get(movement.toLocationId ?? -1)?.code,
        orderNumber: orders.get(movement.orderId ?? -1)?.number,
      }));
    }
  }

  /**
   * Orders placed on the Asia/Shanghai days from..to (of one merchant, or all when merchantId is null),
   * oldest first, in batches of EXPORT_BATCH, with their line and unit counts.
   */
  async *orders(from: string, to: string, merchantId: number | null): AsyncGenerator<OrderRow[]> {
    const repository = this.dataSource.getRepository(Order);
    const query = () => {
      const qb = repository.createQueryBuilder('o').where('o.placedAt >= :start AND o.placedAt < :end', {
        start: shanghaiDayStart(from),
        end: shanghaiDayStart(addDays(to, 1)),
      });
      return merchantId === null ? qb : qb.andWhere('o.merchantId = :merchantId', { merchantId });
    };
    for await (const batch of keyset(query, 'o', 'placedAt')) {
      const ids = batch.map((o) => o.id);
      const [merchants, carriers, stations, counts] = await Promise.all([
        byId(
          this.dataSource.getRepository(Merchant),
          batch.map((o) => o.merchantId),
        ),
        byId(
          this.dataSource.getRepository(Carrier),
          batch.map((o) => o.carrierId),
        ),
        byId(
          this.dataSource.getRepository(VillageStation),
          batch.map((o) => o.stationId),
        ),
        this.dataSource
          .getRepository(OrderLine)
          .createQueryBuilder('l')
          .select('l.orderId', 'orderId')
          .addSelect('COUNT(*)', 'lines')
          .addSelect('SUM(l.quantity)', 'units')
          .where('l.orderId IN (:...ids)', { ids })
          .groupBy('l.orderId')
          .getRawMany<{ orderId: number; lines: number; units: number }>(),
      ]);
      const perOrder = new Map(counts.map((c) => [Number(c.orderId), c]));
      yield batch.map((order) => ({
        order,
        merchant: merchants.get(order.merchantId),
        carrierCode: carriers.get(order.carrierId ?? -1)?.code,
        stationCode: stations.get(order.stationId ?? -1)?.code,
        lines: Number(perOrder.get(order.id)?.lines ?? 0),
        units: Number(perOrder.get(order.id)?.units ?? 0),
      }));
    }
  }

  /**
   * One section of the dashboard of from..to, as DashboardService computes it for the API (from the
   * rollups): every day, every month, every carrier and village, the top MAX_DASHBOARD_LIMIT farms and SKUs.
   * Validates the range as the dashboard query does.
   */
  async dashboardSection(section: DashboardSection, from: string, to: string): Promise<DashboardRow[]> {
    const dashboard = this.dashboard.dashboard(from, to);
    switch (section) {
      case 'daily':
        return (await this.dashboard.summary(dashboard)).daily;
      case 'monthly':
        return (await this.dashboard.summary(dashboard)).monthly;
      case 'villages':
        return this.dashboard.byMerchantVillage(dashboard);
      case 'carriers': {
        const rows = await this.dashboard.byCarrier(dashboard);
        const carriers = await byId(
          this.dataSource.getRepository(Carrier),
          rows.map((r) => r.carrierId),
        );
        return rows.map((row) => Object.assign(row, { carrier: carriers.get(row.carrierId) }));
      }
      case 'farms': {
        const rows = await this.dashboard.byFarm(dashboard, MAX_DASHBOARD_LIMIT);
        const farms = await byId(
          this.dataSource.getRepository(Farm),
          rows.map((r) => r.farmId),
        );
        return rows.map((row) => Object.assign(row, { farm: farms.get(row.farmId) }));
      }
      case 'skus': {
        const rows = await this.dashboard.topSkus(dashboard, MAX_DASHBOARD_LIMIT);
        const skus = await byId(
          this.dataSource.getRepository(Sku),
          rows.map((r) => r.skuId),
        );
        return rows.map((row) => Object.assign(row, { sku: skus.get(row.skuId) }));
      }
    }
  }
}
