import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { createApp, GatewayApp } from '../src/app';
import { openDataSource } from '../src/db/data-source';
import { Role } from '../src/graphql/enums';
import { IdempotencyRecord } from '../src/idempotency/idempotency-record.entity';
import {
  deleteExpiredIdempotencyRecords,
  KEEP_FOR_MS,
  startIdempotencyCleanup,
} from '../src/idempotency/idempotency.service';
import { createReferenceData } from './support/fixtures';
import { nextKey, receive, snapshot, stockOf } from './support/operations';
import { onMysql, startTestApp, TestApp } from './support/test-app';

/**
 * Retry-safe writes (the contract's retry conventions): every keyed mutation has one effect however often
 * it is sent, at once or later, on this instance or after a restart; other input under a key is CONFLICT.
 */

let app: TestApp;
let server: Server;
let url: string;
let warehouse: string;
let baofu: string;

beforeAll(async () => {
  app = await startTestApp();
  await createReferenceData(app);
  warehouse = await app.keyFor(Role.WAREHOUSE);
  baofu = await app.keyFor(Role.MERCHANT, 'M-BAOFU-01');
  server = createServer(app.gateway.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await app.close();
});

type Result = { data?: any; errors?: { message: string; extensions: Record<string, any> }[] };

/** POSTs over a real socket, so concurrent requests run side by side on the server's connection pool. */
async function post(query: string, variables: Record<string, unknown>, token: string, to = url) {
  const res = await fetch(to, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const { data, errors } = (await res.json()) as Result;
  return errors ? { data, errors } : { data };
}

const M = {
  move: 'mutation($i: MoveStockInput!) { moveStock(input: $i) { code quantityOnHand placements { location { code } quantity } } }',
  adjust:
    'mutation($i: AdjustStockInput!) { adjustStock(input: $i) { id type quantity onHandDelta lot { code } } }',
  hold: 'mutation($c: String!, $r: String!, $k: String) { holdLot(code: $c, reason: $r, idempotencyKey: $k) { code status holdReason } }',
  release:
    'mutation($c: String!, $k: String) { releaseLot(code: $c, idempotencyKey: $k) { code status holdReason } }',
  place: 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { number status } }',
  allocate:
    'mutation($n: String!, $k: String) { allocateOrder(number: $n, idempotencyKey: $k) { number status } }',
  pick: 'mutation($n: String!, $k: String) { pickOrder(number: $n, idempotencyKey: $k) { number status } }',
  dispatch: 'mutation($i: DispatchOrderInput!) { dispatchOrder(input: $i) { number status trackingNumber } }',
  deliver:
    'mutation($n: String!, $k: String) { markDelivered(number: $n, idempotencyKey: $k) { number status } }',
  cancel:
    'mutation($n: String!, $r: String!, $k: String) { cancelOrder(number: $n, reason: $r, idempotencyKey: $k) { number status } }',
};

/** A SKU of its own with one lot of `units` in A-01-01. */
async function newSkuWithLot(code: string, units: number) {
  const res = await app.gql('mutation($input: CreateSkuInput!) { createSku(input: $input) { id } }', {
    input: {
      code,
      name: code,
      category: 'NUT',
      unit: 'bag',
      unitWeightGrams: 1000,
      storageZone: 'AMBIENT',
      shelfLifeDays: 90,
      price: '5.00',
    },
  });
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return receive(
    app,
    { skuCode: code, farmCode: 'FARM-ZEZHOU-002', quantity: units, locationCode: 'A-01-01' },
    warehouse,
  );
}

/** Sends one request `times` times at once; every answer must be the same success. */
async function repeated(times: number, query: string, variables: Record<string, unknown>, token: string) {
  const results = await Promise.all(Array.from({ length: times }, () => post(query, variables, token)));
  expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
  for (const r of results) expect(r.data).toEqual(results[0].data);
  return { results, data: Object.values(results[0].data!)[0] as any };
}

/** What the requests of one SKU left behind: movements by type, events per order and status, the stock. */
async function effects(skuCode: string) {
  const rows = async (sql: string) =>
    (await app.dataSource.query(sql, [skuCode])).map((r: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, /^-?\d+$/.test(String(v)) ? Number(v) : v])),
    );
  return {
    movements: await rows(
      'SELECT m.type, COUNT(*) AS n, SUM(m.on_hand_delta) AS delta FROM stock_movement m JOIN sku s ON s.id = m.sku_id WHERE s.code = ? GROUP BY m.type ORDER BY m.type',
    ),
    events: await rows(
      'SELECT e.status, COUNT(*) AS n FROM order_event e JOIN orders o ON o.id = e.order_id WHERE o.id IN (SELECT ol.order_id FROM order_line ol JOIN sku s ON s.id = ol.sku_id WHERE s.code = ?) GROUP BY e.status ORDER BY e.status',
    ),
    stock: await stockOf(app, skuCode),
  };
}

/**
 * The day of one lot and two orders, every write keyed, each sent `times` times at once. Returns the
 * requests, to send them again later.
 */
async function keyedDay(sku: string, times: number) {
  const lot = await newSkuWithLot(sku, 20);
  const sent: { query: string; variables: Record<string, unknown>; token: string; data: unknown }[] = [];
  const send = async (query: string, variables: Record<string, unknown>, token = warehouse) => {
    const { data } = await repeated(times, query, variables, token);
    sent.push({ query, variables, token, data });
    return data;
  };
  const k = (what: string) => nextKey(`${sku}-${what}`);
  const moved = await send(M.move, {
    i: {
      idempotencyKey: k('move'),
      lotCode: lot.code,
      fromLocationCode: 'A-01-01',
      toLocationCode: 'A-01-02',
      quantity: 3,
    },
  });
  expect(moved.placements).toEqual([
    { location: { code: 'A-01-01' }, quantity: 17 },
    { location: { code: 'A-01-02' }, quantity: 3 },
  ]);
  await send(M.adjust, {
    i: {
      idempotencyKey: k('adjust'),
      lotCode: lot.code,
      locationCode: 'A-01-02',
      delta: -1,
      reason: 'DAMAGE',
    },
  });
  expect((await send(M.hold, { c: lot.code, r: 'lab test', k: k('hold') })).status).toBe('HELD');
  expect((await send(M.release, { c: lot.code, k: k('release') })).status).toBe('ACTIVE');
  const destination = { stationCode: 'ST-GAODU-BAOFU' };
  const shipped = await send(
    M.place,
    { i: { idempotencyKey: k('place-1'), lines: [{ skuCode: sku, quantity: 2 }], destination } },
    baofu,
  );
  const cancelled = await send(
    M.place,
    { i: { idempotencyKey: k('place-2'), lines: [{ skuCode: sku, quantity: 4 }], destination } },
    baofu,
  );
  expect((await send(M.allocate, { n: shipped.number, k: k('allocate-1') })).status).toBe('ALLOCATED');
  expect((await send(M.allocate, { n: cancelled.number, k: k('allocate-2') })).status).toBe('ALLOCATED');
  expect((await send(M.pick, { n: shipped.number, k: k('pick') })).status).toBe('PICKED');
  const dispatchInput = {
    idempotencyKey: k('dispatch'),
    number: shipped.number,
    carrierCode: 'SF',
    trackingNumber: `SF-${sku}`,
    parcels: 1,
  };
  expect((await send(M.dispatch, { i: dispatchInput })).status).toBe('DISPATCHED');
  expect((await send(M.deliver, { n: shipped.number, k: k('deliver') })).status).toBe('DELIVERED');
  expect((await send(M.cancel, { n: cancelled.number, r: 'changed mind', k: k('cancel') })).status).toBe(
    'CANCELLED',
  );
  return sent;
}

/** Each write of keyedDay exactly once. */
const ONE_DAY = {
  movements: [
    { type: 'ADJUSTMENT', n: 1, delta: -1 },
    { type: 'PICK', n: 1, delta: -2 },
    { type: 'RECEIPT', n: 1, delta: 20 },
    { type: 'TRANSFER', n: 1, delta: 0 },
  ],
  events: [
    { status: 'ALLOCATED', n: 2 },
    { status: 'CANCELLED', n: 1 },
    { status: 'DELIVERED', n: 1 },
    { status: 'DISPATCHED', n: 1 },
    { status: 'PICKED', n: 1 },
    { status: 'PLACED', n: 2 },
  ],
  stock: { onHand: 17, reserved: 0, unsellable: 0, available: 17 },
};

describe('a keyed write sent again', () => {
  it('has one effect, one after another, and the repeats answer what the first did', async () => {
    await keyedDay('JC-RETRY-SEQ', 3);
    expect(await effects('JC-RETRY-SEQ')).toEqual(ONE_DAY);
  });

  it('of a transition returns the order as it is now, with no new event', async () => {
    const lot = await newSkuWithLot('JC-RETRY-NOW', 5);
    const order = (
      await post(
        M.place,
        {
          i: {
            idempotencyKey: nextKey('now'),
            lines: [{ skuCode: 'JC-RETRY-NOW', quantity: 1 }],
            destination: { stationCode: 'ST-GAODU-BAOFU' },
          },
        },
        baofu,
      )
    ).data!.placeOrder;
    const allocateKey = nextKey('now-allocate');
    await post(M.allocate, { n: order.number, k: allocateKey }, warehouse);
    await post(M.pick, { n: order.number }, warehouse);
    const before = await snapshot(app);
    const again = await post(M.allocate, { n: order.number, k: allocateKey }, warehouse);
    expect(again).toEqual({ data: { allocateOrder: { number: order.number, status: 'PICKED' } } });
    expect(await snapshot(app)).toEqual(before);
    const hold = nextKey('now-hold');
    await post(M.hold, { c: lot.code, r: 'lab', k: hold }, warehouse);
    await post(M.release, { c: lot.code }, warehouse);
    const held = await post(M.hold, { c: lot.code, r: 'lab', k: hold }, warehouse);
    expect(held.data!.holdLot).toEqual({ code: lot.code, status: 'ACTIVE', holdReason: null });
  });

  it('without a key is INVALID_STATE as before, and changes nothing', async () => {
    await newSkuWithLot('JC-RETRY-NOKEY', 5);
    const order = (
      await post(
        M.place,
        {
          i: {
            idempotencyKey: nextKey('nokey'),
            lines: [{ skuCode: 'JC-RETRY-NOKEY', quantity: 1 }],
            destination: { stationCode: 'ST-GAODU-BAOFU' },
          },
        },
        baofu,
      )
    ).data!.placeOrder;
    expect((await post(M.allocate, { n: order.number }, warehouse)).errors).toBeUndefined();
    const before = await snapshot(app);
    const again = await post(M.allocate, { n: order.number }, warehouse);
    expect(again.errors?.[0].extensions.code).toBe('INVALID_STATE');
    expect(again.errors?.[0].message).toBe(
      `Order ${order.number} is ALLOCATED; it must be PLACED to become ALLOCATED`,
    );
    expect(await snapshot(app)).toEqual(before);
  });

  it('with other input, or on another mutation, is CONFLICT naming idempotencyKey, and changes nothing', async () => {
    const lot = await newSkuWithLot('JC-RETRY-CONFLICT', 10);
    const key = nextKey('conflict');
    const move = {
      idempotencyKey: key,
      lotCode: lot.code,
      fromLocationCode: 'A-01-01',
      toLocationCode: 'A-01-02',
    };
    expect((await post(M.move, { i: { ...move, quantity: 2 } }, warehouse)).errors).toBeUndefined();
    const before = await snapshot(app);
    for (const [query, variables] of [
      [M.move, { i: { ...move, quantity: 3 } }],
      [
        M.adjust,
        { i: { idempotencyKey: key, lotCode: lot.code, locationCode: 'A-01-01', delta: 1, reason: 'FOUND' } },
      ],
      [M.hold, { c: lot.code, r: 'lab', k: key }],
    ] as const) {
      const res = await post(query, variables, warehouse);
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'idempotencyKey' });
    }
    expect(await snapshot(app)).toEqual(before);
  });

  it('is scoped to the API key: another key with the same idempotency key moves again', async () => {
    const lot = await newSkuWithLot('JC-RETRY-SCOPE', 10);
    const other = await app.keyFor(Role.WAREHOUSE);
    const i = {
      idempotencyKey: nextKey('scope'),
      lotCode: lot.code,
      fromLocationCode: 'A-01-01',
      toLocationCode: 'A-01-02',
      quantity: 2,
    };
    await post(M.move, { i }, warehouse);
    const res = await post(M.move, { i }, other);
    expect(res.data!.moveStock.placements).toEqual([
      { location: { code: 'A-01-01' }, quantity: 6 },
      { location: { code: 'A-01-02' }, quantity: 4 },
    ]);
  });

  it('after a refusal runs anew: a refused request does not use up its key', async () => {
    await newSkuWithLot('JC-RETRY-REFUSED', 2);
    const order = (
      await post(
        M.place,
        {
          i: {
            idempotencyKey: nextKey('refused'),
            lines: [{ skuCode: 'JC-RETRY-REFUSED', quantity: 2 }],
            destination: { stationCode: 'ST-GAODU-BAOFU' },
          },
        },
        baofu,
      )
    ).data!.placeOrder;
    const lot = (
      await app.dataSource.query(
        "SELECT l.code FROM lot l JOIN sku s ON s.id = l.sku_id WHERE s.code = 'JC-RETRY-REFUSED'",
      )
    )[0].code;
    await post(M.hold, { c: lot, r: 'lab' }, warehouse);
    const key = nextKey('refused-allocate');
    const refused = await post(M.allocate, { n: order.number, k: key }, warehouse);
    expect(refused.errors?.[0].extensions.code).toBe('INSUFFICIENT_STOCK');
    await post(M.release, { c: lot }, warehouse);
    const allocated = await post(M.allocate, { n: order.number, k: key }, warehouse);
    expect(allocated).toEqual({ data: { allocateOrder: { number: order.number, status: 'ALLOCATED' } } });
  });

  const bad: [string, string][] = [
    ['an empty key', ''],
    ['a key of 101 characters', 'k'.repeat(101)],
  ];
  it.each(bad)(
    'refuses %s on every keyed mutation with BAD_USER_INPUT naming idempotencyKey',
    async (_w, key) => {
      const lot = (await app.dataSource.query('SELECT code FROM lot ORDER BY id LIMIT 1'))[0].code;
      const number = (await app.dataSource.query('SELECT number FROM orders ORDER BY id LIMIT 1'))[0].number;
      const before = await snapshot(app);
      const requests: [string, Record<string, unknown>, string][] = [
        [
          M.move,
          {
            i: {
              idempotencyKey: key,
              lotCode: lot,
              fromLocationCode: 'A-01-01',
              toLocationCode: 'A-01-02',
              quantity: 1,
            },
          },
          warehouse,
        ],
        [
          M.adjust,
          { i: { idempotencyKey: key, lotCode: lot, locationCode: 'A-01-01', delta: 1, reason: 'FOUND' } },
          warehouse,
        ],
        [M.hold, { c: lot, r: 'lab', k: key }, warehouse],
        [M.release, { c: lot, k: key }, warehouse],
        [
          M.place,
          {
            i: {
              idempotencyKey: key,
              lines: [{ skuCode: 'JC-MILLET-2500G', quantity: 1 }],
              destination: { stationCode: 'ST-GAODU-BAOFU' },
            },
          },
          baofu,
        ],
        [M.allocate, { n: number, k: key }, warehouse],
        [M.pick, { n: number, k: key }, warehouse],
        [
          M.dispatch,
          { i: { idempotencyKey: key, number, carrierCode: 'SF', trackingNumber: 'SF1', parcels: 1 } },
          warehouse,
        ],
        [M.deliver, { n: number, k: key }, warehouse],
        [M.cancel, { n: number, r: 'r', k: key }, warehouse],
      ];
      for (const [query, variables, token] of requests) {
        const res = await post(query, variables, token);
        expect([query.slice(9, 30), res.errors?.[0].extensions]).toEqual([
          query.slice(9, 30),
          expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'idempotencyKey' }),
        ]);
      }
      expect(await snapshot(app)).toEqual(before);
    },
  );
});

describe('old idempotency keys', () => {
  it('are kept 24 hours and more, deleted after 48 hours', async () => {
    const lot = await newSkuWithLot('JC-RETRY-OLD', 10);
    const i = {
      idempotencyKey: nextKey('old'),
      lotCode: lot.code,
      fromLocationCode: 'A-01-01',
      toLocationCode: 'A-01-02',
      quantity: 1,
    };
    const first = await post(M.move, { i }, warehouse);
    const [record] = await app.dataSource
      .getRepository(IdempotencyRecord)
      .findBy({ idempotencyKey: i.idempotencyKey });
    const createdAt = record.createdAt.getTime();
    const hour = 3600 * 1000;
    await deleteExpiredIdempotencyRecords(app.dataSource, new Date(createdAt + 25 * hour));
    expect(await post(M.move, { i }, warehouse)).toEqual(first);
    const sweeper = startIdempotencyCleanup(app.dataSource, {
      everyMs: 24 * hour,
      clock: () => new Date(createdAt + KEEP_FOR_MS + 1000),
    });
    expect(await sweeper.sweep()).toBeGreaterThanOrEqual(1);
    await sweeper.stop();
    expect(
      await app.dataSource.getRepository(IdempotencyRecord).countBy({ idempotencyKey: i.idempotencyKey }),
    ).toBe(0);
    // The key is free again: the same request now moves another unit.
    const again = await post(M.move, { i }, warehouse);
    expect(again.data!.moveStock.placements).toEqual([
      { location: { code: 'A-01-01' }, quantity: 8 },
      { location: { code: 'A-01-02' }, quantity: 2 },
    ]);
  });

  it('are deleted in batches, the younger ones kept', async () => {
    const base = new Date('2026-03-01T00:00:00.000Z').getTime();
    const hour = 3600 * 1000;
    const repo = app.dataSource.getRepository(IdempotencyRecord);
    await repo.insert(
      [50, 49, 48.5, 47, 1].map((hoursOld, n) => ({
        scope: 'batch-test',
        idempotencyKey: `batch-${n}`,
        operation: 'moveStock',
        requestHash: '0'.repeat(64),
        resultId: 1,
        createdAt: new Date(base - hoursOld * hour),
      })),
    );
    expect(await deleteExpiredIdempotencyRecords(app.dataSource, new Date(base), 2)).toBe(3);
    expect(
      (await repo.find({ where: { scope: 'batch-test' }, order: { idempotencyKey: 'ASC' } })).map(
        (r) => r.idempotencyKey,
      ),
    ).toEqual(['batch-3', 'batch-4']);
  });
});

/** Real concurrency needs row locks and a connection pool: MariaDB/MySQL. */
const describeOnMysql = onMysql ? describe : describe.skip;

describeOnMysql('20 concurrent repeats on MySQL', () => {
  let day: Awaited<ReturnType<typeof keyedDay>>;

  it('of every keyed mutation have one effect, and all 20 get the first answer', async () => {
    day = await keyedDay('JC-RETRY-STORM', 20);
    expect(await effects('JC-RETRY-STORM')).toEqual(ONE_DAY);
  });

  it('after a restart (a new instance on the same database) still answer the first result, doing nothing', async () => {
    const before = await snapshot(app);
    const dataSource = await openDataSource((app.dataSource.options as { url: string }).url);
    let restarted: GatewayApp | undefined;
    let second: Server | undefined;
    try {
      restarted = await createApp(dataSource, app.config);
      second = createServer(restarted.app);
      await new Promise<void>((resolve) => second!.listen(0, '127.0.0.1', resolve));
      const secondUrl = `http://127.0.0.1:${(second.address() as AddressInfo).port}/graphql`;
      for (const request of day) {
        const again = await post(request.query, request.variables, request.token, secondUrl);
        expect(again.errors).toBeUndefined();
        // The same lot, movement or order as the first time, as it is now.
        const first = request.data as Record<string, unknown>;
        const identity = Object.fromEntries(
          ['id', 'code', 'number'].filter((key) => key in first).map((key) => [key, first[key]]),
        );
        expect(Object.values(again.data!)[0]).toEqual(expect.objectContaining(identity));
      }
    } finally {
      await new Promise((resolve) => (second ? second.close(resolve) : resolve(undefined)));
      await restarted?.stop();
      await dataSource.destroy();
    }
    expect(await snapshot(app)).toEqual(before);
    expect(await effects('JC-RETRY-STORM')).toEqual(ONE_DAY);
  });
});
