import { Agent, createServer, request as httpRequest, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Connection, createConnection } from 'mysql2/promise';
import { rowGateOf } from '../src/db/row-gate';
import { Role } from '../src/graphql/enums';
import { createReferenceData } from './support/fixtures';
import { nextKey, stockedSku, stockOf } from './support/operations';
import { PrivateMariadb, startPrivateMariadb } from './support/private-mariadb';
import { onMysql, startTestApp, TestApp } from './support/test-app';

/**
 * The database held, stopped and killed under the gateway, on a MariaDB server of this file's own (never the
 * shared one). They run in the MariaDB pass (DATABASE_URL=mysql://...); on SQLite there is no row lock to
 * hold nor server to stop.
 */
const describeOnMysql = onMysql ? describe : describe.skip;

const PLACE = 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { number } }';

interface Answer {
  status: number;
  retryAfter: string | null;
  data?: any;
  errors?: { message: string; extensions: { code: string } & Record<string, any> }[];
}

interface Served {
  app: TestApp;
  server: Server;
  base: string;
  merchant: string;
  warehouse: string;
  close(): Promise<void>;
}

async function serve(db: PrivateMariadb, env: Record<string, string>): Promise<Served> {
  const app = await startTestApp(env, undefined, { server: db.url });
  await createReferenceData(app);
  const warehouse = await app.keyFor(Role.WAREHOUSE);
  const merchant = await app.keyFor(Role.MERCHANT, 'M-BAOFU-01');
  const server = createServer(app.gateway.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    app,
    server,
    base,
    merchant,
    warehouse,
    async close() {
      for (const conn of holders.splice(0)) conn.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await app.close().catch(() => undefined);
    },
  };
}

async function post(s: Served, query: string, variables: Record<string, unknown>, token: string) {
  const res = await fetch(`${s.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return {
    ...((await res.json()) as object),
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
  } as Answer;
}

function order(skuCode: string, idempotencyKey = nextKey('fault')) {
  return {
    input: {
      idempotencyKey,
      lines: [{ skuCode, quantity: 1 }],
      destination: { stationCode: 'ST-GAODU-BAOFU' },
    },
  };
}

function newSku(s: Served, code: string, units: number) {
  return stockedSku(s.app, code, units, s.warehouse);
}

/** Sessions holding locks, closed before a test's database is dropped (even when the test failed). */
const holders: Connection[] = [];

/** A session of its own on the private server, in the test file's database, to hold locks. */
async function holder(db: PrivateMariadb, s: Served): Promise<Connection> {
  const url = new URL(db.url);
  const conn = await createConnection({
    host: url.hostname,
    port: Number(url.port),
    user: 'root',
    database: new URL((s.app.dataSource.options as { url: string }).url).pathname.slice(1),
  });
  holders.push(conn);
  return conn;
}

/**
 * Polls `probe` until it holds (a bounded number of times, not a timed assertion), every 150 ms: InnoDB
 * refreshes information_schema.innodb_trx only when it was not read for 100 ms.
 */
async function until(what: string, probe: () => Promise<boolean> | boolean, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`never happened: ${what}`);
}

function expectTryAgain(answer: Answer) {
  expect(answer.errors?.map((e) => e.extensions.code)).toEqual(['TRY_AGAIN']);
  expect(answer.status).toBe(503);
  expect(Number(answer.retryAfter)).toBeGreaterThan(0);
  expect(answer.errors![0].extensions.retryAfterSeconds).toBe(Number(answer.retryAfter));
}

/** Transactions waiting for the lock of one SKU's stock-level row (its reservations). */
async function lockWaits(conn: Connection, skuId: number): Promise<number> {
  const [rows] = await conn.query(
    "SELECT COUNT(*) AS n FROM information_schema.innodb_trx WHERE trx_state = 'LOCK WAIT' AND trx_query LIKE ?",
    [`UPDATE stock_level %WHERE sku_id = ${skuId} AND %`],
  );
  return Number((rows as { n: number }[])[0].n);
}

describeOnMysql('database faults, on a private MariaDB', () => {
  let db: PrivateMariadb;

  beforeAll(async () => {
    db = await startPrivateMariadb();
  }, 180_000);
  afterAll(async () => {
    await db?.stop();
  });

  describe('one stock row locked by another client', () => {
    let s: Served;
    beforeAll(async () => {
      s = await serve(db, { DATABASE_LOCK_WAIT_TIMEOUT_MS: '6000' });
    });
    afterAll(async () => {
      await s.close();
    });

    it('stalls only its own SKU: other orders, reads and /ready are answered, its 25 orders get TRY_AGAIN', async () => {
      const lockedId = await newSku(s, 'JC-LOCKED-ROW', 100);
      await newSku(s, 'JC-FREE-ROW', 100);
      const conn = await holder(db, s);
      await conn.query('BEGIN');
      await conn.query('SELECT * FROM stock_level WHERE sku_id = ? FOR UPDATE', [lockedId]);

      const keys = Array.from({ length: 25 }, () => nextKey('locked'));
      const stalled = keys.map((key) => post(s, PLACE, order('JC-LOCKED-ROW', key), s.merchant));
      const gate = rowGateOf(s.app.dataSource)!;
      const perSku = s.app.config.reservationConnectionsPerSku;
      const answered = Promise.all(stalled);
      // The SKU's reservations wait on the lock, holding at most their few connections; the rest of them wait
      // without one. Watched until they are answered.
      await until('its orders to wait on the row lock', async () => (await lockWaits(conn, lockedId)) > 0);
      let mostWaiting = 0;
      let watching = true;
      const watcher = (async () => {
        while (watching) {
          mostWaiting = Math.max(
            mostWaiting,
            await lockWaits(conn, lockedId),
            gate.load('sku:JC-LOCKED-ROW').holders,
          );
          await new Promise((resolve) => setTimeout(resolve, 150));
        }
      })();

      // Meanwhile the rest of the gateway works.
      const others = await Promise.all(
        Array.from({ length: 5 }, () => post(s, PLACE, order('JC-FREE-ROW'), s.merchant)),
      );
      for (const answer of others) {
        expect(answer.errors).toBeUndefined();
        expect(answer.data.placeOrder.number).toMatch(/^GD-/);
      }
      const read = await post(
        s,
        'query($c: [String!]!) { stockLevels(skuCodes: $c) { available } }',
        { c: ['JC-FREE-ROW', 'JC-LOCKED-ROW'] },
        s.merchant,
      );
      expect(read.errors).toBeUndefined();
      expect(read.data.stockLevels.map((l: { available: number }) => l.available)).toEqual([95, 100]);
      const ready = await fetch(`${s.base}/ready`);
      expect(ready.status).toBe(200);

      // The lock is still held, and every order that waited for it has its answer: TRY_AGAIN.
      const answers = await answered;
      watching = false;
      await watcher;
      for (const answer of answers) expectTryAgain(answer);
      expect(mostWaiting).toBeGreaterThan(0);
      expect(mostWaiting).toBeLessThanOrEqual(perSku);
      await conn.query('ROLLBACK');
      await conn.end();

      // Nothing of them was written, and their keys are free: the retry places the order, once.
      expect(await stockOf(s.app, 'JC-LOCKED-ROW')).toMatchObject({
        onHand: 100,
        reserved: 0,
        available: 100,
      });
      const retried = await post(s, PLACE, order('JC-LOCKED-ROW', keys[0]), s.merchant);
      expect(retried.errors).toBeUndefined();
      const again = await post(s, PLACE, order('JC-LOCKED-ROW', keys[0]), s.merchant);
      expect(again.data.placeOrder.number).toBe(retried.data.placeOrder.number);
      expect(await stockOf(s.app, 'JC-LOCKED-ROW')).toMatchObject({ reserved: 1, available: 99 });
    });
  });

  describe('a request past its response deadline', () => {
    let s: Served;
    beforeAll(async () => {
      // A lock wait longer than the deadline, so the request is still inside its transaction at the deadline.
      s = await serve(db, { DATABASE_LOCK_WAIT_TIMEOUT_MS: '60000', RESPONSE_TIMEOUT_MS: '1500' });
    });
    afterAll(async () => {
      db.resume();
      await s.close();
    });

    it('is answered TRY_AGAIN saying the outcome may be unknown, and its late answer never reaches the socket', async () => {
      const skuId = await newSku(s, 'JC-DEADLINE', 10);
      const conn = await holder(db, s);
      await conn.query('BEGIN');
      await conn.query('SELECT * FROM stock_level WHERE sku_id = ? FOR UPDATE', [skuId]);
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const key = nextKey('deadline');
      const sent = postOnAgent(s, agent, order('JC-DEADLINE', key));
      await until('the order to wait on the row lock', async () => (await lockWaits(conn, skuId)) === 1);

      // The database hangs while the order waits in its transaction; the deadline passes.
      await db.pause();
      const first = await sent;
      expectTryAgain(first.answer);
      expect(first.answer.errors![0].message).toMatch(/outcome may be unknown.*same idempotency key/);
      db.resume();

      // The lock goes, the order's transaction goes on and ends; its late answer is dropped.
      await conn.query('ROLLBACK');
      await conn.end();
      await s.app.gateway.lateWork.idle();

      // The next request on the same keep-alive socket is answered: the retry with the same key, which
      // returns the order if the first one was placed, and places it if not; one order either way.
      const second = await postOnAgent(s, agent, order('JC-DEADLINE', key));
      expect(second.localPort).toBe(first.localPort);
      expect(second.answer.errors).toBeUndefined();
      expect(second.answer.data.placeOrder.number).toMatch(/^GD-/);
      expect(await stockOf(s.app, 'JC-DEADLINE')).toMatchObject({ reserved: 1, available: 9 });
      const [{ n }] = await s.app.dataSource.query(
        "SELECT COUNT(*) AS n FROM order_line ol JOIN sku s ON s.id = ol.sku_id WHERE s.code = 'JC-DEADLINE'",
      );
      expect(Number(n)).toBe(1);
      agent.destroy();
    });
  });

  describe('a database that hangs, then dies', () => {
    let s: Served;
    beforeAll(async () => {
      s = await serve(db, { RESPONSE_TIMEOUT_MS: '2000', DATABASE_ACQUIRE_TIMEOUT_MS: '1000' });
    });
    afterAll(async () => {
      db.resume();
      await s.close();
    });

    it('answers /ready 503 while it hangs, and requests TRY_AGAIN with HTTP 503', async () => {
      await newSku(s, 'JC-HANG', 10);
      await db.pause();
      const ready = await Promise.all([fetch(`${s.base}/ready`), fetch(`${s.base}/ready`)]);
      for (const res of ready) {
        expect(res.status).toBe(503);
        expect(await res.json()).toEqual({ status: 'database unreachable' });
      }
      expect(await fetch(`${s.base}/health`).then((r) => r.status)).toBe(200);
      expectTryAgain(await post(s, PLACE, order('JC-HANG'), s.merchant));
      expectTryAgain(
        await post(
          s,
          'query($c: [String!]!) { stockLevels(skuCodes: $c) { available } }',
          { c: ['JC-HANG'] },
          s.merchant,
        ),
      );
      db.resume();
      await s.app.gateway.lateWork.idle();
      await until('/ready to answer again', async () => (await fetch(`${s.base}/ready`)).status === 200);
    });

    it('answers TRY_AGAIN with HTTP 503, not INTERNAL_SERVER_ERROR, once the database is killed', async () => {
      // The key is looked up now, while the database answers: after the kill the requests get past
      // authentication and fail in their resolvers.
      const warm = await post(
        s,
        'query($c: [String!]!) { stockLevels(skuCodes: $c) { available } }',
        { c: ['JC-HANG'] },
        s.merchant,
      );
      expect(warm.errors).toBeUndefined();
      await db.kill();
      expectTryAgain(await post(s, PLACE, order('JC-HANG'), s.merchant));
      expectTryAgain(
        await post(
          s,
          'query($c: [String!]!) { stockLevels(skuCodes: $c) { available } }',
          { c: ['JC-HANG'] },
          s.merchant,
        ),
      );
      const ready = await fetch(`${s.base}/ready`);
      expect(ready.status).toBe(503);
    });
  });
});

/** POSTs placeOrder through `agent` (one keep-alive socket), with the local port of the socket used. */
function postOnAgent(
  s: Served,
  agent: Agent,
  variables: Record<string, unknown>,
): Promise<{ answer: Answer; localPort: number | undefined }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${s.base}/graphql`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${s.merchant}` },
      },
      (res) => {
        const localPort = res.socket?.localPort;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            answer: {
              ...JSON.parse(Buffer.concat(chunks).toString('utf8')),
              status: res.statusCode,
              retryAfter: (res.headers['retry-after'] as string | undefined) ?? null,
            },
            localPort,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ query: PLACE, variables }));
  });
}
