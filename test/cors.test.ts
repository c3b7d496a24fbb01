import request from 'supertest';
import WebSocket from 'ws';
import { ConfigError, loadConfig } from '../src/config';
import { listen, LiveServer } from './support/ws';
import { ADMIN_TOKEN, startTestApp, TestApp } from './support/test-app';

const TABLET = 'https://tablet.gaodu.example.cn';
const DASHBOARD = 'http://dashboard.example.cn:8080';
const EVIL = 'https://evil.example.com';
const ME = JSON.stringify({ query: '{ me { role } }' });

/** Opens a WebSocket to the server with an Origin header (as a browser does), and says how it went. */
function upgrade(url: string, origin?: string): Promise<'open' | number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, 'graphql-transport-ws', origin ? { origin } : {});
    socket.on('open', () => {
      socket.close();
      resolve('open');
    });
    socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.on('error', () => undefined);
  });
}

describe('CORS_ORIGINS', () => {
  it('takes origins only, and fails fast on anything else', () => {
    expect(loadConfig({ CORS_ORIGINS: `${TABLET}, ${DASHBOARD}` }).corsOrigins).toEqual([TABLET, DASHBOARD]);
    expect(loadConfig({}).corsOrigins).toEqual([]);
    for (const bad of ['tablet.example.cn', 'https://x.cn/path', 'ftp://x.cn', '*']) {
      expect(() => loadConfig({ CORS_ORIGINS: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ CORS_ORIGINS: bad })).toThrow(/CORS_ORIGINS/);
    }
  });
});

describe.each([
  ['with CORS_ORIGINS', `${TABLET},${DASHBOARD}`],
  ['without CORS_ORIGINS', ''],
])('%s', (_name, origins) => {
  let app: TestApp;
  let live: LiveServer;
  const allowed = origins ? [TABLET, DASHBOARD] : [];
  beforeAll(async () => {
    app = await startTestApp({ CORS_ORIGINS: origins });
    live = await listen(app.gateway);
  });
  afterAll(async () => {
    await live.close();
    await app.close();
  });

  const post = (origin?: string) => {
    const req = request(app.gateway.app)
      .post('/graphql')
      .set('content-type', 'application/json')
      .set('authorization', `Bearer ${ADMIN_TOKEN}`);
    if (origin) req.set('origin', origin);
    return req.send(ME);
  };
  const preflight = (origin: string) =>
    request(app.gateway.app)
      .options('/graphql')
      .set('origin', origin)
      .set('access-control-request-method', 'POST')
      .set('access-control-request-headers', 'authorization, content-type');

  it('answers preflights of exactly the allowed origins', async () => {
    for (const origin of allowed) {
      const res = await preflight(origin);
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      expect(res.headers['access-control-allow-methods']).toMatch(/POST/);
      expect(res.headers['access-control-allow-headers']).toMatch(/authorization/);
      expect(res.headers['access-control-allow-headers']).toMatch(/content-type/);
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      expect(res.headers.vary).toMatch(/Origin/);
    }
    for (const origin of [EVIL, 'https://tablet.gaodu.example.cn.evil.com', 'null', `${TABLET}:444`]) {
      const res = await preflight(origin);
      expect(res.status).toBe(403);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('serves the allowed origins with Access-Control-Allow-Origin, and refuses the others', async () => {
    for (const origin of allowed) {
      const res = await post(origin);
      expect(res.status).toBe(200);
      expect(res.body.data.me.role).toBe('ADMIN');
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      expect(res.headers['access-control-expose-headers']).toMatch(/retry-after/);
    }
    const refused = await post(EVIL);
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(refused.body.errors[0].message).toMatch(/CORS_ORIGINS/);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('leaves same-origin requests and requests without Origin as they were', async () => {
    const server = `http://${new URL(live.url).host}`;
    const sameOrigin = request(server)
      .post('/graphql')
      .set('origin', server)
      .set('content-type', 'application/json')
      .set('authorization', `Bearer ${ADMIN_TOKEN}`)
      .send(ME);
    for (const res of [await sameOrigin, await post()]) {
      expect(res.status).toBe(200);
      expect(res.body.data.me.role).toBe('ADMIN');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it("keeps Apollo's CSRF prevention for allowed origins", async () => {
    const origin = allowed[0] ?? `http://${new URL(live.url).host}`;
    const base = allowed[0] ? app.gateway.app : `http://${new URL(live.url).host}`;
    const res = await request(base)
      .get('/graphql')
      .query({ query: '{ me { role } }' })
      .set('origin', origin)
      .set('authorization', `Bearer ${ADMIN_TOKEN}`);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/CSRF|preflight/i);
  });

  it('checks the Origin of WebSocket upgrades the same way', async () => {
    for (const origin of allowed) expect(await upgrade(live.url, origin)).toBe('open');
    expect(await upgrade(live.url)).toBe('open');
    expect(await upgrade(live.url, `http://${new URL(live.url).host}`)).toBe('open');
    expect(await upgrade(live.url, EVIL)).toBe(403);
  });
});

describe.each([
  ['development', {}, true],
  ['production', { NODE_ENV: 'production' }, false],
  ['production with GRAPHIQL=true', { NODE_ENV: 'production', GRAPHIQL: 'true' }, true],
  ['development with GRAPHIQL=false', { GRAPHIQL: 'false' }, false],
])('GraphiQL in %s', (_name, env: Record<string, string>, served) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(env);
  });
  afterAll(() => app.close());

  it(served ? 'is served with its assets from the package' : 'is not served', async () => {
    const page = await request(app.gateway.app).get('/graphiql');
    if (!served) {
      expect(page.status).toBe(404);
      expect((await request(app.gateway.app).get('/graphiql/assets/graphiql.min.js')).status).toBe(404);
      return;
    }
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    const sources = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(sources.length).toBeGreaterThanOrEqual(5);
    for (const source of sources) {
      expect(source).toMatch(/^\/graphiql\/assets\//);
      const asset = await request(app.gateway.app).get(source);
      expect([source, asset.status]).toEqual([source, 200]);
    }
    expect((await request(app.gateway.app).get('/graphiql/assets/constructor')).status).toBe(404);
    expect((await request(app.gateway.app).get('/graphiql/assets/..%2Fpackage.json')).status).toBe(404);
  });

  if (served) {
    it('serves the schema as an introspection result, not over the depth-limited endpoint', async () => {
      const res = await request(app.gateway.app).get('/graphiql/schema.json');
      expect(res.status).toBe(200);
      const types = res.body.__schema.types.map((t: { name: string }) => t.name);
      expect(types).toEqual(expect.arrayContaining(['Dashboard', 'Order', 'StockLevel']));
      expect(app.config.maxQueryDepth).toBe(10);
    });

    it('is where a browser opening /graphql goes', async () => {
      const res = await request(app.gateway.app).get('/graphql').set('accept', 'text/html');
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe('/graphiql');
    });
  }
});
