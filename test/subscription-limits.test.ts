import { Client } from 'graphql-ws';
import { Role } from '../src/graphql/enums';
import { fromGlobalId } from '../src/graphql/node';
import { CloseCodes } from '../src/subscriptions/subscription-limits';
import { createReferenceData } from './support/fixtures';
import { startTestApp, TestApp } from './support/test-app';
import { eventually, listen, LiveServer, RawSocket, subscribe, wsClient } from './support/ws';

// The attack of one key opening sockets and subscriptions without end, against caps set low enough to reach.
const SOCKETS_PER_KEY = 3;
const SUBSCRIPTIONS_PER_KEY = 5;
const STOCK =
  'subscription($codes: [String!]) { stockLevelChanged(skuCodes: $codes) { sku { code } onHand } }';
const ME = '{ me { role label } }';

let app: TestApp;
let live: LiveServer;
const clients: Client[] = [];
const raws: RawSocket[] = [];

/** A key through the API, with the id its rate-limit bucket goes by. */
async function keyOf(test: TestApp, role: Role, label: string, merchantCode?: string) {
  const res = await test.gql(
    'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { id token } }',
    { input: { role, label, merchantCode } },
  );
  const { id, token } = res.data.createApiKey;
  return { token: token as string, bucket: String(fromGlobalId(id)!.id), id: id as string };
}

function client(server: LiveServer, token: string): Client {
  const c = wsClient(server.url, token);
  clients.push(c);
  return c;
}

/** How a socket's opening ended: acknowledged, or closed with a code and reason. */
const outcome = (socket: RawSocket) => Promise.race([socket.closed, socket.acked.then(() => 'acknowledged')]);

function raw(server: LiveServer, token: string): RawSocket {
  const socket = new RawSocket(server.url, token);
  raws.push(socket);
  return socket;
}

async function skuId(test: TestApp, code: string): Promise<number> {
  return Number((await test.dataSource.query('SELECT id FROM sku WHERE code = ?', [code]))[0].id);
}

/** A committed-looking change of one SKU's on-hand, published as the services do after a commit. */
async function setOnHand(test: TestApp, id: number, onHand: number): Promise<void> {
  await test.dataSource.query('UPDATE stock_level SET on_hand = ? WHERE sku_id = ?', [onHand, id]);
  test.gateway.services.events.stockChanged([id]);
}

beforeAll(async () => {
  app = await startTestApp({
    SUBSCRIPTION_SOCKETS_PER_KEY: String(SOCKETS_PER_KEY),
    SUBSCRIPTIONS_PER_KEY: String(SUBSCRIPTIONS_PER_KEY),
  });
  await createReferenceData(app);
  live = await listen(app.gateway);
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.dispose();
  for (const r of raws.splice(0)) r.socket.terminate();
  await eventually(() => live.subscriptions.hub.size === 0, 'every subscription to close');
  await eventually(() => live.subscriptions.registry.subscriptions === 0, 'the registry to count none');
});

afterAll(async () => {
  await live.close();
  await app.close();
});

describe('sockets of one key', () => {
  it(`closes the socket past ${SOCKETS_PER_KEY} of one key with 4429 and the reason; other keys connect and are answered`, async () => {
    const attacker = await keyOf(app, Role.MERCHANT, 'flood', 'M-BAOFU-01');
    const other = await keyOf(app, Role.MERCHANT, 'storefront', 'M-BEIJIE-02');
    const open = Array.from({ length: SOCKETS_PER_KEY }, () => raw(live, attacker.token));
    await Promise.all(open.map((socket) => socket.acked));
    const refused = Array.from({ length: 4 }, () => raw(live, attacker.token));
    for (const socket of refused) {
      expect(await outcome(socket)).toEqual({
        code: CloseCodes.tooManySockets,
        reason: `Too many connections: this API key holds its maximum of ${SOCKETS_PER_KEY} on this server`,
      });
    }
    // The sockets that were let in still work.
    await open[0].subscribe('1', STOCK, { codes: ['JC-PEAR-5KG'] });
    // Another key connects, subscribes and hears changes; its HTTP requests are answered.
    const theirs = raw(live, other.token);
    await theirs.subscribe('1', STOCK, { codes: ['JC-PEAR-5KG'] });
    await eventually(() => live.subscriptions.hub.size === 2, 'both subscriptions to open');
    await setOnHand(app, await skuId(app, 'JC-PEAR-5KG'), 7);
    await eventually(() => theirs.results('1').length === 1, "the other key's event");
    await eventually(() => open[0].results('1').length === 1, "the capped key's event on an allowed socket");
    expect(theirs.results('1')[0].data).toEqual({
      stockLevelChanged: { sku: { code: 'JC-PEAR-5KG' }, onHand: 7 },
    });
    const me = await app.gql(ME, {}, other.token);
    expect(me.errors).toBeUndefined();
    expect(me.data.me).toEqual({ role: 'MERCHANT', label: 'storefront' });

    // A socket that closes gives its place back.
    open[1].socket.close();
    await open[1].closed;
    await eventually(
      () => live.subscriptions.webSockets.clients.size === SOCKETS_PER_KEY,
      'the closed socket to be gone',
    );
    await raw(live, attacker.token).acked;
  });
});

describe('subscriptions of one key', () => {
  it(`refuses subscription ${SUBSCRIPTIONS_PER_KEY + 1} of one key over all its sockets with TOO_MANY_SUBSCRIPTIONS; other keys subscribe and hear changes`, async () => {
    const attacker = await keyOf(app, Role.MERCHANT, 'many-subscriptions', 'M-BAOFU-01');
    const other = await keyOf(app, Role.WAREHOUSE, 'tablet');
    const first = client(live, attacker.token);
    const second = client(live, attacker.token);
    const subs = Array.from({ length: SUBSCRIPTIONS_PER_KEY }, (_, i) =>
      subscribe(i % 2 ? first : second, STOCK, { codes: ['JC-MILLET-2500G'] }),
    );
    await eventually(
      () => live.subscriptions.hub.size === SUBSCRIPTIONS_PER_KEY,
      'the allowed subscriptions',
    );
    const over = [
      subscribe(first, STOCK),
      subscribe(second, STOCK),
      subscribe(client(live, attacker.token), STOCK),
    ];
    for (const sub of over) {
      expect((await sub.next()).errors).toEqual([
        expect.objectContaining({
          message: `This API key holds its maximum of ${SUBSCRIPTIONS_PER_KEY} subscriptions on this server; complete one first`,
          extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', scope: 'key', limit: SUBSCRIPTIONS_PER_KEY },
        }),
      ]);
      expect(await sub.ended()).toBe('complete');
    }
    expect(live.subscriptions.hub.size).toBe(SUBSCRIPTIONS_PER_KEY);

    const theirs = subscribe(client(live, other.token), STOCK, { codes: ['JC-MILLET-2500G'] });
    await eventually(
      () => live.subscriptions.hub.size === SUBSCRIPTIONS_PER_KEY + 1,
      "the other key's subscription",
    );
    await setOnHand(app, await skuId(app, 'JC-MILLET-2500G'), 11);
    expect((await theirs.next()).data.stockLevelChanged).toEqual({
      sku: { code: 'JC-MILLET-2500G' },
      onHand: 11,
    });
    for (const sub of subs) expect((await sub.next()).data.stockLevelChanged.onHand).toBe(11);
    expect((await app.gql(ME, {}, other.token)).data.me.role).toBe('WAREHOUSE');
    expect((await app.gql(ME, {}, attacker.token)).data.me.role).toBe('MERCHANT');

    // A completed subscription gives its place back.
    subs[0].stop();
    await eventually(
      () => live.subscriptions.registry.subscriptions === SUBSCRIPTIONS_PER_KEY,
      'the place back',
    );
    const again = subscribe(first, STOCK, { codes: ['JC-MILLET-2500G'] });
    await eventually(() => live.subscriptions.hub.size === SUBSCRIPTIONS_PER_KEY + 1, 'a new subscription');
    await setOnHand(app, await skuId(app, 'JC-MILLET-2500G'), 12);
    expect((await again.next()).data.stockLevelChanged.onHand).toBe(12);
  });

  it('gives back the place of a subscription refused by its resolver, and of one on a socket that closed', async () => {
    const key = await keyOf(app, Role.MERCHANT, 'refused', 'M-BAOFU-01');
    const c = client(live, key.token);
    for (let i = 0; i < SUBSCRIPTIONS_PER_KEY + 2; i += 1) {
      const unknown = subscribe(c, STOCK, { codes: ['JC-NOPE'] });
      expect((await unknown.next()).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    }
    const socket = raw(live, key.token);
    for (let i = 0; i < SUBSCRIPTIONS_PER_KEY; i += 1) await socket.subscribe(String(i), STOCK);
    await eventually(() => live.subscriptions.hub.size === SUBSCRIPTIONS_PER_KEY, 'the subscriptions');
    socket.socket.terminate();
    await eventually(() => live.subscriptions.registry.subscriptions === 0, 'the places back');
    const sub = subscribe(c, STOCK);
    await eventually(() => live.subscriptions.hub.size === 1, 'a new subscription');
    sub.stop();
  });
});

describe('one instance', () => {
  it('closes a socket past SUBSCRIPTION_SOCKETS_PER_INSTANCE with 1013, and refuses a subscription past SUBSCRIPTIONS_PER_INSTANCE', async () => {
    const small = await startTestApp({
      SUBSCRIPTION_SOCKETS_PER_INSTANCE: '2',
      SUBSCRIPTIONS_PER_INSTANCE: '3',
    });
    const server = await listen(small.gateway);
    try {
      const one = await keyOf(small, Role.WAREHOUSE, 'one');
      const two = await keyOf(small, Role.WAREHOUSE, 'two');
      const a = raw(server, one.token);
      const b = raw(server, two.token);
      await Promise.all([a.acked, b.acked]);
      expect(await outcome(raw(server, two.token))).toEqual({
        code: CloseCodes.instanceFull,
        reason: 'Try again later: this server holds its maximum of 2 connections',
      });
      for (const id of ['1', '2']) await a.subscribe(id, STOCK);
      await b.subscribe('1', STOCK);
      await eventually(() => server.subscriptions.hub.size === 3, 'three subscriptions');
      await b.subscribe('2', STOCK);
      await eventually(
        () => b.errors.has('2') || b.results('2').length > 0,
        'the fourth subscription answered',
      );
      expect(b.results('2')[0].errors).toEqual([
        expect.objectContaining({
          extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', scope: 'instance', limit: 3 },
        }),
      ]);
      expect(server.subscriptions.hub.size).toBe(3);
    } finally {
      for (const r of raws.splice(0)) r.socket.terminate();
      await server.close();
      await small.close();
    }
  });
});

describe('rate-limit points', () => {
  // 40 aliased SKUs: each event of this subscription costs 41 points, as the same query would over HTTP.
  const COSTLY = `subscription($codes: [String!]) { stockLevelChanged(skuCodes: $codes) { onHand ${Array.from(
    { length: 40 },
    (_, i) => `s${i}: sku { code }`,
  ).join(' ')} } }`;
  const COST = 41;
  const BUCKET = 1000;
  const RATE = 20;
  let limited: TestApp;
  let server: LiveServer;

  beforeAll(async () => {
    limited = await startTestApp({
      RATE_LIMIT_BUCKET: String(BUCKET),
      RATE_LIMIT_RESTORE_RATE: String(RATE),
    });
    await createReferenceData(limited);
    server = await listen(limited.gateway);
  });

  afterAll(async () => {
    await server.close();
    await limited.close();
  });

  const available = async (bucket: string) =>
    (await limited.gateway.limiter.spend(bucket, 0)).status.currentlyAvailable;

  it('spends the cost of a subscription when it starts, and refuses it with RATE_LIMITED when the bucket is short', async () => {
    const key = await keyOf(limited, Role.MERCHANT, 'starts', 'M-BAOFU-01');
    const socket = raw(server, key.token);
    await socket.subscribe('1', COSTLY, { codes: ['JC-PEAR-5KG'] });
    await eventually(() => server.subscriptions.hub.size === 1, 'the subscription');
    const after = await available(key.bucket);
    expect(after).toBeGreaterThanOrEqual(BUCKET - COST);
    expect(after).toBeLessThan(BUCKET - COST + 5);
    // Empty the bucket (as requests would), then a start is refused and nothing opens.
    await limited.gateway.limiter.spend(key.bucket, after - 10);
    await socket.subscribe('2', COSTLY, { codes: ['JC-PEAR-5KG'] });
    await eventually(() => socket.results('2').length > 0, 'the refusal');
    expect(socket.results('2')[0].errors).toEqual([
      expect.objectContaining({
        extensions: { code: 'RATE_LIMITED', retryAfterSeconds: Math.ceil((COST - 10) / RATE) },
      }),
    ]);
    expect(server.subscriptions.hub.size).toBe(1);
    socket.socket.terminate();
  });

  it("pays each event from the upper half of the key's bucket: past it events wait, merged, and the key's requests and other keys go on", async () => {
    const greedy = await keyOf(limited, Role.MERCHANT, 'greedy', 'M-BAOFU-01');
    const other = await keyOf(limited, Role.MERCHANT, 'other', 'M-BEIJIE-02');
    const mine = raw(server, greedy.token);
    const theirs = raw(server, other.token);
    await mine.subscribe('1', COSTLY, { codes: ['JC-HAWTHORN-500G'] });
    await theirs.subscribe('1', STOCK, { codes: ['JC-HAWTHORN-500G'] });
    await eventually(() => server.subscriptions.hub.size === 2, 'both subscriptions');
    const id = await skuId(limited, 'JC-HAWTHORN-500G');
    // Changes one at a time, each delivered, until the greedy key's bucket holds no more than half.
    let change = 0;
    const short = () => server.subscriptions.registry.shortOfPoints(greedy.bucket);
    while (!short()) {
      change += 1;
      expect(change).toBeLessThan(BUCKET / COST);
      await setOnHand(limited, id, change);
      await eventually(
        () => theirs.results('1').length === change && (mine.results('1').length === change || short()),
        `change ${change} delivered or held`,
      );
    }
    await eventually(() => server.subscriptions.hub.held === 1, 'the greedy subscription to wait');
    const delivered = mine.results('1').length;
    expect(delivered).toBeGreaterThan(5);
    // Half the bucket is left for the key's requests: they are answered.
    expect(await available(greedy.bucket)).toBeGreaterThanOrEqual(BUCKET / 2);
    const me = await limited.gql(ME, {}, greedy.token);
    expect(me.errors).toBeUndefined();
    // More changes while the key waits for points: the other key hears them, the greedy one waits.
    for (let more = 1; more <= 10; more += 1) await setOnHand(limited, id, change + more);
    await eventually(
      () => theirs.results('1').at(-1)?.data.stockLevelChanged.onHand === change + 10,
      "the other key's events",
    );
    // The bucket refills: the held change goes out once it is back above half, merged with the later ones.
    await eventually(
      () => mine.results('1').at(-1)?.data.stockLevelChanged.onHand === change + 10,
      'the merged event',
    );
    expect(mine.results('1').length - delivered).toBeLessThanOrEqual(3);
    mine.socket.terminate();
    theirs.socket.terminate();
  });
});
