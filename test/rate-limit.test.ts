import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import request from 'supertest';
import { createApp, GatewayApp } from '../src/app';
import { MemoryRateLimiter, RedisRateLimiter } from '../src/auth/rate-limiter';
import { Role } from '../src/graphql/enums';
import { countSql } from './support/sql-counter';
import { ADMIN_TOKEN, startTestApp, TestApp } from './support/test-app';

const REDIS_URL = 'redis://127.0.0.1:6379';
const randomPrefix = () => `gaodu-test-${randomBytes(6).toString('hex')}:`;
/** Costs 1 + 29 = 30 points. */
const THIRTY = '{ farms(first: 29) { nodes { code } } }';

describe('the token bucket in this process', () => {
  it('spends, refuses with the wait, and refills at the restore rate', async () => {
    let now = 0;
    const limiter = new MemoryRateLimiter(100, 10, () => now);
    expect((await limiter.spend('k', 60)).status).toEqual({
      maximumAvailable: 100,
      currentlyAvailable: 40,
      restoreRate: 10,
    });
    const refused = await limiter.spend('k', 70);
    expect(refused).toMatchObject({
      allowed: false,
      retryAfterSeconds: 3,
      status: { currentlyAvailable: 40 },
    });
    now = 2;
    expect(await limiter.spend('k', 70)).toMatchObject({
      allowed: false,
      retryAfterSeconds: 1,
      status: { currentlyAvailable: 60 },
    });
    now = 3;
    expect(await limiter.spend('k', 70)).toMatchObject({ allowed: true, status: { currentlyAvailable: 0 } });
    now = 100;
    expect((await limiter.spend('k', 0)).status.currentlyAvailable).toBe(100);
    expect((await limiter.spend('other', 0)).status.currentlyAvailable).toBe(100);
  });
});

/** What subscription events do: spend only while the bucket keeps `keep` points besides the cost. */
async function spendsKeepingAFloor(
  limiter: MemoryRateLimiter | RedisRateLimiter,
  retryAfterSeconds: number,
): Promise<void> {
  expect(await limiter.spend('k', 40, 50)).toMatchObject({
    allowed: true,
    status: { currentlyAvailable: 60 },
  });
  expect(await limiter.spend('k', 20, 50)).toMatchObject({
    allowed: false,
    retryAfterSeconds,
    status: { currentlyAvailable: 60 },
  });
  expect(await limiter.spend('k', 10, 50)).toMatchObject({
    allowed: true,
    status: { currentlyAvailable: 50 },
  });
  // A request (no floor) still has the kept points.
  expect(await limiter.spend('k', 50)).toMatchObject({ allowed: true, status: { currentlyAvailable: 0 } });
}

describe('the floor subscription events keep', () => {
  it('in this process', async () => {
    await spendsKeepingAFloor(new MemoryRateLimiter(100, 1, () => 0), 10);
  });

  it('in Redis', async () => {
    const prefix = randomPrefix();
    // Redis refills on its own clock: at 0.001 a second nothing comes back while the test runs.
    const limiter = new RedisRateLimiter(REDIS_URL, 100, 0.001, prefix);
    const redis = new Redis(REDIS_URL);
    try {
      await spendsKeepingAFloor(limiter, 10 / 0.001);
    } finally {
      await limiter.close();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
  });
});

describe('rate limiting over HTTP', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMIT_BUCKET: '100', RATE_LIMIT_RESTORE_RATE: '1' });
    // The webhook dispatcher polls the outbox in the background: those statements are no request's.
    await app.gateway.webhookDispatcher.stop();
  });
  afterAll(() => app.close());

  it("spends each request's cost from its key's bucket and refuses with 429 when empty, other keys unaffected", async () => {
    const warehouse = await app.keyFor(Role.WAREHOUSE);
    const official = await app.keyFor(Role.OFFICIAL);
    const seen: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const res = await app.gql(THIRTY, {}, warehouse);
      expect(res.errors).toBeUndefined();
      expect(res.extensions?.cost).toMatchObject({
        requestedQueryCost: 30,
        throttleStatus: { maximumAvailable: 100, restoreRate: 1 },
      });
      seen.push(res.extensions?.cost.throttleStatus.currentlyAvailable);
    }
    expect(seen[0]).toBeLessThan(100);
    expect(seen[1]).toBeLessThan(seen[0]);
    expect(seen[2]).toBeLessThan(seen[1]);

    const sql = countSql(app.dataSource);
    const http = await request(app.gateway.app)
      .post('/graphql')
      .set('authorization', `Bearer ${warehouse}`)
      .send({ query: THIRTY });
    const statements = sql.count;
    sql.restore();
    expect(http.status).toBe(429);
    expect(http.body.data).toBeUndefined();
    expect(http.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    const wait = http.body.errors[0].extensions.retryAfterSeconds;
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(http.headers['retry-after']).toBe(String(wait));
    expect(http.body.extensions.cost).toMatchObject({
      requestedQueryCost: 30,
      throttleStatus: { maximumAvailable: 100 },
    });
    expect(http.body.extensions.cost.throttleStatus.currentlyAvailable).toBeLessThan(30);
    // Authenticating the key reads it from the database; the refused query itself runs nothing.
    const authOnly = countSql(app.dataSource);
    await app.gateway.contextFor(`Bearer ${warehouse}`);
    expect(statements).toBe(authOnly.count);
    authOnly.restore();

    const other = await app.gql(THIRTY, {}, official);
    expect(other.errors).toBeUndefined();
    expect(other.data.farms.nodes).toEqual([]);
    expect(other.extensions?.cost.throttleStatus.currentlyAvailable).toBeGreaterThanOrEqual(70);
  });

  it('reports the cost on error responses too', async () => {
    const key = await app.keyFor(Role.WAREHOUSE);
    const invalid = await app.gql('{ farms { nodes { noSuchField } } }', {}, key);
    expect(invalid.errors?.[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(invalid.extensions?.cost).toMatchObject({
      requestedQueryCost: 1,
      throttleStatus: { maximumAvailable: 100, restoreRate: 1 },
    });
    const syntax = await app.gql('{ farms { ', {}, key);
    expect(syntax.errors?.[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(syntax.extensions?.cost.throttleStatus.maximumAvailable).toBe(100);
    const forbidden = await app.gql(
      'mutation { createCarrier(input: { code: "ZTO", name: "ZTO" }) { code } }',
      {},
      key,
    );
    expect(forbidden.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect(forbidden.extensions?.cost.requestedQueryCost).toBe(10);
  });

  it('refuses a query costing more than the whole bucket as QUERY_TOO_COMPLEX, not a wait that never ends', async () => {
    const res = await app.gql('{ farms(first: 100) { nodes { code } } }');
    expect(res.errors?.[0].extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      cost: 101,
      maximumCost: 100,
    });
  });
});

describe('buckets in Redis', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  afterAll(() => redis.quit());

  it('share one bucket between limiters and spend it atomically', async () => {
    const prefix = randomPrefix();
    const one = new RedisRateLimiter(REDIS_URL, 100, 1, prefix);
    const two = new RedisRateLimiter(REDIS_URL, 100, 1, prefix);
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).spend('key-1', 10)),
      );
      expect(results.filter((r) => r.allowed)).toHaveLength(10);
      const refused = results.find((r) => !r.allowed)!;
      expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect((await two.spend('key-2', 10)).allowed).toBe(true);
      const ttl = await redis.pttl(`${prefix}key-1`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(101_000);
    } finally {
      await one.close();
      await two.close();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
    }
  });

  it('lets requests through when Redis cannot be reached', async () => {
    const limiter = new RedisRateLimiter('redis://127.0.0.1:1', 10, 1, randomPrefix());
    try {
      const spent = await limiter.spend('key', 5);
      expect(spent.allowed).toBe(true);
      expect(spent.status.maximumAvailable).toBe(10);
    } finally {
      await limiter.close();
    }
  });

  it('drained on one instance is refused on the other, for that key only', async () => {
    const prefix = randomPrefix();
    const first = await startTestApp({
      REDIS_URL,
      REDIS_PREFIX: prefix,
      RATE_LIMIT_BUCKET: '100',
      RATE_LIMIT_RESTORE_RATE: '1',
    });
    let second: GatewayApp | undefined;
    try {
      const warehouse = await first.keyFor(Role.WAREHOUSE);
      second = await createApp(first.dataSource, first.config);
      const onSecond = (token: string) =>
        request(second!.app).post('/graphql').set('authorization', `Bearer ${token}`).send({ query: THIRTY });

      const before = await onSecond(ADMIN_TOKEN);
      expect(before.status).toBe(200);
      const availableBefore = before.body.extensions.cost.throttleStatus.currentlyAvailable;
      let refused = false;
      for (let i = 0; i < 5 && !refused; i += 1) {
        refused = (await first.gql(THIRTY)).errors?.[0].extensions.code === 'RATE_LIMITED';
      }
      expect(availableBefore).toBeLessThan(100);
      const res = await onSecond(ADMIN_TOKEN);
      expect(res.status).toBe(429);
      expect(res.body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED' });
      const other = await onSecond(warehouse);
      expect(other.status).toBe(200);
      expect(other.body.data.farms.nodes).toEqual([]);
      expect(await redis.exists(`${prefix}rate-limit:admin-token`)).toBe(1);
    } finally {
      await second?.stop();
      await first.close();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
    }
  });
});
