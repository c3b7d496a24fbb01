import { EntityManager } from 'typeorm';
import { inTransaction } from '../src/db/transaction';
import { Role } from '../src/graphql/enums';
import { merchantScope, requestHash } from '../src/idempotency/idempotency.service';
import { createReferenceData } from './support/fixtures';
import { ledgerBreaks, noBreaks } from './support/ledger';
import { nextKey, placeOrderRaw, snapshot, stockedSku, stockOf } from './support/operations';
import { GraphQLResponse, onMysql, startTestApp, TestApp } from './support/test-app';
import { eventually } from './support/ws';

/**
 * Merged reservations (ORDER_MERGING=on): orders of one SKU that queue while a transaction for it runs are
 * placed together in the next one. Each test holds the SKU's stock level (its row lock on MySQL, the one
 * connection on SQLite) until every order has queued, so the batch is known; then lets go.
 */

let app: TestApp;
let warehouse: string;
let baofu: string;
let beijie: string;

beforeAll(async () => {
  app = await startTestApp({ ORDER_MERGING: 'on' });
  await createReferenceData(app);
  warehouse = await app.keyFor(Role.WAREHOUSE);
  baofu = await app.keyFor(Role.MERCHANT, 'M-BAOFU-01');
  beijie = await app.keyFor(Role.MERCHANT, 'M-BEIJIE-02');
});
afterAll(() => app.close());

const merger = () => app.gateway.services.orders.merger!;

function newSku(code: string, units: number) {
  return stockedSku(app, code, units, warehouse);
}

/**
 * Holds the SKU's stock level until the returned release is called: on MySQL a transaction that has its row
 * locked, on SQLite a transaction that keeps every other one waiting. `atRelease` runs in that transaction
 * just before it commits.
 */
async function hold(skuCode: string, inside?: (m: EntityManager) => Promise<void>) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let ready!: () => void;
  const held = new Promise<void>((resolve) => (ready = resolve));
  const done = inTransaction(app.dataSource, async (m) => {
    await m.query(
      `SELECT sl.reserved FROM stock_level sl JOIN sku s ON s.id = sl.sku_id WHERE s.code = ?${onMysql ? ' FOR UPDATE' : ''}`,
      [skuCode],
    );
    ready();
    await released;
    await inside?.(m);
  });
  await held;
  return async () => {
    release();
    await done;
  };
}

interface Attempt {
  input: Record<string, unknown>;
  token: string;
  /** Refused before it queues (an unknown SKU). */
  refusedEarly?: boolean;
}

/**
 * Sends the orders one after another while `skuCode` is held, each once the one before has queued (so they
 * queue in this order), then lets go (running `atRelease` first in the holding transaction). The first may
 * run alone; the rest are one batch.
 */
async function placeTogether(
  skuCode: string,
  attempts: Attempt[],
  atRelease?: (m: EntityManager) => Promise<void>,
): Promise<GraphQLResponse[]> {
  const release = await hold(skuCode, atRelease);
  const results: Promise<GraphQLResponse>[] = [];
  let queued = 0;
  for (const attempt of attempts) {
    const result = placeOrderRaw(app, attempt.input, attempt.token);
    results.push(result);
    if (attempt.refusedEarly) {
      await result;
      continue;
    }
    queued++;
    await eventually(() => {
      const { queued: q, running } = merger().pending(skuCode);
      return q + running === queued;
    }, `${queued} orders queued for ${skuCode}`);
  }
  await release();
  return Promise.all(results);
}

const order = (skuCode: string, quantity: number, token = baofu, extra: Record<string, unknown> = {}) => ({
  input: { idempotencyKey: nextKey('merge'), lines: [{ skuCode, quantity }], ...extra },
  token,
});

const codes = (results: GraphQLResponse[]) => results.map((r) => r.errors?.[0].extensions.code ?? 'OK');

async function ordersOf(skuCode: string): Promise<number> {
  const [{ n }] = await app.dataSource.query(
    'SELECT COUNT(DISTINCT ol.order_id) AS n FROM order_line ol JOIN sku s ON s.id = ol.sku_id WHERE s.code = ?',
    [skuCode],
  );
  return Number(n);
}

describe('merged reservations', () => {
  it('places concurrent orders of one SKU in one transaction, each its own order and key', async () => {
    await newSku('JC-MERGE-BASIC', 30);
    const before = { ...merger().stats };
    const attempts = Array.from({ length: 12 }, (_, i) => order('JC-MERGE-BASIC', 2, i % 2 ? baofu : beijie));
    const results = await placeTogether('JC-MERGE-BASIC', attempts);
    expect(codes(results)).toEqual(Array(12).fill('OK'));
    expect(merger().stats.mergedBatches).toBeGreaterThan(before.mergedBatches);
    expect(merger().stats.mergedOrders - before.mergedOrders).toBeGreaterThanOrEqual(11);
    expect(merger().stats.fallbacks).toBe(before.fallbacks);
    const numbers = results.map((r) => r.data.placeOrder.number);
    expect(new Set(numbers).size).toBe(12);
    for (const r of results) {
      expect(r.data.placeOrder).toMatchObject({ status: 'PLACED', total: { amount: '17.60' } });
      expect(r.data.placeOrder.number).toMatch(/^GD-\d{8}-\d{6}$/);
      expect(r.data.placeOrder.history).toEqual([expect.objectContaining({ status: 'PLACED' })]);
    }
    expect(await stockOf(app, 'JC-MERGE-BASIC')).toMatchObject({ onHand: 30, reserved: 24, available: 6 });
    // Every key replays its own order.
    const replays = await Promise.all(attempts.map((a) => placeOrderRaw(app, a.input, a.token)));
    expect(replays.map((r) => r.data.placeOrder.number)).toEqual(numbers);
    expect(await ordersOf('JC-MERGE-BASIC')).toBe(12);
    expect(await ledgerBreaks(app)).toEqual(noBreaks);
  });

  it('gives a key sent twice in one batch one order, and both answers that order', async () => {
    await newSku('JC-MERGE-TWICE', 20);
    const before = { ...merger().stats };
    const twice = order('JC-MERGE-TWICE', 1);
    const attempts = [
      order('JC-MERGE-TWICE', 1),
      twice,
      order('JC-MERGE-TWICE', 1),
      twice,
      order('JC-MERGE-TWICE', 1),
    ];
    const results = await placeTogether('JC-MERGE-TWICE', attempts);
    expect(codes(results)).toEqual(Array(5).fill('OK'));
    expect(results[1].data.placeOrder.number).toBe(results[3].data.placeOrder.number);
    // The repeat waited for the batch instead of failing it.
    expect(merger().stats.fallbacks).toBe(before.fallbacks);
    expect(merger().stats.mergedBatches).toBeGreaterThan(before.mergedBatches);
    expect(await ordersOf('JC-MERGE-TWICE')).toBe(4);
    expect(await stockOf(app, 'JC-MERGE-TWICE')).toMatchObject({ reserved: 4, available: 16 });
  });

  it('falls back to single orders when a key of the batch was taken meanwhile: CONFLICT for it alone', async () => {
    await newSku('JC-MERGE-TAKEN', 20);
    const before = { ...merger().stats };
    const taken = order('JC-MERGE-TAKEN', 1);
    const attempts = [...Array.from({ length: 5 }, () => order('JC-MERGE-TAKEN', 1)), taken];
    // The key is claimed by another request (with other input) while the batch waits, after the order
    // looked for it: the batch's claim of it fails, and every order runs on its own.
    const [{ id: merchantId }] = await app.dataSource.query(
      "SELECT id FROM merchant WHERE code = 'M-BAOFU-01'",
    );
    const results = await placeTogether('JC-MERGE-TAKEN', attempts, (m) =>
      m.query(
        'INSERT INTO idempotency_record (scope, idempotency_key, operation, request_hash, result_id, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        [
          merchantScope(Number(merchantId)),
          taken.input.idempotencyKey,
          'placeOrder',
          requestHash('other input'),
          null,
          onMysql ? new Date() : new Date().toISOString().replace('T', ' ').replace('Z', ''),
        ],
      ),
    );
    expect(codes(results)).toEqual([...Array(5).fill('OK'), 'CONFLICT']);
    expect(results[5].errors![0].extensions.field).toBe('idempotencyKey');
    expect(merger().stats.fallbacks).toBe(before.fallbacks + 1);
    expect(await ordersOf('JC-MERGE-TAKEN')).toBe(5);
    expect(await stockOf(app, 'JC-MERGE-TAKEN')).toMatchObject({ reserved: 5, available: 15 });
    expect(await ledgerBreaks(app)).toEqual(noBreaks);
  });

  it('refuses an order naming an unknown SKU before it joins the batch; the others are merged', async () => {
    await newSku('JC-MERGE-UNKNOWN', 20);
    const before = { ...merger().stats };
    const unknown = { ...order('NO-SUCH-SKU', 1), refusedEarly: true };
    const mixedUnknown = {
      input: {
        idempotencyKey: nextKey('merge'),
        lines: [
          { skuCode: 'JC-MERGE-UNKNOWN', quantity: 1 },
          { skuCode: 'NO-SUCH-SKU-EITHER', quantity: 1 },
        ],
      },
      token: baofu,
      refusedEarly: true,
    };
    const attempts = [
      order('JC-MERGE-UNKNOWN', 1),
      order('JC-MERGE-UNKNOWN', 1),
      unknown,
      order('JC-MERGE-UNKNOWN', 1),
      mixedUnknown,
      order('JC-MERGE-UNKNOWN', 1),
    ];
    const results = await placeTogether('JC-MERGE-UNKNOWN', attempts);
    expect(codes(results)).toEqual(['OK', 'OK', 'NOT_FOUND', 'OK', 'NOT_FOUND', 'OK']);
    expect(results[2].errors![0].extensions.field).toBe('lines.0.skuCode');
    expect(results[4].errors![0].extensions.field).toBe('lines.1.skuCode');
    expect(merger().stats.fallbacks).toBe(before.fallbacks);
    expect(merger().stats.mergedBatches).toBeGreaterThan(before.mergedBatches);
    expect(await ordersOf('JC-MERGE-UNKNOWN')).toBe(4);
    expect(await stockOf(app, 'JC-MERGE-UNKNOWN')).toMatchObject({ reserved: 4, available: 16 });
  });

  it('falls back when the batch needs more than the stock though each order alone fits', async () => {
    await newSku('JC-MERGE-SHORT', 5);
    const before = { ...merger().stats };
    const snap = await snapshot(app);
    const attempts = Array.from({ length: 5 }, () => order('JC-MERGE-SHORT', 2));
    const results = await placeTogether('JC-MERGE-SHORT', attempts);
    const outcome = codes(results);
    expect(outcome.filter((c) => c === 'OK')).toHaveLength(2);
    expect(outcome.filter((c) => c === 'INSUFFICIENT_STOCK')).toHaveLength(3);
    for (const r of results.filter((r) => r.errors))
      expect(r.errors![0].extensions.shortages).toEqual([
        { skuCode: 'JC-MERGE-SHORT', requested: 2, available: 1 },
      ]);
    expect(merger().stats.fallbacks).toBe(before.fallbacks + 1);
    expect(await stockOf(app, 'JC-MERGE-SHORT')).toMatchObject({ onHand: 5, reserved: 4, available: 1 });
    // Only the two orders were written: two orders, their lines, events, keys.
    const after = await snapshot(app);
    for (const table of ['orders', 'order_line', 'order_event', 'idempotency_record'])
      expect(after.counts[table] - snap.counts[table]).toBe(2);
    // The refused keys are free: a retry of one is refused again (1 left), not replayed.
    const retry = await placeOrderRaw(app, attempts[outcome.indexOf('INSUFFICIENT_STOCK')].input, baofu);
    expect(retry.errors?.[0].extensions.code).toBe('INSUFFICIENT_STOCK');
    expect(await ledgerBreaks(app)).toEqual(noBreaks);
  });

  it('keeps a mixed order (the hot SKU and an ordinary one) all-or-nothing inside a batch', async () => {
    await newSku('JC-MERGE-HOT', 100);
    await newSku('JC-MERGE-PLENTY', 10);
    await newSku('JC-MERGE-LAST', 1);
    const mixed = (other: string) => ({
      input: {
        idempotencyKey: nextKey('merge'),
        lines: [
          { skuCode: 'JC-MERGE-HOT', quantity: 1 },
          { skuCode: other, quantity: 1 },
        ],
      },
      token: beijie,
    });
    // A mixed order that fits goes in the hot SKU's batch with it.
    const before = { ...merger().stats };
    const fits = await placeTogether('JC-MERGE-HOT', [
      order('JC-MERGE-HOT', 1),
      order('JC-MERGE-HOT', 1),
      mixed('JC-MERGE-PLENTY'),
      order('JC-MERGE-HOT', 1),
    ]);
    expect(codes(fits)).toEqual(['OK', 'OK', 'OK', 'OK']);
    expect(merger().stats.fallbacks).toBe(before.fallbacks);
    expect(fits[2].data.placeOrder.lines.map((l: { sku: { code: string } }) => l.sku.code)).toEqual([
      'JC-MERGE-HOT',
      'JC-MERGE-PLENTY',
    ]);
    // Two mixed orders want the last unit of another SKU: one gets both lines, the other neither.
    const results = await placeTogether('JC-MERGE-HOT', [
      order('JC-MERGE-HOT', 1),
      mixed('JC-MERGE-LAST'),
      order('JC-MERGE-HOT', 1),
      mixed('JC-MERGE-LAST'),
      order('JC-MERGE-HOT', 1),
    ]);
    const outcome = codes(results);
    expect([outcome[0], outcome[2], outcome[4]]).toEqual(['OK', 'OK', 'OK']);
    expect([outcome[1], outcome[3]].sort()).toEqual(['INSUFFICIENT_STOCK', 'OK']);
    const refused = results[outcome[1] === 'OK' ? 3 : 1];
    expect(refused.errors![0].extensions.shortages).toEqual([
      { skuCode: 'JC-MERGE-LAST', requested: 1, available: 0 },
    ]);
    expect(await stockOf(app, 'JC-MERGE-HOT')).toMatchObject({ reserved: 4 + 4, available: 92 });
    expect(await stockOf(app, 'JC-MERGE-PLENTY')).toMatchObject({ reserved: 1, available: 9 });
    expect(await stockOf(app, 'JC-MERGE-LAST')).toMatchObject({ reserved: 1, available: 0 });
    expect(await ordersOf('JC-MERGE-HOT')).toBe(8);
    expect(await ledgerBreaks(app)).toEqual(noBreaks);
  });
});
