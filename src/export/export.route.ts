import express, { Request, Response } from 'express';
import { GraphQLError } from 'graphql';
import { DataSource } from 'typeorm';
import { maySeeRecipientsOf, ownOrdersOnly } from '../auth/access-policy';
import { Principal } from '../auth/principal';
import { RateLimiter } from '../auth/rate-limiter';
import { MAX_DASHBOARD_DAYS } from '../dashboard/dashboard.service';
import { Role } from '../graphql/enums';
import { badInput, forbidden, rateLimited, unauthenticated } from '../graphql/errors';
import { Money } from '../graphql/money.type';
import { isLocalDate } from '../graphql/scalars';
import { logger } from '../logger';
import { formatFen } from '../money';
import { Services } from '../services';
import { BOM, Cell, Column, csvRecord, headerRecord, Language, writeChunk } from './csv';
import {
  DASHBOARD_SECTIONS,
  DashboardSection,
  EXPORT_BATCH,
  ExportService,
  MovementRow,
  OrderRow,
} from './export.service';

/** Rows one rate-limit point pays for: a batch of EXPORT_BATCH rows costs 10 points. */
export const EXPORT_ROWS_PER_POINT = 100;
const MAX_EXPORT_DAYS = MAX_DASHBOARD_DAYS;

const money = (value: Money | bigint): Cell => ({
  decimal: typeof value === 'bigint' ? formatFen(value) : value.amount,
});

/** An instant as Asia/Shanghai wall-clock time, as the office reads it: 2026-11-29 14:03:22. */
function shanghaiTime(at: Date | null): Cell {
  if (!at) return null;
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

const DASHBOARD_COLUMNS: Record<DashboardSection, Column<any>[]> = {
  daily: [
    { en: 'date', zh: '日期', value: (r) => r.date },
    { en: 'sales_yuan', zh: '销售额（元）', value: (r) => money(r.sales) },
    { en: 'orders_placed', zh: '下单数', value: (r) => r.ordersPlaced },
    { en: 'orders_dispatched', zh: '发货订单数', value: (r) => r.ordersDispatched },
    { en: 'parcels', zh: '包裹数', value: (r) => r.parcels },
  ],
  monthly: [
    { en: 'month', zh: '月份', value: (r) => r.month },
    { en: 'sales_yuan', zh: '销售额（元）', value: (r) => money(r.sales) },
    { en: 'orders_dispatched', zh: '发货订单数', value: (r) => r.ordersDispatched },
    { en: 'parcels', zh: '包裹数', value: (r) => r.parcels },
  ],
  carriers: [
    { en: 'carrier_code', zh: '快递代码', value: (r) => r.carrier?.code },
    { en: 'carrier', zh: '快递公司', value: (r) => r.carrier?.name },
    { en: 'parcels', zh: '包裹数', value: (r) => r.parcels },
    { en: 'orders_dispatched', zh: '发货订单数', value: (r) => r.ordersDispatched },
  ],
  farms: [
    { en: 'farm_code', zh: '农场代码', value: (r) => r.farm?.code },
    { en: 'farm', zh: '农场', value: (r) => r.farm?.name },
    { en: 'village', zh: '村', value: (r) => r.farm?.village },
    { en: 'county', zh: '县', value: (r) => r.farm?.county },
    { en: 'sales_yuan', zh: '销售额（元）', value: (r) => money(r.sales) },
    { en: 'units', zh: '件数', value: (r) => r.units },
  ],
  villages: [
    { en: 'village', zh: '村', value: (r) => r.village },
    { en: 'sales_yuan', zh: '销售额（元）', value: (r) => money(r.sales) },
    { en: 'merchants', zh: '商户数', value: (r) => r.merchants },
  ],
  skus: [
    { en: 'sku_code', zh: '商品代码', value: (r) => r.sku?.code },
    { en: 'sku', zh: '商品', value: (r) => r.sku?.name },
    { en: 'local_name', zh: '品名', value: (r) => r.sku?.localName },
    { en: 'sales_yuan', zh: '销售额（元）', value: (r) => money(r.sales) },
    { en: 'units', zh: '件数', value: (r) => r.units },
  ],
};

const MOVEMENT_COLUMNS: Column<MovementRow>[] = [
  { en: 'id', zh: '编号', value: (r) => r.movement.id },
  { en: 'occurred_at', zh: '时间（北京时间）', value: (r) => shanghaiTime(r.movement.occurredAt) },
  { en: 'type', zh: '类型', value: (r) => r.movement.type },
  { en: 'sku_code', zh: '商品代码', value: (r) => r.skuCode },
  { en: 'lot', zh: '批次', value: (r) => r.lotCode },
  { en: 'from_location', zh: '移出库位', value: (r) => r.fromLocation },
  { en: 'to_location', zh: '移入库位', value: (r) => r.toLocation },
  { en: 'quantity', zh: '数量', value: (r) => r.movement.quantity },
  { en: 'on_hand_delta', zh: '在库变化', value: (r) => r.movement.onHandDelta },
  { en: 'reason', zh: '原因', value: (r) => r.movement.reason },
  { en: 'order', zh: '订单号', value: (r) => r.orderNumber },
  { en: 'actor', zh: '操作人', value: (r) => r.movement.actor },
  { en: 'note', zh: '备注', value: (r) => r.movement.note },
];

const ORDER_COLUMNS: Column<OrderRow>[] = [
  { en: 'number', zh: '订单号', value: (r) => r.order.number },
  { en: 'placed_at', zh: '下单时间（北京时间）', value: (r) => shanghaiTime(r.order.placedAt) },
  { en: 'status', zh: '状态', value: (r) => r.order.status },
  { en: 'merchant_code', zh: '商户代码', value: (r) => r.merchant?.code },
  { en: 'merchant', zh: '商户', value: (r) => r.merchant?.name },
  { en: 'lines', zh: '行数', value: (r) => r.lines },
  { en: 'units', zh: '件数', value: (r) => r.units },
  { en: 'total_yuan', zh: '金额（元）', value: (r) => money(r.order.totalFen) },
  { en: 'carrier', zh: '快递', value: (r) => r.carrierCode },
  { en: 'tracking_number', zh: '运单号', value: (r) => r.order.trackingNumber },
  { en: 'parcels', zh: '包裹数', value: (r) => r.order.parcels },
  { en: 'station', zh: '村站', value: (r) => r.stationCode },
  { en: 'city', zh: '城市', value: (r) => r.order.city },
  { en: 'province', zh: '省份', value: (r) => r.order.province },
  { en: 'dispatched_at', zh: '发货时间', value: (r) => shanghaiTime(r.order.dispatchedAt) },
  { en: 'delivered_at', zh: '签收时间', value: (r) => shanghaiTime(r.order.deliveredAt) },
  { en: 'cancelled_at', zh: '取消时间', value: (r) => shanghaiTime(r.order.cancelledAt) },
];

/** Recipient details: only in files for keys that may see them (the access policy of Principal). */
const PERSONAL_COLUMNS: Column<OrderRow>[] = [
  { en: 'recipient_name', zh: '收件人', value: (r) => r.order.recipientName },
  { en: 'recipient_phone', zh: '收件人电话', value: (r) => r.order.recipientPhone },
  { en: 'address', zh: '收件地址', value: (r) => r.order.address },
];

/** An error answered as JSON in the shape GraphQL errors have, with its HTTP status. */
function sendError(res: Response, status: number, message: string, extensions: object): void {
  res.status(status).json({ errors: [{ message, extensions }] });
}

class ExportRefusal extends Error {
  constructor(
    readonly status: number,
    readonly error: GraphQLError,
  ) {
    super(error.message);
  }
}

/** The query string's parameters: only `allowed` names, each at most once, as text. */
function parameters(req: Request, allowed: readonly string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.query)) {
    if (!allowed.includes(name)) {
      throw new ExportRefusal(
        400,
        badInput(name, `Unknown parameter ${name}: this export takes ${allowed.join(', ')}`),
      );
    }
    if (typeof value !== 'string') {
      throw new ExportRefusal(400, badInput(name, `${name} must be given once, as text`));
    }
    out[name] = value;
  }
  return out;
}

/** from and to: Asia/Shanghai days, both included, from <= to, at most MAX_EXPORT_DAYS days. */
function dateRange(params: Record<string, string | undefined>): { from: string; to: string } {
  for (const name of ['from', 'to']) {
    const value = params[name];
    if (value === undefined) throw new ExportRefusal(400, badInput(name, `${name} is required (YYYY-MM-DD)`));
    if (!isLocalDate(value)) {
      throw new ExportRefusal(
        400,
        badInput(
          name,
          `${name} must be a calendar date YYYY-MM-DD, got ${JSON.stringify(String(value).slice(0, 40))}`,
        ),
      );
    }
  }
  const from = params.from!;
  const to = params.to!;
  if (from > to) throw new ExportRefusal(400, badInput('from', `from ${from} is after to ${to}`));
  const days = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
  if (days > MAX_EXPORT_DAYS) {
    throw new ExportRefusal(
      400,
      badInput('to', `an export covers at most ${MAX_EXPORT_DAYS} days, got ${days}`),
    );
  }
  return { from, to };
}

function language(params: Record<string, string | undefined>): Language {
  const lang = params.lang ?? 'en';
  if (lang !== 'en' && lang !== 'zh') throw new ExportRefusal(400, badInput('lang', `lang must be en or zh`));
  return lang;
}

/**
 * CSV files for people, beside the API, with the same keys (Authorization: Bearer): UTF-8 with a BOM,
 * RFC 4180, streamed batch by batch (never whole in memory).
 *   /export/dashboard.csv?from&to&section  OFFICIAL, ADMIN
 *   /export/movements.csv?from&to          WAREHOUSE, ADMIN
 *   /export/orders.csv?from&to             a merchant its own; WAREHOUSE, OFFICIAL, ADMIN all
 * Optional lang=zh gives Chinese column headers. No key is 401, a key of another role 403, a bad
 * parameter 400 naming it (extensions.field). Each batch of rows spends ceil(rows / EXPORT_ROWS_PER_POINT)
 * points from the key's rate-limit bucket, the same bucket GraphQL queries spend from: the first batch
 * before the answer starts (429 when the bucket cannot pay), later ones as the file goes, waiting for the
 * bucket to refill rather than cutting the file.
 */
export function exportRouter(
  dataSource: DataSource,
  services: Services,
  limiter: RateLimiter,
): express.Router {
  const router = express.Router();
  const reader = new ExportService(dataSource, services.dashboard);

  const principalOf = async (req: Request, roles: Role[]): Promise<Principal> => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match) {
      throw new ExportRefusal(401, unauthenticated('Send an API key as "Authorization: Bearer <key>"'));
    }
    const principal = await services.apiKeys.authenticate(match[1]);
    if (!principal) throw new ExportRefusal(401, unauthenticated('The API key is unknown or revoked'));
    if (principal.role !== Role.ADMIN && !roles.includes(principal.role)) {
      throw new ExportRefusal(
        403,
        forbidden(`A ${principal.role} key may not download this file; it needs ${roles.join(' or ')}`),
      );
    }
    return principal;
  };

  /** Spends the points of `rows` rows; true when the bucket paid, false when it cannot (yet). */
  const pay = async (principal: Principal, rows: number, wait: boolean, res: Response): Promise<boolean> => {
    const cost = Math.max(1, Math.ceil(rows / EXPORT_ROWS_PER_POINT));
    for (;;) {
      const spent = await limiter.spend(principal.keyScope, cost);
      if (spent.allowed) return true;
      if (!wait) throw new ExportRefusal(429, rateLimited(spent.retryAfterSeconds));
      await new Promise((resolve) => setTimeout(resolve, spent.retryAfterSeconds * 1000));
      if (res.destroyed) return false;
    }
  };

  /** Streams the batches of `source` as one CSV file named `filename`. */
  const stream = async <T>(
    res: Response,
    principal: Principal,
    filename: string,
    columns: Column<T>[],
    lang: Language,
    source: AsyncIterable<T[]>,
  ) => {
    const batches = source[Symbol.asyncIterator]();
    let next = await batches.next();
    await pay(principal, next.done ? 0 : next.value.length, false, res);
    res.status(200);
    res.set('content-type', 'text/csv; charset=utf-8');
    res.set('content-disposition', `attachment; filename="${filename}"`);
    res.set('cache-control', 'no-store');
    res.set('x-content-type-options', 'nosniff');
    let open = await writeChunk(res, BOM + headerRecord(columns, lang));
    let first = true;
    while (open && !next.done) {
      if (!first && !(await pay(principal, next.value.length, true, res))) break;
      first = false;
      let chunk = '';
      for (const row of next.value) chunk += csvRecord(columns.map((column) => column.value(row)));
      open = await writeChunk(res, chunk);
      if (open) next = await batches.next();
    }
    if (!next.done) await batches.return?.(undefined);
    if (!res.destroyed) res.end();
  };

  const handle =
    (serve: (req: Request, res: Response) => Promise<void>) =>
    async (req: Request, res: Response): Promise<void> => {
      try {
        await serve(req, res);
      } catch (error) {
        if (res.headersSent) {
          // The file has started: the client sees it cut short.
          logger.error({ err: error, path: req.path }, 'export failed while streaming');
          res.destroy();
        } else if (error instanceof ExportRefusal) {
          if (error.status === 429) {
            res.set('retry-after', String(error.error.extensions.retryAfterSeconds));
          }
          const { http: _http, ...extensions } = error.error.extensions as Record<string, unknown>;
          sendError(res, error.status, error.error.message, extensions);
        } else if (error instanceof GraphQLError && error.extensions.code === 'BAD_USER_INPUT') {
          sendError(res, 400, error.message, error.extensions);
        } else {
          logger.error({ err: error, path: req.path }, 'export failed');
          sendError(res, 500, 'Internal server error', { code: 'INTERNAL_SERVER_ERROR' });
        }
      }
    };

  router.get(
    '/export/dashboard.csv',
    handle(async (req, res) => {
      const principal = await principalOf(req, [Role.OFFICIAL]);
      const params = parameters(req, ['from', 'to', 'section', 'lang']);
      const { from, to } = dateRange(params);
      const section = params.section as DashboardSection | undefined;
      if (!section || !DASHBOARD_SECTIONS.includes(section)) {
        throw new ExportRefusal(
          400,
          badInput('section', `section must be one of ${DASHBOARD_SECTIONS.join(', ')}`),
        );
      }
      const rows = await reader.dashboardSection(section, from, to);
      const batches = async function* () {
        for (let i = 0; i < rows.length; i += EXPORT_BATCH) yield rows.slice(i, i + EXPORT_BATCH);
      };
      await stream(
        res,
        principal,
        `dashboard-${section}-${from}-${to}.csv`,
        DASHBOARD_COLUMNS[section],
        language(params),
        batches(),
      );
    }),
  );

  router.get(
    '/export/movements.csv',
    handle(async (req, res) => {
      const principal = await principalOf(req, [Role.WAREHOUSE]);
      const params = parameters(req, ['from', 'to', 'lang']);
      const { from, to } = dateRange(params);
      await stream(
        res,
        principal,
        `movements-${from}-${to}.csv`,
        MOVEMENT_COLUMNS,
        language(params),
        reader.movements(from, to),
      );
    }),
  );

  router.get(
    '/export/orders.csv',
    handle(async (req, res) => {
      const principal = await principalOf(req, [Role.MERCHANT, Role.WAREHOUSE, Role.OFFICIAL]);
      const params = parameters(req, ['from', 'to', 'lang']);
      const { from, to } = dateRange(params);
      if (principal.role === Role.MERCHANT && principal.merchantId === null) {
        throw new ExportRefusal(403, forbidden('This MERCHANT key belongs to no merchant'));
      }
      const merchantId = ownOrdersOnly(principal);
      // A merchant's file holds its own orders only; the personal-data columns are there when the key may
      // see the recipients of every order in the file (the access policy decides, as for the API).
      const personal = maySeeRecipientsOf(principal, merchantId);
      const columns = personal ? [...ORDER_COLUMNS, ...PERSONAL_COLUMNS] : ORDER_COLUMNS;
      await stream(
        res,
        principal,
        `orders-${from}-${to}.csv`,
        columns,
        language(params),
        reader.orders(from, to, merchantId),
      );
    }),
  );

  return router;
}
