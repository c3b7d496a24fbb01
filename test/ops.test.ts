import request from 'supertest';
import { ConfigError, loadConfig } from '../src/config';
import { dataSourceOptions } from '../src/db/data-source';
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
    await app.gql('query StockPage { carriers { code } }');
    await app.gql('query Broken { farms(first: 1000) { totalCount } }');
    const res = await request(app.gateway.app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.text).toMatch(/gateway_graphql_requests_total\{operation="StockPage"\} 1/);
    expect(res.text).toMatch(/gateway_graphql_errors_total\{code="BAD_USER_INPUT"\} [1-9]/);
    expect(res.text).toMatch(/gateway_graphql_duration_seconds_bucket\{le="0.5",operation="StockPage"\} 1/);
    expect(res.text).toMatch(/gateway_graphql_duration_seconds_count\{operation="StockPage"\} 1/);
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
    });
    expect(config).toMatchObject({
      webConcurrency: 3,
      port: 8080,
      databaseUrl: 'mysql://gw:pw@db:3306/gaodu',
      rateLimitBucket: 5000,
      nodeEnv: 'production',
      logLevel: 'warn',
    });
  });
});
