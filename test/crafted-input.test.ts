import { createHash } from 'node:crypto';
import request from 'supertest';
import { createReferenceData } from './support/fixtures';
import { nextKey } from './support/operations';
import { ADMIN_TOKEN, startTestApp, TestApp } from './support/test-app';

/**
 * Crafted input that once answered 500: prototype names in global ids, cursors that are not ours, an APQ
 * hash of another query, impossible DateTimes, and control, bidi and unpaired-surrogate characters in text.
 * Each is a client error with the field named, and changes nothing.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  await createReferenceData(app);
});
afterAll(() => app.close());

const b64 = (text: string) => Buffer.from(text).toString('base64url');

async function tableCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const entity of app.dataSource.entityMetadatas)
    counts[entity.tableName] = await app.dataSource.getRepository(entity.target).count();
  return counts;
}

describe('global ids', () => {
  it.each(['constructor:1', 'toString:1', 'hasOwnProperty:1', '__proto__:1', 'valueOf:1'])(
    'answers null for %s, as for any unknown type',
    async (id) => {
      const res = await app.gql('query($id: ID!) { node(id: $id) { id } nodes(ids: [$id]) { id } }', {
        id: b64(id),
      });
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual({ node: null, nodes: [null] });
    },
  );
});

describe('cursors', () => {
  const FARMS = 'query($c: String) { farms(first: 2, after: $c) { nodes { code } } }';
  const SKUS_BY_AVAILABLE =
    'query($c: String) { skus(first: 2, after: $c, orderBy: { field: AVAILABLE, direction: ASC }) { nodes { code } } }';
  it.each([
    ['[1e400]', FARMS],
    ['["x"]', FARMS],
    ['[-1]', FARMS],
    ['[1.5]', FARMS],
    ['[{"id": 1}]', FARMS],
    ['[1e400, 1]', SKUS_BY_AVAILABLE],
    ['[1, "x"]', SKUS_BY_AVAILABLE],
    ['[1, 1e400]', SKUS_BY_AVAILABLE],
  ])('refuses the cursor %s', async (cursor, query) => {
    const res = await app.gql(query, { c: b64(cursor) });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('still pages with the cursors it hands out', async () => {
    const first = await app.gql('{ farms(first: 1) { pageInfo { endCursor } nodes { code } } }');
    const next = await app.gql(FARMS, { c: first.data.farms.pageInfo.endCursor });
    expect(next.errors).toBeUndefined();
    expect(next.data.farms.nodes[0].code).not.toBe(first.data.farms.nodes[0].code);
  });
});

describe('automatic persisted queries', () => {
  const send = (body: Record<string, unknown>) =>
    request(app.gateway.app).post('/graphql').set('authorization', `Bearer ${ADMIN_TOKEN}`).send(body);

  it('refuses a hash that is not the query sent with it as BAD_USER_INPUT', async () => {
    const res = await send({
      query: '{ __typename }',
      extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'extensions.persistedQuery.sha256Hash',
    });
  });

  it('answers an unknown hash PERSISTED_QUERY_NOT_FOUND and a matching one normally', async () => {
    const unknown = await send({ extensions: { persistedQuery: { version: 1, sha256Hash: 'zz' } } });
    expect(unknown.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const query = '{ carriers { code } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const ok = await send({ query, extensions: { persistedQuery: { version: 1, sha256Hash } } });
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.data.carriers.length).toBeGreaterThan(0);
  });
});

describe('DateTime', () => {
  const FEED = 'query($s: DateTime!) { orders(filter: { updatedSince: $s }) { totalCount } }';
  it.each([
    '2026-02-30T10:00:00Z',
    '2026-02-29T10:00:00Z',
    '2026-13-01T10:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T10:60:00Z',
    '2026-01-01T10:00:60Z',
    '2026-01-01T10:00:00+15:00',
  ])('refuses %s as it refuses an impossible LocalDate', async (value) => {
    const res = await app.gql(FEED, { s: value });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 's' });
  });

  it.each(['2028-02-29T23:59:59.999Z', '2026-01-01T08:00:00+08:00', '2026-06-30T00:00Z'])(
    'accepts %s',
    async (value) => {
      const res = await app.gql(FEED, { s: value });
      expect(res.errors).toBeUndefined();
    },
  );
});

describe('characters in text', () => {
  const BAD = [
    ['NUL', 'Baofu\u0000'],
    ['BEL', 'Baofu\u0007'],
    ['ESC', '\u001b[31mBaofu'],
    ['right-to-left override', 'Baofu\u202egpj.exe'],
    ['isolate', '\u2066Baofu\u2069'],
    ['lone high surrogate', 'Baofu\ud800'],
    ['lone low surrogate', '\udc00Baofu'],
  ];

  it.each(BAD)('refuses %s in a name, naming the field, and stores nothing', async (_label, text) => {
    const before = await tableCounts();
    const res = await app.gql('mutation($input: CreateFarmInput!) { createFarm(input: $input) { code } }', {
      input: { code: 'FARM-TEXT-001', name: text, village: 'Baofu', township: 'Gaodu', county: 'Zezhou' },
    });
    expect(res.status).toBe(400);
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
    expect(await tableCounts()).toEqual(before);
  });

  it('refuses them in notes, addresses and keys, in literals as in variables', async () => {
    const before = await tableCounts();
    const order = await app.gql(
      'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { number } }',
      {
        input: {
          idempotencyKey: nextKey('text'),
          merchantCode: 'M-BAOFU-01',
          lines: [{ skuCode: 'JC-MILLET-2500G', quantity: 1 }],
          destination: {
            recipientName: 'Li Na',
            recipientPhone: '13900000002',
            address: '12 Baofu\u202e Road',
            city: 'Jincheng',
            province: 'Shanxi',
          },
        },
      },
    );
    expect(order.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'destination.address',
    });
    // The same document twice: the second comes from Apollo's store of parsed documents, checked again.
    for (let i = 0; i < 2; i++) {
      const key = await app.gql(
        'mutation { receiveLot(input: { idempotencyKey: "key\\u0000", skuCode: "JC-MILLET-2500G", farmCode: "FARM-QINSHUI-001", quantity: 1, locationCode: "A-01-01" }) { code } }',
      );
      expect(key.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'idempotencyKey' });
    }
    const reason = await app.gql('mutation($r: String!) { holdLot(code: "LOT-X", reason: $r) { code } }', {
      r: 'mould\u0000',
    });
    expect(reason.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'r' });
    expect(await tableCounts()).toEqual(before);
  });

  it('refuses NUL in a search instead of matching everything', async () => {
    const res = await app.gql('query($s: String) { farms(filter: { search: $s }) { totalCount } }', {
      s: '\u0000',
    });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 's' });
  });

  it('keeps tabs, newlines, Chinese and emoji', async () => {
    const name = '高都\t宝福\r\n小米 🌾';
    const res = await app.gql('mutation($input: CreateFarmInput!) { createFarm(input: $input) { name } }', {
      input: { code: 'FARM-TEXT-002', name, village: 'Baofu', township: 'Gaodu', county: 'Zezhou' },
    });
    expect(res.errors).toBeUndefined();
    expect(res.data.createFarm.name).toBe(name);
  });
});
