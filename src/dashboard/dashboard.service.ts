import { DataSource } from 'typeorm';
import { badInput } from '../graphql/errors';
import { Money } from '../money';
import { Lot } from '../stock/lot.entity';
import { addDays, shanghaiToday } from '../time';
import {
  CarrierFigures, DailyFigures, Dashboard, DashboardSummary, FarmFigures, MonthlyFigures, SkuFigures, VillageFigures,
} from './dashboard.types';
import { monthOf } from './rollup.service';

export const MAX_DASHBOARD_DAYS = 366;
export const MAX_DASHBOARD_LIMIT = 100;

type Row = Record<string, unknown>;

/** The parts of a date range: whole calendar months (read from monthly rollups) and the days around them. */
export interface RangeParts {
  months: [string, string] | null;
  days: [string, string][];
}

function lastDayOfMonth(day: string): string {
  return addDays(monthOf(addDays(monthOf(day), 31)), -1);
}

export function rangeParts(from: string, to: string): RangeParts {
  const firstWhole = from === monthOf(from) ? from : monthOf(addDays(monthOf(from), 31));
  const lastWholeEnd = to === lastDayOfMonth(to) ? to : addDays(monthOf(to), -1);
  if (firstWhole > lastWholeEnd) return { months: null, days: [[from, to]] };
  const days: [string, string][] = [];
  if (from < firstWhole) days.push([from, addDays(firstWhole, -1)]);
  if (lastWholeEnd < to) days.push([addDays(lastWholeEnd, 1), to]);
  return { months: [firstWhole, monthOf(lastWholeEnd)], days };
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

function checkLimit(limit: number, field = 'limit'): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_DASHBOARD_LIMIT) {
    throw badInput(field, `${field} must be from 1 to ${MAX_DASHBOARD_LIMIT}, got ${limit}`);
  }
}

const fen = (value: unknown): bigint => BigInt(value === null || value === undefined ? 0 : String(value));

/** County office figures, read from the daily and monthly rollups (never from orders). */
export class DashboardService {
  constructor(private readonly dataSource: DataSource) {}

  /** A dashboard of `from`..`to` (Asia/Shanghai days, both included, at most 366). */
  dashboard(from: string, to: string): Dashboard {
    if (from > to) throw badInput('from', `from must not be after to, got from ${from} and to ${to}`);
    const days = daysBetween(from, to);
    if (days > MAX_DASHBOARD_DAYS) throw badInput('to', `a dashboard covers at most ${MAX_DASHBOARD_DAYS} days, got ${days}`);
    return Object.assign(new Dashboard(), { from, to });
  }

  /** Totals, every day of the range (zeros included) and every month it touches: one query over daily_sales. */
  summary(dashboard: Dashboard): Promise<DashboardSummary> {
    return (dashboard.summary ??= this.readSummary(dashboard.from, dashboard.to));
  }

  private async readSummary(from: string, to: string): Promise<DashboardSummary> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT day, SUM(sales_fen) AS sales_fen, SUM(orders_placed) AS orders_placed, SUM(orders_dispatched) AS orders_dispatched,
              SUM(parcels) AS parcels, SUM(units) AS units
         FROM daily_sales WHERE day >= ? AND day <= ? GROUP BY day`, [from, to]);
    const byDay = new Map(rows.map((row) => [String(row.day).slice(0, 10), row]));
    const summary: DashboardSummary = { salesFen: 0n, ordersPlaced: 0, ordersDispatched: 0, parcels: 0, units: 0, daily: [], monthly: [] };
    const months = new Map<string, { salesFen: bigint; ordersDispatched: number; parcels: number }>();
    for (let day = from; day <= to; day = addDays(day, 1)) {
      const row = byDay.get(day);
      const salesFen = fen(row?.sales_fen);
      const figures = Object.assign(new DailyFigures(), {
        date: day, sales: Money.fromFen(salesFen), ordersPlaced: Number(row?.orders_placed ?? 0),
        ordersDispatched: Number(row?.orders_dispatched ?? 0), parcels: Number(row?.parcels ?? 0),
      });
      summary.daily.push(figures);
      summary.salesFen += salesFen;
      summary.ordersPlaced += figures.ordersPlaced;
      summary.ordersDispatched += figures.ordersDispatched;
      summary.parcels += figures.parcels;
      summary.units += Number(row?.units ?? 0);
      const month = months.get(day.slice(0, 7)) ?? { salesFen: 0n, ordersDispatched: 0, parcels: 0 };
      month.salesFen += salesFen;
      month.ordersDispatched += figures.ordersDispatched;
      month.parcels += figures.parcels;
      months.set(day.slice(0, 7), month);
    }
    summary.monthly = [...months].map(([month, m]) => Object.assign(new MonthlyFigures(), {
      month, sales: Money.fromFen(m.salesFen), ordersDispatched: m.ordersDispatched, parcels: m.parcels,
    }));
    return summary;
  }

  /** Parcels and orders per carrier, most parcels first. */
  async byCarrier(dashboard: Dashboard): Promise<CarrierFigures[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT carrier_id, SUM(parcels) AS parcels, SUM(orders_dispatched) AS orders_dispatched
         FROM daily_sales_by_carrier WHERE day >= ? AND day <= ?
        GROUP BY carrier_id ORDER BY SUM(parcels) DESC, carrier_id`, [dashboard.from, dashboard.to]);
    return rows.map((row) => Object.assign(new CarrierFigures(), {
      carrierId: Number(row.carrier_id), parcels: Number(row.parcels), ordersDispatched: Number(row.orders_dispatched),
    }));
  }

  /** Sales and units by the farm whose lots were shipped, largest first. */
  async byFarm(dashboard: Dashboard, limit: number): Promise<FarmFigures[]> {
    checkLimit(limit);
    const rows = await this.topOf('farm', 'units', dashboard, limit);
    return rows.map((row) => Object.assign(new FarmFigures(), { farmId: Number(row.k), sales: Money.fromFen(fen(row.sales_fen)), units: Number(row.n) }));
  }

  /** Sales and units by SKU, largest first. */
  async topSkus(dashboard: Dashboard, limit: number): Promise<SkuFigures[]> {
    checkLimit(limit);
    const rows = await this.topOf('sku', 'units', dashboard, limit);
    return rows.map((row) => Object.assign(new SkuFigures(), { skuId: Number(row.k), sales: Money.fromFen(fen(row.sales_fen)), units: Number(row.n) }));
  }

  /** Sales by the village of the selling merchant, with how many of its merchants sold, largest first. */
  async byMerchantVillage(dashboard: Dashboard): Promise<VillageFigures[]> {
    const { sql, params } = this.unionOf('merchant', 'orders_dispatched', dashboard);
    const rows: Row[] = await this.dataSource.query(
      `SELECT mc.village AS village, SUM(x.sales_fen) AS sales_fen, COUNT(DISTINCT x.k) AS merchants
         FROM (${sql}) x JOIN merchant mc ON mc.id = x.k
        GROUP BY mc.village ORDER BY SUM(x.sales_fen) DESC, mc.village`, params);
    return rows.map((row) => Object.assign(new VillageFigures(), {
      village: String(row.village), sales: Money.fromFen(fen(row.sales_fen)), merchants: Number(row.merchants),
    }));
  }

  /** Everything on hand now at today's SKU prices. */
  async stockValue(): Promise<Money> {
    const [row]: Row[] = await this.dataSource.query(
      'SELECT COALESCE(SUM(sl.on_hand * s.price_fen), 0) AS value_fen FROM stock_level sl JOIN sku s ON s.id = sl.sku_id');
    return Money.fromFen(fen(row?.value_fen));
  }

  /** Ids of active SKUs whose available units are at or below their threshold, fewest available first. */
  async lowStockSkuIds(limit: number): Promise<number[]> {
    checkLimit(limit);
    const rows: Row[] = await this.dataSource.query(
      `SELECT x.sku_id FROM (
         SELECT sl.sku_id AS sku_id, s.low_stock_threshold AS threshold,
                sl.on_hand - sl.reserved - sl.held_or_expired - COALESCE((SELECT SUM(l.quantity_on_hand) FROM lot l
                  WHERE l.sku_id = sl.sku_id AND l.status = 'ACTIVE' AND l.expires_on < ?), 0) AS available
           FROM stock_level sl JOIN sku s ON s.id = sl.sku_id WHERE s.active = ?
       ) x WHERE x.available <= x.threshold ORDER BY x.available, x.sku_id LIMIT ?`, [shanghaiToday(), 1, limit]);
    return rows.map((row) => Number(row.sku_id));
  }

  /** ACTIVE lots with units on hand whose expiry falls within the next `withinDays` days, soonest first. */
  expiringLots(withinDays: number, limit: number): Promise<Lot[]> {
    checkLimit(limit);
    if (!Number.isInteger(withinDays) || withinDays < 0 || withinDays > MAX_DASHBOARD_DAYS) {
      throw badInput('withinDays', `withinDays must be from 0 to ${MAX_DASHBOARD_DAYS}, got ${withinDays}`);
    }
    const today = shanghaiToday();
    return this.dataSource.getRepository(Lot).createQueryBuilder('lot')
      .where("lot.status = 'ACTIVE'")
      .andWhere('lot.quantity_on_hand > 0')
      .andWhere('lot.expires_on >= :today AND lot.expires_on <= :until', { today, until: addDays(today, withinDays) })
      .orderBy('lot.expires_on', 'ASC').addOrderBy('lot.id', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** The largest keys of a wide breakdown (sku, farm): whole months from monthly rollups, the rest from daily ones. */
  private topOf(dimension: 'sku' | 'farm', count: string, dashboard: Dashboard, limit: number): Promise<Row[]> {
    const { sql, params } = this.unionOf(dimension, count, dashboard);
    return this.dataSource.query(
      `SELECT x.k AS k, SUM(x.sales_fen) AS sales_fen, SUM(x.n) AS n FROM (${sql}) x
        GROUP BY x.k ORDER BY SUM(x.sales_fen) DESC, x.k LIMIT ?`, [...params, limit]);
  }

  private unionOf(dimension: 'sku' | 'farm' | 'merchant', count: string, dashboard: Dashboard): { sql: string; params: string[] } {
    const parts = rangeParts(dashboard.from, dashboard.to);
    const selects: string[] = [];
    const params: string[] = [];
    const columns = `${dimension}_id AS k, sales_fen, ${count} AS n`;
    if (parts.months) {
      selects.push(`SELECT ${columns} FROM monthly_sales_by_${dimension} WHERE month >= ? AND month <= ?`);
      params.push(...parts.months);
    }
    for (const [a, b] of parts.days) {
      selects.push(`SELECT ${columns} FROM daily_sales_by_${dimension} WHERE day >= ? AND day <= ?`);
      params.push(a, b);
    }
    return { sql: selects.join(' UNION ALL '), params };
  }
}
