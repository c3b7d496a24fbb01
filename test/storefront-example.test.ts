import { createHmac } from 'node:crypto';
import { RedeliverWebhookDocument, WebhookDeliveriesDocument } from '../examples/generated/graphql';
import { Storefront } from '../examples/storefront/storefront';
import { verifySignature } from '../examples/storefront/webhooks';
import { Role } from '../src/graphql/enums';
import { createReferenceData } from './support/fixtures';
import { place, receive, transition } from './support/operations';
import { startTestApp, TestApp } from './support/test-app';
import { eventually, listen, LiveServer } from './support/ws';

// The example storefront of examples/storefront, run against a real gateway on a loopback port; its webhook
// receiver listens on 127.0.0.1 too (WEBHOOK_ALLOW_PRIVATE_URLS).

let app: TestApp;
let server: LiveServer;
let storefront: Storefront;
let warehouse: string;
let baofu: string;
let endpointId: string;
const startedAt = new Date(Date.now() - 1000).toISOString();
/** Calls the storefront made to the gateway, and whether the answer of the next one is lost. */
const traffic = { calls: 0, loseNextAnswer: false };

const count = async (table: string) =>
  Number((await app.dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
const turns = 3000;

beforeAll(async () => {
  app = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_URLS: 'true' });
  await createReferenceData(app);
  warehouse = await app.keyFor(Role.WAREHOUSE);
  baofu = await app.keyFor(Role.MERCHANT, 'M-BAOFU-01');
  await receive(app, { skuCode: 'JC-MILLET-2500G', quantity: 50, locationCode: 'A-01-01' }, warehouse);
  server = await listen(app.gateway);
  // The network between the storefront and the gateway: it can lose an answer after the gateway acted.
  const network: typeof fetch = async (input, init) => {
    traffic.calls++;
    const response = await fetch(input, init);
    if (traffic.loseNextAnswer) {
      traffic.loseNextAnswer = false;
      await response.arrayBuffer();
      throw new TypeError('socket hang up');
    }
    return response;
  };
  storefront = new Storefront(
    { url: server.url.replace('ws://', 'http://'), apiKey: baofu, fetch: network },
    startedAt,
  );
  endpointId = (await storefront.listenForWebhooks()).id;
});

afterAll(async () => {
  await storefront?.stopWebhooks();
  await server?.close();
  await app?.close();
});

it('reads stock, and places one order though the first answer was lost and the checkout retried', async () => {
  const page = await storefront.productPage(['JC-MILLET-2500G', 'NO-SUCH-SKU']);
  expect(page).toEqual([
    {
      sku: {
        code: 'JC-MILLET-2500G',
        name: 'JC-MILLET-2500G',
        localName: null,
        price: { amount: '39.90', currency: 'CNY' },
      },
      available: 50,
      isLow: false,
    },
    null,
  ]);
  const before = { orders: await count('orders'), calls: traffic.calls };
  traffic.loseNextAnswer = true;
  const waits: number[] = [];
  const order = await storefront.placeOrder(
    { lines: [{ skuCode: 'JC-MILLET-2500G', quantity: 2 }], destination: { stationCode: 'ST-GAODU-BAOFU' } },
    { wait: async (ms) => void waits.push(ms) },
  );
  expect(order).toMatchObject({ status: 'PLACED', total: { amount: '79.80' } });
  // Two requests with the same key: one order, two units reserved once.
  expect(traffic.calls - before.calls).toBe(2);
  expect(waits).toHaveLength(1);
  expect(await count('orders')).toBe(before.orders + 1);
  const [after] = await storefront.productPage(['JC-MILLET-2500G']);
  expect(after?.available).toBe(48);
});

it('hears its order changes by signed webhooks, each delivery handled once', async () => {
  const receiver = storefront.receiver!;
  await eventually(() => receiver.stats.handled >= 1, 'the PLACED webhook', turns);
  const [number] = [...storefront.orders.keys()];
  expect((await transition(app, 'allocateOrder', number, warehouse)).errors).toBeUndefined();
  await eventually(
    () => storefront.orders.get(number)?.status === 'ALLOCATED',
    'the ALLOCATED webhook',
    turns,
  );
  expect(storefront.heard.filter((h) => h.via === 'webhook').map((h) => [h.number, h.status])).toEqual([
    [number, 'PLACED'],
    [number, 'ALLOCATED'],
  ]);
  expect(receiver.stats).toEqual({ handled: 2, duplicates: 0, refused: 0 });

  // Sent again with the same x-gaodu-delivery: acknowledged, not handled twice.
  const { webhookDeliveries } = await storefront.gateway.request(WebhookDeliveriesDocument, {
    endpointId,
    status: 'DELIVERED',
  });
  expect(webhookDeliveries.nodes.map((d) => d.event)).toEqual([
    'ORDER_STATUS_CHANGED',
    'ORDER_STATUS_CHANGED',
  ]);
  await storefront.gateway.request(RedeliverWebhookDocument, { deliveryId: webhookDeliveries.nodes[0].id });
  await eventually(() => receiver.stats.duplicates === 1, 'the redelivery', turns);
  expect(receiver.stats.handled).toBe(2);
  expect(storefront.heard.filter((h) => h.via === 'webhook')).toHaveLength(2);
});

it('refuses a webhook whose signature, body or timestamp is not the gateway’s, and takes nothing from it', async () => {
  const receiver = storefront.receiver!;
  const heard = storefront.heard.length;
  const now = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({
    id: 'forged',
    type: 'ORDER_STATUS_CHANGED',
    occurredAt: new Date().toISOString(),
    data: { order: { number: 'GD-FORGED', status: 'DELIVERED', updatedAt: new Date().toISOString() } },
  });
  const sign = (secret: string, timestamp: number, signed: string) =>
    `sha256=${createHmac('sha256', secret).update(`${timestamp}.${signed}`).digest('hex')}`;
  const post = (timestamp: number, signatureHeader: string) =>
    fetch(receiver.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-gaodu-delivery': `forged-${timestamp}-${signatureHeader.slice(7, 15)}`,
        'x-gaodu-event': 'ORDER_STATUS_CHANGED',
        'x-gaodu-timestamp': String(timestamp),
        'x-gaodu-signature': signatureHeader,
      },
      body,
    });
  const statuses = [
    (await post(now, sign('not the secret', now, body))).status,
    (await post(now, sign(receiver.secret, now, body.replace('DELIVERED', 'PLACED')))).status,
    (await post(now - 3600, sign(receiver.secret, now - 3600, body))).status,
    (await post(now, 'sha256=')).status,
  ];
  expect(statuses).toEqual([401, 401, 401, 401]);
  expect(receiver.stats.refused).toBe(4);
  expect(storefront.heard).toHaveLength(heard);
  expect(storefront.orders.has('GD-FORGED')).toBe(false);
  // The same request, signed with the endpoint's secret, is taken.
  const headers = { 'x-gaodu-timestamp': String(now), 'x-gaodu-signature': sign(receiver.secret, now, body) };
  expect(verifySignature(receiver.secret, headers, body)).toBe(true);
  expect(verifySignature(receiver.secret, headers, `${body} `)).toBe(false);
});

it('catches up through the change feed after its webhook receiver was down, every change once', async () => {
  await storefront.stopWebhooks();
  // Meanwhile orders are placed (by the shop platform's other workers) and move on in the warehouse.
  const placed: string[] = [];
  for (let i = 0; i < 5; i++)
    placed.push((await place(app, [{ skuCode: 'JC-MILLET-2500G', quantity: 1 }], baofu)).number);
  for (const number of placed.slice(0, 3))
    expect((await transition(app, 'allocateOrder', number, warehouse)).errors).toBeUndefined();
  expect((await transition(app, 'pickOrder', placed[0], warehouse)).errors).toBeUndefined();
  // Another merchant's order is not in this storefront's feed.
  const beijie = await app.keyFor(Role.MERCHANT, 'M-BEIJIE-02');
  const theirs = await place(app, [{ skuCode: 'JC-MILLET-2500G', quantity: 1 }], beijie);

  const fromFeed = () => storefront.heard.filter((h) => h.via === 'feed');
  await storefront.catchUp();
  const truth: { number: string; status: string }[] = await app.dataSource.query(
    "SELECT o.number AS number, o.status AS status FROM orders o JOIN merchant m ON m.id = o.merchant_id WHERE m.code = 'M-BAOFU-01' ORDER BY o.number",
  );
  expect(
    [...storefront.orders.values()]
      .map((o) => ({ number: o.number, status: o.status }))
      .sort((a, b) => (a.number < b.number ? -1 : 1)),
  ).toEqual(truth.map((t) => ({ number: t.number, status: t.status })));
  expect(storefront.orders.has(theirs.number)).toBe(false);
  // Each order once, at its latest state, oldest change first.
  const firstRound = fromFeed();
  expect(firstRound.map((h) => h.number).sort()).toEqual(truth.map((t) => t.number).sort());
  const times = firstRound.map((h) => Date.parse(h.updatedAt));
  expect([...times].sort((a, b) => a - b)).toEqual(times);

  // From the stored position, the next round brings only what changed since.
  await storefront.catchUp();
  expect(fromFeed()).toHaveLength(firstRound.length);
  expect((await transition(app, 'pickOrder', placed[1], warehouse)).errors).toBeUndefined();
  await storefront.catchUp();
  expect(
    fromFeed()
      .slice(firstRound.length)
      .map((h) => [h.number, h.status]),
  ).toEqual([[placed[1], 'PICKED']]);
  expect(storefront.orders.get(placed[1])?.status).toBe('PICKED');
});
