import { Farm } from '../src/catalog/farm.entity';
import { Location } from '../src/catalog/location.entity';
import { Sku } from '../src/catalog/sku.entity';
import { LotStatus, MovementType, OrderStatus, Role } from '../src/graphql/enums';
import { toGlobalId } from '../src/graphql/node';
import { Allocation } from '../src/orders/allocation.entity';
import { Merchant } from '../src/orders/merchant.entity';
import { OrderLine } from '../src/orders/order-line.entity';
import { Order } from '../src/orders/order.entity';
import { Lot } from '../src/stock/lot.entity';
import { StockMovement } from '../src/stock/stock-movement.entity';
import { createReferenceData } from './support/fixtures';
import { startTestApp, TestApp } from './support/test-app';

let app: TestApp;
const keys: Record<string, string> = {};
let orderId: string;

/**
 * One order of M-BAOFU-01 with a recipient, picked from a lot of FARM-QINSHUI-001, written straight to the
 * tables.
 */
async function insertPickedOrder(): Promise<void> {
  const ds = app.dataSource;
  const farm = await ds.getRepository(Farm).findOneByOrFail({ code: 'FARM-QINSHUI-001' });
  const sku = await ds.getRepository(Sku).findOneByOrFail({ code: 'JC-MILLET-2500G' });
  const bin = await ds.getRepository(Location).findOneByOrFail({ code: 'A-01-01' });
  const merchant = await ds.getRepository(Merchant).findOneByOrFail({ code: 'M-BAOFU-01' });
  const lot = await ds.getRepository(Lot).save(
    Object.assign(new Lot(), {
      code: 'LOT-20261129-0001',
      skuId: sku.id,
      farmId: farm.id,
      status: LotStatus.ACTIVE,
      receivedAt: new Date(),
      harvestedOn: null,
      expiresOn: '2099-12-31',
      quantityReceived: 10,
      quantityOnHand: 8,
      holdReason: null,
    }),
  );
  const order = await ds.getRepository(Order).save(
    Object.assign(new Order(), {
      number: 'GD-20261129-000001',
      merchantId: merchant.id,
      status: OrderStatus.PICKED,
      totalFen: 7980n,
      stationId: null,
      recipientName: 'Li Na',
      recipientPhone: '13900000002',
      address: '12 Baofu Road',
      city: 'Jincheng',
      province: 'Shanxi',
      carrierId: null,
      trackingNumber: null,
      parcels: null,
      weightGrams: null,
      placedAt: new Date(),
      updatedAt: new Date(),
      dispatchedAt: null,
      deliveredAt: null,
      cancelledAt: null,
      cancelReason: null,
    }),
  );
  orderId = toGlobalId('Order', order.id);
  const line = await ds.getRepository(OrderLine).save(
    Object.assign(new OrderLine(), {
      orderId: order.id,
      skuId: sku.id,
      quantity: 2,
      unitPriceFen: 3990n,
      lineTotalFen: 7980n,
    }),
  );
  await ds.getRepository(Allocation).save(
    Object.assign(new Allocation(), {
      orderId: order.id,
      orderLineId: line.id,
      lotId: lot.id,
      locationId: bin.id,
      quantity: 2,
    }),
  );
  await ds.getRepository(StockMovement).save(
    Object.assign(new StockMovement(), {
      type: MovementType.PICK,
      skuId: sku.id,
      lotId: lot.id,
      fromLocationId: bin.id,
      toLocationId: null,
      quantity: 2,
      onHandDelta: -2,
      reason: null,
      note: null,
      orderId: order.id,
      actor: 'test',
      occurredAt: new Date(),
    }),
  );
}

beforeAll(async () => {
  app = await startTestApp();
  await createReferenceData(app);
  await insertPickedOrder();
  keys.OFFICIAL = await app.keyFor(Role.OFFICIAL);
  keys.WAREHOUSE = await app.keyFor(Role.WAREHOUSE);
  keys.OWNER = await app.keyFor(Role.MERCHANT, 'M-BAOFU-01');
  keys.OTHER_MERCHANT = await app.keyFor(Role.MERCHANT, 'M-BEIJIE-02');
});
afterAll(() => app.close());

const forbiddenPaths = (
  errors: { path?: (string | number)[]; extensions: Record<string, unknown> }[] | undefined,
) => (errors ?? []).map((e) => `${e.extensions.code} ${(e.path ?? []).join('.')}`).sort();

describe('farm contacts', () => {
  const query = '{ farm(code: "FARM-QINSHUI-001") { code name contactName phone } }';

  it.each(['WAREHOUSE', 'ADMIN'])('are shown to %s', async (role) => {
    const res = await app.gql(query, {}, role === 'ADMIN' ? undefined : keys[role]);
    expect(res.errors).toBeUndefined();
    expect(res.data.farm).toEqual({
      code: 'FARM-QINSHUI-001',
      name: 'Qinshui millet cooperative',
      contactName: 'Wang Fang',
      phone: '13800000001',
    });
  });

  it.each(['OFFICIAL', 'OWNER'])(
    'are FORBIDDEN to %s, and the rest of the answer comes back',
    async (role) => {
      const res = await app.gql(query, {}, keys[role]);
      expect(res.data.farm).toEqual({
        code: 'FARM-QINSHUI-001',
        name: 'Qinshui millet cooperative',
        contactName: null,
        phone: null,
      });
      expect(forbiddenPaths(res.errors)).toEqual(['FORBIDDEN farm.contactName', 'FORBIDDEN farm.phone']);
      expect(JSON.stringify(res)).not.toContain('13800000001');
    },
  );

  it('stay hidden from OFFICIAL through lots, suppliers and orders', async () => {
    const res = await app.gql(
      `{
      lots { nodes { code farm { name phone } } }
      sku(code: "JC-MILLET-2500G") { suppliers { contactName } lots { nodes { farm { contactName } } } }
      orders { nodes { number lines { allocations { lot { farm { phone } } } } } }
    }`,
      {},
      keys.OFFICIAL,
    );
    expect(res.data.lots.nodes).toEqual([
      { code: 'LOT-20261129-0001', farm: { name: 'Qinshui millet cooperative', phone: null } },
    ]);
    expect(res.data.orders.nodes[0].number).toBe('GD-20261129-000001');
    expect(forbiddenPaths(res.errors)).toEqual([
      'FORBIDDEN lots.nodes.0.farm.phone',
      'FORBIDDEN orders.nodes.0.lines.0.allocations.0.lot.farm.phone',
      'FORBIDDEN sku.lots.nodes.0.farm.contactName',
      'FORBIDDEN sku.suppliers.0.contactName',
    ]);
    expect(JSON.stringify(res)).not.toMatch(/13800000001|Wang Fang/);
  });
});

describe('order recipients', () => {
  const destination = 'destination { city recipientName recipientPhone address }';
  const shown = {
    city: 'Jincheng',
    recipientName: 'Li Na',
    recipientPhone: '13900000002',
    address: '12 Baofu Road',
  };
  const hidden = { city: 'Jincheng', recipientName: null, recipientPhone: null, address: null };

  it.each(['OWNER', 'WAREHOUSE', 'ADMIN'])('are shown to %s', async (role) => {
    const res = await app.gql(
      `{ order(number: "GD-20261129-000001") { ${destination} } }`,
      {},
      role === 'ADMIN' ? undefined : keys[role],
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.order.destination).toEqual(shown);
  });

  it('are FORBIDDEN to OFFICIAL on every path, the rest still answered', async () => {
    const res = await app.gql(
      `{
      order(number: "GD-20261129-000001") { number ${destination} }
      merchant(code: "M-BAOFU-01") { orders { nodes { destination { recipientName } } } }
      stockMovements { nodes { type order { destination { recipientPhone } } } }
      node(id: "${orderId}") { ... on Order { destination { address } } }
      traceLot(code: "LOT-20261129-0001") { shipments { order { destination { recipientName } } } }
    }`,
      {},
      keys.OFFICIAL,
    );
    expect(res.data.order).toEqual({ number: 'GD-20261129-000001', destination: hidden });
    expect(res.data.stockMovements.nodes[0].type).toBe('PICK');
    const paths = forbiddenPaths(res.errors);
    expect(paths).toEqual(
      expect.arrayContaining([
        'FORBIDDEN order.destination.recipientName',
        'FORBIDDEN order.destination.recipientPhone',
        'FORBIDDEN order.destination.address',
        'FORBIDDEN merchant.orders.nodes.0.destination.recipientName',
        'FORBIDDEN stockMovements.nodes.0.order.destination.recipientPhone',
        'FORBIDDEN node.destination.address',
        'FORBIDDEN traceLot.shipments.0.order.destination.recipientName',
      ]),
    );
    expect(paths.every((p) => p.startsWith('FORBIDDEN ') || p.startsWith('NOT_FOUND '))).toBe(true);
    expect(JSON.stringify(res)).not.toMatch(/Li Na|13900000002|Baofu Road/);
  });

  // One query each: stockMovements is FORBIDDEN to a merchant and non-null, so asked together with the
  // others it would turn the whole answer into data: null and hide what they returned.
  const secret = /Li Na|13900000002|Baofu Road|GD-20261129-000001/;

  it('never reach another merchant, who does not even see the order', async () => {
    const res = await app.gql(
      `{ order(number: "GD-20261129-000001") { ${destination} } }`,
      {},
      keys.OTHER_MERCHANT,
    );
    expect(res.data).toEqual({ order: null });
    expect(forbiddenPaths(res.errors)).toEqual(['NOT_FOUND order']);
    expect(JSON.stringify(res)).not.toMatch(/Li Na|13900000002|Baofu Road/);
  });

  it("never reach another merchant through that merchant's orders", async () => {
    const res = await app.gql(
      `{ merchant(code: "M-BAOFU-01") { code orders { totalCount nodes { number ${destination} } } } }`,
      {},
      keys.OTHER_MERCHANT,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.merchant).toEqual({ code: 'M-BAOFU-01', orders: { totalCount: 0, nodes: [] } });
  });

  it('never reach another merchant through the root orders list: a merchant counts its own only', async () => {
    const query = `{ orders { totalCount nodes { number ${destination} } } }`;
    const other = await app.gql(query, {}, keys.OTHER_MERCHANT);
    expect(other.errors).toBeUndefined();
    expect(other.data.orders).toEqual({ totalCount: 0, nodes: [] });
    const owner = await app.gql(query, {}, keys.OWNER);
    expect(owner.errors).toBeUndefined();
    expect(owner.data.orders.totalCount).toBe(1);
    expect(owner.data.orders.nodes.map((n: { number: string }) => n.number)).toEqual(['GD-20261129-000001']);
  });

  it('never reach another merchant through the ledger, which is FORBIDDEN to merchants', async () => {
    const res = await app.gql(
      `{ stockMovements { nodes { order { ${destination} } } } }`,
      {},
      keys.OTHER_MERCHANT,
    );
    expect(res.data).toBeNull();
    expect(forbiddenPaths(res.errors)).toEqual(['FORBIDDEN stockMovements']);
    expect(JSON.stringify(res)).not.toMatch(secret);
  });
});
