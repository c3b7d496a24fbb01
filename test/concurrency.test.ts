import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Role } from '../src/graphql/enums';
import { createReferenceData } from './support/fixtures';
import { nextKey, stockedSku, stockOf } from './support/operations';
import { onMysql, startTestApp, TestApp } from './support/test-app';

/** Races that mean something only with real row locks and many connections: MariaDB/MySQL. */
const describeOnMysql = onMysql ? describe : describe.skip;

let app: TestApp;
let server: Server;
let url: string;
let warehouse: string;
let baofu: string;
let beijie: string;

/** POSTs over a real socket, so requests run side by side on the server's connection pool. */
async function post(query: string, variables: Record<string, unknown>, token: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as {
    data?: any;
    errors?: { extensions: { code: string } & Record<string, any> }[];
  };
  return { ...body, status: res.status, retryAfter: res.headers.get('retry-after') };
}

const PLACE = 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { number } }';

function newSku(code: string, units: number) {
  return stockedSku(app, code, units, warehouse);
}

describeOnMysql.each(['on', 'off'])('concurrent requests on MySQL, ORDER_MERGING=%s', (merging) => {
  beforeAll(async () => {
    app = await startTestApp({
      RATE_LIMIT_BUCKET: '10000000',
      RATE_LIMIT_RESTORE_RATE: '10000000',
      ORDER_MERGING: merging,
    });
    await createReferenceData(app);
    warehouse = await app.keyFor(Role.WAREHOUSE);
    baofu = await app.keyFor(Role.MERCHANT, 'M-BAOFU-01');
    beijie = await app.keyFor(Role.MERCHANT, 'M-BEIJIE-02');
    server = createServer(app.gateway.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await app.close();
  });

  it('never oversells: 200 single-unit orders from two merchants for 50 units, exactly 50 succeed', async () => {
    await newSku('JC-FLASH-SALE', 50);
    const attempted = 200;
    const started = Date.now();
    const orders = Array.from({ length: attempted }, (_, i) => ({
      input: {
        idempotencyKey: nextKey('flash'),
        lines: [{ skuCode: 'JC-FLASH-SALE', quantity: 1 }],
        destination: { stationCode: 'ST-GAODU-BAOFU' },
      },
      token: i % 2 ? baofu : beijie,
    }));
    let results = await Promise.all(orders.map((o) => post(PLACE, { input: o.input }, o.token)));
    const elapsedMs = Date.now() - started;
    const firstCodes = results.flatMap((r) => r.errors ?? []).map((e) => e.extensions.code);
    console.log(
      `flash sale race (merging ${merging}): attempted ${attempted}, succeeded ${results.filter((r) => r.data?.placeOrder).length}, ` +
        `refused ${firstCodes.length} (TRY_AGAIN ${firstCodes.filter((c) => c === 'TRY_AGAIN').length}), elapsed ${elapsedMs} ms, ` +
        JSON.stringify(app.gateway.services.orders.merger?.stats ?? {}),
    );
    // A storefront hears one of two refusals, never INTERNAL_SERVER_ERROR: sold out, or (an order that could
    // not reach the SKU's row within the lock-wait bound, a deadlock that outlasted its retries) TRY_AGAIN,
    // HTTP 503 with Retry-After, having changed nothing.
    expect(firstCodes.every((c) => c === 'INSUFFICIENT_STOCK' || c === 'TRY_AGAIN')).toBe(true);
    for (const r of results.filter((r) => r.errors?.[0].extensions.code === 'TRY_AGAIN')) {
      expect(r.status).toBe(503);
      expect(Number(r.retryAfter)).toBeGreaterThan(0);
      expect(r.errors![0].extensions.retryAfterSeconds).toBe(Number(r.retryAfter));
    }
    // What the storefront does with TRY_AGAIN: the same request, same idempotency key, until it is answered.
    for (let round = 0; round < 10; round++) {
      const again = results.map((r, i) => (r.errors?.[0].extensions.code === 'TRY_AGAIN' ? i : -1));
      if (!again.some((i) => i >= 0)) break;
      const retried = await Promise.all(
        again.map((i) => (i < 0 ? null : post(PLACE, { input: orders[i].input }, orders[i].token))),
      );
      results = results.map((r, i) => retried[i] ?? r);
    }
    const succeeded = results.filter((r) => r.data?.placeOrder?.number).length;
    const codes = results.flatMap((r) => r.errors ?? []).map((e) => e.extensions.code);
    expect(succeeded).toBe(50);
    expect(codes).toEqual(Array(150).fill('INSUFFICIENT_STOCK'));
    expect(await stockOf(app, 'JC-FLASH-SALE')).toMatchObject({ onHand: 50, reserved: 50, available: 0 });
    const [{ n }] = await app.dataSource.query(
      "SELECT COUNT(*) AS n FROM order_line ol JOIN sku s ON s.id = ol.sku_id WHERE s.code = 'JC-FLASH-SALE'",
    );
    expect(Number(n)).toBe(50);
    expect(new Set(results.map((r) => r.data?.placeOrder?.number).filter(Boolean)).size).toBe(50);
  });

  it('gives 20 concurrent placeOrder requests with one idempotency key one order', async () => {
    await newSku('JC-RETRY-STORM', 100);
    const input = {
      idempotencyKey: nextKey('storm'),
      lines: [{ skuCode: 'JC-RETRY-STORM', quantity: 3 }],
      destination: { stationCode: 'ST-GAODU-BAOFU' },
    };
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 20 }, () => post(PLACE, { input }, baofu)));
    console.log(
      `placeOrder retry storm: attempted 20, distinct orders ${new Set(results.map((r) => r.data?.placeOrder?.number)).size}, elapsed ${Date.now() - started} ms`,
    );
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    const numbers = new Set(results.map((r) => r.data.placeOrder.number));
    expect(numbers.size).toBe(1);
    expect(await stockOf(app, 'JC-RETRY-STORM')).toMatchObject({ reserved: 3, available: 97 });
    const [{ n }] = await app.dataSource.query(
      "SELECT COUNT(*) AS n FROM order_line ol JOIN sku s ON s.id = ol.sku_id WHERE s.code = 'JC-RETRY-STORM'",
    );
    expect(Number(n)).toBe(1);
  });

  it('gives 20 concurrent receiveLot requests with one idempotency key one lot', async () => {
    await newSku('JC-RECEIPT-STORM', 0);
    const input = {
      idempotencyKey: nextKey('dock'),
      skuCode: 'JC-RECEIPT-STORM',
      farmCode: 'FARM-ZEZHOU-002',
      quantity: 24,
      locationCode: 'A-01-02',
    };
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        post(
          'mutation($input: ReceiveLotInput!) { receiveLot(input: $input) { code } }',
          { input },
          warehouse,
        ),
      ),
    );
    console.log(
      `receiveLot retry storm: attempted 20, distinct lots ${new Set(results.map((r) => r.data?.receiveLot?.code)).size}, elapsed ${Date.now() - started} ms`,
    );
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    expect(new Set(results.map((r) => r.data.receiveLot.code)).size).toBe(1);
    expect(await stockOf(app, 'JC-RECEIPT-STORM')).toMatchObject({ onHand: 24, available: 24 });
    const [{ n }] = await app.dataSource.query(
      "SELECT COUNT(*) AS n FROM lot l JOIN sku s ON s.id = l.sku_id WHERE s.code = 'JC-RECEIPT-STORM'",
    );
    expect(Number(n)).toBe(1);
  });

  it('allocates each unit once when orders for the last units are allocated at the same time', async () => {
    await newSku('JC-PICK-RACE', 30);
    const orders = await Promise.all(
      Array.from({ length: 10 }, () =>
        post(
          PLACE,
          {
            input: {
              idempotencyKey: nextKey('alloc'),
              lines: [{ skuCode: 'JC-PICK-RACE', quantity: 3 }],
              destination: { stationCode: 'ST-GAODU-BAOFU' },
            },
          },
          baofu,
        ),
      ),
    );
    const numbers = orders.map((r) => r.data.placeOrder.number);
    const results = await Promise.all(
      numbers.map((number) =>
        post('mutation($n: String!) { allocateOrder(number: $n) { status } }', { n: number }, warehouse),
      ),
    );
    expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
    const [{ allocated, quantity }] = await app.dataSource.query(
      "SELECT SUM(p.allocated) AS allocated, SUM(p.quantity) AS quantity FROM lot_placement p JOIN lot l ON l.id = p.lot_id JOIN sku s ON s.id = l.sku_id WHERE s.code = 'JC-PICK-RACE'",
    );
    expect([Number(allocated), Number(quantity)]).toEqual([30, 30]);
  });

  /** An ALLOCATED order of `units` units of a new SKU that has 10. */
  async function allocatedOrder(skuCode: string, units: number): Promise<string> {
    await newSku(skuCode, 10);
    const placed = await post(
      PLACE,
      {
        input: {
          idempotencyKey: nextKey('race'),
          lines: [{ skuCode, quantity: units }],
          destination: { stationCode: 'ST-GAODU-BAOFU' },
        },
      },
      baofu,
    );
    const number = placed.data.placeOrder.number as string;
    const allocated = await post(
      'mutation($n: String!) { allocateOrder(number: $n) { status } }',
      { n: number },
      warehouse,
    );
    expect(allocated.errors).toBeUndefined();
    return number;
  }

  /** What one order left in the database: its events per status, its movements, its SKU's placements. */
  async function traces(number: string, skuCode: string) {
    const q = async (sql: string) =>
      (await app.dataSource.query(sql, [number])).map((r: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(r).map(([k, v]) => [k, /^-?\d+$/.test(String(v)) ? Number(v) : v])),
      );
    return {
      events: await q(
        'SELECT e.status, COUNT(*) AS n FROM order_event e JOIN orders o ON o.id = e.order_id WHERE o.number = ? GROUP BY e.status ORDER BY e.status',
      ),
      movements: await q(
        'SELECT m.type, COUNT(*) AS n, SUM(m.on_hand_delta) AS delta FROM stock_movement m JOIN orders o ON o.id = m.order_id WHERE o.number = ? GROUP BY m.type',
      ),
      placements: (
        await app.dataSource.query(
          'SELECT SUM(p.quantity) AS quantity, SUM(p.allocated) AS allocated FROM lot_placement p JOIN lot l ON l.id = p.lot_id JOIN sku s ON s.id = l.sku_id WHERE s.code = ?',
          [skuCode],
        )
      ).map((r: Record<string, unknown>) => ({
        quantity: Number(r.quantity),
        allocated: Number(r.allocated),
      })),
    };
  }

  const outcomes = (results: { errors?: { extensions: { code: string } }[] }[]) =>
    results.map((r) => r.errors?.[0].extensions.code ?? 'OK').sort();

  it('moves an order once when 20 pickOrder requests race on it: one wins, 19 are INVALID_STATE', async () => {
    const number = await allocatedOrder('JC-PICK-STORM', 4);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        post('mutation($n: String!) { pickOrder(number: $n) { status } }', { n: number }, warehouse),
      ),
    );
    expect(outcomes(results)).toEqual([...Array(19).fill('INVALID_STATE'), 'OK']);
    expect(await stockOf(app, 'JC-PICK-STORM')).toMatchObject({ onHand: 6, reserved: 0, available: 6 });
    expect(await traces(number, 'JC-PICK-STORM')).toEqual({
      events: [
        { status: 'ALLOCATED', n: 1 },
        { status: 'PICKED', n: 1 },
        { status: 'PLACED', n: 1 },
      ],
      movements: [{ type: 'PICK', n: 1, delta: -4 }],
      placements: [{ quantity: 6, allocated: 0 }],
    });
  });

  it('cancels an order once when 20 cancelOrder requests race on it: one wins, 19 are INVALID_STATE', async () => {
    const number = await allocatedOrder('JC-CANCEL-STORM', 4);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        post(
          'mutation($n: String!) { cancelOrder(number: $n, reason: "storm") { status } }',
          { n: number },
          warehouse,
        ),
      ),
    );
    expect(outcomes(results)).toEqual([...Array(19).fill('INVALID_STATE'), 'OK']);
    expect(await stockOf(app, 'JC-CANCEL-STORM')).toMatchObject({ onHand: 10, reserved: 0, available: 10 });
    expect(await traces(number, 'JC-CANCEL-STORM')).toEqual({
      events: [
        { status: 'ALLOCATED', n: 1 },
        { status: 'CANCELLED', n: 1 },
        { status: 'PLACED', n: 1 },
      ],
      movements: [],
      placements: [{ quantity: 10, allocated: 0 }],
    });
  });
});

describe('concurrency tests', () => {
  it(onMysql ? 'run on MySQL' : 'are skipped on SQLite, whose transactions run one at a time', () => {
    expect(true).toBe(true);
  });
});
