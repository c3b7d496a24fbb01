import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inTransaction } from '../src/db/transaction';
import { Role } from '../src/graphql/enums';
import { createReferenceData } from './support/fixtures';
import { ledgerBreaks, noBreaks } from './support/ledger';
import { nextKey, receive, stockOf } from './support/operations';
import { ADMIN_TOKEN, onMysql, startTestApp, TestApp } from './support/test-app';

/**
 * A gateway process killed (SIGKILL) in the middle of a merged transaction: its keys, orders, lines, events
 * and rollups written, the reservation not yet. After the restart no half order is left and no unit is
 * lost, and every request can be sent again: each key then has exactly one order. MySQL/MariaDB only: a
 * server that sees the connection die rolls the transaction back.
 */
const describeOnMysql = onMysql ? describe : describe.skip;
const root = join(__dirname, '..');
let build: string;
let app: TestApp;
let baofu: string;
/** Gateway processes still running: killed after each test whatever happened (a live transaction would keep
 * the test database from being dropped). */
const running = new Set<ChildProcess>();

interface Gateway {
  child: ChildProcess;
  url: string;
  /** Resolves once the process has printed `line` `times` times in all. */
  printed(line: string, times?: number): Promise<void>;
  exited: Promise<unknown>;
}

async function startGateway(env: Record<string, string>): Promise<Gateway> {
  const child = spawn(process.execPath, [join(__dirname, 'support', 'batch-server.cjs'), build], {
    cwd: build,
    env: {
      PATH: process.env.PATH,
      NODE_PATH: join(root, 'node_modules'),
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: app.config.databaseUrl,
      ADMIN_TOKEN,
      RATE_LIMIT_BUCKET: '10000000',
      RATE_LIMIT_RESTORE_RATE: '10000000',
      ORDER_MERGING: 'on',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const seen = new Map<string, number>();
  let waiters: { line: string; times: number; resolve: () => void }[] = [];
  let partial = '';
  let port = 0;
  const listening = new Promise<void>((resolve) => waiters.push({ line: 'LISTENING', times: 1, resolve }));
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const text of lines) {
      const [line, arg] = text.split(' ');
      if (line === 'LISTENING') port = Number(arg);
      seen.set(line, (seen.get(line) ?? 0) + 1);
    }
    const done = waiters.filter((w) => (seen.get(w.line) ?? 0) >= w.times);
    waiters = waiters.filter((w) => !done.includes(w));
    for (const w of done) w.resolve();
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await Promise.race([
    listening,
    exited.then(() => {
      throw new Error('the gateway process ended before it listened');
    }),
  ]);
  return {
    child,
    url: `http://127.0.0.1:${port}/graphql`,
    exited,
    printed: (line, times = 1) =>
      (seen.get(line) ?? 0) >= times
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push({ line, times, resolve })),
  };
}

async function post(url: string, input: Record<string, unknown>) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${baofu}` },
    body: JSON.stringify({
      query: 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { number } }',
      variables: { input },
    }),
  });
  return (await res.json()) as { data?: any; errors?: { extensions: { code: string } }[] };
}

const count = async (sql: string) => Number((await app.dataSource.query(sql))[0].n);

describeOnMysql('a gateway killed mid-batch', () => {
  beforeAll(async () => {
    build = mkdtempSync(join(tmpdir(), 'gaodu-kill-'));
    execFileSync(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', build],
      { cwd: root },
    );
    copyFileSync(join(root, 'package.json'), join(build, 'package.json'));
    app = await startTestApp();
    await app.gateway.webhookDispatcher.stop();
    await createReferenceData(app);
    baofu = await app.keyFor(Role.MERCHANT, 'M-BAOFU-01');
    await receive(app, { skuCode: 'JC-HAWTHORN-500G', quantity: 40, locationCode: 'A-01-01' });
  });
  afterEach(async () => {
    for (const child of running) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  });
  afterAll(async () => {
    await app?.close();
    if (build) rmSync(build, { recursive: true, force: true });
  });

  it('leaves no half order and loses no unit; every key sent again has exactly one order', async () => {
    const inputs = Array.from({ length: 20 }, () => ({
      idempotencyKey: nextKey('kill'),
      lines: [{ skuCode: 'JC-HAWTHORN-500G', quantity: 1 }],
      destination: { stationCode: 'ST-GAODU-BAOFU' },
    }));
    const first = await startGateway({ STOP_MID_BATCH: 'true' });
    const send = (input: (typeof inputs)[number]) =>
      post(first.url, input).catch((error: Error) => ({ lost: error.message }));
    // The first order runs alone and is held at its reservation; only then are the other 19 sent, so they
    // queue behind it (sent together, several could reach the merger in one turn and share its batch).
    const answers = [send(inputs[0])];
    await first.printed('OPENER');
    answers.push(...inputs.slice(1).map(send));
    await first.printed('QUEUED', 20);
    first.child.kill('SIGUSR2');
    await first.printed('MID_BATCH');
    // The batch's transaction has written 19 keys, orders, lines and events (and rollups) by now.
    const [{ rows }] = await app.dataSource.query(
      'SELECT COALESCE(MAX(trx_rows_modified), 0) AS `rows` FROM information_schema.INNODB_TRX',
    );
    expect(Number(rows)).toBeGreaterThanOrEqual(3 * 19);
    first.child.kill('SIGKILL');
    await first.exited;
    const settled = await Promise.all(answers);
    expect(settled.filter((a) => 'data' in a && a.data?.placeOrder)).toHaveLength(1);
    expect(settled.filter((a) => 'lost' in a)).toHaveLength(19);

    // The server rolls the dead connection's transaction back; this lock waits until it has.
    await inTransaction(app.dataSource, (m) =>
      m.query(
        "SELECT sl.reserved FROM stock_level sl JOIN sku s ON s.id = sl.sku_id WHERE s.code = 'JC-HAWTHORN-500G' FOR UPDATE",
      ),
    );
    expect(await stockOf(app, 'JC-HAWTHORN-500G')).toMatchObject({ onHand: 40, reserved: 1, available: 39 });
    expect(await count('SELECT COUNT(*) AS n FROM orders')).toBe(1);
    expect(await count('SELECT COUNT(*) AS n FROM order_line')).toBe(1);
    expect(await count('SELECT COUNT(*) AS n FROM order_event')).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM idempotency_record WHERE operation = 'placeOrder'")).toBe(
      1,
    );
    expect(await count('SELECT COALESCE(SUM(orders_placed), 0) AS n FROM daily_sales')).toBe(1);
    expect(await ledgerBreaks(app)).toEqual(noBreaks);

    // Restarted, every request is sent again: the first replays, the 19 are placed now, once each.
    const second = await startGateway({});
    try {
      const again = await Promise.all(inputs.map((input) => post(second.url, input)));
      expect(again.flatMap((a) => a.errors ?? [])).toEqual([]);
      const placed = settled.find((a) => 'data' in a && a.data?.placeOrder) as { data: any };
      expect(again.map((a) => a.data.placeOrder.number)).toContain(placed.data.placeOrder.number);
      expect(new Set(again.map((a) => a.data.placeOrder.number)).size).toBe(20);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
    expect(await stockOf(app, 'JC-HAWTHORN-500G')).toMatchObject({ onHand: 40, reserved: 20, available: 20 });
    expect(await count('SELECT COUNT(*) AS n FROM orders')).toBe(20);
    expect(await count('SELECT COUNT(*) AS n FROM order_line')).toBe(20);
    expect(await count("SELECT COUNT(*) AS n FROM idempotency_record WHERE operation = 'placeOrder'")).toBe(
      20,
    );
    expect(await count('SELECT COALESCE(SUM(orders_placed), 0) AS n FROM daily_sales')).toBe(20);
    expect(await ledgerBreaks(app)).toEqual(noBreaks);
  });
});

describe('the kill test', () => {
  it(
    onMysql ? 'runs on MySQL' : 'is skipped on SQLite, which has no server to roll back a dead connection',
    () => {
      expect(true).toBe(true);
    },
  );
});
