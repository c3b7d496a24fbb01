import request from 'supertest';
import { csvField, csvRecord } from '../src/export/csv';
import { EXPORT_BATCH } from '../src/export/export.service';
import { Role } from '../src/graphql/enums';
import { addDays, shanghaiToday } from '../src/time';
import { csvObjects, parseCsv } from './support/csv';
import { createReferenceData } from './support/fixtures';
import { orderFlow } from './support/order-flow';
import { startTestApp, TestApp } from './support/test-app';

/** A name with every character RFC 4180 must quote, a would-be formula, and Chinese. */
const TRICKY = '王 "老三", 小米\n第二行 高都镇';
const FORMULA = '=HYPERLINK("http://x")';

let app: TestApp;
let official: string;
let warehouse: string;
let baofu: string;
let beijie: string;
let from: string;
let to: string;

interface Download {
  status: number;
  headers: Record<string, string>;
  raw: Buffer;
  text: string;
  json?: any;
}

async function download(path: string, token?: string | null): Promise<Download> {
  const req = request(app.gateway.app)
    .get(path)
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
  if (token) req.set('authorization', `Bearer ${token}`);
  const res = await req;
  const raw = res.body as Buffer;
  const text = raw.toString('utf8');
  const json = /json/.test(res.headers['content-type'] ?? '') ? JSON.parse(text) : undefined;
  return { status: res.status, headers: res.headers, raw, text, json };
}

/** The file's rows as objects, after checking the BOM. */
function rowsOf(file: Download): Record<string, string>[] {
  expect([file.status, file.json]).toEqual([200, undefined]);
  expect([...file.raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  expect(file.headers['content-type']).toBe('text/csv; charset=utf-8');
  return csvObjects(file.text.slice(1));
}

beforeAll(async () => {
  app = await startTestApp();
  await createReferenceData(app);
  for (const [code, name, village] of [
    ['M-TRICKY-03', TRICKY, '高都, "东"村'],
    ['M-FORMULA-04', FORMULA, 'Baofu'],
  ]) {
    const res = await app.gql(
      'mutation($input: CreateMerchantInput!) { createMerchant(input: $input) { id } }',
      {
        input: { code, name, village, platform: 'DOUYIN' },
      },
    );
    expect(res.errors).toBeUndefined();
  }
  official = await app.keyFor(Role.OFFICIAL);
  warehouse = await app.keyFor(Role.WAREHOUSE);
  baofu = await app.keyFor(Role.MERCHANT, 'M-BAOFU-01');
  beijie = await app.keyFor(Role.MERCHANT, 'M-BEIJIE-02');
  const flow = orderFlow(app);
  await flow.receive('JC-MILLET-2500G', 'FARM-QINSHUI-001', 100, 'A-01-01');
  await flow.receive('JC-HAWTHORN-500G', 'FARM-ZEZHOU-002', 100, 'A-01-02');
  await flow.ship('M-BAOFU-01', [['JC-MILLET-2500G', 2]], 'SF', 1);
  await flow.ship('M-BEIJIE-02', [['JC-HAWTHORN-500G', 3]], 'YTO', 2);
  await flow.ship(
    'M-TRICKY-03',
    [
      ['JC-HAWTHORN-500G', 1],
      ['JC-MILLET-2500G', 1],
    ],
    'SF',
    1,
  );
  await flow.ship('M-FORMULA-04', [['JC-MILLET-2500G', 1]], 'SF', 1);
  const res = await app.gql('mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { number } }', {
    input: {
      idempotencyKey: 'export-recipient',
      merchantCode: 'M-BAOFU-01',
      lines: [{ skuCode: 'JC-HAWTHORN-500G', quantity: 1 }],
      destination: {
        recipientName: TRICKY,
        recipientPhone: '13900000000',
        address: '晋城市, "泽州县"\r\n高都镇',
      },
    },
  });
  expect(res.errors).toBeUndefined();
  // Computed after the last change, a day either side: the rows fall inside whatever the time of day.
  from = addDays(shanghaiToday(), -1);
  to = addDays(shanghaiToday(), 1);
});
afterAll(() => app.close());

describe('csvField', () => {
  it('quotes exactly the fields RFC 4180 needs quoted, and leaves numbers and money alone', () => {
    expect(['a\nb', 'a\rb', 'a,b', 'a"b', '高都镇', '', 'plain'].map(csvField)).toEqual([
      '"a\nb"',
      '"a\rb"',
      '"a,b"',
      '"a""b"',
      '高都镇',
      '',
      'plain',
    ]);
    expect([
      csvField(-5),
      csvField({ decimal: '-0.05' }),
      csvField(null),
      csvField('-5'),
      csvField('@x'),
    ]).toEqual(['-5', '-0.05', '', "'-5", "'@x"]);
    expect(csvRecord(['a', 1, null])).toBe('a,1,\r\n');
  });
});

describe('CSV exports', () => {
  it('are 401 without a key, or with an unknown one', async () => {
    for (const path of ['dashboard.csv?section=daily&', 'movements.csv?', 'orders.csv?']) {
      for (const token of [null, 'gd_official_nope']) {
        const res = await download(`/export/${path}from=${from}&to=${to}`, token);
        expect([path, res.status]).toEqual([path, 401]);
        expect(res.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      }
    }
  });

  it('are 403 for the roles that may not download them', async () => {
    for (const [path, token] of [
      ['dashboard.csv?section=daily&', warehouse],
      ['dashboard.csv?section=daily&', baofu],
      ['movements.csv?', official],
      ['movements.csv?', baofu],
    ]) {
      const res = await download(`/export/${path}from=${from}&to=${to}`, token);
      expect([path, res.status]).toEqual([path, 403]);
      expect(res.json.errors[0].extensions.code).toBe('FORBIDDEN');
    }
  });

  it('are 400 with the parameter named for bad parameters', async () => {
    const cases: [string, string][] = [
      [`dashboard.csv?to=${to}&section=daily`, 'from'],
      [`dashboard.csv?from=${from}&to=2026-02-30&section=daily`, 'to'],
      [`dashboard.csv?from=${to}&to=${from}&section=daily`, 'from'],
      [`dashboard.csv?from=2025-01-01&to=2026-01-02&section=daily`, 'to'],
      [`dashboard.csv?from=${from}&to=${to}&section=weekly`, 'section'],
      [`dashboard.csv?from=${from}&to=${to}`, 'section'],
      [`dashboard.csv?from=${from}&to=${to}&section=daily&lang=fr`, 'lang'],
      [`movements.csv?form=${from}&to=${to}`, 'form'],
      [`movements.csv?from=${from}&from=${from}&to=${to}`, 'from'],
      [`orders.csv?from=yesterday&to=${to}`, 'from'],
    ];
    for (const [path, field] of cases) {
      const token = path.startsWith('movements') ? warehouse : official;
      const res = await download(`/export/${path}`, token);
      expect([path, res.status, res.json?.errors[0].extensions]).toEqual([
        path,
        400,
        { code: 'BAD_USER_INPUT', field },
      ]);
    }
  });

  it('give each dashboard section as the API gives it', async () => {
    const api = await app.gql(
      `query($from: LocalDate!, $to: LocalDate!) { dashboard(from: $from, to: $to) {
        daily { date sales { amount } ordersPlaced ordersDispatched parcels }
        monthly { month sales { amount } ordersDispatched parcels }
        byCarrier { carrier { code name } parcels ordersDispatched }
        byFarm(limit: 100) { farm { code name } sales { amount } units }
        byMerchantVillage { village sales { amount } merchants }
        topSkus(limit: 100) { sku { code name } sales { amount } units } } }`,
      { from, to },
      official,
    );
    expect(api.errors).toBeUndefined();
    const d = api.data.dashboard;
    const csv = async (section: string) =>
      rowsOf(await download(`/export/dashboard.csv?from=${from}&to=${to}&section=${section}`, official));

    expect(await csv('daily')).toEqual(
      d.daily.map((r: any) => ({
        date: r.date,
        sales_yuan: r.sales.amount,
        orders_placed: String(r.ordersPlaced),
        orders_dispatched: String(r.ordersDispatched),
        parcels: String(r.parcels),
      })),
    );
    expect((await csv('monthly')).map((r) => [r.month, r.sales_yuan, r.parcels])).toEqual(
      d.monthly.map((r: any) => [r.month, r.sales.amount, String(r.parcels)]),
    );
    expect((await csv('carriers')).map((r) => [r.carrier_code, r.carrier, r.parcels])).toEqual(
      d.byCarrier.map((r: any) => [r.carrier.code, r.carrier.name, String(r.parcels)]),
    );
    expect((await csv('farms')).map((r) => [r.farm_code, r.sales_yuan, r.units])).toEqual(
      d.byFarm.map((r: any) => [r.farm.code, r.sales.amount, String(r.units)]),
    );
    const villages = await csv('villages');
    expect(villages.map((r) => [r.village, r.sales_yuan, r.merchants])).toEqual(
      d.byMerchantVillage.map((r: any) => [r.village, r.sales.amount, String(r.merchants)]),
    );
    expect(villages.map((r) => r.village)).toContain('高都, "东"村');
    expect((await csv('skus')).map((r) => [r.sku_code, r.sales_yuan, r.units])).toEqual(
      d.topSkus.map((r: any) => [r.sku.code, r.sales.amount, String(r.units)]),
    );
    const total = d.daily.reduce((sum: number, r: any) => sum + Math.round(Number(r.sales.amount) * 100), 0);
    expect(total).toBeGreaterThan(0);
  });

  it('quote commas, quotes, newlines and Chinese by RFC 4180, and defuse formulas', async () => {
    const file = await download(`/export/orders.csv?from=${from}&to=${to}`, warehouse);
    const rows = rowsOf(file);
    const tricky = rows.filter((r) => r.merchant_code === 'M-TRICKY-03');
    expect(tricky.map((r) => r.merchant)).toEqual([TRICKY]);
    expect(file.text).toContain(`"王 ""老三"", 小米\n第二行 高都镇"`);
    expect(rows.find((r) => r.merchant_code === 'M-FORMULA-04')?.merchant).toBe(`'${FORMULA}`);
    const recipient = rows.find((r) => r.recipient_name === TRICKY);
    expect(recipient?.address).toBe('晋城市, "泽州县"\r\n高都镇');
    const header = parseCsv(file.text.slice(1))[0];
    const zh = parseCsv(
      (await download(`/export/orders.csv?from=${from}&to=${to}&lang=zh`, warehouse)).text.slice(1),
    );
    expect(zh[0]).toHaveLength(header.length);
    expect(zh[0]).toContain('订单号');
    expect(zh.slice(1)).toEqual(parseCsv(file.text.slice(1)).slice(1));
  });

  it('give orders by who may see them: a merchant its own, personal data only to those allowed', async () => {
    const all = rowsOf(await download(`/export/orders.csv?from=${from}&to=${to}`, warehouse));
    const api = await app.gql('{ orders(first: 100) { nodes { number merchant { code } } } }');
    expect(all.map((r) => r.number).sort()).toEqual(api.data.orders.nodes.map((o: any) => o.number).sort());
    expect(Object.keys(all[0])).toEqual(
      expect.arrayContaining(['recipient_name', 'recipient_phone', 'address']),
    );

    const own = rowsOf(await download(`/export/orders.csv?from=${from}&to=${to}`, baofu));
    expect(own.length).toBe(2);
    expect(new Set(own.map((r) => r.merchant_code))).toEqual(new Set(['M-BAOFU-01']));
    expect(own.map((r) => r.recipient_name)).toContain(TRICKY);
    const other = rowsOf(await download(`/export/orders.csv?from=${from}&to=${to}`, beijie));
    expect(other.map((r) => r.merchant_code)).toEqual(['M-BEIJIE-02']);

    const office = await download(`/export/orders.csv?from=${from}&to=${to}`, official);
    const officeRows = rowsOf(office);
    expect(officeRows.map((r) => r.number)).toEqual(all.map((r) => r.number));
    expect(Object.keys(officeRows[0])).not.toContain('recipient_name');
    expect(office.text).not.toContain('13900000000');
    expect(office.text).not.toContain('泽州县');
  });

  it('stream the ledger in keyset batches: every movement once, in time order, ties by id', async () => {
    // More rows than a batch, all at one instant, so batches must break ties by id.
    const [{ sku_id, lot_id }] = await app.dataSource.query('SELECT sku_id, id AS lot_id FROM lot LIMIT 1');
    const at = new Date();
    const rows = Array.from({ length: EXPORT_BATCH * 2 + 7 }, (_, i) => ({
      type: 'TRANSFER',
      skuId: sku_id,
      lotId: lot_id,
      quantity: 1,
      onHandDelta: 0,
      actor: 'bulk',
      note: i === 5 ? TRICKY : null,
      occurredAt: at,
    }));
    for (let i = 0; i < rows.length; i += 500) {
      await app.dataSource.getRepository('StockMovement').insert(rows.slice(i, i + 500));
    }
    const file = rowsOf(await download(`/export/movements.csv?from=${from}&to=${to}`, warehouse));
    const ids: { id: number }[] = await app.dataSource.query(
      'SELECT id FROM stock_movement ORDER BY occurred_at, id',
    );
    expect(file.map((r) => Number(r.id))).toEqual(ids.map((r) => Number(r.id)));
    expect(file.filter((r) => r.note === TRICKY)).toHaveLength(1);
    expect(file.find((r) => r.type === 'PICK')?.order).toMatch(/^GD-/);
    const none = await download(`/export/movements.csv?from=2020-01-01&to=2020-01-31`, warehouse);
    expect(parseCsv(none.text.slice(1))).toHaveLength(1);
  });
});

describe('CSV exports and the rate limit', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp({ RATE_LIMIT_BUCKET: '20', RATE_LIMIT_RESTORE_RATE: '1' });
  });
  afterAll(() => limited.close());

  it('spend from the same bucket as GraphQL, and are 429 when it is empty', async () => {
    const key = await limited.keyFor(Role.OFFICIAL);
    const get = () =>
      request(limited.gateway.app)
        .get(`/export/dashboard.csv?from=2026-01-01&to=2026-01-02&section=daily`)
        .set('authorization', `Bearer ${key}`);
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await get()).status);
    expect(statuses).toContain(200);
    expect(statuses).toContain(429);
    const refused = await get();
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    const gql = await request(limited.gateway.app)
      .post('/graphql')
      .set('authorization', `Bearer ${key}`)
      .set('content-type', 'application/json')
      .send({ query: '{ me { role } }' });
    expect(gql.body.errors?.[0].extensions.code).toBe('RATE_LIMITED');
  });
});
