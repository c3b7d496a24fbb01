import { Role } from '../src/graphql/enums';
import * as stockSql from '../src/stock/stock-sql';
import { addDays, shanghaiToday } from '../src/time';
import { createReferenceData } from './support/fixtures';
import {
  nextKey,
  ORDER_FIELDS,
  place,
  placeOrderRaw,
  receive,
  snapshot,
  stockOf,
  transition,
} from './support/operations';
import { startTestApp, TestApp } from './support/test-app';

let app: TestApp;
let warehouse: string;
let baofu: string;
let beijie: string;
const today = shanghaiToday();

const CANCEL = `mutation($n: String!, $r: String!) { cancelOrder(number: $n, reason: $r) { ${ORDER_FIELDS} } }`;
const DISPATCH = `mutation($input: DispatchOrderInput!) { dispatchOrder(input: $input) { ${ORDER_FIELDS} } }`;

/** A SKU of its own, so a test controls every lot of it. */
async function newSku(code: string, price = '5.00', zone = 'AMBIENT') {
  const res = await app.gql('mutation($input: CreateSkuInput!) { createSku(input: $input) { id } }', {
    input: {
      code,
      name: code,
      category: 'NUT',
      unit: 'bag',
      unitWeightGrams: 1000,
      storageZone: zone,
      shelfLifeDays: 90,
      price,
    },
  });
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return code;
}

beforeAll(async () => {
  app = await startTestApp();
  await createReferenceData(app);
  warehouse = await app.keyFor(Role.WAREHOUSE);
  baofu = await app.keyFor(Role.MERCHANT, 'M-BAOFU-01');
  beijie = await app.keyFor(Role.MERCHANT, 'M-BEIJIE-02');
  await receive(app, { skuCode: 'JC-MILLET-2500G', quantity: 100, locationCode: 'A-01-01' }, warehouse);
  await receive(app, { skuCode: 'JC-HAWTHORN-500G', quantity: 100, locationCode: 'A-01-02' }, warehouse);
  await receive(app, { skuCode: 'JC-PEAR-5KG', quantity: 100, locationCode: 'C-01-01' }, warehouse);
});
afterAll(() => app.close());

describe('placeOrder', () => {
  it('prices lines exactly in fen and reserves every line', async () => {
    const hawthorn = await stockOf(app, 'JC-HAWTHORN-500G');
    const pear = await stockOf(app, 'JC-PEAR-5KG');
    const order = await place(
      app,
      [
        { skuCode: 'JC-HAWTHORN-500G', quantity: 3 },
        { skuCode: 'JC-PEAR-5KG', quantity: 7 },
      ],
      baofu,
      { carrierCode: 'SF' },
    );
    expect(order.number).toMatch(new RegExp(`^GD-${today.replace(/-/g, '')}-\\d{6,}$`));
    expect(order).toMatchObject({
      status: 'PLACED',
      merchant: { code: 'M-BAOFU-01' },
      carrier: { code: 'SF' },
      total: { amount: '37.75', currency: 'CNY' },
      lines: [
        {
          sku: { code: 'JC-HAWTHORN-500G' },
          quantity: 3,
          unitPrice: { amount: '12.35' },
          lineTotal: { amount: '37.05' },
          allocations: [],
        },
        {
          sku: { code: 'JC-PEAR-5KG' },
          quantity: 7,
          unitPrice: { amount: '0.10' },
          lineTotal: { amount: '0.70' },
          allocations: [],
        },
      ],
      history: [{ status: 'PLACED', actor: 'merchant-test', note: null }],
    });
    const read = await app.gql(
      'query($n: String!) { order(number: $n) { destination { station { code } } } }',
      { n: order.number },
      baofu,
    );
    expect(read.data.order.destination.station).toEqual({ code: 'ST-GAODU-BAOFU' });
    expect(await stockOf(app, 'JC-HAWTHORN-500G')).toMatchObject({
      onHand: hawthorn.onHand,
      reserved: hawthorn.reserved + 3,
      available: hawthorn.available - 3,
    });
    expect(await stockOf(app, 'JC-PEAR-5KG')).toMatchObject({
      reserved: pear.reserved + 7,
      available: pear.available - 7,
    });
  });

  it('keeps the unit price of the moment it was placed', async () => {
    const sku = await newSku('JC-PRICE-TEST', '1.01');
    await receive(
      app,
      { skuCode: sku, farmCode: 'FARM-ZEZHOU-002', quantity: 10, locationCode: 'A-01-01' },
      warehouse,
    );
    const order = await place(app, [{ skuCode: sku, quantity: 3 }], baofu);
    await app.gql('mutation { updateSku(code: "JC-PRICE-TEST", input: { price: "9.99" }) { id } }');
    const read = await app.gql(
      `query($n: String!) { order(number: $n) { total { amount } lines { unitPrice { amount } } } }`,
      { n: order.number },
      baofu,
    );
    expect(read.data.order).toEqual({
      total: { amount: '3.03' },
      lines: [{ unitPrice: { amount: '1.01' } }],
    });
  });

  it('reserves all lines or none, and lists every short SKU', async () => {
    const hawthorn = await stockOf(app, 'JC-HAWTHORN-500G');
    const pear = await stockOf(app, 'JC-PEAR-5KG');
    const before = await snapshot(app);
    const res = await placeOrderRaw(
      app,
      {
        lines: [
          { skuCode: 'JC-MILLET-2500G', quantity: 1 },
          { skuCode: 'JC-PEAR-5KG', quantity: pear.available + 1 },
          { skuCode: 'JC-HAWTHORN-500G', quantity: hawthorn.available + 5 },
        ],
      },
      baofu,
    );
    expect(res.errors?.[0].extensions.code).toBe('INSUFFICIENT_STOCK');
    expect(res.errors?.[0].extensions.shortages).toEqual(
      expect.arrayContaining([
        { skuCode: 'JC-PEAR-5KG', requested: pear.available + 1, available: pear.available },
        { skuCode: 'JC-HAWTHORN-500G', requested: hawthorn.available + 5, available: hawthorn.available },
      ]),
    );
    expect(res.errors?.[0].extensions.shortages).toHaveLength(2);
    expect(await snapshot(app)).toEqual(before);
  });

  it('lets the conditional reservation decide when the availability read was stale, keeping nothing', async () => {
    const pear = await stockOf(app, 'JC-PEAR-5KG');
    const skusOf = stockSql.skusOfRows;
    // The lookup of the lines (before any write) sees plenty, as if another order had not committed yet.
    const lookups = jest
      .spyOn(stockSql, 'skusOfRows')
      .mockImplementationOnce((rows) => {
        const skus = skusOf(rows);
        return new Map([...skus].map(([code, sku]) => [code, { ...sku, available: 1_000_000 }]));
      })
      .mockImplementation(skusOf);
    const reads = jest.spyOn(stockSql, 'availableBySku');
    const before = await snapshot(app);
    const res = await placeOrderRaw(
      app,
      {
        lines: [
          { skuCode: 'JC-MILLET-2500G', quantity: 1 },
          { skuCode: 'JC-PEAR-5KG', quantity: pear.available + 1 },
        ],
      },
      baofu,
    );
    expect(res.errors?.[0].extensions).toMatchObject({
      code: 'INSUFFICIENT_STOCK',
      shortages: [{ skuCode: 'JC-PEAR-5KG', requested: pear.available + 1, available: pear.available }],
    });
    // the stale lookup, and the read after the rollback that reports shortages
    expect(lookups).toHaveBeenCalledTimes(1);
    expect(reads).toHaveBeenCalledTimes(1);
    expect(await snapshot(app)).toEqual(before);
    jest.restoreAllMocks();
  });

  it('replays the same key and input, refuses other input with CONFLICT, and scopes keys to the merchant', async () => {
    const input = {
      idempotencyKey: nextKey('retry'),
      lines: [{ skuCode: 'JC-MILLET-2500G', quantity: 2 }],
      destination: {
        recipientName: 'Li Na',
        recipientPhone: '13900000000',
        address: '1 Main St',
        city: 'Jincheng',
      },
    };
    const first = await placeOrderRaw(app, input, baofu);
    const afterFirst = await snapshot(app);
    const again = await placeOrderRaw(app, input, baofu);
    expect(again.errors).toBeUndefined();
    expect(again.data.placeOrder.number).toBe(first.data.placeOrder.number);
    const other = await placeOrderRaw(
      app,
      { ...input, lines: [{ skuCode: 'JC-MILLET-2500G', quantity: 3 }] },
      baofu,
    );
    expect(other.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'idempotencyKey' });
    expect(await snapshot(app)).toEqual(afterFirst);
    const otherMerchant = await placeOrderRaw(app, input, beijie);
    expect(otherMerchant.data.placeOrder.number).not.toBe(first.data.placeOrder.number);
    expect(otherMerchant.data.placeOrder.merchant.code).toBe('M-BEIJIE-02');
  });

  it('replays a placeOrder after its SKU sold out: the first order again, not INSUFFICIENT_STOCK', async () => {
    await newSku('JC-SOLD-OUT');
    await receive(
      app,
      { skuCode: 'JC-SOLD-OUT', farmCode: 'FARM-ZEZHOU-002', quantity: 5, locationCode: 'A-01-01' },
      warehouse,
    );
    const input = { idempotencyKey: nextKey('sold-out'), lines: [{ skuCode: 'JC-SOLD-OUT', quantity: 5 }] };
    const first = await placeOrderRaw(app, input, baofu);
    expect(first.errors).toBeUndefined();
    expect(await stockOf(app, 'JC-SOLD-OUT')).toMatchObject({ reserved: 5, available: 0 });
    const before = await snapshot(app);
    const again = await placeOrderRaw(app, input, baofu);
    expect(again.errors).toBeUndefined();
    expect(again.data.placeOrder).toEqual(first.data.placeOrder);
    expect(await snapshot(app)).toEqual(before);
  });

  const line = { skuCode: 'JC-MILLET-2500G', quantity: 1 };
  it.each([
    ['zero units', { lines: [{ ...line, quantity: 0 }] }, 'BAD_USER_INPUT', 'lines.0.quantity'],
    [
      'negative units',
      { lines: [line, { skuCode: 'JC-PEAR-5KG', quantity: -2 }] },
      'BAD_USER_INPUT',
      'lines.1.quantity',
    ],
    ['an absurd quantity', { lines: [{ ...line, quantity: 10_001 }] }, 'BAD_USER_INPUT', 'lines.0.quantity'],
    ['no lines', { lines: [] }, 'BAD_USER_INPUT', 'lines'],
    ['101 lines', { lines: Array.from({ length: 101 }, () => line) }, 'BAD_USER_INPUT', 'lines'],
    [
      'a SKU twice',
      { lines: [line, { skuCode: 'JC-PEAR-5KG', quantity: 1 }, line] },
      'BAD_USER_INPUT',
      'lines.2.skuCode',
    ],
    [
      'an unknown SKU',
      { lines: [line, { skuCode: 'JC-NOPE', quantity: 1 }] },
      'NOT_FOUND',
      'lines.1.skuCode',
    ],
    [
      'a destination with neither station nor address',
      { destination: { city: 'Jincheng' } },
      'BAD_USER_INPUT',
      'destination',
    ],
    [
      'an address without a phone',
      { destination: { recipientName: 'Li', address: 'x' } },
      'BAD_USER_INPUT',
      'destination.recipientPhone',
    ],
    [
      'an unknown station',
      { destination: { stationCode: 'ST-NOPE' } },
      'NOT_FOUND',
      'destination.stationCode',
    ],
    ['an unknown carrier', { carrierCode: 'DHL' }, 'NOT_FOUND', 'carrierCode'],
    ['an empty idempotency key', { idempotencyKey: '' }, 'BAD_USER_INPUT', 'idempotencyKey'],
  ])('refuses %s and changes nothing', async (_what, change, code, field) => {
    const before = await snapshot(app);
    const res = await placeOrderRaw(app, { lines: [line], ...change }, baofu);
    expect(res.errors?.[0].extensions).toMatchObject({ code, field });
    expect(await snapshot(app)).toEqual(before);
  });

  it('refuses a fractional quantity given through variables and changes nothing', async () => {
    const before = await snapshot(app);
    const res = await placeOrderRaw(app, { lines: [{ skuCode: 'JC-MILLET-2500G', quantity: 2.5 }] }, baofu);
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'lines.0.quantity' });
    expect(await snapshot(app)).toEqual(before);
  });

  it('refuses an inactive SKU, an ADMIN order without merchantCode and an order for another merchant, changing nothing', async () => {
    await newSku('JC-RETIRED');
    await app.gql('mutation { updateSku(code: "JC-RETIRED", input: { active: false }) { id } }');
    const before = await snapshot(app);
    const inactive = await placeOrderRaw(app, { lines: [{ skuCode: 'JC-RETIRED', quantity: 1 }] }, baofu);
    expect(inactive.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'lines.0.skuCode',
    });
    const noMerchant = await placeOrderRaw(app, { lines: [line] });
    expect(noMerchant.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'merchantCode',
    });
    const warehouseOrder = await placeOrderRaw(app, { lines: [line], merchantCode: 'M-BAOFU-01' }, warehouse);
    expect(warehouseOrder.errors?.[0].extensions.code).toBe('FORBIDDEN');
    const forAnother = await placeOrderRaw(app, { lines: [line], merchantCode: 'M-BEIJIE-02' }, baofu);
    expect(forAnother.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect(await snapshot(app)).toEqual(before);
  });
});

describe('the order state machine', () => {
  it('goes PLACED -> ALLOCATED -> PICKED -> DISPATCHED -> DELIVERED with an event for each step', async () => {
    const order = await place(app, [{ skuCode: 'JC-PEAR-5KG', quantity: 4 }], baofu);
    const stock = await stockOf(app, 'JC-PEAR-5KG');
    expect((await transition(app, 'allocateOrder', order.number, warehouse)).data.allocateOrder.status).toBe(
      'ALLOCATED',
    );
    expect(await stockOf(app, 'JC-PEAR-5KG')).toEqual(stock);
    const picked = await transition(app, 'pickOrder', order.number, warehouse);
    expect(picked.data.pickOrder.status).toBe('PICKED');
    expect(await stockOf(app, 'JC-PEAR-5KG')).toEqual({
      ...stock,
      onHand: stock.onHand - 4,
      reserved: stock.reserved - 4,
    });
    const dispatched = await app.gql(
      DISPATCH,
      {
        input: {
          number: order.number,
          carrierCode: 'SF',
          trackingNumber: 'SF1234567890',
          parcels: 2,
          weightGrams: 20500,
        },
      },
      warehouse,
    );
    expect(dispatched.data.dispatchOrder).toMatchObject({
      status: 'DISPATCHED',
      carrier: { code: 'SF' },
      trackingNumber: 'SF1234567890',
      parcels: 2,
      weightGrams: 20500,
    });
    expect(dispatched.data.dispatchOrder.dispatchedAt).toEqual(expect.any(String));
    const delivered = await transition(app, 'markDelivered', order.number, warehouse);
    expect(delivered.data.markDelivered.deliveredAt).toEqual(expect.any(String));
    expect(
      delivered.data.markDelivered.history.map((e: { status: string; actor: string }) => [e.status, e.actor]),
    ).toEqual([
      ['PLACED', 'merchant-test'],
      ['ALLOCATED', 'warehouse-test'],
      ['PICKED', 'warehouse-test'],
      ['DISPATCHED', 'warehouse-test'],
      ['DELIVERED', 'warehouse-test'],
    ]);
    const pickLedger = await app.gql(
      '{ stockMovements(filter: { type: PICK }) { nodes { quantity onHandDelta order { number } sku { code } } } }',
      {},
      warehouse,
    );
    expect(pickLedger.data.stockMovements.nodes).toContainEqual({
      quantity: 4,
      onHandDelta: -4,
      order: { number: order.number },
      sku: { code: 'JC-PEAR-5KG' },
    });
  });

  it('refuses every other transition with INVALID_STATE and changes nothing', async () => {
    const placed = await place(app, [{ skuCode: 'JC-MILLET-2500G', quantity: 1 }], baofu);
    const picked = await place(app, [{ skuCode: 'JC-MILLET-2500G', quantity: 1 }], baofu);
    await transition(app, 'allocateOrder', picked.number, warehouse);
    await transition(app, 'pickOrder', picked.number, warehouse);
    const cancelled = await place(app, [{ skuCode: 'JC-MILLET-2500G', quantity: 1 }], baofu);
    await app.gql(CANCEL, { n: cancelled.number, r: 'changed mind' }, baofu);
    const dispatch = (n: string) =>
      app.gql(
        DISPATCH,
        { input: { number: n, carrierCode: 'YTO', trackingNumber: 'YT1', parcels: 1 } },
        warehouse,
      );
    const attempts: [string, () => Promise<{ errors?: { extensions: Record<string, unknown> }[] }>][] = [
      ['pick a PLACED order', () => transition(app, 'pickOrder', placed.number, warehouse)],
      ['dispatch a PLACED order', () => dispatch(placed.number)],
      ['deliver a PLACED order', () => transition(app, 'markDelivered', placed.number, warehouse)],
      ['allocate a PICKED order', () => transition(app, 'allocateOrder', picked.number, warehouse)],
      ['cancel a PICKED order', () => app.gql(CANCEL, { n: picked.number, r: 'late' }, warehouse)],
      ['deliver a PICKED order', () => transition(app, 'markDelivered', picked.number, warehouse)],
      ['allocate a CANCELLED order', () => transition(app, 'allocateOrder', cancelled.number, warehouse)],
      ['cancel a CANCELLED order', () => app.gql(CANCEL, { n: cancelled.number, r: 'again' }, baofu)],
    ];
    for (const [what, attempt] of attempts) {
      const before = await snapshot(app);
      const res = await attempt();
      expect([what, res.errors?.[0].extensions.code]).toEqual([what, 'INVALID_STATE']);
      expect(await snapshot(app)).toEqual(before);
    }
  });

  it('refuses bad dispatch input with its field and changes nothing', async () => {
    const order = await place(app, [{ skuCode: 'JC-MILLET-2500G', quantity: 1 }], baofu);
    await transition(app, 'allocateOrder', order.number, warehouse);
    await transition(app, 'pickOrder', order.number, warehouse);
    const before = await snapshot(app);
    const input = { number: order.number, carrierCode: 'SF', trackingNumber: 'SF1', parcels: 1 };
    for (const [change, code, field] of [
      [{ parcels: 0 }, 'BAD_USER_INPUT', 'parcels'],
      [{ parcels: 1001 }, 'BAD_USER_INPUT', 'parcels'],
      [{ carrierCode: 'DHL' }, 'NOT_FOUND', 'carrierCode'],
      [{ trackingNumber: '' }, 'BAD_USER_INPUT', 'trackingNumber'],
      [{ number: 'GD-NOPE' }, 'NOT_FOUND', 'number'],
    ] as const) {
      const res = await app.gql(DISPATCH, { input: { ...input, ...change } }, warehouse);
      expect(res.errors?.[0].extensions).toMatchObject({ code, field });
    }
    expect(await snapshot(app)).toEqual(before);
  });

  it('lets only WAREHOUSE and ADMIN allocate, pick and dispatch', async () => {
    const order = await place(app, [{ skuCode: 'JC-MILLET-2500G', quantity: 1 }], baofu);
    const before = await snapshot(app);
    const res = await transition(app, 'allocateOrder', order.number, baofu);
    expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect(await snapshot(app)).toEqual(before);
  });
});

describe('cancelOrder', () => {
  it('releases the reservation of a PLACED order', async () => {
    const stock = await stockOf(app, 'JC-HAWTHORN-500G');
    const order = await place(app, [{ skuCode: 'JC-HAWTHORN-500G', quantity: 5 }], baofu);
    const res = await app.gql(CANCEL, { n: order.number, r: 'customer changed mind' }, baofu);
    expect(res.data.cancelOrder).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'customer changed mind',
    });
    expect(res.data.cancelOrder.history.at(-1)).toEqual({
      status: 'CANCELLED',
      actor: 'merchant-test',
      note: 'customer changed mind',
    });
    expect(await stockOf(app, 'JC-HAWTHORN-500G')).toEqual(stock);
  });

  it('releases the allocations and reservation of an ALLOCATED order; WAREHOUSE may cancel', async () => {
    const stock = await stockOf(app, 'JC-HAWTHORN-500G');
    const placements = await app.dataSource.query(
      'SELECT lot_id, location_id, quantity, allocated FROM lot_placement ORDER BY lot_id, location_id',
    );
    const order = await place(app, [{ skuCode: 'JC-HAWTHORN-500G', quantity: 6 }], baofu);
    const allocated = await transition(app, 'allocateOrder', order.number, warehouse);
    expect(allocated.data.allocateOrder.lines[0].allocations).toHaveLength(1);
    const res = await app.gql(CANCEL, { n: order.number, r: 'address unreachable' }, warehouse);
    expect(res.data.cancelOrder.status).toBe('CANCELLED');
    expect(await stockOf(app, 'JC-HAWTHORN-500G')).toEqual(stock);
    expect(
      await app.dataSource.query(
        'SELECT lot_id, location_id, quantity, allocated FROM lot_placement ORDER BY lot_id, location_id',
      ),
    ).toEqual(placements);
  });

  it("answers NOT_FOUND for another merchant's order and changes nothing", async () => {
    const order = await place(app, [{ skuCode: 'JC-HAWTHORN-500G', quantity: 1 }], baofu);
    const before = await snapshot(app);
    const res = await app.gql(CANCEL, { n: order.number, r: 'not mine' }, beijie);
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'number' });
    expect(await snapshot(app)).toEqual(before);
    const read = await app.gql(
      'query($n: String!) { order(number: $n) { number } }',
      { n: order.number },
      beijie,
    );
    expect(read.data?.order ?? null).toBeNull();
    expect(read.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'number' });
    const unknown = await app.gql(
      'query($n: String!) { order(number: $n) { number } }',
      { n: 'GD-20000101-999999' },
      beijie,
    );
    expect(unknown.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'number' });
    expect(unknown.errors?.[0].message).toBe(
      read.errors?.[0].message.replace(order.number, 'GD-20000101-999999'),
    );
  });
});

describe('allocateOrder', () => {
  it('allocates first-expiry-first-out across lots and bins, skipping HELD and expired lots', async () => {
    const sku = await newSku('JC-CHESTNUT-1KG');
    const farmCode = 'FARM-ZEZHOU-002';
    const late = await receive(
      app,
      { skuCode: sku, farmCode, quantity: 10, locationCode: 'A-01-01', expiresOn: addDays(today, 60) },
      warehouse,
    );
    const soon = await receive(
      app,
      { skuCode: sku, farmCode, quantity: 3, locationCode: 'A-01-02', expiresOn: addDays(today, 5) },
      warehouse,
    );
    const held = await receive(
      app,
      { skuCode: sku, farmCode, quantity: 50, locationCode: 'A-01-01', expiresOn: addDays(today, 1) },
      warehouse,
    );
    const expired = await receive(
      app,
      { skuCode: sku, farmCode, quantity: 50, locationCode: 'A-01-02', expiresOn: addDays(today, -2) },
      warehouse,
    );
    await app.gql(
      'mutation($c: String!) { holdLot(code: $c, reason: "lab test") { code } }',
      { c: held.code },
      warehouse,
    );
    expect(await stockOf(app, sku)).toMatchObject({ onHand: 113, unsellable: 100, available: 13 });

    const order = await place(app, [{ skuCode: sku, quantity: 5 }], beijie);
    const res = await transition(app, 'allocateOrder', order.number, warehouse);
    expect(res.errors).toBeUndefined();
    expect(res.data.allocateOrder.lines[0].allocations).toEqual([
      { lot: { code: soon.code }, location: { code: 'A-01-02' }, quantity: 3 },
      { lot: { code: late.code }, location: { code: 'A-01-01' }, quantity: 2 },
    ]);
    const picked = await transition(app, 'pickOrder', order.number, warehouse);
    expect(picked.errors).toBeUndefined();
    const lots = await app.gql(
      `{ lots(filter: { skuCode: "${sku}" }) { nodes { code status quantityOnHand } } }`,
    );
    expect(lots.data.lots.nodes).toEqual([
      { code: late.code, status: 'ACTIVE', quantityOnHand: 8 },
      { code: soon.code, status: 'DEPLETED', quantityOnHand: 0 },
      { code: held.code, status: 'HELD', quantityOnHand: 50 },
      { code: expired.code, status: 'EXPIRED', quantityOnHand: 50 },
    ]);
  });

  it('takes a lot kept in two bins from both, in bin order', async () => {
    const sku = await newSku('JC-PEPPER-200G');
    const lot = await receive(
      app,
      { skuCode: sku, farmCode: 'FARM-ZEZHOU-002', quantity: 5, locationCode: 'A-01-02' },
      warehouse,
    );
    await app.gql(
      'mutation($i: MoveStockInput!) { moveStock(input: $i) { code } }',
      {
        i: {
          idempotencyKey: nextKey('mv'),
          lotCode: lot.code,
          fromLocationCode: 'A-01-02',
          toLocationCode: 'A-01-01',
          quantity: 2,
        },
      },
      warehouse,
    );
    const order = await place(app, [{ skuCode: sku, quantity: 3 }], baofu);
    const res = await transition(app, 'allocateOrder', order.number, warehouse);
    expect(res.data.allocateOrder.lines[0].allocations).toEqual([
      { lot: { code: lot.code }, location: { code: 'A-01-01' }, quantity: 2 },
      { lot: { code: lot.code }, location: { code: 'A-01-02' }, quantity: 1 },
    ]);
    const before = await snapshot(app);
    const move = await app.gql(
      'mutation($i: MoveStockInput!) { moveStock(input: $i) { code } }',
      {
        i: {
          idempotencyKey: nextKey('mv'),
          lotCode: lot.code,
          fromLocationCode: 'A-01-01',
          toLocationCode: 'A-01-02',
          quantity: 1,
        },
      },
      warehouse,
    );
    expect(move.errors?.[0].extensions).toMatchObject({
      code: 'INSUFFICIENT_STOCK',
      shortages: [{ skuCode: sku, requested: 1, available: 0 }],
    });
    expect(await snapshot(app)).toEqual(before);
  });

  it('refuses with INSUFFICIENT_STOCK and changes nothing when a reserved lot was held meanwhile', async () => {
    const sku = await newSku('JC-WALNUT-1KG');
    const lot = await receive(
      app,
      { skuCode: sku, farmCode: 'FARM-ZEZHOU-002', quantity: 4, locationCode: 'A-01-01' },
      warehouse,
    );
    const order = await place(app, [{ skuCode: sku, quantity: 4 }], baofu);
    await app.gql(
      'mutation($c: String!) { holdLot(code: $c, reason: "recall") { code } }',
      { c: lot.code },
      warehouse,
    );
    const before = await snapshot(app);
    const res = await transition(app, 'allocateOrder', order.number, warehouse);
    expect(res.errors?.[0].extensions).toMatchObject({
      code: 'INSUFFICIENT_STOCK',
      shortages: [{ skuCode: sku, requested: 4, available: 0 }],
    });
    expect(await snapshot(app)).toEqual(before);
  });
});

describe('lots that turn unsellable after allocation', () => {
  const pickOf = (number: string) => transition(app, 'pickOrder', number, warehouse);

  it('never ships a lot held after allocation: the pick is INVALID_STATE and changes nothing; cancelling releases it', async () => {
    const sku = await newSku('JC-MUSHROOM-250G');
    const lot = await receive(
      app,
      { skuCode: sku, farmCode: 'FARM-ZEZHOU-002', quantity: 6, locationCode: 'A-01-01' },
      warehouse,
    );
    const order = await place(app, [{ skuCode: sku, quantity: 6 }], baofu);
    await transition(app, 'allocateOrder', order.number, warehouse);
    await app.gql(
      'mutation($c: String!) { holdLot(code: $c, reason: "recall") { code } }',
      { c: lot.code },
      warehouse,
    );
    const before = await snapshot(app);
    const res = await pickOf(order.number);
    expect(res.errors?.[0].extensions.code).toBe('INVALID_STATE');
    expect(await snapshot(app)).toEqual(before);
    await app.gql(CANCEL, { n: order.number, r: 'lot recalled' }, warehouse);
    expect(await stockOf(app, sku)).toEqual({ onHand: 6, reserved: 0, unsellable: 6, available: 0 });
  });

  it('leaves an expired lot with allocated units to a later write-off, and never ships it', async () => {
    const sku = await newSku('JC-APRICOT-1KG');
    const lot = await receive(
      app,
      { skuCode: sku, farmCode: 'FARM-ZEZHOU-002', quantity: 5, locationCode: 'A-01-02' },
      warehouse,
    );
    const order = await place(app, [{ skuCode: sku, quantity: 2 }], baofu);
    await transition(app, 'allocateOrder', order.number, warehouse);
    // The lot's expiry date passes while the order waits to be picked.
    await app.dataSource.query('UPDATE lot SET expires_on = ? WHERE code = ?', [
      addDays(today, -1),
      lot.code,
    ]);
    const writeOff = async () =>
      (await app.gql('mutation { writeOffExpired }', {}, warehouse)).data.writeOffExpired;
    await writeOff();
    const lotNow = async () =>
      (await app.dataSource.query('SELECT status, quantity_on_hand FROM lot WHERE code = ?', [lot.code]))[0];
    expect(await lotNow()).toMatchObject({ status: 'ACTIVE' });
    expect(Number((await lotNow()).quantity_on_hand)).toBe(5);
    const before = await snapshot(app);
    expect((await pickOf(order.number)).errors?.[0].extensions.code).toBe('INVALID_STATE');
    expect(await snapshot(app)).toEqual(before);
    await app.gql(CANCEL, { n: order.number, r: 'expired before pick' }, warehouse);
    expect(await writeOff()).toBe(5);
    expect(await stockOf(app, sku)).toEqual({ onHand: 0, reserved: 0, unsellable: 0, available: 0 });
  });
});

describe('traceLot', () => {
  const TRACE = `query($c: String!) { traceLot(code: $c) { lot { code } unitsReceived unitsOnHand unitsShipped unitsWrittenOff
    shipments { order { number merchant { code } } quantity } merchants { code } } }`;

  it('accounts for every unit of a lot: on hand, shipped to whom, written off', async () => {
    const sku = await newSku('JC-DATES-500G');
    const lot = await receive(
      app,
      { skuCode: sku, farmCode: 'FARM-ZEZHOU-002', quantity: 30, locationCode: 'A-01-02' },
      warehouse,
    );
    const a = await place(app, [{ skuCode: sku, quantity: 4 }], baofu);
    const b = await place(app, [{ skuCode: sku, quantity: 6 }], beijie);
    for (const order of [a, b]) {
      await transition(app, 'allocateOrder', order.number, warehouse);
      await transition(app, 'pickOrder', order.number, warehouse);
    }
    const adjust = (delta: number, reason: string) =>
      app.gql(
        'mutation($input: AdjustStockInput!) { adjustStock(input: $input) { id } }',
        {
          input: {
            idempotencyKey: nextKey('adj'),
            lotCode: lot.code,
            locationCode: 'A-01-02',
            delta,
            reason,
          },
        },
        warehouse,
      );
    await adjust(-3, 'DAMAGE');
    await adjust(1, 'FOUND');
    const res = await app.gql(TRACE, { c: lot.code }, warehouse);
    expect(res.data.traceLot).toEqual({
      lot: { code: lot.code },
      unitsReceived: 30,
      unitsOnHand: 18,
      unitsShipped: 10,
      unitsWrittenOff: 2,
      shipments: [
        { order: { number: a.number, merchant: { code: 'M-BAOFU-01' } }, quantity: 4 },
        { order: { number: b.number, merchant: { code: 'M-BEIJIE-02' } }, quantity: 6 },
      ],
      merchants: [{ code: 'M-BAOFU-01' }, { code: 'M-BEIJIE-02' }],
    });
    const official = await app.keyFor(Role.OFFICIAL);
    expect((await app.gql(TRACE, { c: lot.code }, official)).data.traceLot.unitsShipped).toBe(10);
    const merchant = await app.gql(TRACE, { c: lot.code }, baofu);
    expect(merchant.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect((await app.gql(TRACE, { c: 'LOT-NOPE' }, warehouse)).data.traceLot).toBeNull();
  });
});
