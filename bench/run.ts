import 'reflect-metadata';
import { ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createPool, Pool } from 'mysql2/promise';
import { addDays, shanghaiToday } from '../src/time';
import { exportCase } from './export-case';
import { flashSale, FlashSaleResult } from './flash-sale';

/**
 * `npm run bench [-- --duration 10 --connections 20 --soak 60 --url mysql://...]`: starts the gateway
 * (bench/server.ts) and the raw-SQL floor (bench/floor-server.ts) as processes of their own on the
 * generated data set (BENCH_DATABASE_URL, default the `npm run generate -- --scale year` database),
 * drives them with autocannon one scenario after another, prints a table and writes
 * bench/results/latest.json. Nothing here asserts a timing.
 */

// autocannon ships no types; this is the part of its API the harness uses.
interface AutocannonResult {
  requests: { total: number; average: number };
  latency: { p50: number; p99: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
}
interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon: Autocannon = require('autocannon');

interface Options {
  duration: number;
  connections: number;
  soak: number;
  url: string;
  warmup: number;
  /** The flash sale: concurrent buyers, and units of its SKU. */
  buyers: number;
  units: number;
  /** Only these cases (a, b, c, d, e, soak, export); all when empty. */
  only: string[];
  /** A directory for CPU profiles of the gateway: each of its scenarios, the flash sale's phases. */
  profile: string | null;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    duration: 10,
    connections: 20,
    soak: 60,
    warmup: 2,
    buyers: 500,
    units: 3000,
    only: [],
    profile: null,
    url: process.env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/gaodu_year',
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=');
    const value = inline ?? argv[++i];
    if (flag === '--duration') options.duration = Number(value);
    else if (flag === '--connections') options.connections = Number(value);
    else if (flag === '--soak') options.soak = Number(value);
    else if (flag === '--warmup') options.warmup = Number(value);
    else if (flag === '--url') options.url = value;
    else if (flag === '--buyers') options.buyers = Number(value);
    else if (flag === '--units') options.units = Number(value);
    else if (flag === '--only') options.only = value.split(',');
    else if (flag === '--profile') options.profile = value;
    else
      throw new Error(
        `unknown option ${flag}; use --duration s --connections n --soak s --warmup s --buyers n --units n --only a,b,c,d,e,soak,export --url mysql://...`,
      );
  }
  if (!options.url.startsWith('mysql://'))
    throw new Error('the bench runs on MySQL/MariaDB: set BENCH_DATABASE_URL=mysql://...');
  return options;
}

interface Stats {
  statements: number;
  graphqlErrors: number;
  firstError: string | null;
  rss: number;
  peakRss: number;
  /** CPU time the process has used so far (user and system), µs. */
  cpuMicros: number;
  busyConnections: number;
  peakBusyConnections: number;
  captured?: { sql: string; params: unknown[] }[];
}

/** A child process (gateway or floor) that answers IPC commands with its counters. */
class Child {
  private constructor(
    private readonly process: ChildProcess,
    readonly port: number,
  ) {}

  static start(script: string, args: string[], env: Record<string, string> = {}): Promise<Child> {
    // NODE_ENV before graphql loads: graphql-js checks every instanceOf expensively outside production.
    const child = fork(join(__dirname, script), args, {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ...env, NODE_ENV: 'production' },
    });
    return new Promise((resolve, reject) => {
      child.once('message', (message: { cmd: string; port: number }) =>
        resolve(new Child(child, message.port)),
      );
      child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    });
  }

  ask(cmd: string, extra: Record<string, unknown> = {}): Promise<Stats> {
    return new Promise((resolve) => {
      const onMessage = (message: Stats & { cmd: string }) => {
        if (message.cmd !== cmd) return;
        this.process.off('message', onMessage);
        resolve(message);
      };
      this.process.on('message', onMessage);
      this.process.send({ cmd, ...extra });
    });
  }

  stop(): void {
    this.process.kill('SIGTERM');
  }
}

interface Scenario {
  name: string;
  target: 'gateway' | 'floor';
  path: string;
  body?: string;
  headers: Record<string, string>;
  setupRequest?: (req: AutocannonRequest) => AutocannonRequest;
  /** Overrides --connections: the dashboard's latency is also measured with one client at a time. */
  connections?: number;
}

interface Row {
  scenario: string;
  target: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  sqlPerRequest: number | null;
  /** CPU time (user and system) the target's process used per completed request. */
  cpuMsPerRequest: number | null;
  peakRssMb: number;
  firstError?: string | null;
}

async function measure(child: Child, scenario: Scenario, options: Options, duration: number): Promise<Row> {
  const run = (seconds: number) =>
    autocannon({
      url: `http://127.0.0.1:${child.port}${scenario.path}`,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...scenario.headers },
      body: scenario.body,
      ...(scenario.setupRequest
        ? { requests: [{ method: 'POST', path: scenario.path, setupRequest: scenario.setupRequest }] }
        : {}),
      connections: scenario.connections ?? options.connections,
      duration: seconds,
    });
  if (options.warmup > 0) await run(options.warmup);
  const cpuBefore = (await child.ask('reset')).cpuMicros;
  // --profile: a CPU profile of the gateway for each of its scenarios, beside the flash sale's.
  const profiled = options.profile && scenario.target === 'gateway';
  if (profiled) await child.ask('profile-start');
  const result = await run(duration);
  if (profiled) await child.ask('profile-stop', { path: profilePath(options.profile!, scenario.name) });
  const stats = await child.ask('stats');
  const completed = result.requests.total;
  const row: Row = {
    scenario: scenario.name,
    target: scenario.target,
    requestsPerSecond: Math.round(completed / duration),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx + stats.graphqlErrors,
    sqlPerRequest:
      scenario.target === 'gateway' && completed > 0
        ? Math.round((stats.statements / completed) * 10) / 10
        : null,
    cpuMsPerRequest: completed > 0 ? Math.round((stats.cpuMicros - cpuBefore) / completed / 10) / 100 : null,
    peakRssMb: Math.round(stats.peakRss / 1048576),
    firstError: stats.firstError ?? null,
  };
  console.log(
    `  ${row.target.padEnd(7)} ${row.scenario.padEnd(28)} ${row.requestsPerSecond} req/s, p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms, errors ${row.errors}`,
  );
  return row;
}

/** Where --profile writes a scenario's CPU profile: its name as a file name. */
function profilePath(dir: string, scenario: string): string {
  mkdirSync(dir, { recursive: true });
  const name = scenario
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return join(dir, `${name}.cpuprofile`);
}

/**
 * One request through autocannon-free fetch, to check a scenario answers without errors before measuring it.
 */
async function probe(
  port: number,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const json = (await res.json()) as { errors?: unknown[] };
  if (json.errors) throw new Error(`probe of ${path} failed: ${JSON.stringify(json.errors).slice(0, 400)}`);
  return json;
}

async function createKey(
  port: number,
  adminToken: string,
  role: string,
  merchantCode?: string,
): Promise<string> {
  const json = (await probe(
    port,
    '/graphql',
    JSON.stringify({
      query: 'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { token } }',
      variables: {
        input: {
          role,
          merchantCode,
          label: `bench-${role.toLowerCase()}${merchantCode ? `-${merchantCode}` : ''}`,
        },
      },
    }),
    { authorization: `Bearer ${adminToken}` },
  )) as { data: { createApiKey: { token: string } } };
  return json.data.createApiKey.token;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const adminToken = `bench-admin-${randomBytes(12).toString('hex')}`;
  const pool: Pool = createPool({
    uri: options.url,
    connectionLimit: 2,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  const [[counts]] = (await pool.query(
    'SELECT (SELECT COUNT(*) FROM orders) AS orders, (SELECT COUNT(*) FROM order_line) AS line_count, (SELECT COUNT(*) FROM lot) AS lots',
  )) as unknown as [Record<string, string>[]];
  console.log(
    `bench on ${options.url.replace(/\/\/[^@]*@/, '//')}: ${counts.orders} orders, ${counts.line_count} lines, ${counts.lots} lots`,
  );
  console.log(
    `${options.duration} s a scenario, ${options.connections} connections, ${options.warmup} s warm-up\n`,
  );

  const gateway = await Child.start('server.js', [options.url, adminToken], { ORDER_MERGING: 'on' });
  // The same gateway with merging off, for the flash sale's side-by-side comparison.
  const unmerged = await Child.start('server.js', [options.url, adminToken], { ORDER_MERGING: 'off' });
  const floor = await Child.start('floor-server.js', [options.url]);
  const wanted = (name: string) => options.only.length === 0 || options.only.includes(name);

  const inputs = await prepareInputs(pool, gateway, adminToken);
  const bodies = requestBodies(inputs);
  const captured = await captureForFloor(gateway, floor, bodies, inputs);
  const rows: Row[] = [];
  for (const [child, scenario] of scenarios(gateway, floor, bodies, inputs)) {
    if (!wanted(scenario.name.slice(1, 2))) continue;
    // placeOrder is measured without warm-up so its orders are all counted by the oversell check below.
    rows.push(
      await measure(
        child,
        scenario,
        scenario.name.startsWith('(d)') ? { ...options, warmup: 0 } : options,
        options.duration,
      ),
    );
  }

  // No oversell: reserved never exceeds what is on hand and sellable, for any SKU.
  const [[oversold]] = (await pool.query(
    'SELECT COUNT(*) AS n FROM stock_level WHERE reserved > on_hand - held_or_expired',
  )) as unknown as [{ n: string }[]];

  // (e) The flash sale, with merging on and off: a SKU of its own for each, `units` units.
  const flash: FlashRun[] = [];
  if (wanted('e')) {
    for (const [merging, child] of [
      ['on', gateway],
      ['off', unmerged],
    ] as const) {
      flash.push(
        await runFlashSale(child, merging, options, adminToken, inputs.merchantKeys, inputs.station, pool),
      );
    }
  }
  const soak = options.soak > 0 && wanted('soak') ? await runSoak(gateway, options, bodies, inputs) : [];
  let exports: Awaited<ReturnType<typeof exportCase>> | null = null;
  if (wanted('export')) {
    console.log('\nCSV export of the stock ledger (WAREHOUSE key)');
    exports = await exportCase(
      { port: gateway.port, reset: () => gateway.ask('reset'), stats: () => gateway.ask('stats') },
      inputs.warehouseKey,
      inputs.today,
    );
  }

  printTable(rows);
  if (flash.length) printFlashSale(flash, options);
  const ratios = printRatios(rows);
  console.log(
    `placeOrder oversell check: ${Number(oversold.n) === 0 ? 'no SKU has more reserved than sellable on hand' : `${oversold.n} SKUs OVERSOLD`}`,
  );
  writeResults({
    at: new Date().toISOString(),
    database: options.url.replace(/\/\/[^@]*@/, '//'),
    dataSet: counts,
    options: {
      duration: options.duration,
      connections: options.connections,
      warmup: options.warmup,
      soak: options.soak,
    },
    node: process.version,
    cpus: cpus().length,
    loadAverageAtEnd: loadavg().map((l) => Math.round(l * 10) / 10),
    rows,
    ratios,
    oversoldSkus: Number(oversold.n),
    flashSale: flash,
    soakRssMb: soak,
    exports,
    captured: {
      stockLevels: captured.stockStatements.map((s) => s.sql),
      orders: captured.orderStatements.map((s) => s.sql),
    },
  });
  gateway.stop();
  unmerged.stop();
  floor.stop();
  await pool.end();
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** What the scenarios send: 50 SKU codes, the busiest merchants' keys, SKUs with plenty to sell. */
interface Inputs {
  skuCodes: string[];
  sellable: string[];
  merchantKeys: string[];
  warehouseKey: string;
  officialKey: string;
  station: string;
  today: string;
}

async function prepareInputs(pool: Pool, gateway: Child, adminToken: string): Promise<Inputs> {
  const codes = async (sql: string) =>
    ((await pool.query(sql)) as unknown as [{ code: string }[]])[0].map((row) => row.code);
  const skuCodes = await codes('SELECT code FROM sku ORDER BY id LIMIT 50');
  const sellable = await codes(
    'SELECT s.code FROM stock_level sl JOIN sku s ON s.id = sl.sku_id ORDER BY sl.on_hand - sl.reserved - sl.held_or_expired DESC LIMIT 50',
  );
  const merchants = await codes('SELECT code FROM merchant ORDER BY id LIMIT 20');
  const [station] = await codes('SELECT code FROM village_station ORDER BY id LIMIT 1');
  return {
    skuCodes,
    sellable,
    merchantKeys: await Promise.all(merchants.map((m) => createKey(gateway.port, adminToken, 'MERCHANT', m))),
    warehouseKey: await createKey(gateway.port, adminToken, 'WAREHOUSE'),
    officialKey: await createKey(gateway.port, adminToken, 'OFFICIAL'),
    station,
    today: shanghaiToday(),
  };
}

interface Bodies {
  stock: string;
  orders: string;
  dashboard: string;
  liveDashboard: string;
  /** A new keyed placeOrder of one unit for every request, from the merchants in turn. */
  placeOrder: (req: AutocannonRequest) => AutocannonRequest;
}

function requestBodies(inputs: Inputs): Bodies {
  const dashboardQuery = `query($from: LocalDate!, $to: LocalDate!) { dashboard(from: $from, to: $to) {
      sales { amount } ordersPlaced ordersDispatched parcelsDispatched unitsDispatched
      daily { date sales { amount } ordersPlaced ordersDispatched parcels } monthly { month sales { amount } ordersDispatched parcels }
      byCarrier { carrier { code } parcels ordersDispatched } byFarm { farm { code name } sales { amount } units }
      byMerchantVillage { village sales { amount } merchants } topSkus { sku { code name } sales { amount } units }
      stockValue { amount } lowStock { sku { code } available } expiringLots { code expiresOn quantityOnHand } } }`;
  const runId = randomBytes(4).toString('hex');
  let sequence = 0;
  return {
    stock: JSON.stringify({
      query:
        'query($codes: [String!]!) { stockLevels(skuCodes: $codes) { sku { code } onHand reserved available isLow } }',
      variables: { codes: inputs.skuCodes },
    }),
    orders: JSON.stringify({
      query: '{ orders(first: 50) { nodes { number lines { quantity sku { code suppliers { name } } } } } }',
    }),
    // The 366 days up to yesterday: a closed range, whose whole answer the gateway keeps. The same 366 days
    // moved to end today are read live (the path every dashboard took before answers were kept).
    dashboard: JSON.stringify({
      query: dashboardQuery,
      variables: { from: addDays(inputs.today, -366), to: addDays(inputs.today, -1) },
    }),
    liveDashboard: JSON.stringify({
      query: dashboardQuery,
      variables: { from: addDays(inputs.today, -365), to: inputs.today },
    }),
    placeOrder: (req) => {
      const n = ++sequence;
      return {
        ...req,
        headers: { ...req.headers, ...bearer(inputs.merchantKeys[n % inputs.merchantKeys.length]) },
        body: JSON.stringify({
          query:
            'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { number status total { amount } } }',
          variables: {
            input: {
              idempotencyKey: `bench-${runId}-${n}`,
              lines: [{ skuCode: inputs.sellable[n % inputs.sellable.length], quantity: 1 }],
              destination: { stationCode: inputs.station },
              carrierCode: 'SF',
            },
          },
        }),
      };
    },
  };
}

/**
 * Checks each scenario answers, and captures the statements of (a) and (b) for the floor. The request before
 * the captured one warms what the gateway keeps between requests (the API key), so the floor replays what
 * every later request sends.
 */
async function captureForFloor(gateway: Child, floor: Child, bodies: Bodies, inputs: Inputs) {
  const capture = async (body: string, headers: Record<string, string>) => {
    await probe(gateway.port, '/graphql', body, headers);
    await gateway.ask('capture');
    await probe(gateway.port, '/graphql', body, headers);
    return (await gateway.ask('captured')).captured!;
  };
  const stockStatements = await capture(bodies.stock, bearer(inputs.merchantKeys[0]));
  const orderStatements = await capture(bodies.orders, bearer(inputs.warehouseKey));
  await probe(gateway.port, '/graphql', bodies.dashboard, bearer(inputs.officialKey));
  await probe(gateway.port, '/graphql', bodies.liveDashboard, bearer(inputs.officialKey));
  await floor.ask('scenario', { path: '/a', statements: stockStatements });
  await floor.ask('scenario', { path: '/b', statements: orderStatements });
  console.log(
    `captured for the floor: (a) ${stockStatements.length} statements, (b) ${orderStatements.length} statements\n`,
  );
  return { stockStatements, orderStatements };
}

/** (a) to (d), each on the gateway and, where it has one, on the floor. */
function scenarios(gateway: Child, floor: Child, bodies: Bodies, inputs: Inputs): [Child, Scenario][] {
  const onGateway = (name: string, body: string, key: string, connections?: number): [Child, Scenario] => [
    gateway,
    { name, target: 'gateway', path: '/graphql', body, headers: bearer(key), connections },
  ];
  const onFloor = (name: string, path: string): [Child, Scenario] => [
    floor,
    { name, target: 'floor', path, body: '{}', headers: {} },
  ];
  return [
    onGateway('(a) stockLevels x50', bodies.stock, inputs.merchantKeys[0]),
    onFloor('(a) stockLevels x50', '/a'),
    onGateway('(b) orders(50) nested', bodies.orders, inputs.warehouseKey),
    onFloor('(b) orders(50) nested', '/b'),
    onGateway('(c) dashboard, 366 days', bodies.dashboard, inputs.officialKey),
    onGateway('(c) dashboard to today (live)', bodies.liveDashboard, inputs.officialKey),
    onGateway('(c) dashboard, 1 connection', bodies.dashboard, inputs.officialKey, 1),
    [
      gateway,
      {
        name: '(d) placeOrder',
        target: 'gateway',
        path: '/graphql',
        headers: {},
        setupRequest: bodies.placeOrder,
      },
    ],
  ];
}

/** Memory under sustained load: the gateway's RSS every 5 s while (a) and (b) run together. */
async function runSoak(
  gateway: Child,
  options: Options,
  bodies: Bodies,
  inputs: Inputs,
): Promise<{ second: number; rssMb: number }[]> {
  console.log(`\nsoak: (a) and (b) together for ${options.soak} s`);
  const soak: { second: number; rssMb: number }[] = [];
  await gateway.ask('reset');
  const started = Date.now();
  const timer = setInterval(async () => {
    const stats = await gateway.ask('stats');
    soak.push({ second: Math.round((Date.now() - started) / 1000), rssMb: Math.round(stats.rss / 1048576) });
  }, 5000);
  const connections = Math.max(1, Math.floor(options.connections / 2));
  const load = (body: string, key: string) =>
    autocannon({
      url: `http://127.0.0.1:${gateway.port}/graphql`,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(key) },
      body,
      connections,
      duration: options.soak,
    });
  await Promise.all([load(bodies.stock, inputs.merchantKeys[1]), load(bodies.orders, inputs.warehouseKey)]);
  clearInterval(timer);
  console.log(`  RSS (MB) every 5 s: ${soak.map((s) => s.rssMb).join(' ')}`);
  return soak;
}

/** The gateway's throughput as a share of the floor's, for the scenarios that have both; and the load. */
function printRatios(rows: Row[]): { scenario: string; gatewayToFloor: number }[] {
  const floorOf = (name: string) => rows.find((r) => r.target === 'floor' && r.scenario === name);
  const ratios = rows
    .filter((r) => r.target === 'gateway' && floorOf(r.scenario))
    .map((r) => ({
      scenario: r.scenario,
      gatewayToFloor: Math.round((r.requestsPerSecond / floorOf(r.scenario)!.requestsPerSecond) * 100) / 100,
    }));
  for (const ratio of ratios)
    console.log(
      `${ratio.scenario}: gateway at ${Math.round(ratio.gatewayToFloor * 100)}% of the floor's throughput`,
    );
  console.log(
    `machine load average (1, 5, 15 min): ${loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')} on ${cpus().length} CPUs`,
  );
  return ratios;
}

function writeResults(results: Record<string, unknown>): void {
  mkdirSync(join(__dirname, '..', '..', 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(__dirname, '..', '..', 'bench', 'results', 'latest.json'),
    `${JSON.stringify(results, null, 2)}\n`,
  );
  console.log('\nwrote bench/results/latest.json');
}

interface FlashRun {
  merging: 'on' | 'off';
  skuCode: string;
  result: FlashSaleResult;
  /** SQL statements per accepted order while selling, per refusal after the sell-out. */
  sqlPerAccepted: number;
  sqlPerRefusal: number;
  /** The most database connections the gateway had busy at once while selling, and after. */
  peakBusySelling: number;
  peakBusySoldOut: number;
  /** Exactly `units` orders, every other final answer INSUFFICIENT_STOCK (after any TRY_AGAIN). */
  exact: boolean;
  /** The SKU's ledger afterwards: on hand = its movements = its lots, reserved = its open orders' lines. */
  ledger: {
    onHand: number;
    movements: number;
    lots: number;
    reserved: number;
    orderedUnits: number;
    orders: number;
  };
  ledgerHolds: boolean;
}

async function runFlashSale(
  child: Child,
  merging: 'on' | 'off',
  options: Options,
  adminToken: string,
  merchantKeys: string[],
  stationCode: string,
  pool: Pool,
): Promise<FlashRun> {
  const skuCode = `FLASH-${randomBytes(3).toString('hex').toUpperCase()}-${merging.toUpperCase()}`;
  const admin = { authorization: `Bearer ${adminToken}` };
  await probe(
    child.port,
    '/graphql',
    JSON.stringify({
      query: 'mutation($input: CreateSkuInput!) { createSku(input: $input) { id } }',
      variables: {
        input: {
          code: skuCode,
          name: `Livestream hawthorn gift box (${merging})`,
          category: 'FRUIT',
          unit: 'box',
          unitWeightGrams: 500,
          storageZone: 'AMBIENT',
          shelfLifeDays: 90,
          price: '29.90',
        },
      },
    }),
    admin,
  );
  const [[farm]] = (await pool.query('SELECT code FROM farm ORDER BY id LIMIT 1')) as unknown as [
    { code: string }[],
  ];
  const [[bin]] = (await pool.query(
    "SELECT code FROM location WHERE zone = 'AMBIENT' ORDER BY id LIMIT 1",
  )) as unknown as [{ code: string }[]];
  await probe(
    child.port,
    '/graphql',
    JSON.stringify({
      query: 'mutation($input: ReceiveLotInput!) { receiveLot(input: $input) { code } }',
      variables: {
        input: {
          idempotencyKey: `flash-lot-${skuCode}`,
          skuCode,
          farmCode: farm.code,
          quantity: options.units,
          locationCode: bin.code,
        },
      },
    }),
    admin,
  );
  console.log(
    `\n(e) flash sale, merging ${merging}: ${options.buyers} buyers, ${options.units} units of ${skuCode}`,
  );
  await child.ask('reset');
  const profile = (phase: string) => join(options.profile!, `flash-merging-${merging}-${phase}.cpuprofile`);
  if (options.profile) {
    mkdirSync(options.profile, { recursive: true });
    await child.ask('profile-start');
  }
  let atSoldOut: Promise<Stats> | null = null;
  let profiled: Promise<unknown> = Promise.resolve();
  const result = await flashSale({
    port: child.port,
    buyers: options.buyers,
    units: options.units,
    skuCode,
    stationCode,
    keys: merchantKeys,
    afterMs: options.duration * 1000,
    maxMs: 300_000,
    runId: randomBytes(4).toString('hex'),
    onSoldOut: () => {
      atSoldOut = child.ask('lap');
      if (options.profile)
        profiled = child
          .ask('profile-stop', { path: profile('selling') })
          .then(() => child.ask('profile-start'));
    },
  });
  await profiled;
  if (options.profile) await child.ask('profile-stop', { path: profile('sold-out') });
  const selling = (await (atSoldOut ?? child.ask('lap')))!;
  const after = await child.ask('stats');
  const num = async (sql: string) =>
    Number(((await pool.query(sql, [skuCode])) as unknown as [{ n: string }[]])[0][0].n);
  const ledger = {
    onHand: await num(
      'SELECT sl.on_hand AS n FROM stock_level sl JOIN sku s ON s.id = sl.sku_id WHERE s.code = ?',
    ),
    movements: await num(
      'SELECT COALESCE(SUM(m.on_hand_delta), 0) AS n FROM stock_movement m JOIN sku s ON s.id = m.sku_id WHERE s.code = ?',
    ),
    lots: await num(
      'SELECT COALESCE(SUM(l.quantity_on_hand), 0) AS n FROM lot l JOIN sku s ON s.id = l.sku_id WHERE s.code = ?',
    ),
    reserved: await num(
      'SELECT sl.reserved AS n FROM stock_level sl JOIN sku s ON s.id = sl.sku_id WHERE s.code = ?',
    ),
    orderedUnits: await num(
      "SELECT COALESCE(SUM(ol.quantity), 0) AS n FROM order_line ol JOIN orders o ON o.id = ol.order_id JOIN sku s ON s.id = ol.sku_id WHERE s.code = ? AND o.status IN ('PLACED', 'ALLOCATED')",
    ),
    orders: await num(
      'SELECT COUNT(DISTINCT ol.order_id) AS n FROM order_line ol JOIN sku s ON s.id = ol.sku_id WHERE s.code = ?',
    ),
  };
  const run: FlashRun = {
    merging,
    skuCode,
    result,
    sqlPerAccepted: result.accepted ? Math.round((selling.statements / result.accepted) * 10) / 10 : 0,
    sqlPerRefusal: result.soldOut.answers
      ? Math.round((after.statements / result.soldOut.answers) * 10) / 10
      : 0,
    peakBusySelling: selling.peakBusyConnections,
    peakBusySoldOut: after.peakBusyConnections,
    exact: result.accepted === options.units && Object.keys(result.other).length === 0,
    ledger,
    ledgerHolds:
      ledger.onHand === options.units &&
      ledger.movements === ledger.onHand &&
      ledger.lots === ledger.onHand &&
      ledger.reserved === ledger.orderedUnits &&
      ledger.reserved === result.accepted &&
      ledger.orders === result.accepted &&
      ledger.reserved <= ledger.onHand,
  };
  console.log(
    `  accepted ${result.accepted} (${result.selling.perSecond}/s), refused ${result.refused}, other ${JSON.stringify(result.other)}, TRY_AGAIN then sent again ${result.triedAgain}; after the sell-out ${result.soldOut.perSecond} refusals/s`,
  );
  return run;
}

function printFlashSale(runs: FlashRun[], options: Options): void {
  const header = [
    '(e) flash sale',
    'phase',
    'answers',
    'per s',
    'p50 ms',
    'p99 ms',
    'SQL/answer',
    'peak busy DB conns',
  ];
  const phase = (r: FlashRun, label: string, p: FlashRun['result']['selling'], sql: number, peak: number) => [
    `merging ${r.merging}`,
    label,
    ...[p.answers, p.perSecond, p.p50Ms, p.p99Ms, sql, peak].map(String),
  ];
  const cells = runs.flatMap((r) => [
    phase(r, 'selling (accepted)', r.result.selling, r.sqlPerAccepted, r.peakBusySelling),
    phase(r, 'sold out (refused)', r.result.soldOut, r.sqlPerRefusal, r.peakBusySoldOut),
  ]);
  console.log(markdownTable(header, cells));
  const on = runs.find((r) => r.merging === 'on');
  const off = runs.find((r) => r.merging === 'off');
  for (const r of runs)
    console.log(
      `flash sale, merging ${r.merging}: ${r.result.accepted} of ${options.units} units sold to ${options.buyers} buyers, ${r.result.refused} refused, other answers ${JSON.stringify(r.result.other)}, TRY_AGAIN then sent again ${r.result.triedAgain}: ${r.exact ? 'exact' : 'NOT EXACT'}; ledger ${r.ledgerHolds ? 'holds' : `BROKEN ${JSON.stringify(r.ledger)}`}`,
    );
  if (on && off && off.result.selling.perSecond > 0)
    console.log(
      `flash sale: accepted orders/s merging on ${on.result.selling.perSecond} vs off ${off.result.selling.perSecond} = ${(on.result.selling.perSecond / off.result.selling.perSecond).toFixed(1)}x (goal >= 3x); sold-out refusals/s with merging off ${off.result.soldOut.perSecond} = ${(off.result.soldOut.perSecond / off.result.selling.perSecond).toFixed(1)}x its accepted rate (goal >= 5x)`,
    );
  console.log('');
}

function printTable(rows: Row[]): void {
  const header = [
    'scenario',
    'target',
    'req/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'SQL/req',
    'CPU ms/req',
    'peak RSS MB',
  ];
  const cells = rows.map((r) => [
    r.scenario,
    r.target,
    String(r.requestsPerSecond),
    String(r.p50Ms),
    String(r.p99Ms),
    String(r.errors),
    r.sqlPerRequest === null ? '-' : String(r.sqlPerRequest),
    r.cpuMsPerRequest === null ? '-' : r.cpuMsPerRequest.toFixed(2),
    String(r.peakRssMb),
  ]);
  console.log(`\n${markdownTable(header, cells)}`);
  for (const r of rows) if (r.firstError) console.log(`first error of ${r.scenario}: ${r.firstError}`);
  console.log('');
}

/** A Markdown table: the first two columns left-aligned, the figures right-aligned. */
function markdownTable(header: string[], cells: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) =>
    `| ${c.map((v, i) => (i < 2 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i < 2 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...cells.map(line)].join('\n');
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
