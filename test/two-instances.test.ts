import { randomBytes } from 'node:crypto';
import { Client } from 'graphql-ws';
import Redis from 'ioredis';
import request from 'supertest';
import { createApp, GatewayApp } from '../src/app';
import { loadConfig } from '../src/config';
import { Role } from '../src/graphql/enums';
import { openEvents } from '../src/subscriptions/redis-events';
import { createReferenceData } from './support/fixtures';
import { place, receive } from './support/operations';
import { startTestApp, TestApp } from './support/test-app';
import { eventually, listen, LiveServer, subscribe, wsClient } from './support/ws';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// A prefix of this run's own, so nothing else on the Redis server is heard or disturbed.
const REDIS_PREFIX = `gaodu-test:${randomBytes(6).toString('hex')}:`;
const STOCK =
  'subscription($codes: [String!]) { stockLevelChanged(skuCodes: $codes) { sku { code } onHand reserved available } }';
const ORDERS = 'subscription { orderStatusChanged { number status merchant { code } } }';

// Two instances of the gateway on one database and one Redis, as behind a load balancer.
let first: TestApp;
let second: GatewayApp;
let liveFirst: LiveServer;
let liveSecond: LiveServer;
let warehouse: string;
let baofu: string;
const clients: Client[] = [];

async function following(
  live: LiveServer,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
) {
  const before = live.subscriptions.hub.size;
  const client = wsClient(live.url, token);
  clients.push(client);
  const sub = subscribe(client, query, variables);
  await eventually(() => live.subscriptions.hub.size === before + 1, 'the subscription to open');
  return sub;
}

beforeAll(async () => {
  first = await startTestApp({ REDIS_URL, REDIS_PREFIX });
  second = await createApp(first.dataSource, first.config);
  liveFirst = await listen(first.gateway);
  liveSecond = await listen(second);
  await createReferenceData(first);
  warehouse = await first.keyFor(Role.WAREHOUSE);
  baofu = await first.keyFor(Role.MERCHANT, 'M-BAOFU-01');
});

afterAll(async () => {
  for (const client of clients) await client.dispose();
  await liveSecond.close();
  await liveFirst.close();
  await second.stop();
  await first.close();
  // Keep nothing behind (the rate limiter keeps its buckets under the same prefix).
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${REDIS_PREFIX}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

it('delivers a change made on one instance to subscribers of the other, and once to its own', async () => {
  const there = await following(liveSecond, baofu, STOCK, { codes: ['JC-MILLET-2500G', 'JC-HAWTHORN-500G'] });
  const here = await following(liveFirst, warehouse, STOCK, {
    codes: ['JC-MILLET-2500G', 'JC-HAWTHORN-500G'],
  });

  await receive(first, { skuCode: 'JC-MILLET-2500G', quantity: 30, locationCode: 'A-01-01' }, warehouse);
  await receive(first, { skuCode: 'JC-HAWTHORN-500G', quantity: 9, locationCode: 'A-01-02' }, warehouse);

  for (const sub of [there, here]) {
    expect((await sub.next()).data.stockLevelChanged).toEqual({
      sku: { code: 'JC-MILLET-2500G' },
      onHand: 30,
      reserved: 0,
      available: 30,
    });
    expect((await sub.next()).data.stockLevelChanged).toEqual({
      sku: { code: 'JC-HAWTHORN-500G' },
      onHand: 9,
      reserved: 0,
      available: 9,
    });
  }
});

it('delivers order status changes across instances, a merchant still hearing only its own', async () => {
  const tabletThere = await following(liveSecond, warehouse, ORDERS);
  const merchantThere = await following(liveSecond, baofu, ORDERS);
  await receive(first, { skuCode: 'JC-MILLET-2500G', quantity: 3, locationCode: 'A-01-01' }, warehouse);
  const theirs = await place(
    first,
    [{ skuCode: 'JC-MILLET-2500G', quantity: 1 }],
    await first.keyFor(Role.MERCHANT, 'M-BEIJIE-02'),
  );
  const own = await place(first, [{ skuCode: 'JC-MILLET-2500G', quantity: 2 }], baofu);

  expect((await tabletThere.next()).data.orderStatusChanged).toEqual({
    number: theirs.number,
    status: 'PLACED',
    merchant: { code: 'M-BEIJIE-02' },
  });
  expect((await tabletThere.next()).data.orderStatusChanged).toEqual({
    number: own.number,
    status: 'PLACED',
    merchant: { code: 'M-BAOFU-01' },
  });
  expect((await merchantThere.next()).data.orderStatusChanged).toEqual({
    number: own.number,
    status: 'PLACED',
    merchant: { code: 'M-BAOFU-01' },
  });
});

it('refuses a key on every instance once it is revoked on one, though each keeps the keys it looked up', async () => {
  const created = await first.gql(
    'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { id token } }',
    { input: { role: 'WAREHOUSE', label: 'revoked-across' } },
  );
  const { id, token } = created.data.createApiKey;
  const whoAmI = () =>
    request(second.app)
      .post('/graphql')
      .set('content-type', 'application/json')
      .set('authorization', `Bearer ${token}`)
      .send({ query: '{ me { role } }' });
  const kept = second.services.apiKeys.keptKeys;
  expect((await whoAmI()).body.data.me.role).toBe('WAREHOUSE');
  expect(second.services.apiKeys.keptKeys).toBe(kept + 1);

  expect((await first.gql('mutation($id: ID!) { revokeApiKey(id: $id) }', { id })).data.revokeApiKey).toBe(
    true,
  );
  // The revocation reaches the second instance through Redis a moment after it commits.
  let res = await whoAmI();
  for (let turn = 0; turn < 200 && res.body.data?.me; turn++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    res = await whoAmI();
  }
  expect(res.body.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
});

it("closes the key's sockets on the other instance at once when it is revoked on one", async () => {
  // Sockets check their key again only every hour here: what closes them is the revocation heard from Redis.
  const there = await listen(second, { recheckKeyMs: 3_600_000 });
  try {
    const created = await first.gql(
      'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { id token } }',
      { input: { role: 'WAREHOUSE', label: 'tablet-across' } },
    );
    const { id, token } = created.data.createApiKey;
    const client = wsClient(there.url, token);
    clients.push(client);
    const sub = subscribe(client, ORDERS);
    const otherClient = wsClient(there.url, warehouse);
    clients.push(otherClient);
    const other = subscribe(otherClient, ORDERS);
    await eventually(() => there.subscriptions.hub.size === 2, 'the subscriptions to open');

    expect((await first.gql('mutation($id: ID!) { revokeApiKey(id: $id) }', { id })).data.revokeApiKey).toBe(
      true,
    );
    expect(await sub.ended()).toMatchObject({
      code: 4403,
      reason: 'Forbidden: The API key is unknown or revoked',
    });
    await eventually(() => there.subscriptions.hub.size === 1, 'its subscription to end');
    // The other key's socket on that instance goes on hearing changes.
    await receive(first, { skuCode: 'JC-HAWTHORN-500G', quantity: 2, locationCode: 'A-01-02' }, warehouse);
    const order = await place(first, [{ skuCode: 'JC-HAWTHORN-500G', quantity: 1 }], baofu);
    expect((await other.next()).data.orderStatusChanged.number).toBe(order.number);
  } finally {
    await there.close();
  }
});

it('stops with a clear message when Redis cannot be reached', async () => {
  const config = loadConfig({ REDIS_URL: 'redis://127.0.0.1:1', LOG_LEVEL: 'silent' });
  await expect(openEvents(config)).rejects.toThrow(
    /^Could not reach Redis at 127\.0\.0\.1:1 \(REDIS_URL\): .*ECONNREFUSED/,
  );
});
