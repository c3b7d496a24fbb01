import request from 'supertest';
import { ConfigError, loadConfig } from '../src/config';
import { dataSourceOptions } from '../src/db/data-source';
import { Role } from '../src/graphql/enums';
import { logger } from '../src/logger';
import { startTestApp, TestApp } from './support/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

describe('health, readiness and metrics', () => {
  it('answers /health and /ready with 200 while the database is up', async () => {
    const health = await request(app.gateway.app).get('/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    const ready = await request(app.gateway.app).get('/ready');
    expect(ready.status).toBe(200);
  });

  it('answers /ready with 503 when the database is unreachable, and 200 again once it is back', async () => {
    const other = await startTestApp();
    try {
      await other.dataSource.destroy();
      const down = await request(other.gateway.app).get('/ready');
      expect(down.status).toBe(503);
      const health = await request(other.gateway.app).get('/health');
      expect(health.status).toBe(200);
    } finally {
      await other.dataSource.initialize();
    }
    expect((await request(other.gateway.app).get('/ready')).status).toBe(200);
    await other.close();
  });

  it('exposes the request counter, error counter and latency histogram on /metrics', async () => {
    await app.gql('query ProductPage { carriers { code } }');
    await app.gql('query Broken { farms(first: 1000) { totalCount } }');
    const res = await request(app.gateway.app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.text).toMatch(/gateway_graphql_requests_total\{operation="ProductPage"\} 1/);
    expect(res.text).toMatch(/gateway_graphql_errors_total\{code="BAD_USER_INPUT"\} [1-9]/);
    expect(res.text).toMatch(/gateway_graphql_duration_seconds_bucket\{le="0.5",operation="ProductPage"\} 1/);
    expect(res.text).toMatch(/gateway_graphql_duration_seconds_count\{operation="ProductPage"\} 1/);
  });

  it('labels only the operations it knows: any other name is "other", so clients cannot add series', async () => {
    const other = await startTestApp();
    try {
      for (let i = 0; i < 5; i += 1) await other.gql(`query Probe${i} { carriers { code } }`);
      await other.gql('{ carriers { code } }');
      const res = await request(other.gateway.app).get('/metrics');
      expect(res.text).not.toMatch(/Probe/);
      expect(res.text).toMatch(/gateway_graphql_requests_total\{operation="other"\} 5/);
      expect(res.text).toMatch(/gateway_graphql_requests_total\{operation="anonymous"\} 1/);
    } finally {
      await other.close();
    }
  });

  it('counts requests without a valid key', async () => {
    const other = await startTestApp();
    try {
      expect((await other.gql('query Track { me { label } }', {}, null)).status).toBe(401);
      expect((await other.gql('{ me { label } }', {}, 'gd_no_such_key')).status).toBe(401);
      const res = await request(other.gateway.app).get('/metrics');
      expect(res.text).toMatch(/gateway_graphql_errors_total\{code="UNAUTHENTICATED"\} 2/);
      // Not parsed without a key: the name is the request's operationName, if it sent one.
      expect(res.text).toMatch(/gateway_graphql_requests_total\{operation="anonymous"\} 2/);
    } finally {
      await other.close();
    }
  });
});

describe('request ids and the access log', () => {
  let lines: Record<string, unknown>[];
  let spy: jest.SpyInstance;
  beforeEach(() => {
    lines = [];
    spy = jest.spyOn(logger, 'info').mockImplementation(((entry: Record<string, unknown>, msg?: string) => {
      if (msg === 'request') lines.push(entry);
    }) as never);
  });
  afterEach(() => spy.mockRestore());

  it('writes one line per request with its id, role, operation, cost, duration and outcome, never the key', async () => {
    const token = await app.keyFor(Role.OFFICIAL);
    lines = [];
    const res = await request(app.gateway.app)
      .post('/graphql')
      .set('authorization', `Bearer ${token}`)
      .send({ query: 'query CountyCarriers { farms(first: 3) { nodes { code } } }' });
    expect(res.status).toBe(200);
    const id = res.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      requestId: id,
      method: 'POST',
      path: '/graphql',
      status: 200,
      role: 'OFFICIAL',
      operation: 'CountyCarriers',
      cost: 4,
      outcome: 'ok',
    });
    expect(typeof lines[0].durationMs).toBe('number');
    expect(JSON.stringify(lines)).not.toContain(token);
  });

  it('logs refusals with their code, requests without a key too', async () => {
    const unknown = await request(app.gateway.app)
      .post('/graphql')
      .set('authorization', 'Bearer gd_secret_but_unknown')
      .send({ query: '{ me { label } }' });
    expect(unknown.status).toBe(401);
    const tooBig = await app.gql(
      'query Big { farms(first: 100) { nodes { lots(first: 100) { nodes { code } } } } }',
    );
    expect(tooBig.status).toBe(400);
    expect(lines.map((l) => [l.status, l.outcome, l.role])).toEqual([
      [401, 'UNAUTHENTICATED', null],
      [400, 'QUERY_TOO_COMPLEX', 'ADMIN'],
    ]);
    expect(lines[1].cost).toBe(1 + 100 * 102);
    expect(JSON.stringify(lines)).not.toContain('gd_secret_but_unknown');
  });

  it('sends no ETag with a GraphQL answer (nothing revalidates a POST); static files revalidate by date', async () => {
    const token = await app.keyFor(Role.OFFICIAL);
    const answer = await request(app.gateway.app)
      .post('/graphql')
      .set('authorization', `Bearer ${token}`)
      .send({ query: '{ farms(first: 1) { nodes { code } } }' });
    expect(answer.status).toBe(200);
    expect(answer.headers.etag).toBeUndefined();
    const page = await request(app.gateway.app).get('/dashboard/assets/dashboard.css');
    expect(page.status).toBe(200);
    const again = await request(app.gateway.app)
      .get('/dashboard/assets/dashboard.css')
      .set('if-modified-since', page.headers['last-modified']);
    expect(again.status).toBe(304);
  });

  it('keeps a sane incoming x-request-id and replaces any other', async () => {
    const kept = await request(app.gateway.app).get('/health').set('x-request-id', 'lb-7f3c.2a:01');
    expect(kept.headers['x-request-id']).toBe('lb-7f3c.2a:01');
    expect(lines[0]).toMatchObject({ requestId: 'lb-7f3c.2a:01', path: '/health', outcome: 'ok' });
    for (const bad of ['x'.repeat(65), 'a b', '<script>']) {
      const res = await request(app.gateway.app).get('/health').set('x-request-id', bad);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('configuration', () => {
  it('has the defaults of the design', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      host: '0.0.0.0',
      databaseUrl: 'sqlite:./data/gaodu.sqlite',
      adminToken: undefined,
      nodeEnv: 'development',
      rateLimitBucket: 2000,
      rateLimitRestoreRate: 100,
      maxQueryCost: 1000,
      maxQueryDepth: 10,
      logLevel: 'info',
      subscriptionLimits: {
        socketsPerKey: 100,
        subscriptionsPerKey: 500,
        socketsPerInstance: 5000,
        subscriptionsPerInstance: 10_000,
        bufferBytes: 65_536,
        slowSocketSeconds: 10,
      },
    });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['DATABASE_URL', 'postgres://x'],
    ['DATABASE_URL', 'mysql:'],
    ['RATE_LIMIT_BUCKET', '-1'],
    ['RATE_LIMIT_BUCKET', '0'],
    ['RATE_LIMIT_RESTORE_RATE', '1.5'],
    ['MAX_QUERY_COST', 'lots'],
    ['MAX_QUERY_DEPTH', '0'],
    ['NODE_ENV', 'staging'],
    ['LOG_LEVEL', 'loud'],
    ['ADMIN_TOKEN', 'short'],
    ['REDIS_URL', 'localhost:6379'],
    ['WEB_CONCURRENCY', '0'],
    ['WEB_CONCURRENCY', 'many'],
    ['DATABASE_POOL_SIZE', '0'],
    ['DATABASE_POOL_SIZE', '5000'],
    ['SUBSCRIPTION_SOCKETS_PER_KEY', '0'],
    ['SUBSCRIPTIONS_PER_KEY', 'lots'],
    ['SUBSCRIPTION_SOCKETS_PER_INSTANCE', '-5'],
    ['SUBSCRIPTIONS_PER_INSTANCE', '1e4'],
    ['SUBSCRIPTION_BUFFER_BYTES', '100'],
    ['SUBSCRIPTION_SLOW_SOCKET_SECONDS', '0'],
    ['ORDER_MERGING', 'yes'],
  ])('refuses %s=%s with a ConfigError naming the variable and the value', (name, value) => {
    let thrown: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toContain(name);
    if (name !== 'ADMIN_TOKEN') expect((thrown as Error).message).toContain(value);
  });

  it.each([
    ['blank', ' '.repeat(40)],
    ['one character repeated', 'a'.repeat(48)],
    ['a few characters over and over', 'ab12'.repeat(12)],
    ['shorter than 32 characters', 'f3a9c1d07e5b42a8916c0d3e7b2f54a'],
  ])('refuses an ADMIN_TOKEN that is %s in production, without repeating it', (_label, token) => {
    expect(() => loadConfig({ NODE_ENV: 'production', ADMIN_TOKEN: token })).toThrow(ConfigError);
    try {
      loadConfig({ NODE_ENV: 'production', ADMIN_TOKEN: token });
    } catch (error) {
      expect((error as Error).message).toContain('ADMIN_TOKEN');
      expect((error as Error).message).not.toContain(token.trim() || token);
    }
  });

  it('takes a random ADMIN_TOKEN in production, and a 16-character one elsewhere', () => {
    const token = 'f3a9c1d07e5b42a8916c0d3e7b2f54a6e1d9c8b7a6f5e4d3c2b1a09f8e7d6c5b';
    expect(loadConfig({ NODE_ENV: 'production', ADMIN_TOKEN: token }).adminToken).toBe(token);
    expect(loadConfig({ NODE_ENV: 'development', ADMIN_TOKEN: 'dev-token-123456' }).adminToken).toBe(
      'dev-token-123456',
    );
  });

  it('loads demo data on npm start outside production, and in production only with SEED_DEMO=true', () => {
    expect(loadConfig({}).seedDemo).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production' }).seedDemo).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', SEED_DEMO: 'true' }).seedDemo).toBe(true);
    expect(() => loadConfig({ SEED_DEMO: 'yes' })).toThrow(/SEED_DEMO must be true or false/);
  });

  it('never repeats the password of a bad DATABASE_URL', () => {
    for (const url of ['postgres://gw:s3cret-pw@db:5432/gaodu', 'mysql:/gw:s3cret-pw@db/gaodu']) {
      expect(() => loadConfig({ DATABASE_URL: url })).toThrow(ConfigError);
      try {
        loadConfig({ DATABASE_URL: url });
      } catch (error) {
        expect((error as Error).message).toContain('DATABASE_URL');
        expect((error as Error).message).not.toContain('s3cret-pw');
        expect((error as Error).message).toContain('gw:***@db');
      }
    }
  });

  it('sizes the MySQL pool from DATABASE_POOL_SIZE', () => {
    const config = loadConfig({ DATABASE_URL: 'mysql://gw:pw@db:3306/gaodu', DATABASE_POOL_SIZE: '7' });
    expect(config.databasePoolSize).toBe(7);
    expect(loadConfig({}).databasePoolSize).toBe(20);
    const options = dataSourceOptions(config.databaseUrl, config) as { extra?: Record<string, unknown> };
    expect(options.extra).toMatchObject({ connectionLimit: 7 });
  });

  it('takes good values', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'mysql://gw:pw@db:3306/gaodu',
      RATE_LIMIT_BUCKET: '5000',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      WEB_CONCURRENCY: '3',
      ORDER_MERGING: 'off',
    });
    expect(loadConfig({}).orderMerging).toBe(true);
    expect(config).toMatchObject({
      webConcurrency: 3,
      orderMerging: false,
      port: 8080,
      databaseUrl: 'mysql://gw:pw@db:3306/gaodu',
      rateLimitBucket: 5000,
      nodeEnv: 'production',
      logLevel: 'warn',
    });
  });
});
