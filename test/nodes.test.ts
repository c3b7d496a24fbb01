import { Role } from '../src/graphql/enums';
import { toGlobalId } from '../src/graphql/node';
import { createReferenceData } from './support/fixtures';
import { startTestApp, TestApp } from './support/test-app';

let app: TestApp;
const orderIds: Record<string, string> = {};
let lotId: string;
let movementId: string;

/**
 * A lot (with its receipt movement) and one order per merchant, through the API, on top of the fixture's
 * reference data.
 */
beforeAll(async () => {
  app = await startTestApp();
  await createReferenceData(app);
  const lot = await app.gql(
    'mutation { receiveLot(input: { idempotencyKey: "r1", skuCode: "JC-MILLET-2500G", farmCode: "FARM-QINSHUI-001", quantity: 10, locationCode: "A-01-01" }) { id } }',
  );
  lotId = lot.data.receiveLot.id;
  const movements = await app.gql('{ stockMovements(first: 1) { nodes { id } } }');
  movementId = movements.data.stockMovements.nodes[0].id;
  for (const merchantCode of ['M-BAOFU-01', 'M-BEIJIE-02']) {
    const res = await app.gql('mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }', {
      input: {
        idempotencyKey: `o-${merchantCode}`,
        merchantCode,
        lines: [{ skuCode: 'JC-MILLET-2500G', quantity: 1 }],
        destination: { stationCode: 'ST-GAODU-BAOFU' },
      },
    });
    orderIds[merchantCode] = res.data.placeOrder.id;
  }
});
afterAll(() => app.close());

const NODE = `query($id: ID!) { node(id: $id) { __typename id
  ... on Farm { code } ... on Sku { code } ... on Location { code } ... on Carrier { code } ... on VillageStation { code }
  ... on Merchant { code } ... on Lot { code } ... on Order { number } ... on StockMovement { type quantity } } }`;

describe('node and nodes', () => {
  it('round-trips every Node type: the id a list gives fetches the same object', async () => {
    const lists =
      await app.gql(`{ farms { nodes { id code } } skus { nodes { id code } } locations { id code } carriers { id code }
      villageStations { id code } merchants { nodes { id code } } lots { nodes { id code } } orders { nodes { id number } }
      stockMovements { nodes { id type quantity } } }`);
    expect(lists.errors).toBeUndefined();
    const d = lists.data;
    const samples: [string, { id: string }][] = [
      ['Farm', d.farms.nodes[0]],
      ['Sku', d.skus.nodes[0]],
      ['Location', d.locations[0]],
      ['Carrier', d.carriers[0]],
      ['VillageStation', d.villageStations[0]],
      ['Merchant', d.merchants.nodes[0]],
      ['Lot', d.lots.nodes[0]],
      ['Order', d.orders.nodes[0]],
      ['StockMovement', d.stockMovements.nodes[0]],
    ];
    for (const [type, sample] of samples) {
      const res = await app.gql(NODE, { id: sample.id });
      expect(res.errors).toBeUndefined();
      expect(res.data.node).toEqual({ __typename: type, ...sample });
    }
    expect(d.lots.nodes[0].id).toBe(lotId);
    expect(d.stockMovements.nodes[0].id).toBe(movementId);

    const batch = await app.gql('query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }', {
      ids: samples.map(([, s]) => s.id),
    });
    expect(batch.data.nodes.map((n: { __typename: string }) => n.__typename)).toEqual(
      samples.map(([type]) => type),
    );
  });

  it('answers null for unknown, malformed and foreign ids, and keeps nodes aligned', async () => {
    const unknown = [
      toGlobalId('Farm', 999999),
      toGlobalId('Order', 999999),
      toGlobalId('Planet', 1),
      'not-an-id',
      '',
      Buffer.from('Farm:abc').toString('base64url'),
      toGlobalId('ApiKey', 1),
      toGlobalId('OrderLine', 1),
    ];
    for (const id of unknown) {
      const res = await app.gql(NODE, { id });
      expect(res.errors).toBeUndefined();
      expect(res.data.node).toBeNull();
    }
    const farm = await app.gql('{ farm(code: "FARM-QINSHUI-001") { id } }');
    const res = await app.gql('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', {
      ids: [unknown[0], farm.data.farm.id, 'junk', farm.data.farm.id],
    });
    expect(res.data.nodes).toEqual([null, { id: farm.data.farm.id }, null, { id: farm.data.farm.id }]);
  });

  it('refuses more than 100 ids', async () => {
    const res = await app.gql('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', {
      ids: Array.from({ length: 101 }, (_, i) => toGlobalId('Farm', i + 1)),
    });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'ids' });
  });

  it("lets a merchant fetch its own order by id but not another merchant's, nor ledger rows", async () => {
    const own = await app.keyFor(Role.MERCHANT, 'M-BAOFU-01');
    const mine = await app.gql(NODE, { id: orderIds['M-BAOFU-01'] }, own);
    expect(mine.data.node).toMatchObject({ __typename: 'Order', id: orderIds['M-BAOFU-01'] });
    const theirs = await app.gql(NODE, { id: orderIds['M-BEIJIE-02'] }, own);
    expect(theirs.errors).toBeUndefined();
    expect(theirs.data.node).toBeNull();
    const both = await app.gql(
      'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
      { ids: [orderIds['M-BEIJIE-02'], orderIds['M-BAOFU-01']] },
      own,
    );
    expect(both.data.nodes).toEqual([null, { id: orderIds['M-BAOFU-01'] }]);
    const movement = await app.gql(NODE, { id: movementId }, own);
    expect(movement.data.node).toBeNull();
    // Other roles see every order.
    const warehouse = await app.keyFor(Role.WAREHOUSE);
    const any = await app.gql(NODE, { id: orderIds['M-BEIJIE-02'] }, warehouse);
    expect(any.data.node).toMatchObject({ __typename: 'Order' });
  });

  it('gives ids that are opaque and stable: the same object has the same id in every query', async () => {
    const a = await app.gql('{ sku(code: "JC-PEAR-5KG") { id } }');
    const b = await app.gql('{ skus(filter: { search: "JC-PEAR" }) { nodes { id } } }');
    expect(b.data.skus.nodes[0].id).toBe(a.data.sku.id);
    expect(a.data.sku.id).not.toContain('Sku');
    expect(a.data.sku.id).not.toMatch(/^\d+$/);
  });
});
