import { EventEmitter } from 'node:events';
import { DataSource } from 'typeorm';
import { GatewayEvents, ROLLUPS_CHANGED } from '../events';
import { badInput } from '../graphql/errors';
import { Money } from '../graphql/money.type';
import { availableSql, expiredUnitsBySkuSql, isLowSql } from '../stock/availability';
import { Lot } from '../stock/lot.entity';
import { addDays, Clock, shanghaiDate, systemClock } from '../time';
import { DashboardAnswerCache, lastClosedDay, readOf } from './dashboard-answer.cache';
import {
  CarrierFigures,
  DailyFigures,
  Dashboard,
  DashboardSummary,
  FarmFigures,
  MonthlyFigures,
  SkuFigures,
  VillageFigures,
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

type Dimension = 'sku' | 'farm' | 'merchant';
type Totals = Map<number, { salesFen: bigint; n: number; village?: string }>;

const CLOSED_TTL_MS = 10 * 60_000;
const CLOSED_KEPT = 64;

/** The `limit` keys with the largest sales, ties by key. */
function largest(totals: Totals, limit: number): [number, { salesFen: bigint; n: number }][] {
  const top: [number, { salesFen: bigint; n: number }][] = [];
  const before = (a: [number, { salesFen: bigint }], b: [number, { salesFen: bigint }]) =>
    a[1].salesFen > b[1].salesFen || (a[1].salesFen === b[1].salesFen && a[0] < b[0]);
  for (const entry of totals) {
    if (top.length === limit && !before(entry, top[limit - 1])) continue;
    let i = top.length === limit ? limit - 1 : top.length;
    while (i > 0 && before(entry, top[i - 1])) {
      top[i] = top[i - 1];
      i--;
    }
    top[i] = entry;
  }
  return top;
}

/** County office figures, read from the daily and monthly rollups (never from orders). */
export class DashboardService {
  /** Figures of closed days by section and range (see totalsOf). */
  private readonly closed = new Map<
    string,
    { from: string; to: string; until: number; value: Promise<unknown> }
  >();
  /** Whole answers of closed ranges (null when the events cannot be listened to). */
  readonly answers: DashboardAnswerCache | null;

  constructor(
    private readonly dataSource: DataSource,
    events?: GatewayEvents,
    private readonly clock: Clock = systemClock,
  ) {
    this.answers = events instanceof EventEmitter ? new DashboardAnswerCache(events, clock) : null;
    if (events instanceof EventEmitter)
      events.on(ROLLUPS_CHANGED, (days: string[]) => {
        for (const [key, part] of this.closed)
          if (days.some((day) => part.from <= day && day <= part.to)) this.closed.delete(key);
      });
  }

  /**
   * A dashboard of `from`..`to` (Asia/Shanghai days, both included, at most 366). Within a request whose
   * whole answer may be kept (`context`), the range is noted.
   */
  dashboard(from: string, to: string, context?: object): Dashboard {
    if (from > to) throw badInput('from', `from must not be after to, got from ${from} and to ${to}`);
    const days = daysBetween(from, to);
    if (days > MAX_DASHBOARD_DAYS)
      throw badInput('to', `a dashboard covers at most ${MAX_DASHBOARD_DAYS} days, got ${days}`);
    const read = context ? readOf(context) : undefined;
    read?.ranges.push([from, to]);
    return Object.assign(new Dashboard(), { from, to, read });
  }

  private today(): string {
    return shanghaiDate(this.clock());
  }

  /** Notes that the answer of `dashboard` depends on current stock. */
  private readsStock(dashboard: Dashboard): void {
    if (dashboard.read) dashboard.read.readsStock = true;
  }

  /**
   * Totals, every day of the range (zeros included) and every month it touches: one query over daily_sales.
   */
  summary(dashboard: Dashboard): Promise<DashboardSummary> {
    return (dashboard.summary ??= this.readSummary(dashboard.from, dashboard.to));
  }

  private async readSummary(from: string, to: string): Promise<DashboardSummary> {
    const byDay = new Map<string, Row>();
    const parts = await this.closedAndLive(`days|${from}`, from, to, (a, b) => this.readDays(a, b));
    for (const part of parts) for (const [day, row] of part) byDay.set(day, row);
    const summary: DashboardSummary = {
      salesFen: 0n,
      ordersPlaced: 0,
      ordersDispatched: 0,
      parcels: 0,
      units: 0,
      unitsReturned: 0,
      salesReturnedFen: 0n,
      daily: [],
      monthly: [],
    };
    const months = new Map<string, { salesFen: bigint; ordersDispatched: number; parcels: number }>();
    const days = daysBetween(from, to);
    const start = Date.parse(`${from}T00:00:00Z`);
    for (let i = 0; i < days; i++) {
      const day = new Date(start + i * 86_400_000).toISOString().slice(0, 10);
      const row = byDay.get(day);
      const salesFen = fen(row?.sales_fen);
      const figures = Object.assign(new DailyFigures(), {
        date: day,
        sales: Money.fromFen(salesFen),
        ordersPlaced: Number(row?.orders_placed ?? 0),
        ordersDispatched: Number(row?.orders_dispatched ?? 0),
        parcels: Number(row?.parcels ?? 0),
      });
      summary.daily.push(figures);
      summary.salesFen += salesFen;
      summary.ordersPlaced += figures.ordersPlaced;
      summary.ordersDispatched += figures.ordersDispatched;
      summary.parcels += figures.parcels;
      summary.units += Number(row?.units ?? 0);
      summary.unitsReturned += Number(row?.units_returned ?? 0);
      summary.salesReturnedFen += fen(row?.sales_returned_fen);
      const month = months.get(day.slice(0, 7)) ?? { salesFen: 0n, ordersDispatched: 0, parcels: 0 };
      month.salesFen += salesFen;
      month.ordersDispatched += figures.ordersDispatched;
      month.parcels += figures.parcels;
      months.set(day.slice(0, 7), month);
    }
    summary.monthly = [...months].map(([month, m]) =>
      Object.assign(new MonthlyFigures(), {
        month,
        sales: Money.fromFen(m.salesFen),
        ordersDispatched: m.ordersDispatched,
        parcels: m.parcels,
      }),
    );
    return summary;
  }

  /** The daily_sales rows of from..to summed over shards, by day. */
  private async readDays(from: string, to: string): Promise<Map<string, Row>> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT day, SUM(sales_fen) AS sales_fen, SUM(orders_placed) AS orders_placed, SUM(orders_dispatched) AS orders_dispatched,
              SUM(parcels) AS parcels, SUM(units) AS units, SUM(units_returned) AS units_returned,
              SUM(sales_returned_fen) AS sales_returned_fen
         FROM daily_sales WHERE day >= ? AND day <= ? GROUP BY day`,
      [from, to],
    );
    return new Map(rows.map((row) => [String(row.day).slice(0, 10), row]));
  }

  /** Parcels and orders per carrier, most parcels first. */
  async byCarrier(dashboard: Dashboard): Promise<CarrierFigures[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT carrier_id, SUM(parcels) AS parcels, SUM(orders_dispatched) AS orders_dispatched
         FROM daily_sales_by_carrier WHERE day >= ? AND day <= ?
        GROUP BY carrier_id ORDER BY SUM(parcels) DESC, carrier_id`,
      [dashboard.from, dashboard.to],
    );
    return rows.map((row) =>
      Object.assign(new CarrierFigures(), {
        carrierId: Number(row.carrier_id),
        parcels: Number(row.parcels),
        ordersDispatched: Number(row.orders_dispatched),
      }),
    );
  }

  /** Sales and units by the farm whose lots were shipped, largest first. */
  async byFarm(dashboard: Dashboard, limit: number): Promise<FarmFigures[]> {
    checkLimit(limit);
    const totals = await this.totalsOf('farm', 'units', dashboard);
    return largest(totals, limit).map(([farmId, t]) =>
      Object.assign(new FarmFigures(), { farmId, sales: Money.fromFen(t.salesFen), units: t.n }),
    );
  }

  /** Sales and units by SKU, largest first. */
  async topSkus(dashboard: Dashboard, limit: number): Promise<SkuFigures[]> {
    checkLimit(limit);
    const totals = await this.totalsOf('sku', 'units', dashboard);
    return largest(totals, limit).map(([skuId, t]) =>
      Object.assign(new SkuFigures(), { skuId, sales: Money.fromFen(t.salesFen), units: t.n }),
    );
  }

  /**
   * Sales by the village of the selling merchant, with how many of its merchants had orders dispatched,
   * largest first.
   */
  async byMerchantVillage(dashboard: Dashboard): Promise<VillageFigures[]> {
    const totals = await this.totalsOf('merchant', 'orders_dispatched', dashboard);
    const villages = new Map<string, { salesFen: bigint; merchants: number }>();
    for (const t of totals.values()) {
      if (t.n === 0) continue;
      const village = t.village ?? '';
      const v = villages.get(village) ?? { salesFen: 0n, merchants: 0 };
      v.salesFen += t.salesFen;
      v.merchants += 1;
      villages.set(village, v);
    }
    return [...villages]
      .sort(([a, x], [b, y]) =>
        x.salesFen === y.salesFen ? (a < b ? -1 : 1) : x.salesFen > y.salesFen ? -1 : 1,
      )
      .map(([village, v]) =>
        Object.assign(new VillageFigures(), {
          village,
          sales: Money.fromFen(v.salesFen),
          merchants: v.merchants,
        }),
      );
  }

  /**
   * Everything on hand now at today's SKU prices: one row a SKU, multiplied and added as bigint, since
   * on_hand * price_fen passes BIGINT in SQL (a million units at the largest price).
   */
  async stockValue(dashboard: Dashboard): Promise<Money> {
    this.readsStock(dashboard);
    const rows: Row[] = await this.dataSource.query(
      'SELECT sl.on_hand AS on_hand, s.price_fen AS price_fen FROM stock_level sl JOIN sku s ON s.id = sl.sku_id WHERE sl.on_hand <> 0',
    );
    return Money.fromFen(rows.reduce((sum, row) => sum + fen(row.on_hand) * fen(row.price_fen), 0n));
  }

  /** Ids of active SKUs whose available units are at or below their threshold, fewest available first. */
  async lowStockSkuIds(dashboard: Dashboard, limit: number): Promise<number[]> {
    checkLimit(limit);
    this.readsStock(dashboard);
    const available = availableSql('sl.', 'COALESCE(x.units, 0)');
    const rows: Row[] = await this.dataSource.query(
      `SELECT sl.sku_id AS sku_id, ${available} AS available
         FROM stock_level sl
         JOIN sku s ON s.id = sl.sku_id
         LEFT JOIN ${expiredUnitsBySkuSql('?')} x ON x.sku_id = sl.sku_id
        WHERE s.active = ? AND ${isLowSql(available, 's.low_stock_threshold')}
        ORDER BY available, sl.sku_id LIMIT ?`,
      [this.today(), 1, limit],
    );
    return rows.map((row) => Number(row.sku_id));
  }

  /** ACTIVE lots with units on hand whose expiry falls within the next `withinDays` days, soonest first. */
  expiringLots(dashboard: Dashboard, withinDays: number, limit: number): Promise<Lot[]> {
    checkLimit(limit);
    this.readsStock(dashboard);
    if (!Number.isInteger(withinDays) || withinDays < 0 || withinDays > MAX_DASHBOARD_DAYS) {
      throw badInput('withinDays', `withinDays must be from 0 to ${MAX_DASHBOARD_DAYS}, got ${withinDays}`);
    }
    const today = this.today();
    return this.dataSource
      .getRepository(Lot)
      .createQueryBuilder('lot')
      .where("lot.status = 'ACTIVE'")
      .andWhere('lot.quantity_on_hand > 0')
      .andWhere('lot.expires_on >= :today AND lot.expires_on <= :until', {
        today,
        until: addDays(today, withinDays),
      })
      .orderBy('lot.expires_on', 'ASC')
      .addOrderBy('lot.id', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** Totals per key of a wide breakdown (SKU, farm, merchant) over the dashboard's range. */
  private async totalsOf(dimension: Dimension, count: string, dashboard: Dashboard): Promise<Totals> {
    const parts = await this.closedAndLive(
      `${dimension}|${dashboard.from}`,
      dashboard.from,
      dashboard.to,
      (a, b) => this.readTotals(dimension, count, a, b),
    );
    if (parts.length === 1) return parts[0];
    const totals: Totals = new Map(parts[0]);
    for (const [key, t] of parts[1]) {
      const sum = totals.get(key);
      totals.set(key, sum ? { ...sum, salesFen: sum.salesFen + t.salesFen, n: sum.n + t.n } : t);
    }
    return totals;
  }

  /**
   * `read` of the closed days of from..to and of the live ones. Rollups are dated when the order is
   * placed or dispatched, so no transaction adds to a past day: its figures are kept for CLOSED_TTL_MS
   * (a rebuild of the rollups shows after that long at most). Today is read live, and yesterday too in
   * the first minutes after midnight, while a change dated just before midnight may still commit.
   */
  private closedAndLive<T>(
    key: string,
    from: string,
    to: string,
    read: (from: string, to: string) => Promise<T>,
  ): Promise<T[]> {
    const lastClosed = lastClosedDay(this.clock);
    const now = this.clock().getTime();
    const parts: Promise<T>[] = [];
    if (from <= lastClosed) {
      const end = to < lastClosed ? to : lastClosed;
      const cacheKey = `${key}|${end}`;
      const hit = this.closed.get(cacheKey);
      if (hit && hit.until > now) parts.push(hit.value as Promise<T>);
      else {
        const value = read(from, end);
        value.catch(() => this.closed.delete(cacheKey));
        this.closed.delete(cacheKey);
        this.closed.set(cacheKey, { from, to: end, until: now + CLOSED_TTL_MS, value });
        if (this.closed.size > CLOSED_KEPT) this.closed.delete(this.closed.keys().next().value!);
        parts.push(value);
      }
    }
    const liveFrom = from > lastClosed ? from : addDays(lastClosed, 1);
    if (liveFrom <= to) parts.push(read(liveFrom, to));
    return Promise.all(parts);
  }

  /** One query: whole months from the monthly rollup, the days around them from the daily one. */
  private async readTotals(dimension: Dimension, count: string, from: string, to: string): Promise<Totals> {
    const { sql, params } = this.unionOf(dimension, count, from, to);
    // A merchant's village comes along, for byMerchantVillage.
    const rows: Row[] = await this.dataSource.query(
      dimension === 'merchant'
        ? `SELECT x.k AS k, mc.village AS village, SUM(x.sales_fen) AS sales_fen, SUM(x.n) AS n FROM (${sql}) x JOIN merchant mc ON mc.id = x.k GROUP BY x.k, mc.village`
        : `SELECT x.k AS k, SUM(x.sales_fen) AS sales_fen, SUM(x.n) AS n FROM (${sql}) x GROUP BY x.k`,
      params,
    );
    return new Map(
      rows.map((row) => [
        Number(row.k),
        {
          salesFen: fen(row.sales_fen),
          n: Number(row.n),
          village: row.village === undefined ? undefined : String(row.village),
        },
      ]),
    );
  }

  private unionOf(
    dimension: Dimension,
    count: string,
    from: string,
    to: string,
  ): { sql: string; params: string[] } {
    const parts = rangeParts(from, to);
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
