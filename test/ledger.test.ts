import { EntityManager } from 'typeorm';
import { Role } from '../src/graphql/enums';
import { OrderEvent } from '../src/orders/order-event.entity';
import * as stockSql from '../src/stock/stock-sql';
import { StockMovement } from '../src/stock/stock-movement.entity';
import { addDays, shanghaiToday } from '../src/time';
import { createReferenceData } from './support/fixtures';
import { nextKey, place, placeOrderRaw, receive, snapshot, transition } from './support/operations';
import { ledgerBreaks, noBreaks } from './support/ledger';
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

const gqlAs = (token: string, query: string, variables: Record<string, unknown>) =>
  app.gql(query, variables, token);

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
    expect(await ledgerBreaks(app)).toEqual(noBreaks);

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

  it('explains every unit after returns, stocktakes and retried writes', async () => {
    // A seeded generator: the same retries on every run.
    let seed = 20261201;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const retries = { sequential: 0, concurrent: 0 };
    /** Sends a keyed write once, or again with the same key (after the answer, or at once beside it). */
    const keyed = async (query: string, input: Record<string, unknown>, token = warehouse) => {
      const variables = { i: { idempotencyKey: nextKey('retry'), ...input } };
      const roll = random();
      if (roll < 0.3) {
        retries.concurrent++;
        const [a, b] = await Promise.all([
          app.gql(query, variables, token),
          app.gql(query, variables, token),
        ]);
        expect(b).toEqual(a);
        return a;
      }
      const first = await app.gql(query, variables, token);
      if (roll < 0.7) {
        retries.sequential++;
        expect(await app.gql(query, variables, token)).toEqual(first);
      }
      return first;
    };
    const COUNT =
      'mutation($i: CountStockInput!) { countStock(input: $i) { previousQuantity movement { onHandDelta } } }';
    const RETURN = 'mutation($i: ReturnOrderInput!) { returnOrder(input: $i) { status returns { id } } }';
    const PLACE = 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { number } }';
    const RECEIVE = 'mutation($i: ReceiveLotInput!) { receiveLot(input: $i) { code } }';

    const pears = (
      await keyed(RECEIVE, {
        skuCode: 'JC-PEAR-5KG',
        farmCode: 'FARM-ZEZHOU-002',
        quantity: 20,
        locationCode: 'C-01-01',
      })
    ).data.receiveLot.code;
    const millet = (
      await keyed(RECEIVE, {
        skuCode: 'JC-MILLET-2500G',
        farmCode: 'FARM-QINSHUI-001',
        quantity: 30,
        locationCode: 'A-01-01',
      })
    ).data.receiveLot.code;
    type Line = [string, number, 'RESALEABLE' | 'DAMAGED'];
    const cases: { lines: [string, number][]; returns: [Line[], string | null, string][] }[] = [
      {
        lines: [['JC-PEAR-5KG', 3]],
        returns: [
          [[['JC-PEAR-5KG', 1, 'RESALEABLE']], 'C-01-01', 'DISPATCHED'],
          [[['JC-PEAR-5KG', 2, 'DAMAGED']], null, 'RETURNED'],
        ],
      },
      {
        lines: [
          ['JC-PEAR-5KG', 2],
          ['JC-MILLET-2500G', 2],
        ],
        returns: [
          [[['JC-MILLET-2500G', 2, 'RESALEABLE']], 'C-01-01', 'BAD_USER_INPUT'],
          [
            [
              ['JC-MILLET-2500G', 2, 'RESALEABLE'],
              ['JC-PEAR-5KG', 1, 'DAMAGED'],
            ],
            'A-01-02',
            'DELIVERED',
          ],
        ],
      },
      {
        lines: [['JC-PEAR-5KG', 1]],
        returns: [
          [[['JC-PEAR-5KG', 2, 'RESALEABLE']], 'C-01-01', 'BAD_USER_INPUT'],
          [[['JC-PEAR-5KG', 1, 'RESALEABLE']], 'C-01-01', 'RETURNED'],
          [[['JC-PEAR-5KG', 1, 'DAMAGED']], null, 'INVALID_STATE'],
        ],
      },
      {
        lines: [
          ['JC-PEAR-5KG', 2],
          ['JC-MILLET-2500G', 2],
        ],
        returns: [],
      },
      {
        lines: [
          ['JC-PEAR-5KG', 1],
          ['JC-MILLET-2500G', 1],
        ],
        returns: [
          [
            [
              ['JC-PEAR-5KG', 1, 'DAMAGED'],
              ['JC-MILLET-2500G', 1, 'DAMAGED'],
            ],
            null,
            'RETURNED',
          ],
        ],
      },
    ];
    for (const [i, c] of cases.entries()) {
      const placed = await keyed(
        PLACE,
        {
          lines: c.lines.map(([skuCode, quantity]) => ({ skuCode, quantity })),
          destination: { stationCode: 'ST-GAODU-BAOFU' },
        },
        i % 2 ? baofu : beijie,
      );
      const number = placed.data.placeOrder.number;
      for (const step of ['allocateOrder', 'pickOrder'] as const)
        expect((await transition(app, step, number, warehouse)).errors).toBeUndefined();
      const dispatched = await gqlAs(
        warehouse,
        'mutation($i: DispatchOrderInput!) { dispatchOrder(input: $i) { status } }',
        { i: { number, carrierCode: 'YTO', trackingNumber: `YT${i}`, parcels: 1 } },
      );
      expect(dispatched.errors).toBeUndefined();
      if (i % 2) await transition(app, 'markDelivered', number, warehouse);
      for (const [lines, locationCode, outcome] of c.returns) {
        const res = await keyed(RETURN, {
          number,
          lines: lines.map(([skuCode, quantity, condition]) => ({ skuCode, quantity, condition })),
          reason: 'refused by the buyer',
          ...(locationCode ? { locationCode } : {}),
        });
        expect({
          number,
          lines,
          outcome: res.errors?.[0].extensions.code ?? res.data.returnOrder.status,
        }).toEqual({
          number,
          lines,
          outcome,
        });
      }
    }
    // Stocktakes: matching, lower, higher, a stale compare-and-set, and a HELD lot.
    const inBin = async (lot: string, bin: string) =>
      Number(
        (
          await app.dataSource.query(
            'SELECT p.quantity FROM lot_placement p JOIN lot l ON l.id = p.lot_id JOIN location c ON c.id = p.location_id WHERE l.code = ? AND c.code = ?',
            [lot, bin],
          )
        )[0]?.quantity ?? 0,
      );
    const books = await inBin(pears, 'C-01-01');
    expect(
      (await keyed(COUNT, { lotCode: pears, locationCode: 'C-01-01', countedQuantity: books })).data
        .countStock.movement,
    ).toBeNull();
    expect(
      (
        await keyed(COUNT, {
          lotCode: pears,
          locationCode: 'C-01-01',
          countedQuantity: books - 2,
          expectedQuantity: books,
        })
      ).data.countStock.movement,
    ).toEqual({ onHandDelta: -2 });
    const stale = await keyed(COUNT, {
      lotCode: pears,
      locationCode: 'C-01-01',
      countedQuantity: 1,
      expectedQuantity: books,
    });
    expect(stale.errors?.[0].extensions.code).toBe('CONFLICT');
    expect(
      (
        await keyed(COUNT, {
          lotCode: millet,
          locationCode: 'A-01-02',
          countedQuantity: (await inBin(millet, 'A-01-02')) + 3,
        })
      ).errors,
    ).toBeUndefined();
    await gqlAs(warehouse, 'mutation($c: String!) { holdLot(code: $c, reason: "recount") { code } }', {
      c: millet,
    });
    expect(
      (await keyed(COUNT, { lotCode: millet, locationCode: 'A-01-01', countedQuantity: 1 })).errors,
    ).toBeUndefined();
    await gqlAs(warehouse, 'mutation($c: String!) { releaseLot(code: $c) { code } }', { c: millet });

    expect(retries.sequential + retries.concurrent).toBeGreaterThan(5);
    expect(await ledgerBreaks(app)).toEqual(noBreaks);
    const lots: { code: string }[] = await app.dataSource.query('SELECT code FROM lot ORDER BY id');
    for (const { code } of lots) {
      const t = (
        await app.gql(
          'query($c: String!) { traceLot(code: $c) { unitsReceived unitsReturned unitsOnHand unitsShipped unitsWrittenOff } }',
          { c: code },
          warehouse,
        )
      ).data.traceLot;
      expect({ code, sides: t.unitsReceived + t.unitsReturned }).toEqual({
        code,
        sides: t.unitsOnHand + t.unitsShipped + t.unitsWrittenOff,
      });
    }
    const statuses = (
      await app.dataSource.query("SELECT COUNT(*) AS n FROM orders WHERE status = 'RETURNED'")
    )[0].n;
    expect(Number(statuses)).toBe(3);
  });

  it('notices a broken equation (the check itself can fail)', async () => {
    await app.dataSource.query(
      'UPDATE stock_level SET reserved = reserved + 1 WHERE sku_id = (SELECT MIN(id) FROM sku)',
    );
    expect((await ledgerBreaks(app)).reservedVsOpenOrders).toHaveLength(1);
    await app.dataSource.query(
      'UPDATE stock_level SET reserved = reserved - 1 WHERE sku_id = (SELECT MIN(id) FROM sku)',
    );
    expect(await ledgerBreaks(app)).toEqual(noBreaks);
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
    expect(await ledgerBreaks(app)).toEqual(noBreaks);
  });
});
