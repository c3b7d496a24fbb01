import request from 'supertest';
import { Role } from '../src/graphql/enums';
import { createReferenceData } from './support/fixtures';
import { ADMIN_TOKEN, GraphQLResponse, startTestApp, TestApp } from './support/test-app';

const INJECTIONS = [
  "' OR 1=1 --",
  '"; DROP TABLE farm; --',
  '%_\\',
  "1' UNION SELECT token_hash FROM api_key --",
  "Robert'); DELETE FROM orders; --",
  '\u0000',
  '!%',
];

let app: TestApp;
let merchantKey: string;

beforeAll(async () => {
  app = await startTestApp({ RATE_LIMIT_BUCKET: '10000000', RATE_LIMIT_RESTORE_RATE: '10000000' });
  await createReferenceData(app);
  merchantKey = await app.keyFor(Role.MERCHANT, 'M-BAOFU-01');
});
afterAll(() => app.close());

/** Rows in every table of the schema. */
async function tableCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const entity of app.dataSource.entityMetadatas) {
    counts[entity.tableName] = await app.dataSource.getRepository(entity.target).count();
  }
  return counts;
}

/** Refused with a client error or answered, but never a 500 and never a masked crash. */
function expectHarmless(res: { status: number; errors?: GraphQLResponse['errors'] }, label: string): void {
  const codes = (res.errors ?? []).map((e) => e.extensions?.code);
  if (res.status >= 500 || codes.includes('INTERNAL_SERVER_ERROR')) {
    throw new Error(`${label}: status ${res.status}, ${JSON.stringify(res.errors)}`);
  }
}

/** Runs `attack` and checks that no table gained or lost a row. */
async function changesNothing(attack: () => Promise<void>): Promise<void> {
  const before = await tableCounts();
  await attack();
  expect(await tableCounts()).toEqual(before);
}

describe('SQL-injection strings', () => {
  const reads: [string, string][] = [
    ['sku', 'query($s: String!) { sku(code: $s) { code } }'],
    ['farm', 'query($s: String!) { farm(code: $s) { code } }'],
    ['lot', 'query($s: String!) { lot(code: $s) { code } }'],
    ['traceLot', 'query($s: String!) { traceLot(code: $s) { unitsReceived } }'],
    ['merchant', 'query($s: String!) { merchant(code: $s) { code } }'],
    ['order', 'query($s: String!) { order(number: $s) { number } }'],
    ['node', 'query($s: ID!) { node(id: $s) { id } }'],
    ['nodes', 'query($s: ID!) { nodes(ids: [$s]) { id } }'],
    ['stockLevels', 'query($s: String!) { stockLevels(skuCodes: [$s]) { available } }'],
    ['farms.search', 'query($s: String) { farms(filter: { search: $s }) { totalCount nodes { code } } }'],
    [
      'farms.village',
      'query($s: String) { farms(filter: { village: $s, township: $s }) { totalCount nodes { code } } }',
    ],
    ['skus.search', 'query($s: String) { skus(filter: { search: $s }) { totalCount nodes { code } } }'],
    [
      'skus.supplierFarmCode',
      'query($s: String) { skus(filter: { supplierFarmCode: $s }) { totalCount nodes { code } } }',
    ],
    [
      'lots.filter',
      'query($s: String) { lots(filter: { skuCode: $s, farmCode: $s }) { totalCount nodes { code } } }',
    ],
    [
      'farm.lots.filter',
      '{ farm(code: "FARM-QINSHUI-001") { lots(filter: { skuCode: "x" }) { totalCount } } } query Q($s: String) { lots(filter: { farmCode: $s }) { totalCount } }',
    ],
    [
      'orders.filter',
      'query($s: String) { orders(filter: { merchantCode: $s, carrierCode: $s }) { totalCount nodes { number } } }',
    ],
    [
      'merchant.orders.filter',
      'query($s: String) { merchant(code: "M-BAOFU-01") { orders(filter: { carrierCode: $s }) { totalCount } } }',
    ],
    [
      'stockMovements.filter',
      'query($s: String) { stockMovements(filter: { skuCode: $s, lotCode: $s }) { totalCount nodes { id } } }',
    ],
    ['after cursor', 'query($s: String) { farms(after: $s) { nodes { code } } }'],
    ['before cursor', 'query($s: String) { skus(last: 2, before: $s) { nodes { code } } }'],
    ['dashboard dates', 'query($s: LocalDate!) { dashboard(from: $s, to: $s) { ordersPlaced } }'],
    ['orders.placedFrom', 'query($s: DateTime) { orders(filter: { placedFrom: $s }) { totalCount } }'],
  ];

  it.each(reads)('in %s are refused or match nothing, and change nothing', async (label, query) => {
    await changesNothing(async () => {
      for (const text of INJECTIONS) {
        for (const token of [ADMIN_TOKEN, merchantKey]) {
          const send = request(app.gateway.app).post('/graphql').set('authorization', `Bearer ${token}`);
          const res = await send.send({
            query,
            variables: { s: text },
            operationName: query.includes('query Q(') ? 'Q' : undefined,
          });
          expectHarmless({ status: res.status, errors: res.body.errors }, `${label} ${JSON.stringify(text)}`);
          // SQLite's LIKE stops at a NUL, so a search of "\u0000" is a search of "": everything, as with no
          // filter.
          if (text === '\u0000' && label.endsWith('.search')) continue;
          const data = JSON.stringify(res.body.data ?? {});
          expect(data).not.toMatch(/FARM-|JC-|M-BAOFU|M-BEIJIE|LOT-|GD-/);
          expect(data).not.toMatch(/"totalCount":[1-9]/);
        }
      }
    });
  });

  it('in the arguments of mutations are refused and change nothing', async () => {
    const mutations = [
      'mutation($s: String!) { updateFarm(code: $s, input: { name: "x" }) { code } }',
      'mutation($s: String!) { createFarm(input: { code: $s, name: "n", village: "v", township: "t", county: "c" }) { code } }',
      'mutation($s: String!) { createFarm(input: { code: "FARM-OK-1", name: "n", village: "v", township: "t", county: "c", skuCodes: [$s] }) { code } }',
      'mutation($s: String!) { updateSku(code: $s, input: { name: "x" }) { code } }',
      'mutation($s: String!) { holdLot(code: $s, reason: $s) { code } }',
      'mutation($s: String!) { releaseLot(code: $s) { code } }',
      'mutation($s: String!) { cancelOrder(number: $s, reason: $s) { number } }',
      'mutation($s: String!) { allocateOrder(number: $s) { number } }',
      'mutation($s: ID!) { revokeApiKey(id: $s) }',
      'mutation($s: String!) { createApiKey(input: { role: MERCHANT, merchantCode: $s, label: $s }) { id } }',
      'mutation($s: String!) { receiveLot(input: { idempotencyKey: "hostile-1", skuCode: $s, farmCode: $s, quantity: 1, locationCode: $s }) { code } }',
      'mutation($s: String!) { moveStock(input: { idempotencyKey: "hostile-3", lotCode: $s, fromLocationCode: $s, toLocationCode: $s, quantity: 1 }) { code } }',
      'mutation($s: String!) { placeOrder(input: { idempotencyKey: "hostile-2", merchantCode: $s, lines: [{ skuCode: $s, quantity: 1 }], destination: { stationCode: $s } }) { number } }',
      'mutation($s: String!) { dispatchOrder(input: { number: $s, carrierCode: $s, trackingNumber: $s, parcels: 1 }) { number } }',
    ];
    await changesNothing(async () => {
      for (const query of mutations) {
        for (const text of INJECTIONS) {
          const res = await app.gql(query, { s: text });
          expectHarmless(res, `${query.slice(0, 40)} ${JSON.stringify(text)}`);
          expect(res.errors?.length).toBeGreaterThan(0);
        }
      }
    });
  });

  it('in free-text fields are stored literally, nothing else changes', async () => {
    const before = await tableCounts();
    const name = INJECTIONS.slice(0, 5).join(' ');
    const res = await app.gql(
      'mutation($input: CreateFarmInput!) { createFarm(input: $input) { code name village } }',
      {
        input: {
          code: 'FARM-HOSTILE-001',
          name: name.slice(0, 120),
          village: "'; --",
          township: '%_\\',
          county: 'x',
        },
      },
    );
    expect(res.errors).toBeUndefined();
    const read = await app.gql('{ farm(code: "FARM-HOSTILE-001") { name village township } }');
    expect(read.data.farm).toEqual({ name: name.slice(0, 120), village: "'; --", township: '%_\\' });
    const search = await app.gql('query($s: String) { farms(filter: { search: $s }) { nodes { code } } }', {
      s: '%_\\',
    });
    expect(search.data.farms.nodes).toEqual([{ code: 'FARM-HOSTILE-001' }]);
    const after = await tableCounts();
    expect(after.farm).toBe(before.farm + 1);
    expect({ ...after, farm: 0 }).toEqual({ ...before, farm: 0 });
  });
});

describe('malformed requests', () => {
  it('malformed JSON gets a JSON 400', async () => {
    await changesNothing(async () => {
      const res = await request(app.gateway.app)
        .post('/graphql')
        .set('authorization', `Bearer ${ADMIN_TOKEN}`)
        .set('content-type', 'application/json')
        .send('{"query": "mutation { createCarrier(input: {code: \\"X1\\", name: \\"x\\"}) { id } }"');
      expect(res.status).toBe(400);
      expect(res.body.errors[0].extensions.code).toBe('BAD_REQUEST');
    });
  });

  it('a body that is not an operation gets a 400', async () => {
    for (const body of [
      '"just a string"',
      '42',
      'null',
      '{"query": 5}',
      '{"query": "{ me { label } }", "variables": "x"}',
    ]) {
      const res = await request(app.gateway.app)
        .post('/graphql')
        .set('authorization', `Bearer ${ADMIN_TOKEN}`)
        .set('content-type', 'application/json')
        .send(body);
      expect(res.status).toBe(400);
    }
  });

  it('wrong variable types are BAD_USER_INPUT before anything runs', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['query($n: Int) { farms(first: $n) { totalCount } }', { n: 'ten' }],
      ['query($n: Int) { farms(first: $n) { totalCount } }', { n: 2 ** 40 }],
      ['query($n: Int) { farms(first: $n) { totalCount } }', { n: 1.5 }],
      ['query($c: [String!]!) { stockLevels(skuCodes: $c) { available } }', { c: { a: 1 } }],
      ['query($c: [String!]!) { stockLevels(skuCodes: $c) { available } }', { c: [null] }],
      ['query($f: FarmFilter) { farms(filter: $f) { totalCount } }', { f: { search: 'x', sql: 'DROP' } }],
      ['query($f: FarmFilter) { farms(filter: $f) { totalCount } }', { f: { active: 'yes' } }],
      [
        'mutation($i: CreateCarrierInput!) { createCarrier(input: $i) { id } }',
        { i: { code: ['ZTO'], name: 'ZTO' } },
      ],
      [
        'mutation($i: CreateSkuInput!) { createSku(input: $i) { id } }',
        {
          i: {
            code: 'JC-X-1',
            name: 'x',
            category: 'GRAIN',
            unit: 'bag',
            unitWeightGrams: 1,
            storageZone: 'AMBIENT',
            shelfLifeDays: 1,
            price: 1.5,
          },
        },
      ],
    ];
    await changesNothing(async () => {
      for (const [query, variables] of cases) {
        const res = await app.gql(query, variables);
        expectHarmless(res, `${query} ${JSON.stringify(variables)}`);
        expect(res.status).toBe(400);
        expect(res.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
        expect(res.data).toBeUndefined();
      }
    });
  });

  it('unknown fields, arguments and types are refused', async () => {
    for (const query of [
      '{ farms { nodes { passwordHash } } }',
      '{ farm(code: "x", where: "1=1") { code } }',
      '{ apiKeys { tokenHash } }',
      'query($x: NoSuchType) { me { label } }',
    ]) {
      const res = await app.gql(query);
      expect(res.status).toBe(400);
      expect(res.errors?.[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    }
  });

  it('bad page sizes and cursors are BAD_USER_INPUT', async () => {
    for (const query of [
      '{ farms(first: -1) { totalCount } }',
      '{ farms(first: 101) { totalCount } }',
      '{ farms(first: 1, last: 1) { totalCount } }',
      '{ farms(after: "not-a-cursor") { totalCount } }',
      '{ orders(after: "eyJhIjoxfQ") { totalCount } }',
    ]) {
      const res = await app.gql(query);
      expectHarmless(res, query);
      expect(res.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    }
  });
});

describe('oversized input', () => {
  it('a 100,000-character search is answered harmlessly', async () => {
    await changesNothing(async () => {
      for (const query of [
        'query($s: String) { farms(filter: { search: $s }) { totalCount } }',
        'query($s: String) { skus(filter: { search: $s }) { totalCount } }',
        'query($s: String!) { sku(code: $s) { code } }',
        'query($s: String!) { order(number: $s) { number } }',
        'query($s: ID!) { node(id: $s) { id } }',
      ]) {
        const res = await app.gql(query, { s: 'x'.repeat(100_000) });
        expectHarmless(res, query);
        expect(JSON.stringify(res.data ?? {})).not.toMatch(/"totalCount":[1-9]/);
      }
    });
  });

  it('a 100,000-character name is BAD_USER_INPUT naming the field', async () => {
    await changesNothing(async () => {
      const res = await app.gql('mutation($input: CreateFarmInput!) { createFarm(input: $input) { code } }', {
        input: { code: 'FARM-LONG-001', name: 'n'.repeat(100_000), village: 'v', township: 't', county: 'c' },
      });
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
    });
  });

  it('huge lists are refused before anything runs', async () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => `JC-X-${i}`);
    await changesNothing(async () => {
      const codes = await app.gql('query($c: [String!]!) { stockLevels(skuCodes: $c) { available } }', {
        c: many(5000),
      });
      expect(codes.errors?.[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
      const ids = await app.gql('query($c: [ID!]!) { nodes(ids: $c) { id } }', { c: many(5000) });
      expect(ids.errors?.[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
      const certifications = await app.gql(
        'mutation($input: CreateFarmInput!) { createFarm(input: $input) { code } }',
        {
          input: {
            code: 'FARM-LIST-001',
            name: 'n',
            village: 'v',
            township: 't',
            county: 'c',
            certifications: many(5000),
          },
        },
      );
      expect(certifications.errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'certifications',
      });
      const skus = await app.gql(
        'mutation($input: CreateFarmInput!) { createFarm(input: $input) { code } }',
        {
          input: {
            code: 'FARM-LIST-002',
            name: 'n',
            village: 'v',
            township: 't',
            county: 'c',
            skuCodes: many(5000),
          },
        },
      );
      expectHarmless(skus, 'skuCodes');
      expect(skus.errors?.length).toBeGreaterThan(0);
    });
  });

  it('260 codes in stockLevels are refused: at most 250', async () => {
    const res = await app.gql('query($c: [String!]!) { stockLevels(skuCodes: $c) { available } }', {
      c: Array.from({ length: 260 }, (_, i) => `JC-X-${i}`),
    });
    expectHarmless(res, 'stockLevels 260');
    expect(res.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});

describe('abusive query shapes', () => {
  it('deep nesting is refused, however it is written', async () => {
    let nested = 'code';
    for (let i = 0; i < 40; i += 1) nested = `sku { lots(first: 1) { nodes { ${nested} } } }`;
    const deep = await app.gql(`{ lot(code: "x") { ${nested} } }`);
    expect(deep.errors?.[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    const braces = await app.gql(`{ me ${'{ merchant '.repeat(3000)}{ code }${' }'.repeat(3000)} }`);
    expectHarmless(braces, 'braces');
    expect(braces.status).toBe(400);
  });

  it('many aliases are refused', async () => {
    for (const alias of ['farms(first: 1) { totalCount }', '__typename', 'me { label }']) {
      const aliases = Array.from({ length: 200 }, (_, i) => `a${i}: ${alias}`).join(' ');
      const res = await app.gql(`{ ${aliases} }`);
      expect(res.status).toBe(400);
      expect(res.errors?.[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    }
  });

  it('a fragment that doubles at every level is refused without expanding it', async () => {
    let bomb = 'fragment B0 on Principal { label merchant { code } }';
    for (let i = 1; i <= 30; i += 1) bomb += `\nfragment B${i} on Principal { ...B${i - 1} ...B${i - 1} }`;
    const res = await app.gql(`{ me { ...B30 } } ${bomb}`);
    expect(res.status).toBe(400);
    expect(res.errors?.[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('repeated directives and unknown directives are refused', async () => {
    const repeated = await app.gql(
      `{ me @include(if: true) ${'@include(if: true) '.repeat(200)} { label } }`,
    );
    expect(repeated.status).toBe(400);
    const unknown = await app.gql('{ me @sql(q: "DROP TABLE farm") { label } }');
    expect(unknown.errors?.[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('requests without a valid key are UNAUTHENTICATED with nothing run', async () => {
    await changesNothing(async () => {
      for (const header of [
        undefined,
        'Bearer',
        `Bearer ${INJECTIONS[0]}`,
        `Basic ${ADMIN_TOKEN}`,
        `Bearer ${'x'.repeat(10_000)}`,
      ]) {
        const req = request(app.gateway.app)
          .post('/graphql')
          .send({ query: 'mutation { createCarrier(input: { code: "ZTO", name: "ZTO" }) { id } }' });
        if (header) req.set('authorization', header);
        const res = await req;
        expect(res.status).toBe(401);
        expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      }
    });
  });
});
