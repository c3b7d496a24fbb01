import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { fitColumnsToDatabase, TEXT_COLLATION } from '../src/db/columns';
import { dataSourceOptions, openDataSource } from '../src/db/data-source';
import { loadReferenceData } from '../seeds/demo';
import { createReferenceData } from './support/fixtures';
import { placeOrderRaw, receive } from './support/operations';
import { onMysql, startTestApp, TestApp } from './support/test-app';

/**
 * Keys, codes, tokens and hashes compare exactly on both databases: case, accents and trailing spaces tell
 * two apart on MySQL/MariaDB as they do on SQLite (utf8mb4_unicode_ci merged them all, and utf8mb4_bin still
 * merges trailing spaces). Every table is utf8mb4, on a latin1 server too.
 */

const KEYS = ['cart-aB3xQ', 'cart-Ab3Xq', 'cart-ab3xq ', 'cart-äb3xq', 'cart-ab3xq'];

/** What the gateway answers to the same inputs: only what is the same on any fresh database. */
async function answers(app: TestApp) {
  await createReferenceData(app);
  const lot = await receive(app, { skuCode: 'JC-MILLET-2500G', quantity: 50, locationCode: 'A-01-01' });
  const order = (idempotencyKey: string, skuCode = 'JC-MILLET-2500G') =>
    placeOrderRaw(app, { idempotencyKey, merchantCode: 'M-BAOFU-01', lines: [{ skuCode, quantity: 1 }] });
  const numbers: string[] = [];
  for (const key of KEYS) numbers.push((await order(key)).data.placeOrder.number);
  const replays: string[] = [];
  for (const key of KEYS) replays.push((await order(key)).data.placeOrder.number);
  const first = numbers[0];
  const found = async (query: string, variables: Record<string, unknown>) => {
    const res = await app.gql(query, variables);
    return res.errors ? res.errors[0].extensions.code : JSON.stringify(res.data);
  };
  const sku = (code: string) => found('query($c: String!) { sku(code: $c) { code } }', { c: code });
  return {
    orders: new Set(numbers).size,
    replayed: replays.every((number, i) => number === numbers[i]),
    stock: (await found('{ stockLevels(skuCodes: ["JC-MILLET-2500G"]) { reserved } }', {})) as string,
    skus: [
      await sku('JC-MILLET-2500G'),
      await sku('jc-millet-2500g'),
      await sku('JC-MILLET-2500G '),
      await sku('JC-MÍLLET-2500G'),
    ],
    levels: await found('query($c: [String!]!) { stockLevels(skuCodes: $c) { onHand } }', {
      c: ['JC-MILLET-2500G ', 'jc-millet-2500g'],
    }),
    lots: [
      await found('query($c: String!) { lot(code: $c) { quantityOnHand } }', { c: lot.code }),
      await found('query($c: String!) { lot(code: $c) { quantityOnHand } }', { c: `${lot.code} ` }),
      await found('query($c: String!) { lot(code: $c) { quantityOnHand } }', { c: lot.code.toLowerCase() }),
    ],
    order: [
      await found('query($n: String!) { order(number: $n) { status } }', { n: first }),
      await found('query($n: String!) { order(number: $n) { status } }', { n: `${first} ` }),
      await found('query($n: String!) { order(number: $n) { status } }', { n: first.toLowerCase() }),
    ],
    merchant: await found('{ merchant(code: "m-baofu-01") { code } }', {}),
    lowerCaseLine: (await order('cart-lower', 'jc-millet-2500g')).errors?.[0].extensions.code,
  };
}

const EXPECTED = {
  orders: 5,
  replayed: true,
  stock: JSON.stringify({ stockLevels: [{ reserved: 5 }] }),
  skus: [
    JSON.stringify({ sku: { code: 'JC-MILLET-2500G' } }),
    '{"sku":null}',
    '{"sku":null}',
    '{"sku":null}',
  ],
  levels: JSON.stringify({ stockLevels: [null, null] }),
  lots: [JSON.stringify({ lot: { quantityOnHand: 50 } }), '{"lot":null}', '{"lot":null}'],
  order: [JSON.stringify({ order: { status: 'PLACED' } }), 'NOT_FOUND', 'NOT_FOUND'],
  merchant: '{"merchant":null}',
  lowerCaseLine: 'NOT_FOUND',
};

describe('exact keys and codes', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('tells keys and codes apart by case, accent and trailing space', async () => {
    expect(await answers(app)).toEqual(EXPECTED);
  });

  (onMysql ? it : it.skip)('answers as the embedded database does, input for input', async () => {
    const url = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    const embedded = await startTestApp().finally(() => {
      process.env.DATABASE_URL = url;
    });
    try {
      expect(await answers(embedded)).toEqual(EXPECTED);
    } finally {
      await embedded.close();
    }
  });
});

/** A MySQL database of its own, created with `charset`, dropped by the returned function. */
async function createDatabase(charset: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const url = new URL(process.env.DATABASE_URL!);
  const name = `gaodu_test_${charset.split(' ')[0]}_${randomBytes(4).toString('hex')}`;
  const connect = () =>
    createConnection({
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
    });
  const admin = await connect();
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET ${charset}`);
  await admin.end();
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const conn = await connect();
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    },
  };
}

/** The table defaults and text-column collations of a MySQL schema, migrations table aside. */
async function collations(dataSource: DataSource) {
  const tables: { name: string; collation: string }[] = await dataSource.query(
    "SELECT TABLE_NAME AS name, TABLE_COLLATION AS collation FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> 'migrations'",
  );
  const columns: { name: string; collation: string }[] = await dataSource.query(
    "SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME) AS name, COLLATION_NAME AS collation FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> 'migrations' AND COLLATION_NAME IS NOT NULL",
  );
  const [database] = await dataSource.query('SELECT @@collation_database AS collation');
  return {
    database: database.collation as string,
    tables: Object.fromEntries(tables.map((t) => [t.name, t.collation])),
    columns: Object.fromEntries(columns.map((c) => [c.name, c.collation])),
  };
}

/** What the entities declare: their collation for keys and codes, the text collation for other text. */
function declared(dataSource: DataSource) {
  const textColumns = dataSource.entityMetadatas.flatMap((entity) =>
    entity.columns
      .filter((column) => ['varchar', 'text'].includes(dataSource.driver.normalizeType(column)))
      .map((column) => [`${entity.tableName}.${column.databaseName}`, column.collation ?? TEXT_COLLATION]),
  );
  return Object.fromEntries(textColumns);
}

(onMysql ? describe : describe.skip)('charsets and collations on MySQL/MariaDB', () => {
  it('pins utf8mb4 on a latin1 server: the demo data set loads, and every column is what the entities declare', async () => {
    const database = await createDatabase('latin1');
    let dataSource: DataSource | undefined;
    try {
      dataSource = await openDataSource(database.url);
      // The demo's farms, SKUs and merchants, with their Chinese names: the first step of npm run seed.
      await loadReferenceData(dataSource);
      const [named] = await dataSource.query(
        'SELECT COUNT(*) AS n FROM sku WHERE local_name IS NOT NULL AND local_name <> CONVERT(local_name USING ascii)',
      );
      expect(Number(named.n)).toBeGreaterThan(0);
      const schema = await collations(dataSource);
      expect(schema.database).toBe(TEXT_COLLATION);
      expect(new Set(Object.values(schema.tables))).toEqual(new Set([TEXT_COLLATION]));
      expect(schema.columns).toEqual(declared(dataSource));
      expect(schema.columns['idempotency_record.idempotency_key']).toMatch(/^utf8mb4_(nopad|0900)_bin$/);
    } finally {
      await dataSource?.destroy();
      await database.drop();
    }
  });

  it('builds from the entities the same schema as the migrations', async () => {
    const migrated = await createDatabase(`utf8mb4 COLLATE ${TEXT_COLLATION}`);
    const fresh = await createDatabase(`utf8mb4 COLLATE ${TEXT_COLLATION}`);
    const opened: DataSource[] = [];
    try {
      const viaMigrations = await openDataSource(migrated.url);
      opened.push(viaMigrations);
      const viaEntities = new DataSource({ ...dataSourceOptions(fresh.url), migrations: [] });
      await viaEntities.initialize();
      opened.push(viaEntities);
      await fitColumnsToDatabase(viaEntities);
      await viaEntities.synchronize();
      const fromMigrations = await collations(viaMigrations);
      expect((await collations(viaEntities)).columns).toEqual(fromMigrations.columns);
      expect(fromMigrations.columns).toEqual(declared(viaMigrations));
    } finally {
      for (const dataSource of opened) await dataSource.destroy();
      await migrated.drop();
      await fresh.drop();
    }
  });
});
