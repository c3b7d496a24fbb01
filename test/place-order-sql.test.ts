import { DataSource } from 'typeorm';
import { rowGateOf } from '../src/db/row-gate';
import { Role } from '../src/graphql/enums';
import { createReferenceData } from './support/fixtures';
import { nextKey, receive } from './support/operations';
import { onMysql, startTestApp, TestApp } from './support/test-app';

/** The statements sent through the data source's query runners while `work` runs. */
async function statementsOf(dataSource: DataSource, work: () => Promise<unknown>): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  const proto = Object.getPrototypeOf(runner) as {
    query: (sql: string, ...rest: unknown[]) => Promise<unknown>;
  };
  await runner.release();
  const original = proto.query;
  const statements: string[] = [];
  proto.query = function (this: unknown, sql: string, ...rest: unknown[]) {
    statements.push(sql);
    return original.call(this, sql, ...rest);
  };
  try {
    await work();
  } finally {
    proto.query = original;
  }
  return statements;
}

let app: TestApp;
let merchant: string;

const placeOne = (skuCode: string, quantity = 1) =>
  app.gql(
    'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { number } }',
    {
      input: {
        idempotencyKey: nextKey('sql'),
        lines: [{ skuCode, quantity }],
        destination: { stationCode: 'ST-GAODU-BAOFU' },
        carrierCode: 'SF',
      },
    },
    merchant,
  );

beforeAll(async () => {
  app = await startTestApp({ ORDER_MERGING: 'on' });
  // The webhook dispatcher polls the outbox in the background: those statements are no request's.
  await app.gateway.webhookDispatcher.stop();
  await createReferenceData(app);
  merchant = await app.keyFor(Role.MERCHANT, 'M-BAOFU-01');
  await receive(app, { skuCode: 'JC-MILLET-2500G', quantity: 100, locationCode: 'A-01-01' });
  // The key's lookup, the day's rollup row and the instance's block of order ids exist after this one.
  for (let i = 0; i < 16; i++) expect((await placeOne('JC-MILLET-2500G')).errors).toBeUndefined();
});
afterAll(() => app.close());

describe('placeOrder of an ordinary SKU', () => {
  it('reads the key, the lines with their stock, station and carrier in one statement, and writes each row once', async () => {
    let res: Awaited<ReturnType<typeof placeOne>> | undefined;
    const statements = await statementsOf(app.dataSource, async () => {
      res = await placeOne('JC-MILLET-2500G');
    });
    expect(res!.errors).toBeUndefined();
    const kinds = statements.map((sql) => {
      const words = sql.replace(/[`"]/g, '').trim().split(/\s+/);
      if (words[0] === 'SELECT') return `SELECT ${words[words.lastIndexOf('FROM') + 1]}`;
      if (words[0] === 'INSERT') return `INSERT ${words[2].replace(/\(.*/, '')}`;
      if (words[0] === 'UPDATE') return `UPDATE ${words[1]}`;
      return words.slice(0, 2).join(' ');
    });
    expect(kinds).toEqual([
      // The key's record, the SKUs with their stock, the station and the carrier, in one statement.
      'SELECT sku',
      onMysql ? 'START TRANSACTION' : 'BEGIN TRANSACTION',
      'INSERT idempotency_record',
      'SELECT webhook_endpoint',
      'INSERT orders',
      'INSERT order_line',
      'INSERT order_event',
      // One upsert on MySQL: an UPDATE of a day's row not there yet would take a gap lock (a deadlock).
      onMysql ? 'INSERT daily_sales' : 'UPDATE daily_sales',
      'UPDATE stock_level',
      // SQLite's one connection would show an uncommitted record's result id to a repeat: set it last there.
      ...(onMysql ? [] : ['UPDATE idempotency_record']),
      'COMMIT',
    ]);
  });

  it('refuses what the stock cannot meet in the one read of its key and lines: no transaction, no lock', async () => {
    let res: Awaited<ReturnType<typeof placeOne>> | undefined;
    const statements = await statementsOf(app.dataSource, async () => {
      res = await placeOne('JC-MILLET-2500G', 1000);
    });
    expect(res!.errors?.[0].extensions).toMatchObject({ code: 'INSUFFICIENT_STOCK' });
    expect(statements).toHaveLength(1);
  });
});

(onMysql ? describe : describe.skip)('placeOrder after waiting in the row gate (MySQL)', () => {
  let gated: TestApp;
  let token: string;
  const placeGated = (skuCode: string) =>
    gated.gql(
      'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { number } }',
      {
        input: {
          idempotencyKey: nextKey('gate'),
          lines: [{ skuCode, quantity: 1 }],
          destination: { stationCode: 'ST-GAODU-BAOFU' },
        },
      },
      token,
    );

  beforeAll(async () => {
    gated = await startTestApp({ ORDER_MERGING: 'off', RESERVATION_CONNECTIONS_PER_SKU: '1' });
    await gated.gateway.webhookDispatcher.stop();
    await createReferenceData(gated);
    token = await gated.keyFor(Role.MERCHANT, 'M-BAOFU-01');
    await receive(gated, { skuCode: 'JC-PEAR-5KG', quantity: 1, locationCode: 'C-01-01' });
    // The instance's block of order ids is drawn by a first order of another SKU.
    await receive(gated, { skuCode: 'JC-MILLET-2500G', quantity: 1, locationCode: 'A-01-01' });
    expect((await placeGated('JC-MILLET-2500G')).errors).toBeUndefined();
  });
  afterAll(() => gated.close());

  it('reads the stock again, so orders that waited for the last unit are refused without a transaction', async () => {
    const gate = rowGateOf(gated.dataSource)!;
    // The test holds the SKU's one place: five orders read one unit available, then wait for the place.
    const held = await gate.enter(['sku:JC-PEAR-5KG']);
    let answers: Awaited<ReturnType<typeof placeGated>>[] = [];
    const statements = await statementsOf(gated.dataSource, async () => {
      const placed = Promise.all(Array.from({ length: 5 }, () => placeGated('JC-PEAR-5KG')));
      for (let i = 0; i < 200 && gate.load('sku:JC-PEAR-5KG').waiting < 5; i++)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect(gate.load('sku:JC-PEAR-5KG').waiting).toBe(5);
      held.leave();
      answers = await placed;
    });
    expect(answers.map((a) => a.errors?.[0].extensions.code ?? 'PLACED').sort()).toEqual([
      'INSUFFICIENT_STOCK',
      'INSUFFICIENT_STOCK',
      'INSUFFICIENT_STOCK',
      'INSUFFICIENT_STOCK',
      'PLACED',
    ]);
    // Only the order that took the unit began a transaction.
    expect(statements.filter((sql) => sql === 'START TRANSACTION')).toHaveLength(1);
  });
});

(onMysql ? describe : describe.skip)('concurrent placeOrders share their first read (MySQL)', () => {
  it('refuses a sold-out SKU to 29 orders and replays a placed order in the same statements', async () => {
    await receive(app, { skuCode: 'JC-PEAR-5KG', quantity: 1, locationCode: 'C-01-01' });
    const input = (idempotencyKey: string) => ({
      idempotencyKey,
      lines: [{ skuCode: 'JC-PEAR-5KG', quantity: 1 }],
      destination: { stationCode: 'ST-GAODU-BAOFU' },
    });
    const place = (key: string) =>
      app.gql(
        'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { number } }',
        { input: input(key) },
        merchant,
      );
    const lastUnit = nextKey('last');
    const placed = await place(lastUnit);
    expect(placed.errors).toBeUndefined();

    // The two places of the shared reads are held until the other 28 orders wait for one.
    const reads = app.gateway.services.orders.saleReads;
    const query = app.dataSource.query.bind(app.dataSource);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    jest
      .spyOn(app.dataSource, 'query')
      .mockImplementationOnce(async (sql, params) => (await held, query(sql, params)))
      .mockImplementationOnce(async (sql, params) => (await held, query(sql, params)))
      .mockImplementation(query);
    let answers: Awaited<ReturnType<typeof place>>[] = [];
    const statements = await statementsOf(app.dataSource, async () => {
      const keys = [...Array.from({ length: 29 }, () => nextKey('sold-out')), lastUnit];
      const all = Promise.all(keys.map(place));
      for (let i = 0; i < 500 && reads.waiting < 28; i++)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect(reads.waiting).toBe(28);
      release();
      answers = await all;
    });
    jest.restoreAllMocks();

    expect(answers.slice(0, 29).map((a) => a.errors?.[0].extensions.code)).toEqual(
      Array(29).fill('INSUFFICIENT_STOCK'),
    );
    expect(answers[29]).toEqual(placed);
    // Two reads alone, one for the 28 that waited, and the replayed order's row: no transaction.
    expect(statements.filter((sql) => sql.includes('UNION ALL'))).toHaveLength(1);
    expect(statements).toHaveLength(4);
  });
});
