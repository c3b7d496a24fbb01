import { Client } from 'graphql-ws';
import request from 'supertest';
import { Role } from '../src/graphql/enums';
import { createReferenceData } from './support/fixtures';
import { place, placeOrderRaw, receive, transition } from './support/operations';
import { startTestApp, TestApp } from './support/test-app';
import { MAX_SUBSCRIPTIONS_PER_SOCKET } from '../src/subscriptions/subscription-server';
import { eventually, listen, LiveServer, subscribe, wsClient } from './support/ws';

const STOCK = `subscription($codes: [String!]) {
  stockLevelChanged(skuCodes: $codes) { sku { code } onHand reserved unsellable available isLow }
}`;
const ORDERS = 'subscription { orderStatusChanged { number status merchant { code } history { status } } }';

let app: TestApp;
let live: LiveServer;
let warehouse: string;
let baofu: string;
let beijie: string;
let official: string;
const clients: Client[] = [];

function client(token: string | null, viaHeader = false): Client {
  const c = wsClient(live.url, token, viaHeader);
  clients.push(c);
  return c;
}

/**
 * Subscribes and waits until this instance's hub holds the subscription, so no later change can be missed.
 */
async function following(
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
  viaHeader = false,
) {
  const before = live.subscriptions.hub.size;
  const sub = subscribe(client(token, viaHeader), query, variables);
  await eventually(() => live.subscriptions.hub.size === before + 1, 'the subscription to open');
  return sub;
}

beforeAll(async () => {
  app = await startTestApp();
  await createReferenceData(app);
  live = await listen(app.gateway);
  warehouse = await app.keyFor(Role.WAREHOUSE);
  baofu = await app.keyFor(Role.MERCHANT, 'M-BAOFU-01');
  beijie = await app.keyFor(Role.MERCHANT, 'M-BEIJIE-02');
  official = await app.keyFor(Role.OFFICIAL);
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.dispose();
  await eventually(() => live.subscriptions.hub.size === 0, 'every subscription to close');
});

afterAll(async () => {
  await live.close();
  await app.close();
});

describe('stockLevelChanged', () => {
  it('tells a storefront about its SKUs only, with the stock as committed', async () => {
    const sub = await following(baofu, STOCK, { codes: ['JC-MILLET-2500G'] });
    await receive(app, { skuCode: 'JC-HAWTHORN-500G', quantity: 7, locationCode: 'A-01-02' }, warehouse);
    await receive(app, { skuCode: 'JC-MILLET-2500G', quantity: 40, locationCode: 'A-01-01' }, warehouse);
    const first = await sub.next();
    expect(first.errors).toBeUndefined();
    expect(first.data.stockLevelChanged).toEqual({
      sku: { code: 'JC-MILLET-2500G' },
      onHand: 40,
      reserved: 0,
      unsellable: 0,
      available: 40,
      isLow: false,
    });

    await place(app, [{ skuCode: 'JC-MILLET-2500G', quantity: 3 }], baofu);
    expect((await sub.next()).data.stockLevelChanged).toMatchObject({
      onHand: 40,
      reserved: 3,
      available: 37,
    });
  });

  it('follows holds, releases and cancellations too', async () => {
    const sub = await following(baofu, STOCK, { codes: ['JC-HAWTHORN-500G'] });
    const lot = await receive(
      app,
      { skuCode: 'JC-HAWTHORN-500G', quantity: 10, locationCode: 'A-01-02' },
      warehouse,
    );
    const received = (await sub.next()).data.stockLevelChanged;
    const order = await place(app, [{ skuCode: 'JC-HAWTHORN-500G', quantity: 4 }], baofu);
    expect((await sub.next()).data.stockLevelChanged).toMatchObject({
      reserved: received.reserved + 4,
      available: received.available - 4,
    });
    const cancelled = await app.gql(
      'mutation($n: String!) { cancelOrder(number: $n, reason: "buyer changed mind") { status } }',
      { n: order.number },
      baofu,
    );
    expect(cancelled.errors).toBeUndefined();
    expect((await sub.next()).data.stockLevelChanged).toMatchObject({
      reserved: received.reserved,
      available: received.available,
    });
    expect(
      (
        await app.gql(
          'mutation($c: String!) { holdLot(code: $c, reason: "recall check") { status } }',
          { c: lot.code },
          warehouse,
        )
      ).errors,
    ).toBeUndefined();
    expect((await sub.next()).data.stockLevelChanged).toMatchObject({
      unsellable: received.unsellable + 10,
      available: received.available - 10,
    });
    expect(
      (await app.gql('mutation($c: String!) { releaseLot(code: $c) { status } }', { c: lot.code }, warehouse))
        .errors,
    ).toBeUndefined();
    expect((await sub.next()).data.stockLevelChanged).toMatchObject({
      unsellable: received.unsellable,
      available: received.available,
    });
  });

  it('tells a dashboard about every SKU when skuCodes is omitted', async () => {
    const sub = await following(official, STOCK);
    await receive(app, { skuCode: 'JC-PEAR-5KG', quantity: 5, locationCode: 'C-01-01' }, warehouse);
    expect((await sub.next()).data.stockLevelChanged).toMatchObject({
      sku: { code: 'JC-PEAR-5KG' },
      onHand: 5,
      isLow: true,
    });
  });

  it('publishes nothing for a change that was refused and rolled back', async () => {
    const sub = await following(baofu, STOCK, { codes: ['JC-PEAR-5KG', 'JC-HAWTHORN-500G'] });
    const refused = await placeOrderRaw(
      app,
      {
        lines: [
          { skuCode: 'JC-PEAR-5KG', quantity: 1 },
          { skuCode: 'JC-HAWTHORN-500G', quantity: 10_000 },
        ],
      },
      baofu,
    );
    expect(refused.errors?.[0].extensions.code).toBe('INSUFFICIENT_STOCK');
    await receive(app, { skuCode: 'JC-HAWTHORN-500G', quantity: 1, locationCode: 'A-01-02' }, warehouse);
    expect((await sub.next()).data.stockLevelChanged).toMatchObject({
      sku: { code: 'JC-HAWTHORN-500G' },
      reserved: 0,
    });
  });

  it('delivers whatever the services publish, one event per SKU', async () => {
    const sub = await following(warehouse, STOCK);
    const skuIds = (
      await app.dataSource.query(
        "SELECT id FROM sku WHERE code IN ('JC-MILLET-2500G', 'JC-PEAR-5KG') ORDER BY id",
      )
    ).map((r: { id: number }) => Number(r.id));
    app.gateway.services.events.stockChanged(skuIds);
    const codes = [
      (await sub.next()).data.stockLevelChanged.sku.code,
      (await sub.next()).data.stockLevelChanged.sku.code,
    ];
    expect(codes.sort()).toEqual(['JC-MILLET-2500G', 'JC-PEAR-5KG']);
  });

  it('names what is wrong with an invalid subscription', async () => {
    const sub = subscribe(client(baofu), 'subscription { stockLevelChanged { availabl } }');
    expect(await sub.ended()).toEqual([
      expect.objectContaining({
        message: 'Cannot query field "availabl" on type "StockLevel". Did you mean "available"?',
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      }),
    ]);
  });

  it('answers a document that does not parse with an error, and keeps the socket', async () => {
    const shared = client(baofu);
    const broken = subscribe(shared, 'subscription { stockLevelChanged { available }');
    expect(await broken.ended()).toEqual([
      expect.objectContaining({ extensions: { code: 'GRAPHQL_PARSE_FAILED' } }),
    ]);
    const sub = subscribe(shared, STOCK, { codes: ['JC-PEAR-5KG'] });
    await eventually(() => live.subscriptions.hub.size === 1, 'the next subscription to open');
    await receive(app, { skuCode: 'JC-PEAR-5KG', quantity: 1, locationCode: 'C-01-01' }, warehouse);
    expect((await sub.next()).data.stockLevelChanged.sku.code).toBe('JC-PEAR-5KG');
  });

  it('refuses an unknown SKU code and an empty list', async () => {
    const unknown = subscribe(client(baofu), STOCK, { codes: ['JC-MILLET-2500G', 'JC-NOPE'] });
    expect((await unknown.next()).errors).toEqual([
      expect.objectContaining({
        extensions: expect.objectContaining({ code: 'NOT_FOUND', field: 'skuCodes' }),
      }),
    ]);
    const empty = subscribe(client(baofu), STOCK, { codes: [] });
    expect((await empty.next()).errors).toEqual([
      expect.objectContaining({
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'skuCodes' }),
      }),
    ]);
  });

  it("accepts the key in the upgrade request's Authorization header", async () => {
    const sub = await following(baofu, STOCK, { codes: ['JC-PEAR-5KG'] }, true);
    await receive(app, { skuCode: 'JC-PEAR-5KG', quantity: 2, locationCode: 'C-01-01' }, warehouse);
    expect((await sub.next()).data.stockLevelChanged.sku.code).toBe('JC-PEAR-5KG');
  });

  it('counts open subscriptions in /metrics', async () => {
    await following(baofu, STOCK);
    const metrics = await request(app.gateway.app).get('/metrics');
    expect(metrics.text).toMatch(/^gateway_subscriptions_open 1$/m);
  });

  it('ends when the client completes it, and the hub forgets it', async () => {
    const sub = await following(baofu, STOCK);
    sub.stop();
    expect(await sub.ended()).toBe('complete');
    await eventually(() => live.subscriptions.hub.size === 0, 'the hub to forget the subscription');
  });
});

describe('orderStatusChanged', () => {
  it('gives a merchant its own orders only, and the warehouse every order', async () => {
    const mine = await following(baofu, ORDERS);
    const all = await following(warehouse, ORDERS);
    await receive(app, { skuCode: 'JC-HAWTHORN-500G', quantity: 20, locationCode: 'A-01-02' }, warehouse);
    const theirs = await place(app, [{ skuCode: 'JC-HAWTHORN-500G', quantity: 1 }], beijie);
    const own = await place(app, [{ skuCode: 'JC-HAWTHORN-500G', quantity: 2 }], baofu);

    expect((await mine.next()).data.orderStatusChanged).toEqual({
      number: own.number,
      status: 'PLACED',
      merchant: { code: 'M-BAOFU-01' },
      history: [{ status: 'PLACED' }],
    });
    expect((await all.next()).data.orderStatusChanged.number).toBe(theirs.number);
    expect((await all.next()).data.orderStatusChanged.number).toBe(own.number);

    expect((await transition(app, 'allocateOrder', theirs.number, warehouse)).errors).toBeUndefined();
    expect((await transition(app, 'allocateOrder', own.number, warehouse)).errors).toBeUndefined();
    expect((await mine.next()).data.orderStatusChanged).toMatchObject({
      number: own.number,
      status: 'ALLOCATED',
      history: [{ status: 'PLACED' }, { status: 'ALLOCATED' }],
    });
    expect((await all.next()).data.orderStatusChanged).toMatchObject({
      number: theirs.number,
      status: 'ALLOCATED',
    });
  });

  it('refuses an OFFICIAL key with FORBIDDEN', async () => {
    const sub = subscribe(client(official), ORDERS);
    expect((await sub.next()).errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) }),
    ]);
    expect(await sub.ended()).toBe('complete');
  });
});

describe('authentication', () => {
  it.each([
    ['no key', null, 'Forbidden: Send an API key as "Authorization: Bearer <key>"'],
    ['an unknown key', 'gd_merchant_not-a-real-key', 'Forbidden: The API key is unknown or revoked'],
  ])('closes the socket for %s with 4403 and the reason', async (_what, token, reason) => {
    const sub = subscribe(client(token), STOCK);
    expect(await sub.ended()).toMatchObject({ code: 4403, reason });
  });

  it('closes the socket for a revoked key', async () => {
    const created = await app.gql(
      'mutation { createApiKey(input: { role: WAREHOUSE, label: "tablet-7" }) { id token } }',
    );
    const { id, token } = created.data.createApiKey;
    expect((await app.gql('mutation($id: ID!) { revokeApiKey(id: $id) }', { id })).data.revokeApiKey).toBe(
      true,
    );
    const sub = subscribe(client(token), STOCK);
    expect(await sub.ended()).toMatchObject({
      code: 4403,
      reason: 'Forbidden: The API key is unknown or revoked',
    });
  });
});

describe('a key revoked while its socket is open', () => {
  // Sockets check their key again only every hour here: what closes them is the revocation itself.
  const HOUR = 3_600_000;

  const createKey = async (label: string) =>
    (
      await app.gql(
        'mutation($label: String!) { createApiKey(input: { role: WAREHOUSE, label: $label }) { id token } }',
        {
          label,
        },
      )
    ).data.createApiKey as { id: string; token: string };

  it('closes every socket of the key at once, with 4403 and the reason, and no other', async () => {
    const checking = await listen(app.gateway, { recheckKeyMs: HOUR });
    try {
      const { id, token } = await createKey('tablet-9');
      const subs = [0, 1].map(() => {
        const c = wsClient(checking.url, token);
        clients.push(c);
        return subscribe(c, ORDERS);
      });
      const otherClient = wsClient(checking.url, warehouse);
      clients.push(otherClient);
      const other = subscribe(otherClient, ORDERS);
      await eventually(() => checking.subscriptions.hub.size === 3, 'the subscriptions to open');
      await app.gql('mutation($id: ID!) { revokeApiKey(id: $id) }', { id });
      for (const sub of subs) {
        expect(await sub.ended()).toMatchObject({
          code: 4403,
          reason: 'Forbidden: The API key is unknown or revoked',
        });
      }
      await eventually(() => checking.subscriptions.hub.size === 1, 'its subscriptions to end');
      await receive(app, { skuCode: 'JC-PEAR-5KG', quantity: 3, locationCode: 'C-01-01' }, warehouse);
      expect(await place(app, [{ skuCode: 'JC-PEAR-5KG', quantity: 1 }], baofu)).toMatchObject({
        status: 'PLACED',
      });
      expect((await other.next()).data.orderStatusChanged.status).toBe('PLACED');
    } finally {
      await checking.close();
    }
  });

  it('refuses a socket whose key is revoked while the socket is being authenticated', async () => {
    const checking = await listen(app.gateway, { recheckKeyMs: HOUR });
    const apiKeys = app.gateway.services.apiKeys;
    const authenticate = apiKeys.authenticate.bind(apiKeys);
    try {
      const { id, token } = await createKey('tablet-10');
      let looking: () => void = () => undefined;
      const lookedUp = new Promise<void>((resolve) => (looking = resolve));
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => (release = resolve));
      // The socket's lookup reads the key while it is valid, and answers only after the revocation.
      jest.spyOn(apiKeys, 'authenticate').mockImplementation(async (presented) => {
        const principal = await authenticate(presented);
        if (presented === token) {
          looking();
          await released;
        }
        return principal;
      });
      const c = wsClient(checking.url, token);
      clients.push(c);
      const sub = subscribe(c, ORDERS);
      await lookedUp;
      await app.gql('mutation($id: ID!) { revokeApiKey(id: $id) }', { id });
      release();
      expect(await sub.ended()).toMatchObject({
        code: 4403,
        reason: 'Forbidden: The API key is unknown or revoked',
      });
    } finally {
      jest.restoreAllMocks();
      await checking.close();
    }
  });
});

describe('limits', () => {
  it('refuses a subscription nested deeper than MAX_QUERY_DEPTH, as over HTTP', async () => {
    const deep =
      'subscription { stockLevelChanged { sku { suppliers { skus { suppliers { skus { suppliers { skus { suppliers { skus { suppliers { code } } } } } } } } } } } }';
    const sub = subscribe(client(baofu), deep);
    expect((await sub.next()).errors?.[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX' });
  });

  it(`holds at most ${MAX_SUBSCRIPTIONS_PER_SOCKET} subscriptions on one connection`, async () => {
    const shared = client(baofu);
    const subs = Array.from({ length: MAX_SUBSCRIPTIONS_PER_SOCKET + 1 }, () => subscribe(shared, STOCK));
    expect(await subs[MAX_SUBSCRIPTIONS_PER_SOCKET].ended()).toEqual([
      expect.objectContaining({
        extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', scope: 'socket', limit: MAX_SUBSCRIPTIONS_PER_SOCKET },
      }),
    ]);
    await eventually(
      () => live.subscriptions.hub.size === MAX_SUBSCRIPTIONS_PER_SOCKET,
      'the allowed subscriptions to open',
    );
  });
});

describe('over the WebSocket', () => {
  it('serves subscriptions only: queries and mutations go over HTTP, where they are costed and rate limited', async () => {
    const query = subscribe(client(baofu), '{ me { role } }');
    expect((await query.next()).errors?.[0]).toMatchObject({
      message: 'Queries and mutations are served over HTTP: POST /graphql',
      extensions: { code: 'BAD_REQUEST' },
    });
  });
});

describe('in production', () => {
  it('does not suggest field names in validation errors', async () => {
    const production = await startTestApp({ NODE_ENV: 'production' });
    const server = await listen(production.gateway);
    try {
      const c = wsClient(server.url);
      clients.push(c);
      const sub = subscribe(c, 'subscription { stockLevelChanged { availabl } }');
      expect(await sub.ended()).toEqual([
        expect.objectContaining({
          message: 'Cannot query field "availabl" on type "StockLevel".',
          extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
        }),
      ]);
    } finally {
      await server.close();
      await production.close();
    }
  });
});

describe('over HTTP', () => {
  it('is not served: subscriptions need the WebSocket', async () => {
    const res = await app.gql(STOCK, {}, warehouse);
    expect(res.errors?.[0]).toMatchObject({
      message: 'Subscriptions are served over WebSocket on /graphql (graphql-ws protocol)',
      extensions: { code: 'BAD_REQUEST' },
    });
  });
});
