import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { createApp, GatewayApp } from '../src/app';
import { serializeOnce, stringifyResult } from '../src/graphql/result-json';
import { addDays, shanghaiToday } from '../src/time';
import { createReferenceData } from './support/fixtures';
import { orderFlow } from './support/order-flow';
import { ADMIN_TOKEN, startTestApp, TestApp } from './support/test-app';
import request from 'supertest';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DASHBOARD = `query($from: LocalDate!, $to: LocalDate!) {
  dashboard(from: $from, to: $to) {
    ordersPlaced ordersDispatched parcelsDispatched
    daily { date parcels } byCarrier { carrier { code } parcels }
  }
}`;
const WITH_STOCK = `query($from: LocalDate!, $to: LocalDate!) {
  dashboard(from: $from, to: $to) { parcelsDispatched stockValue { amount } }
}`;

// The dashboards' clock runs five days ahead, so the days orders are dispatched on today are closed days
// to them, whatever the time of day: a range around today is a closed range whose answer is kept.
const AHEAD_MS = 5 * 86_400_000;
const clock = () => new Date(Date.now() + AHEAD_MS);
const realToday = shanghaiToday();
const range = { from: addDays(realToday, -10), to: addDays(realToday, 1) };

async function dashboardOf(gateway: GatewayApp, query = DASHBOARD) {
  const res = await request(gateway.app)
    .post('/graphql')
    .set('content-type', 'application/json')
    .set('authorization', `Bearer ${ADMIN_TOKEN}`)
    .send({ query, variables: range });
  expect(res.body.errors).toBeUndefined();
  return res.body.data.dashboard;
}

async function prepare(app: TestApp) {
  await createReferenceData(app);
  const flow = orderFlow(app);
  await flow.receive('JC-MILLET-2500G', 'FARM-QINSHUI-001', 100, 'A-01-01');
  await flow.ship('M-BAOFU-01', [['JC-MILLET-2500G', 3]], 'SF', 2);
  return flow;
}

describe('whole dashboard answers of closed ranges, one instance', () => {
  let app: TestApp;
  let flow: Awaited<ReturnType<typeof prepare>>;

  beforeAll(async () => {
    app = await startTestApp({}, clock);
    flow = await prepare(app);
  });
  afterAll(() => app.close());

  it('keeps the answer until a dispatch on a day inside the range changes it', async () => {
    const first = await dashboardOf(app.gateway);
    expect([first.ordersDispatched, first.parcelsDispatched]).toEqual([1, 2]);
    // Behind the gateway's back (no event): the kept answer is still given.
    await app.dataSource.query('UPDATE daily_sales SET parcels = parcels + 100 WHERE parcels > 0');
    expect(await dashboardOf(app.gateway)).toEqual(first);
    expect(app.gateway.services.dashboard.answers!.size).toBe(1);

    await flow.ship('M-BAOFU-01', [['JC-MILLET-2500G', 1]], 'YTO', 1);
    const after = await dashboardOf(app.gateway);
    expect([after.ordersPlaced, after.ordersDispatched, after.parcelsDispatched]).toEqual([2, 2, 103]);
    expect(after.byCarrier).toEqual(expect.arrayContaining([{ carrier: { code: 'YTO' }, parcels: 1 }]));
  });

  it('drops an answer that read current stock when stock changes, and only then', async () => {
    const before = await dashboardOf(app.gateway, WITH_STOCK);
    await app.dataSource.query('UPDATE stock_level SET on_hand = on_hand + 1000');
    expect(await dashboardOf(app.gateway, WITH_STOCK)).toEqual(before);
    await flow.receive('JC-MILLET-2500G', 'FARM-QINSHUI-001', 1, 'A-01-01');
    const after = await dashboardOf(app.gateway, WITH_STOCK);
    expect(after.stockValue.amount).not.toBe(before.stockValue.amount);
  });

  it("writes a kept answer's JSON once, and each answer it gives is the same bytes", async () => {
    // A query of its own, so its answer is not kept yet.
    const query = DASHBOARD.replace('ordersPlaced ordersDispatched', 'ordersDispatched ordersPlaced');
    const post = () =>
      request(app.gateway.app)
        .post('/graphql')
        .set('content-type', 'application/json')
        .set('authorization', `Bearer ${ADMIN_TOKEN}`)
        .send({ query, variables: range });
    const stringify = jest.spyOn(JSON, 'stringify');
    const answers = [await post(), await post(), await post()];
    const dashboards = stringify.mock.calls.filter(([value]) => {
      const v = value as { dashboard?: unknown; data?: { dashboard?: unknown } } | null;
      return (
        typeof v === 'object' && v !== null && (v.dashboard !== undefined || v.data?.dashboard !== undefined)
      );
    });
    stringify.mockRestore();
    expect(dashboards).toHaveLength(1);
    expect(answers[0].body.data.dashboard.ordersPlaced).toBeGreaterThan(0);
    expect(answers[1].text).toBe(answers[0].text);
    expect(answers[2].text).toBe(`${JSON.stringify(answers[0].body)}\n`);
  });
});

describe('whole dashboard answers of closed ranges, two instances through Redis', () => {
  const prefix = `gaodu-test:${randomBytes(6).toString('hex')}:`;
  let first: TestApp;
  let second: GatewayApp;
  let flow: Awaited<ReturnType<typeof prepare>>;

  beforeAll(async () => {
    first = await startTestApp({ REDIS_URL, REDIS_PREFIX: prefix }, clock);
    second = await createApp(first.dataSource, first.config, [], clock);
    flow = await prepare(first);
  });
  afterAll(async () => {
    await second.stop();
    await first.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it("drops the other instance's kept answer when one instance dispatches inside its range", async () => {
    const kept = await dashboardOf(second);
    expect(kept.ordersDispatched).toBe(1);
    expect(await dashboardOf(second)).toEqual(kept);
    expect(second.services.dashboard.answers!.size).toBe(1);

    await flow.ship('M-BAOFU-01', [['JC-MILLET-2500G', 1]], 'YTO', 1);
    // The change reaches the second instance through Redis, a moment after the commit.
    let answer = kept;
    for (let turn = 0; turn < 200 && answer.ordersDispatched === 1; turn++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      answer = await dashboardOf(second);
    }
    expect([answer.ordersDispatched, answer.parcelsDispatched]).toEqual([2, 3]);
  });
});

describe('the JSON of a response body', () => {
  const data = { dashboard: { ordersPlaced: 3, daily: [{ date: '2026-12-01', parcels: 2 }], note: null } };
  const extensions = { cost: { requestedQueryCost: 7 } };

  it('is what JSON.stringify writes, for data written once as for any other', () => {
    const marked = structuredClone(data);
    serializeOnce(marked);
    for (const result of [{ data: marked }, { data: marked, extensions }, { data: marked, extensions }])
      expect(stringifyResult(result)).toBe(`${JSON.stringify(result)}\n`);
    const errors = [{ message: 'x', extensions: { code: 'BAD_USER_INPUT' } }];
    for (const result of [{ data }, { data, extensions }, { errors, data: marked }, { errors }])
      expect(stringifyResult(result)).toBe(`${JSON.stringify(result)}\n`);
  });
});
