import { createHmac } from 'node:crypto';
import request from 'supertest';
import { Role } from '../src/graphql/enums';
import * as outbox from '../src/webhooks/webhook-outbox';
import { WebhookDispatcher } from '../src/webhooks/webhook-dispatcher';
import { createReferenceData } from './support/fixtures';
import { nextKey, place, placeOrderRaw, receive, transition } from './support/operations';
import { startTestApp, TestApp } from './support/test-app';
import { eventually } from './support/ws';
import { WebhookReceiver } from './support/webhook-receiver';

const CREATE = `mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret endpoint { id } }
}`;
const DELIVERIES = `query($id: ID!, $status: WebhookDeliveryStatus) {
  webhookDeliveries(endpointId: $id, status: $status, first: 50) {
    totalCount nodes { id event status attempts lastStatusCode lastError nextAttemptAt createdAt deliveredAt payload }
  }
}`;

/** A clock the test moves; the dispatcher never waits for real time to pass. */
class ManualClock {
  private at = Date.now();
  now() {
    return new Date(this.at);
  }
  set(date: Date) {
    this.at = date.getTime();
  }
  advance(ms: number) {
    this.at += ms;
  }
}

let app: TestApp;
let clock: ManualClock;
let dispatcher: WebhookDispatcher;
let baofu: string;
let beijie: string;
let warehouse: string;
const receivers: WebhookReceiver[] = [];

async function receiver(): Promise<WebhookReceiver> {
  const r = await new WebhookReceiver().start();
  receivers.push(r);
  return r;
}

async function endpoint(url: string, events: string[], token?: string, merchantCode?: string) {
  const res = await app.gql(CREATE, { input: { url, events, merchantCode } }, token);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data.createWebhookEndpoint as { secret: string; endpoint: { id: string } };
}

async function deliveries(endpointId: string, token?: string, status?: string) {
  const res = await app.gql(DELIVERIES, { id: endpointId, status }, token);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data.webhookDeliveries.nodes as any[];
}

const count = async (table: string) =>
  Number((await app.dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);

beforeAll(async () => {
  app = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_URLS: 'true' });
  // This file drives its own dispatcher with a clock it moves.
  await app.gateway.webhookDispatcher.stop();
  clock = new ManualClock();
  dispatcher = new WebhookDispatcher(app.dataSource, {
    allowPrivateUrls: true,
    clock: () => clock.now(),
    random: () => 0,
    timeoutMs: 300,
    metrics: app.gateway.metrics,
  });
  await createReferenceData(app);
  baofu = await app.keyFor(Role.MERCHANT, 'M-BAOFU-01');
  beijie = await app.keyFor(Role.MERCHANT, 'M-BEIJIE-02');
  warehouse = await app.keyFor(Role.WAREHOUSE);
  await receive(app, { skuCode: 'JC-MILLET-2500G', quantity: 500, locationCode: 'A-01-01' }, warehouse);
});

afterAll(async () => {
  await dispatcher.stop();
  for (const r of receivers) await r.close();
  await app.close();
});

it("sends a merchant's order changes, signed, to its own endpoints and ADMIN's, never to another merchant's", async () => {
  const own = await receiver();
  const other = await receiver();
  const admin = await receiver();
  const mine = await endpoint(own.url, ['ORDER_STATUS_CHANGED'], baofu);
  await endpoint(other.url, ['ORDER_STATUS_CHANGED'], beijie);
  await endpoint(admin.url, ['ORDER_STATUS_CHANGED']);

  const order = await place(app, [{ skuCode: 'JC-MILLET-2500G', quantity: 2 }], baofu, {
    destination: { recipientName: 'Li Na', recipientPhone: '13900000000', address: '1 Renmin Road' },
  });
  clock.set(new Date(Date.now() + 1000));
  expect(await dispatcher.runOnce()).toBe(2);
  expect(other.received).toEqual([]);
  expect(own.received).toHaveLength(1);
  expect(admin.received).toHaveLength(1);

  const [hook] = own.received;
  const body = JSON.parse(hook.body);
  expect(hook.headers['content-type']).toBe('application/json');
  expect(hook.headers['x-gaodu-event']).toBe('ORDER_STATUS_CHANGED');
  expect(hook.headers['x-gaodu-delivery']).toBe(body.id);
  expect(body).toMatchObject({
    type: 'ORDER_STATUS_CHANGED',
    data: {
      order: {
        number: order.number,
        status: 'PLACED',
        merchantCode: 'M-BAOFU-01',
        lines: [{ skuCode: 'JC-MILLET-2500G', quantity: 2, unitPrice: { amount: '39.90', currency: 'CNY' } }],
        destination: { recipientName: 'Li Na', recipientPhone: '13900000000', address: '1 Renmin Road' },
      },
    },
  });
  expect(new Date(body.data.order.updatedAt).getTime()).toBeGreaterThan(0);
  // The signature verifies with the secret shown at registration, over "<timestamp>.<body>".
  const timestamp = String(hook.headers['x-gaodu-timestamp']);
  expect(timestamp).toMatch(/^\d{10}$/);
  const expected = createHmac('sha256', mine.secret).update(`${timestamp}.${hook.body}`).digest('hex');
  expect(hook.headers['x-gaodu-signature']).toBe(`sha256=${expected}`);
  expect(createHmac('sha256', 'another secret').update(`${timestamp}.${hook.body}`).digest('hex')).not.toBe(
    expected,
  );

  // Each transition is an event too; the other merchant's endpoint still hears nothing.
  await transition(app, 'allocateOrder', order.number, warehouse);
  clock.set(new Date(Date.now() + 1000));
  await dispatcher.runOnce();
  expect(own.bodies().map((b) => b.data.order.status)).toEqual(['PLACED', 'ALLOCATED']);
  expect(other.received).toEqual([]);
  const theirs = await place(app, [{ skuCode: 'JC-MILLET-2500G', quantity: 1 }], beijie);
  clock.set(new Date(Date.now() + 1000));
  await dispatcher.runOnce();
  expect(other.bodies().map((b) => b.data.order.number)).toEqual([theirs.number]);
  expect(own.bodies().map((b) => b.data.order.number)).not.toContain(theirs.number);

  // The owner reads its deliveries, newest first; another merchant gets NOT_FOUND.
  const listed = await deliveries(mine.endpoint.id, baofu);
  expect(listed.map((d) => [d.status, JSON.parse(d.payload).data.order.status])).toEqual([
    ['DELIVERED', 'ALLOCATED'],
    ['DELIVERED', 'PLACED'],
  ]);
  expect(listed[1].payload).toBe(hook.body);
  const hidden = await app.gql(DELIVERIES, { id: mine.endpoint.id }, beijie);
  expect(hidden.errors?.[0].extensions.code).toBe('NOT_FOUND');
});

it('retries with backoff on 500, timeouts, closed connections and redirects, then FAILED 24 h after the event', async () => {
  const flaky = await receiver();
  const { endpoint: ep } = await endpoint(flaky.url, ['ORDER_STATUS_CHANGED'], beijie);
  flaky.mode = 'fail';
  flaky.script.push('fail', 'hang', 'close', 'redirect');
  clock.set(new Date());
  const start = clock.now().getTime();
  await place(app, [{ skuCode: 'JC-MILLET-2500G', quantity: 1 }], beijie);
  const [pending] = await deliveries(ep.id, beijie);
  const created = new Date(pending.createdAt).getTime();
  clock.set(new Date(Math.max(start, created)));

  const attemptsAt: number[] = [];
  for (;;) {
    const heard = flaky.received.length;
    await dispatcher.runOnce();
    expect(flaky.received).toHaveLength(heard + 1);
    attemptsAt.push(clock.now().getTime() - created);
    const [d] = await deliveries(ep.id, beijie);
    if (d.status === 'FAILED') break;
    expect(d.status).toBe('PENDING');
    // Nothing is sent before the next attempt is due.
    clock.set(new Date(new Date(d.nextAttemptAt).getTime() - 1));
    expect(await dispatcher.runOnce()).toBe(0);
    clock.advance(1);
  }
  const seconds = attemptsAt.map((ms) => Math.round(ms / 1000));
  const offset = seconds[0];
  // 30 s, 2 min, 10 min, 1 h, 6 h, then every 6 h; the attempt after 19 h 12 min would fall past 24 h.
  expect(seconds.map((s) => s - offset)).toEqual([0, 30, 150, 750, 4350, 25950, 47550, 69150]);
  const [failed] = await deliveries(ep.id, beijie, 'FAILED');
  expect(failed).toMatchObject({ status: 'FAILED', attempts: 8, lastStatusCode: 500, nextAttemptAt: null });
  // Every attempt carried the same delivery id.
  expect(new Set(flaky.received.map((r) => r.headers['x-gaodu-delivery']))).toEqual(new Set([failed.id]));
  expect(flaky.received).toHaveLength(8);

  // redeliverWebhook sends it again now, with the same id.
  flaky.mode = 'ok';
  const again = await app.gql(
    'mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id status } }',
    { id: failed.id },
    beijie,
  );
  expect(again.data.redeliverWebhook).toEqual({ id: failed.id, status: 'PENDING' });
  const refused = await app.gql(
    'mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id } }',
    { id: failed.id },
    baofu,
  );
  expect(refused.errors?.[0].extensions.code).toBe('NOT_FOUND');
  clock.set(new Date(Date.now() + 1000));
  expect(await dispatcher.runOnce()).toBe(1);
  const [delivered] = await deliveries(ep.id, beijie);
  expect(delivered).toMatchObject({ id: failed.id, status: 'DELIVERED', attempts: 9, lastStatusCode: 200 });
  expect(flaky.received.at(-1)!.headers['x-gaodu-delivery']).toBe(failed.id);
  await app.gql('mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id: ep.id }, beijie);
});

it('counts connection refused as a failure and records the error', async () => {
  const gone = await receiver();
  const { endpoint: ep } = await endpoint(gone.url, ['ORDER_STATUS_CHANGED'], beijie);
  await gone.close();
  receivers.splice(receivers.indexOf(gone), 1);
  clock.set(new Date(Date.now() + 1000));
  await place(app, [{ skuCode: 'JC-MILLET-2500G', quantity: 1 }], beijie);
  await dispatcher.runOnce();
  const [d] = await deliveries(ep.id, beijie);
  expect(d).toMatchObject({ status: 'PENDING', attempts: 1, lastStatusCode: null });
  expect(d.lastError).toMatch(/ECONNREFUSED/);
  await app.gql('mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id: ep.id }, beijie);
});

it('checks the address again as it connects: a host that resolves to a private address gets nothing', async () => {
  const r = await receiver();
  // Accepted where private URLs are allowed; sent by a dispatcher where they are not, as after a DNS change.
  const url = `https://localhost:${new URL(r.url).port}/hooks`;
  const { endpoint: ep } = await endpoint(url, ['ORDER_STATUS_CHANGED'], beijie);
  const strict = new WebhookDispatcher(app.dataSource, {
    allowPrivateUrls: false,
    clock: () => clock.now(),
    random: () => 0,
    timeoutMs: 300,
  });
  clock.set(new Date(Date.now() + 1000));
  await place(app, [{ skuCode: 'JC-MILLET-2500G', quantity: 1 }], beijie);
  await strict.runOnce();
  expect(r.received).toEqual([]);
  const [d] = await deliveries(ep.id, beijie);
  expect(d).toMatchObject({ status: 'PENDING', attempts: 1, lastStatusCode: null });
  expect(d.lastError).toMatch(/^url's host localhost resolves to .*, which is not a public address/);
  await app.gql('mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }', { id: ep.id }, beijie);
});

it('writes no event for a change that rolls back', async () => {
  const r = await receiver();
  await endpoint(r.url, ['ORDER_STATUS_CHANGED', 'STOCK_LOW']);
  const before = { orders: await count('orders'), deliveries: await count('webhook_delivery') };
  // A failure after the order's event was written, inside the same transaction.
  const spy = jest.spyOn(outbox, 'recordStockChanged').mockRejectedValueOnce(new Error('forced failure'));
  const res = await placeOrderRaw(app, { lines: [{ skuCode: 'JC-MILLET-2500G', quantity: 1 }] }, baofu);
  expect(spy).toHaveBeenCalled();
  spy.mockRestore();
  expect(res.errors?.[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
  expect({ orders: await count('orders'), deliveries: await count('webhook_delivery') }).toEqual(before);
});

it('sends STOCK_LOW once when a SKU turns low, and LOT_HELD with the lot, SKU and reason', async () => {
  const r = await receiver();
  await endpoint(r.url, ['STOCK_LOW', 'LOT_HELD'], baofu);
  // JC-HAWTHORN-500G: threshold 5.
  const lot = await receive(
    app,
    { skuCode: 'JC-HAWTHORN-500G', quantity: 9, locationCode: 'A-01-02' },
    warehouse,
  );
  await place(app, [{ skuCode: 'JC-HAWTHORN-500G', quantity: 3 }], baofu); // 6 left: not low
  await place(app, [{ skuCode: 'JC-HAWTHORN-500G', quantity: 2 }], baofu); // 4 left: low
  await place(app, [{ skuCode: 'JC-HAWTHORN-500G', quantity: 1 }], baofu); // still low: no new event
  clock.set(new Date(Date.now() + 1000));
  await dispatcher.runOnce();
  expect(r.bodies().map((b) => [b.type, b.data])).toEqual([
    [
      'STOCK_LOW',
      {
        skuCode: 'JC-HAWTHORN-500G',
        stock: { onHand: 9, reserved: 5, unsellable: 0, available: 4, lowStockThreshold: 5, isLow: true },
      },
    ],
  ]);
  const held = await app.gql(
    'mutation($code: String!) { holdLot(code: $code, reason: "recall: mould") { status } }',
    { code: lot.code },
    warehouse,
  );
  expect(held.errors).toBeUndefined();
  await dispatcher.runOnce();
  expect(r.bodies()[1]).toMatchObject({
    type: 'LOT_HELD',
    data: { lot: { code: lot.code, status: 'HELD' }, skuCode: 'JC-HAWTHORN-500G', reason: 'recall: mould' },
  });
  expect(r.received[1].headers['x-gaodu-event']).toBe('LOT_HELD');
});

it('a hanging endpoint delays neither the mutation nor other endpoints', async () => {
  const slow = await receiver();
  const fast = await receiver();
  slow.mode = 'hang';
  const a = await endpoint(slow.url, ['ORDER_STATUS_CHANGED'], beijie);
  const b = await endpoint(fast.url, ['ORDER_STATUS_CHANGED'], beijie);
  const live = new WebhookDispatcher(app.dataSource, {
    allowPrivateUrls: true,
    timeoutMs: 60_000,
    pollMs: 20,
  });
  live.start();
  try {
    for (let i = 0; i < 3; i++) await place(app, [{ skuCode: 'JC-MILLET-2500G', quantity: 1 }], beijie);
    await eventually(() => fast.received.length === 3, 'the fast endpoint to get all three');
    // The slow endpoint holds at most two attempts; its deliveries wait, the others were not held up.
    expect(slow.received.length).toBeLessThanOrEqual(2);
    // The receiver has the third request a moment before the dispatcher records its answer.
    let statuses: string[] = [];
    for (let turn = 0; turn < 1000; turn++) {
      statuses = (await deliveries(b.endpoint.id, beijie)).map((d) => d.status);
      if (statuses.every((status) => status === 'DELIVERED')) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(statuses).toEqual(['DELIVERED', 'DELIVERED', 'DELIVERED']);
    expect((await deliveries(a.endpoint.id, beijie)).map((d) => d.status)).toEqual([
      'PENDING',
      'PENDING',
      'PENDING',
    ]);
  } finally {
    await slow.close();
    receivers.splice(receivers.indexOf(slow), 1);
    await live.stop();
  }
});

it('keeps delivered rows 7 days, then deletes them; pending and failed rows stay', async () => {
  // A delivery that gave up (an endpoint answering 500 for over 24 h) and one still pending.
  const failing = await receiver();
  failing.mode = 'fail';
  await endpoint(failing.url, ['ORDER_STATUS_CHANGED'], beijie);
  await place(app, [{ skuCode: 'JC-MILLET-2500G', quantity: 1 }], beijie);
  clock.set(new Date(Date.now() + 25 * 3_600_000));
  await dispatcher.runOnce();
  await place(app, [{ skuCode: 'JC-MILLET-2500G', quantity: 1 }], beijie);
  const byStatus = async () =>
    Object.fromEntries(
      (await app.dataSource.query('SELECT status, COUNT(*) AS n FROM webhook_delivery GROUP BY status')).map(
        (r: { status: string; n: number | string }) => [r.status, Number(r.n)],
      ),
    );
  const before = await byStatus();
  expect(before).toEqual({
    DELIVERED: expect.any(Number),
    FAILED: expect.any(Number),
    PENDING: expect.any(Number),
  });
  clock.set(new Date(Date.now() + 6 * 24 * 3_600_000));
  expect(await dispatcher.cleanUp()).toBe(0);
  // The last were delivered 25 h on (the clock the dispatcher was given then).
  clock.set(new Date(Date.now() + 25 * 3_600_000 + 7 * 24 * 3_600_000 + 60_000));
  expect(await dispatcher.cleanUp()).toBe(before.DELIVERED);
  expect(await byStatus()).toEqual({ FAILED: before.FAILED, PENDING: before.PENDING });
});

it('exports deliveries by outcome and the queue depth', async () => {
  const res = await request(app.gateway.app).get('/metrics');
  expect(res.text).toMatch(/gateway_webhook_deliveries_total\{outcome="delivered"\} [1-9]/);
  expect(res.text).toMatch(/gateway_webhook_deliveries_total\{outcome="retried"\} [1-9]/);
  expect(res.text).toMatch(/gateway_webhook_deliveries_total\{outcome="failed"\} [1-9]/);
  expect(res.text).toMatch(/gateway_webhook_queue_depth \d+/);
  expect(nextKey()).toBeTruthy();
});
