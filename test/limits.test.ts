import { Kind, OperationDefinitionNode, parse, specifiedRules, validate, ValidationRule } from 'graphql';
import { Role } from '../src/graphql/enums';
import {
  documentShapeRule,
  MAX_DOCUMENT_FIELDS,
  measureOperation,
  validateDocument,
} from '../src/graphql/query-cost';
import { gatewaySchema } from '../src/schema';
import { createReferenceData } from './support/fixtures';
import { countSql } from './support/sql-counter';
import request from 'supertest';
import { ADMIN_TOKEN, startTestApp, TestApp } from './support/test-app';

function measure(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  const operation = document.definitions.find(
    (d) => d.kind === Kind.OPERATION_DEFINITION,
  ) as OperationDefinitionNode;
  return measureOperation(gatewaySchema(), document, operation, variables);
}

describe('the cost model', () => {
  it('charges objects 1, scalars 0 and multiplies connections by their page', () => {
    expect(measure('{ farms(first: 10) { nodes { name code } } }').cost).toBe(1 + 10);
    expect(measure('{ farms { nodes { name } } }').cost).toBe(1 + 20);
    expect(
      measure('{ farms(last: 5) { edges { cursor node { name } } pageInfo { hasNextPage } } }').cost,
    ).toBe(1 + 5 * 2 + 1);
    expect(measure('{ farms(first: 10) { nodes { lots(first: 3) { nodes { code } } } } }').cost).toBe(
      1 + 10 * (1 + 1 + 3),
    );
    expect(measure('query($n: Int) { skus(first: $n) { nodes { code } } }', { n: 50 }).cost).toBe(51);
  });

  it('charges totalCount 1 and every request at least 1', () => {
    expect(measure('{ farms(first: 0) { totalCount } }').cost).toBe(2);
    expect(measure('{ __typename }').cost).toBe(1);
  });

  it('multiplies stockLevels by its codes and nodes by its ids', () => {
    const codes = Array.from({ length: 50 }, (_, i) => `SKU-${i}`);
    expect(
      measure('query($c: [String!]!) { stockLevels(skuCodes: $c) { available onHand } }', { c: codes }).cost,
    ).toBe(50);
    expect(
      measure('query($c: [String!]!) { stockLevels(skuCodes: $c) { available sku { code } } }', { c: codes })
        .cost,
    ).toBe(100);
    expect(measure('{ nodes(ids: ["a", "b", "c"]) { id ... on Farm { name } } }').cost).toBe(3);
  });

  it('charges whole-table lists at the root 20 and lists below an object 2 items', () => {
    expect(measure('{ carriers { code } locations { code } }').cost).toBe(20 + 20);
    expect(measure('{ orders(first: 50) { nodes { lines { sku { suppliers { name } } } } } }').cost).toBe(
      1 + 50 * (1 + 2 * (1 + 1 + 2)),
    );
    expect(
      measure('{ dashboard(from: "2026-01-01", to: "2026-01-31") { topSkus(limit: 7) { units } } }').cost,
    ).toBe(1 + 7);
  });

  it('lets the hot paths through the default limits', () => {
    const codes = Array.from({ length: 50 }, (_, i) => `SKU-${i}`);
    const storefront = measure(
      'query($c: [String!]!) { stockLevels(skuCodes: $c) { available isLow sku { code } } }',
      { c: codes },
    );
    const orderPage = measure(
      'query($n: Int!) { orders(first: $n) { nodes { merchant { name } lines { sku { code suppliers { name } stock { available } } } } } }',
      { n: 50 },
    );
    expect(storefront.cost).toBe(100);
    expect(orderPage.cost).toBe(1 + 50 * (1 + 1 + 2 * (1 + 1 + 2 + 1)));
    expect(orderPage.cost).toBeLessThanOrEqual(1000);
    expect(orderPage.depth).toBeLessThanOrEqual(10);
  });

  it('charges mutations 10 plus what they return', () => {
    expect(measure('mutation { createCarrier(input: { code: "ZTO", name: "ZTO" }) { code } }').cost).toBe(10);
    expect(
      measure(
        'mutation { createFarm(input: { code: "F-1", name: "n", village: "v", township: "t", county: "c" }) { skus { code } } }',
      ).cost,
    ).toBe(10 + 2);
  });

  it('follows fragments for cost and depth', () => {
    const inline = measure('{ farms(first: 4) { nodes { lots(first: 2) { nodes { sku { code } } } } } }');
    const spread = measure(
      '{ farms(first: 4) { ...F } } fragment F on FarmConnection { nodes { ...L } } fragment L on Farm { lots(first: 2) { nodes { sku { code } } } }',
    );
    expect(spread).toEqual(inline);
    expect(inline.depth).toBe(6);
    expect(inline.cost).toBe(1 + 4 * (1 + 1 + 2 * 2));
  });

  it('counts introspection fields like any other', () => {
    const m = measure('{ __schema { types { fields { type { name } } } } }');
    expect(m.depth).toBe(5);
    expect(m.cost).toBe(1 + 2 * (1 + 2 * (1 + 1)));
  });
});

describe('limits over HTTP', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ MAX_QUERY_COST: '50', MAX_QUERY_DEPTH: '6' });
    // The webhook dispatcher polls the outbox in the background: those statements are no request's.
    await app.gateway.webhookDispatcher.stop();
    await createReferenceData(app);
  });
  afterAll(() => app.close());

  /** Sends a query and returns its answer and how many SQL statements ran for it. */
  async function withSqlCount(query: string, variables: Record<string, unknown> = {}) {
    const sql = countSql(app.dataSource);
    try {
      const res = await app.gql(query, variables);
      return { res, statements: sql.count };
    } finally {
      sql.restore();
    }
  }

  it('runs a query within the limits and reports its cost', async () => {
    const { res, statements } = await withSqlCount('{ farms(first: 10) { nodes { code } } }');
    expect(res.errors).toBeUndefined();
    expect(res.data.farms.nodes).toHaveLength(2);
    expect(statements).toBeGreaterThan(0);
    expect(res.extensions?.cost.requestedQueryCost).toBe(11);
  });

  it('refuses a query above MAX_QUERY_COST before any SQL runs', async () => {
    const { res, statements } = await withSqlCount(
      '{ farms(first: 10) { nodes { lots(first: 10) { nodes { code } } } } }',
    );
    expect(res.status).toBe(400);
    expect(res.data).toBeUndefined();
    expect(res.errors?.[0].extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      cost: 121,
      maximumCost: 50,
    });
    expect(statements).toBe(0);
    expect(res.extensions?.cost.requestedQueryCost).toBe(121);
  });

  it('accepts a query costing exactly MAX_QUERY_COST and refuses one point more', async () => {
    const at = await app.gql('{ farms(first: 49) { nodes { code } } }');
    expect(at.errors).toBeUndefined();
    expect(at.extensions?.cost.requestedQueryCost).toBe(50);
    const { res, statements } = await withSqlCount('{ farms(first: 50) { nodes { code } } }');
    expect(res.errors?.[0].extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      cost: 51,
      maximumCost: 50,
    });
    expect(statements).toBe(0);
  });

  it('accepts a query exactly MAX_QUERY_DEPTH deep and refuses one level more', async () => {
    const atDepth = '{ farms(first: 1) { nodes { lots(first: 1) { nodes { sku { code } } } } } }';
    const deeper =
      '{ farms(first: 1) { nodes { lots(first: 1) { nodes { sku { lots(first: 1) { totalCount } } } } } } }';
    expect(measure(atDepth).depth).toBe(6);
    expect(measure(deeper).depth).toBe(7);
    const at = await app.gql(atDepth);
    expect(at.errors).toBeUndefined();
    const { res, statements } = await withSqlCount(deeper);
    expect(res.errors?.[0].extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      depth: 7,
      maximumDepth: 6,
    });
    expect(statements).toBe(0);
  });

  it('refuses a huge list of codes by its cost', async () => {
    const codes = Array.from({ length: 51 }, (_, i) => `JC-X-${i}`);
    const { res, statements } = await withSqlCount(
      'query($c: [String!]!) { stockLevels(skuCodes: $c) { available } }',
      { c: codes },
    );
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', cost: 51 });
    expect(statements).toBe(0);
  });

  it('refuses a query deeper than MAX_QUERY_DEPTH, through fragments too, before any SQL runs', async () => {
    const deep =
      '{ farms(first: 1) { nodes { lots(first: 1) { nodes { sku { lots(first: 1) { nodes { code } } } } } } } }';
    const viaFragments =
      '{ farms(first: 1) { ...A } } fragment A on FarmConnection { nodes { ...B } } fragment B on Farm { lots(first: 1) { nodes { sku { ...C } } } } fragment C on Sku { lots(first: 1) { nodes { code } } }';
    for (const query of [deep, viaFragments]) {
      const { res, statements } = await withSqlCount(query);
      expect(res.errors?.[0].extensions).toMatchObject({
        code: 'QUERY_TOO_COMPLEX',
        depth: 8,
        maximumDepth: 6,
      });
      expect(statements).toBe(0);
    }
  });

  it('counts introspection fields toward depth', async () => {
    const res = await app.gql(
      '{ __type(name: "Farm") { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } }',
    );
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', depth: 8 });
  });

  it('costs an operation named __schema or IntrospectionQuery like any other', async () => {
    for (const name of ['__schema', 'IntrospectionQuery']) {
      const { res, statements } = await withSqlCount(
        `query ${name} { farms(first: 100) { nodes { code } } }`,
      );
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', cost: 101 });
      expect(statements).toBe(0);
    }
  });

  it('bounds the aliases of a query', async () => {
    const fields = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: code`).join(' ');
    const ok = await app.gql(`{ sku(code: "JC-PEAR-5KG") { ${fields(50)} } }`);
    expect(ok.errors).toBeUndefined();
    expect(ok.data.sku.a49).toBe('JC-PEAR-5KG');
    const { res, statements } = await withSqlCount(`{ sku(code: "JC-PEAR-5KG") { ${fields(51)} } }`);
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', aliases: 51 });
    expect(statements).toBe(0);
  });

  it('bounds the operations of a document', async () => {
    const operations = (n: number) =>
      Array.from({ length: n }, (_, i) => `query Q${i} { me { label } }`).join('\n');
    const send = (query: string) =>
      request(app.gateway.app)
        .post('/graphql')
        .set('authorization', `Bearer ${ADMIN_TOKEN}`)
        .send({ query, operationName: 'Q0' });
    const ok = await send(operations(10));
    expect(ok.body.data).toEqual({ me: { label: 'admin-token' } });
    const res = await send(operations(11));
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect(res.body.data).toBeUndefined();
  });

  it('refuses a document of too many tokens at parse time', async () => {
    const res = await app.gql(`{ me { ${'label '.repeat(20_000)} } }`);
    expect(res.status).toBe(400);
    expect(res.errors?.[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
  });
});

describe("a document's shape, before it is validated", () => {
  /** 25 kB: 1,000 aliased fields, and a field that does not exist, which validation would report. */
  const ATTACK = `{ ${Array.from({ length: 1000 }, (_, i) => `alias${i}: me { label role }`).join(' ')} nope }`;

  it('keeps every validation rule off a document over the limits, on HTTP and on sockets', () => {
    const schema = gatewaySchema();
    const document = parse(ATTACK);
    let fieldsVisited = 0;
    // Stands for graphql-js's rules, which Apollo Server runs before the gateway's own.
    const counting: ValidationRule = () => ({
      Field() {
        fieldsVisited += 1;
      },
    });
    validate(schema, document, [...specifiedRules, counting]);
    expect(fieldsVisited).toBe(3001);

    fieldsVisited = 0;
    const errors = validate(schema, document, [...specifiedRules, counting, documentShapeRule]);
    expect(fieldsVisited).toBe(0);
    expect(errors.map((e) => e.extensions.code)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(validateDocument(schema, document).map((e) => e.message)).toEqual([
      'A query may use at most 50 aliases, got 1000',
    ]);
  });

  describe('over HTTP', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp({ RATE_LIMIT_BUCKET: '2000', RATE_LIMIT_RESTORE_RATE: '1' });
    });
    afterAll(() => app.close());

    it('refuses 1,000 aliases as QUERY_TOO_COMPLEX before validation, for a point per 100 characters', async () => {
      expect(ATTACK.length).toBeGreaterThan(25_000);
      const key = await app.keyFor(Role.WAREHOUSE);
      const res = await app.gql(ATTACK, {}, key);
      expect(res.status).toBe(400);
      // Validation would also have reported the unknown field "nope".
      expect(res.errors).toHaveLength(1);
      expect(res.errors?.[0].extensions).toMatchObject({
        code: 'QUERY_TOO_COMPLEX',
        aliases: 1000,
        maximumAliases: 50,
      });
      const cost = Math.ceil(ATTACK.length / 100);
      expect(res.extensions?.cost).toEqual({
        requestedQueryCost: cost,
        throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 2000 - cost, restoreRate: 1 },
      });
    });

    it(`accepts ${MAX_DOCUMENT_FIELDS} fields as written and refuses one more before validation`, async () => {
      const ok = await app.gql(`{ ${'__typename '.repeat(MAX_DOCUMENT_FIELDS)}}`);
      expect(ok.errors).toBeUndefined();
      const res = await app.gql(`{ ${'__typename '.repeat(MAX_DOCUMENT_FIELDS)} nope }`);
      expect(res.status).toBe(400);
      expect(res.errors).toHaveLength(1);
      expect(res.errors?.[0].extensions).toMatchObject({
        code: 'QUERY_TOO_COMPLEX',
        fields: MAX_DOCUMENT_FIELDS + 1,
        maximumFields: MAX_DOCUMENT_FIELDS,
      });
    });

    it('charges a document refused at parse time by its size, all that is left when it costs more', async () => {
      const key = await app.keyFor(Role.WAREHOUSE);
      const other = await app.keyFor(Role.WAREHOUSE);
      // 20,000 tokens (parsing stops at 10,000), 2,200 points: more than the whole bucket.
      const res = await app.gql(`{ ${'__typename '.repeat(20_000)}}`, {}, key);
      expect(res.errors?.[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
      expect(res.extensions?.cost).toMatchObject({
        requestedQueryCost: 2201,
        throttleStatus: { currentlyAvailable: 0 },
      });
      const untouched = await app.gql('{ me { label } }', {}, other);
      expect(untouched.extensions?.cost.throttleStatus.currentlyAvailable).toBe(1999);
    });
  });
});
