import { EntityManager } from 'typeorm';
import { Role } from '../src/graphql/enums';
import { OrderEvent } from '../src/orders/order-event.entity';
import * as stockSql from '../src/stock/stock-sql';
import { StockMovement } from '../src/stock/stock-movement.entity';
import { addDays, shanghaiToday } from '../src/time';
import { createReferenceData } from './support/fixtures';
import { nextKey, place, placeOrderRaw, receive, snapshot, transition } from './support/operations';
import { startTestApp, TestApp } from './support/test-app';

let app: TestApp;
let warehouse: string;
let baofu: string;
let beijie: string;
const today = shanghaiToday();

beforeAll(async () => {
  app = await startTestApp();
  await createReferenceData(app);
  warehouse = await app.keyFor(Role.WAREHOUSE);
  baofu = await app.keyFor(Role.MERCHANT, 'M-BAOFU-01');
  beijie = await app.keyFor(Role.MERCHANT, 'M-BEIJIE-02');
});
afterAll(() => app.close());
afterEach(() => jest.restoreAllMocks());

/**
 * Every ledger equation of DESIGN.md, checked in SQL; returns the rows that break one (none when all hold).
 */
async function ledgerBreaks() {
  const q = (sql: string) => app.dataSource.query(sql);
  const num = (rows: Record<string, unknown>[]) =>
    rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)])));
  return {
    onHandVsMovements: num(
      await q(`SELECT sl.sku_id, sl.on_hand, (SELECT COALESCE(SUM(m.on_hand_delta), 0) FROM stock_movement m WHERE m.sku_id = sl.sku_id) AS movements
      FROM stock_level sl WHERE sl.on_hand <> (SELECT COALESCE(SUM(m.on_hand_delta), 0) FROM stock_movement m WHERE m.sku_id = sl.sku_id)`),
    ),
    onHandVsLots: num(
      await q(`SELECT sl.sku_id, sl.on_hand FROM stock_level sl
      WHERE sl.on_hand <> (SELECT COALESCE(SUM(l.quantity_on_hand), 0) FROM lot l WHERE l.sku_id = sl.sku_id)`),
    ),
    lotVsPlacements: num(
      await q(`SELECT l.id, l.quantity_on_hand FROM lot l
      WHERE l.quantity_on_hand <> (SELECT COALESCE(SUM(p.quantity), 0) FROM lot_placement p WHERE p.lot_id = l.id)`),
    ),
    // Per bin: what the movements brought in (to_location) less what they took out (from_location) is what
    // the placement holds. This is what sees a TRANSFER, whose on-hand delta is 0.
    placementsVsMovements: num([
      ...(await q(`SELECT p.lot_id, p.location_id, p.quantity FROM lot_placement p WHERE p.quantity <> (
        SELECT COALESCE(SUM(CASE WHEN m.to_location_id = p.location_id THEN m.quantity ELSE 0 END), 0)
             - COALESCE(SUM(CASE WHEN m.from_location_id = p.location_id THEN m.quantity ELSE 0 END), 0)
        FROM stock_movement m WHERE m.lot_id = p.lot_id)`)),
      ...(await q(`SELECT x.lot_id, x.location_id, SUM(x.units) AS units FROM (
          SELECT lot_id, to_location_id AS location_id, quantity AS units FROM stock_movement
          WHERE to_location_id IS NOT NULL
          UNION ALL
          SELECT lot_id, from_location_id AS location_id, -quantity AS units FROM stock_movement
          WHERE from_location_id IS NOT NULL) x
        WHERE NOT EXISTS (SELECT 1 FROM lot_placement p WHERE p.lot_id = x.lot_id AND p.location_id = x.location_id)
        GROUP BY x.lot_id, x.location_id HAVING SUM(x.units) <> 0`)),
    ]),
    reservedVsOpenOrders: num(
      await q(`SELECT sl.sku_id, sl.reserved FROM stock_level sl WHERE sl.reserved <> (SELECT COALESCE(SUM(ol.quantity), 0)
      FROM order_line ol JOIN orders o ON o.id = ol.order_id WHERE ol.sku_id = sl.sku_id AND o.status IN ('PLACED', 'ALLOCATED'))`),
    ),
    allocatedVsAllocations: num(
      await q(`SELECT p.lot_id, p.location_id, p.allocated FROM lot_placement p WHERE p.allocated <> (SELECT COALESCE(SUM(a.quantity), 0)
      FROM allocation a JOIN orders o ON o.id = a.order_id WHERE a.lot_id = p.lot_id AND a.location_id = p.location_id AND o.status = 'ALLOCATED')`),
    ),
    heldVsHeldLots: num(
      await q(`SELECT sl.sku_id, sl.held_or_expired FROM stock_level sl
      WHERE sl.held_or_expired <> (SELECT COALESCE(SUM(l.quantity_on_hand), 0) FROM lot l WHERE l.sku_id = sl.sku_id AND l.status = 'HELD')`),
    ),
    negative: num(
      await q(
        `SELECT sku_id FROM stock_level WHERE on_hand < 0 OR reserved < 0 OR held_or_expired < 0 OR on_hand - reserved - held_or_expired < 0`,
      ),
    ),
  };
}

const noBreaks = {
  onHandVsMovements: [],
  onHandVsLots: [],
  lotVsPlacements: [],
  placementsVsMovements: [],
  reservedVsOpenOrders: [],
  allocatedVsAllocations: [],
  heldVsHeldLots: [],
  negative: [],
};

describe('the ledger', () => {
  it('explains every unit after a mixed workload', async () => {
    const lots = [
      await receive(app, { skuCode: 'JC-MILLET-2500G', quantity: 60, locationCode: 'A-01-01' }, warehouse),
      await receive(
        app,
        { skuCode: 'JC-MILLET-2500G', quantity: 25, locationCode: 'A-01-02', expiresOn: addDays(today, 20) },
        warehouse,
      ),
      await receive(app, { skuCode: 'JC-HAWTHORN-500G', quantity: 40, locationCode: 'A-01-02' }, warehouse),
      await receive(
        app,
        { skuCode: 'JC-PEAR-5KG', quantity: 30, locationCode: 'C-01-01', expiresOn: addDays(today, 4) },
        warehouse,
      ),
      await receive(
        app,
        { skuCode: 'JC-PEAR-5KG', quantity: 8, locationCode: 'C-01-01', expiresOn: addDays(today, -1) },
        warehouse,
      ),
      await receive(app, { skuCode: 'JC-HAWTHORN-500G', quantity: 15, locationCode: 'A-01-01' }, warehouse),
    ];
    const gql = (query: string, variables: Record<string, unknown>) => app.gql(query, variables, warehouse);
    await gql('mutation($i: MoveStockInput!) { moveStock(input: $i) { code } }', {
      i: {
        idempotencyKey: nextKey('w'),
        lotCode: lots[0].code,
        fromLocationCode: 'A-01-01',
        toLocationCode: 'A-01-02',
        quantity: 20,
      },
    });
    await gql('mutation($i: AdjustStockInput!) { adjustStock(input: $i) { id } }', {
      i: {
        idempotencyKey: nextKey('w'),
        lotCode: lots[2].code,
        locationCode: 'A-01-02',
        delta: -4,
        reason: 'DAMAGE',
      },
    });
    await gql('mutation($i: AdjustStockInput!) { adjustStock(input: $i) { id } }', {
      i: {
        idempotencyKey: nextKey('w'),
        lotCode: lots[2].code,
        locationCode: 'A-01-01',
        delta: 2,
        reason: 'FOUND',
      },
    });
    await gql('mutation($c: String!) { holdLot(code: $c, reason: "lab") { code } }', { c: lots[5].code });
    await gql('mutation($i: AdjustStockInput!) { adjustStock(input: $i) { id } }', {
      i: {
        idempotencyKey: nextKey('w'),
        lotCode: lots[5].code,
        locationCode: 'A-01-01',
        delta: -1,
        reason: 'SPOILAGE',
      },
    });

    const orders = [];
    for (let i = 0; i < 12; i++) {
      const lines = [{ skuCode: 'JC-MILLET-2500G', quantity: 1 + (i % 4) }];
      if (i % 2 === 0) lines.push({ skuCode: 'JC-HAWTHORN-500G', quantity: 2 + (i % 3) });
      if (i % 3 === 0) lines.push({ skuCode: 'JC-PEAR-5KG', quantity: 3 });
      orders.push(await place(app, lines, i % 2 ? baofu : beijie));
    }
    const short = await placeOrderRaw(app, { lines: [{ skuCode: 'JC-PEAR-5KG', quantity: 1000 }] }, baofu);
    expect(short.errors?.[0].extensions.code).toBe('INSUFFICIENT_STOCK');
    for (const [i, order] of orders.entries()) {
      if (i % 5 === 4) {
        await app.gql(
          'mutation($n: String!) { cancelOrder(number: $n, reason: "r") { status } }',
          { n: order.number },
          i % 2 ? baofu : beijie,
        );
        continue;
      }
      if (i % 4 === 3) continue; // stays PLACED
      expect((await transition(app, 'allocateOrder', order.number, warehouse)).errors).toBeUndefined();
      if (i === 2) {
        await app.gql(
          'mutation($n: String!) { cancelOrder(number: $n, reason: "allocated, then cancelled") { status } }',
          { n: order.number },
          warehouse,
        );
        continue;
      }
      if (i % 3 === 1) continue; // stays ALLOCATED
      expect((await transition(app, 'pickOrder', order.number, warehouse)).errors).toBeUndefined();
      if (i % 2 === 0) {
        await gql('mutation($i: DispatchOrderInput!) { dispatchOrder(input: $i) { status } }', {
          i: { number: order.number, carrierCode: 'SF', trackingNumber: `SF${i}`, parcels: 1 },
        });
      }
    }
    await gql('mutation($c: String!) { releaseLot(code: $c) { code } }', { c: lots[5].code });
    const written = await gql('mutation { writeOffExpired }', {});
    expect(written.data.writeOffExpired).toBe(8);

    const statuses = (await app.dataSource.query('SELECT status, COUNT(*) AS n FROM orders GROUP BY status'))
      .map((r: { status: string }) => r.status)
      .sort();
    expect(statuses).toEqual(['ALLOCATED', 'CANCELLED', 'DISPATCHED', 'PICKED', 'PLACED']);
    expect(await ledgerBreaks()).toEqual(noBreaks);

    for (const lot of lots) {
      const trace = await app.gql(
        'query($c: String!) { traceLot(code: $c) { unitsReceived unitsOnHand unitsShipped unitsWrittenOff } }',
        { c: lot.code },
        warehouse,
      );
      const t = trace.data.traceLot;
      expect(t.unitsReceived).toBe(t.unitsOnHand + t.unitsShipped + t.unitsWrittenOff);
    }
  });

  it('notices a broken equation (the check itself can fail)', async () => {
    await app.dataSource.query(
      'UPDATE stock_level SET reserved = reserved + 1 WHERE sku_id = (SELECT MIN(id) FROM sku)',
    );
    expect((await ledgerBreaks()).reservedVsOpenOrders).toHaveLength(1);
    await app.dataSource.query(
      'UPDATE stock_level SET reserved = reserved - 1 WHERE sku_id = (SELECT MIN(id) FROM sku)',
    );
    expect(await ledgerBreaks()).toEqual(noBreaks);
  });
});

describe('a transaction that fails halfway', () => {
  /** Makes the transaction's last write throw, after every balance was already changed inside it. */
  function failOnInsertOf(target: unknown) {
    const insert = EntityManager.prototype.insert;
    jest.spyOn(EntityManager.prototype, 'insert').mockImplementation(function (
      this: EntityManager,
      entity: any,
      values: any,
    ) {
      if (entity === target) return Promise.reject(new Error('forced failure'));
      return insert.call(this, entity, values);
    });
  }

  it('leaves nothing of a placeOrder that failed after reserving its first line', async () => {
    const before = await snapshot(app);
    const reserve = stockSql.takeAvailable;
    let calls = 0;
    jest.spyOn(stockSql, 'takeAvailable').mockImplementation(async (...args) => {
      if (++calls === 2) throw new Error('forced failure');
      return reserve(...args);
    });
    const res = await placeOrderRaw(
      app,
      {
        lines: [
          { skuCode: 'JC-MILLET-2500G', quantity: 2 },
          { skuCode: 'JC-HAWTHORN-500G', quantity: 1 },
        ],
      },
      baofu,
    );
    expect(calls).toBe(2);
    expect(res.errors?.[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
    expect(JSON.stringify(res.errors)).not.toMatch(/forced failure|SELECT|INSERT|UPDATE/);
    expect(await snapshot(app)).toEqual(before);
  });

  it('leaves nothing of a pickOrder that moved every unit', async () => {
    const order = await place(app, [{ skuCode: 'JC-HAWTHORN-500G', quantity: 3 }], baofu);
    await transition(app, 'allocateOrder', order.number, warehouse);
    const before = await snapshot(app);
    failOnInsertOf(OrderEvent);
    const res = await transition(app, 'pickOrder', order.number, warehouse);
    expect(res.errors?.[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
    expect(await snapshot(app)).toEqual(before);
    jest.restoreAllMocks();
    expect((await transition(app, 'pickOrder', order.number, warehouse)).data.pickOrder.status).toBe(
      'PICKED',
    );
  });

  it('leaves nothing of a receiveLot, and the same key works afterwards', async () => {
    const before = await snapshot(app);
    const save = EntityManager.prototype.save;
    jest.spyOn(EntityManager.prototype, 'save').mockImplementation(function (
      this: EntityManager,
      ...args: any[]
    ) {
      if (args[0] instanceof StockMovement) return Promise.reject(new Error('forced failure'));
      return (save as any).apply(this, args);
    });
    const input = {
      idempotencyKey: nextKey('fail'),
      skuCode: 'JC-MILLET-2500G',
      farmCode: 'FARM-QINSHUI-001',
      quantity: 9,
      locationCode: 'A-01-01',
    };
    const mutation = 'mutation($input: ReceiveLotInput!) { receiveLot(input: $input) { quantityOnHand } }';
    const res = await app.gql(mutation, { input }, warehouse);
    expect(res.errors?.[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
    expect(await snapshot(app)).toEqual(before);
    jest.restoreAllMocks();
    expect((await app.gql(mutation, { input }, warehouse)).data.receiveLot.quantityOnHand).toBe(9);
    expect(await ledgerBreaks()).toEqual(noBreaks);
  });
});
