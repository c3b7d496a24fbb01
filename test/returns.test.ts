import { Role } from '../src/graphql/enums';
import { addDays, shanghaiToday } from '../src/time';
import { createReferenceData } from './support/fixtures';
import { nextKey, place, receive, snapshot, stockOf, transition } from './support/operations';
import { startTestApp, TestApp } from './support/test-app';
import { eventually, listen, LiveServer, subscribe, wsClient } from './support/ws';

let app: TestApp;
let warehouse: string;
let baofu: string;
const today = shanghaiToday();

const RETURN = `mutation($input: ReturnOrderInput!) { returnOrder(input: $input) {
  number status history { status note }
  returns { reason actor lines { sku { code } quantity condition
    movements { type quantity onHandDelta toLocation { code } lot { code } order { number } } } } } }`;
const TRACE =
  'query($c: String!) { traceLot(code: $c) { unitsReceived unitsReturned unitsOnHand unitsShipped unitsWrittenOff } }';

beforeAll(async () => {
  app = await startTestApp();
  await createReferenceData(app);
  warehouse = await app.keyFor(Role.WAREHOUSE);
  baofu = await app.keyFor(Role.MERCHANT, 'M-BAOFU-01');
});
afterAll(() => app.close());

/** Places, allocates, picks and dispatches an order of these lines; returns its number. */
async function shipped(lines: { skuCode: string; quantity: number }[]): Promise<string> {
  const order = await place(app, lines, baofu);
  for (const step of ['allocateOrder', 'pickOrder'] as const)
    expect((await transition(app, step, order.number, warehouse)).errors).toBeUndefined();
  const res = await app.gql(
    'mutation($i: DispatchOrderInput!) { dispatchOrder(input: $i) { status } }',
    { i: { number: order.number, carrierCode: 'SF', trackingNumber: `SF-${order.number}`, parcels: 1 } },
    warehouse,
  );
  expect(res.errors).toBeUndefined();
  return order.number;
}

function returnOrder(input: Record<string, unknown>, token = warehouse) {
  return app.gql(
    RETURN,
    { input: { idempotencyKey: nextKey('ret'), reason: 'refused at the door', ...input } },
    token,
  );
}

async function lotOf(code: string) {
  const res = await app.gql(
    'query($c: String!) { lot(code: $c) { status quantityOnHand placements { location { code } quantity } } }',
    { c: code },
  );
  return res.data.lot;
}

async function trace(code: string) {
  const t = (await app.gql(TRACE, { c: code }, warehouse)).data.traceLot;
  expect(t.unitsReceived + t.unitsReturned).toBe(t.unitsOnHand + t.unitsShipped + t.unitsWrittenOff);
  return t;
}

async function dashboardToday() {
  const res = await app.gql(
    'query($d: LocalDate!) { dashboard(from: $d, to: $d) { unitsReturned salesReturned { amount } unitsDispatched } }',
    { d: today },
  );
  expect(res.errors).toBeUndefined();
  return res.data.dashboard;
}

describe('returnOrder', () => {
  it('puts RESALEABLE units back into the lot they were picked from, records DAMAGED ones, and counts both on the dashboard', async () => {
    const millet = await receive(app, { skuCode: 'JC-MILLET-2500G', quantity: 10, locationCode: 'A-01-01' });
    const hawthorn = await receive(app, {
      skuCode: 'JC-HAWTHORN-500G',
      quantity: 10,
      locationCode: 'A-01-01',
    });
    const number = await shipped([
      { skuCode: 'JC-MILLET-2500G', quantity: 4 },
      { skuCode: 'JC-HAWTHORN-500G', quantity: 3 },
    ]);
    const stockBefore = await stockOf(app, 'JC-MILLET-2500G');
    const dashBefore = await dashboardToday();
    const res = await returnOrder({
      number,
      locationCode: 'A-01-02',
      lines: [
        { skuCode: 'JC-MILLET-2500G', quantity: 3, condition: 'RESALEABLE' },
        { skuCode: 'JC-HAWTHORN-500G', quantity: 1, condition: 'DAMAGED' },
      ],
    });
    expect(res.errors).toBeUndefined();
    expect(res.data.returnOrder).toEqual({
      number,
      status: 'DISPATCHED',
      history: ['PLACED', 'ALLOCATED', 'PICKED', 'DISPATCHED'].map((status) => ({ status, note: null })),
      returns: [
        {
          reason: 'refused at the door',
          actor: 'warehouse-test',
          lines: [
            {
              sku: { code: 'JC-MILLET-2500G' },
              quantity: 3,
              condition: 'RESALEABLE',
              movements: [
                {
                  type: 'RETURN',
                  quantity: 3,
                  onHandDelta: 3,
                  toLocation: { code: 'A-01-02' },
                  lot: { code: millet.code },
                  order: { number },
                },
              ],
            },
            { sku: { code: 'JC-HAWTHORN-500G' }, quantity: 1, condition: 'DAMAGED', movements: [] },
          ],
        },
      ],
    });
    const stockAfter = await stockOf(app, 'JC-MILLET-2500G');
    expect(stockAfter.onHand - stockBefore.onHand).toBe(3);
    expect(stockAfter.available - stockBefore.available).toBe(3);
    expect(await lotOf(millet.code)).toMatchObject({
      quantityOnHand: 9,
      placements: [
        { location: { code: 'A-01-01' }, quantity: 6 },
        { location: { code: 'A-01-02' }, quantity: 3 },
      ],
    });
    expect(await trace(millet.code)).toMatchObject({ unitsReceived: 10, unitsShipped: 4, unitsReturned: 3 });
    expect(await trace(hawthorn.code)).toMatchObject({ unitsShipped: 3, unitsReturned: 0, unitsOnHand: 7 });
    // 3 millet at 39.90 and 1 hawthorn at 12.35 came back today.
    const dashAfter = await dashboardToday();
    expect(dashAfter.unitsReturned - dashBefore.unitsReturned).toBe(4);
    expect(Number(dashAfter.salesReturned.amount) - Number(dashBefore.salesReturned.amount)).toBeCloseTo(
      3 * 39.9 + 12.35,
      2,
    );
    expect(dashAfter.unitsDispatched).toBe(dashBefore.unitsDispatched);
  });

  it('makes the order RETURNED once every shipped unit is back, and takes nothing more', async () => {
    await receive(app, { skuCode: 'JC-HAWTHORN-500G', quantity: 10, locationCode: 'A-01-01' });
    const number = await shipped([{ skuCode: 'JC-HAWTHORN-500G', quantity: 5 }]);
    expect((await transition(app, 'markDelivered', number, warehouse)).data.markDelivered.status).toBe(
      'DELIVERED',
    );
    const first = await returnOrder({
      number,
      locationCode: 'A-01-01',
      lines: [{ skuCode: 'JC-HAWTHORN-500G', quantity: 2, condition: 'RESALEABLE' }],
    });
    expect(first.data.returnOrder.status).toBe('DELIVERED');
    const over = await returnOrder({
      number,
      lines: [{ skuCode: 'JC-HAWTHORN-500G', quantity: 4, condition: 'DAMAGED' }],
    });
    expect(over.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'lines.0.quantity' });
    expect(over.errors?.[0].message).toMatch(/At most 3 .* \(5 shipped, 2 returned before\), got 4/);
    const rest = await returnOrder({
      number,
      reason: 'second parcel refused',
      lines: [{ skuCode: 'JC-HAWTHORN-500G', quantity: 3, condition: 'DAMAGED' }],
    });
    expect(rest.errors).toBeUndefined();
    expect(rest.data.returnOrder.status).toBe('RETURNED');
    expect(rest.data.returnOrder.history.slice(-1)).toEqual([
      { status: 'RETURNED', note: 'second parcel refused' },
    ]);
    expect(rest.data.returnOrder.returns).toHaveLength(2);
    const again = await returnOrder({
      number,
      lines: [{ skuCode: 'JC-HAWTHORN-500G', quantity: 1, condition: 'DAMAGED' }],
    });
    expect(again.errors?.[0].extensions.code).toBe('INVALID_STATE');
    expect(again.errors?.[0].message).toMatch(/is RETURNED; only a DISPATCHED or DELIVERED order/);
  });

  it('moves updatedAt with a partial return, so the change feed shows the order again', async () => {
    await receive(app, { skuCode: 'JC-HAWTHORN-500G', quantity: 4, locationCode: 'A-01-01' });
    const number = await shipped([{ skuCode: 'JC-HAWTHORN-500G', quantity: 4 }]);
    const feed = (since: string) =>
      app.gql(
        'query($s: DateTime!) { orders(filter: { updatedSince: $s }, orderBy: { field: UPDATED_AT, direction: ASC }) { nodes { number updatedAt } } }',
        { s: since },
        warehouse,
      );
    const before = (await feed('2000-01-01T00:00:00Z')).data.orders.nodes.find(
      (o: any) => o.number === number,
    );
    const partial = await returnOrder({
      number,
      lines: [{ skuCode: 'JC-HAWTHORN-500G', quantity: 1, condition: 'DAMAGED' }],
    });
    expect(partial.errors).toBeUndefined();
    const order = (
      await app.gql(
        'query($n: String!) { order(number: $n) { status updatedAt returns { at } } }',
        { n: number },
        warehouse,
      )
    ).data.order;
    expect(order.status).toBe('DISPATCHED');
    expect(order.updatedAt).toBe(order.returns[0].at);
    expect(Date.parse(order.updatedAt)).toBeGreaterThan(Date.parse(before.updatedAt));
    const after = new Date(Date.parse(before.updatedAt) + 1).toISOString();
    expect((await feed(after)).data.orders.nodes.map((o: any) => o.number)).toContain(number);
  });

  it('makes a DEPLETED lot ACTIVE again; units of a lot past expiry or on hold come back unsellable', async () => {
    const pear = await receive(app, {
      skuCode: 'JC-PEAR-5KG',
      quantity: 6,
      locationCode: 'C-01-01',
      expiresOn: addDays(today, 5),
    });
    const number = await shipped([{ skuCode: 'JC-PEAR-5KG', quantity: 6 }]);
    expect(await lotOf(pear.code)).toMatchObject({ status: 'DEPLETED', quantityOnHand: 0 });
    const back = (quantity: number) =>
      returnOrder({
        number,
        locationCode: 'C-01-01',
        lines: [{ skuCode: 'JC-PEAR-5KG', quantity, condition: 'RESALEABLE' }],
      });
    let before = await stockOf(app, 'JC-PEAR-5KG');
    expect((await back(2)).errors).toBeUndefined();
    expect(await lotOf(pear.code)).toMatchObject({ status: 'ACTIVE', quantityOnHand: 2 });
    let after = await stockOf(app, 'JC-PEAR-5KG');
    expect([after.onHand - before.onHand, after.available - before.available]).toEqual([2, 2]);

    // On hold: the units come back into held_or_expired.
    await app.gql('mutation($c: String!) { holdLot(code: $c, reason: "lab test") { status } }', {
      c: pear.code,
    });
    before = await stockOf(app, 'JC-PEAR-5KG');
    expect((await back(1)).errors).toBeUndefined();
    after = await stockOf(app, 'JC-PEAR-5KG');
    expect([
      after.onHand - before.onHand,
      after.unsellable - before.unsellable,
      after.available - before.available,
    ]).toEqual([1, 1, 0]);
    await app.gql('mutation($c: String!) { releaseLot(code: $c) { status } }', { c: pear.code });

    // Past its expiry date (as the days go by): the units come back, and are not for sale.
    await app.dataSource.query('UPDATE lot SET expires_on = ? WHERE code = ?', [
      addDays(today, -1),
      pear.code,
    ]);
    before = await stockOf(app, 'JC-PEAR-5KG');
    expect((await back(1)).errors).toBeUndefined();
    after = await stockOf(app, 'JC-PEAR-5KG');
    expect([
      after.onHand - before.onHand,
      after.unsellable - before.unsellable,
      after.available - before.available,
    ]).toEqual([1, 1, 0]);

    // Written off as EXPIRED: units still come back into the lot, unsellable.
    const written = await app.gql('mutation { writeOffExpired }', {}, warehouse);
    expect(written.data.writeOffExpired).toBeGreaterThanOrEqual(4);
    before = await stockOf(app, 'JC-PEAR-5KG');
    const last = await back(2);
    expect(last.data.returnOrder.status).toBe('RETURNED');
    after = await stockOf(app, 'JC-PEAR-5KG');
    expect([
      after.onHand - before.onHand,
      after.unsellable - before.unsellable,
      after.available - before.available,
    ]).toEqual([2, 2, 0]);
    expect(await lotOf(pear.code)).toMatchObject({ status: 'EXPIRED', quantityOnHand: 2 });
    expect(await trace(pear.code)).toMatchObject({ unitsShipped: 6, unitsReturned: 6, unitsWrittenOff: 4 });
  });

  it('replays a repeat with its key, and refuses the key with other input', async () => {
    await receive(app, { skuCode: 'JC-MILLET-2500G', quantity: 5, locationCode: 'A-01-01' });
    const number = await shipped([{ skuCode: 'JC-MILLET-2500G', quantity: 2 }]);
    const input = {
      idempotencyKey: nextKey('same'),
      number,
      locationCode: 'A-01-01',
      lines: [{ skuCode: 'JC-MILLET-2500G', quantity: 1, condition: 'RESALEABLE' }],
    };
    const first = await returnOrder(input);
    const before = await snapshot(app);
    const repeat = await returnOrder(input);
    expect(repeat).toEqual(first);
    expect(await snapshot(app)).toEqual(before);
    const other = await returnOrder({ ...input, lines: [{ ...input.lines[0], quantity: 2 }] });
    expect(other.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'idempotencyKey' });
    expect(await snapshot(app)).toEqual(before);
  });

  it('refuses bad input with the field named, and changes nothing', async () => {
    await receive(app, { skuCode: 'JC-MILLET-2500G', quantity: 5, locationCode: 'A-01-01' });
    await receive(app, { skuCode: 'JC-PEAR-5KG', quantity: 5, locationCode: 'C-01-01' });
    const number = await shipped([
      { skuCode: 'JC-MILLET-2500G', quantity: 2 },
      { skuCode: 'JC-PEAR-5KG', quantity: 1 },
    ]);
    const placed = (await place(app, [{ skuCode: 'JC-MILLET-2500G', quantity: 1 }], baofu)).number;
    const line = (skuCode: string, quantity: number, condition = 'RESALEABLE') => ({
      skuCode,
      quantity,
      condition,
    });
    const cases: [Record<string, unknown>, string, string | undefined][] = [
      [
        { number, locationCode: 'A-01-01', lines: [line('JC-MILLET-2500G', 3)] },
        'BAD_USER_INPUT',
        'lines.0.quantity',
      ],
      [
        { number, locationCode: 'A-01-01', lines: [line('JC-MILLET-2500G', 0)] },
        'BAD_USER_INPUT',
        'lines.0.quantity',
      ],
      [
        { number, locationCode: 'A-01-01', lines: [line('JC-MILLET-2500G', -1)] },
        'BAD_USER_INPUT',
        'lines.0.quantity',
      ],
      [
        { number, locationCode: 'C-01-01', lines: [line('JC-MILLET-2500G', 1)] },
        'BAD_USER_INPUT',
        'locationCode',
      ],
      [
        { number, locationCode: 'C-01-01', lines: [line('JC-PEAR-5KG', 1), line('JC-MILLET-2500G', 1)] },
        'BAD_USER_INPUT',
        'locationCode',
      ],
      [{ number, lines: [line('JC-MILLET-2500G', 1)] }, 'BAD_USER_INPUT', 'locationCode'],
      [
        { number, locationCode: 'A-01-01', lines: [line('JC-HAWTHORN-500G', 1)] },
        'BAD_USER_INPUT',
        'lines.0.skuCode',
      ],
      [
        {
          number,
          locationCode: 'A-01-01',
          lines: [line('JC-MILLET-2500G', 1), line('JC-MILLET-2500G', 1, 'DAMAGED')],
        },
        'BAD_USER_INPUT',
        'lines.1.skuCode',
      ],
      [{ number, locationCode: 'A-01-01', lines: [line('NO-SUCH-SKU', 1)] }, 'NOT_FOUND', 'lines.0.skuCode'],
      [{ number, locationCode: 'Z-99-99', lines: [line('JC-MILLET-2500G', 1)] }, 'NOT_FOUND', 'locationCode'],
      [
        { number: 'GD-20000101-999999', lines: [line('JC-MILLET-2500G', 1, 'DAMAGED')] },
        'NOT_FOUND',
        'number',
      ],
      [{ number, lines: [] }, 'BAD_USER_INPUT', 'lines'],
      [{ number, lines: [line('JC-MILLET-2500G', 1, 'DAMAGED')], reason: '' }, 'BAD_USER_INPUT', 'reason'],
      [
        { number, lines: [line('JC-MILLET-2500G', 1, 'DAMAGED')], idempotencyKey: '' },
        'BAD_USER_INPUT',
        'idempotencyKey',
      ],
      [
        { number, lines: [line('JC-MILLET-2500G', 1, 'DAMAGED')], idempotencyKey: 'k'.repeat(101) },
        'BAD_USER_INPUT',
        'idempotencyKey',
      ],
      [{ number: placed, lines: [line('JC-MILLET-2500G', 1, 'DAMAGED')] }, 'INVALID_STATE', undefined],
    ];
    const before = await snapshot(app);
    const stock = [await stockOf(app, 'JC-MILLET-2500G'), await stockOf(app, 'JC-PEAR-5KG')];
    for (const [input, code, field] of cases) {
      const res = await returnOrder(input);
      expect({ input, error: res.errors?.[0].extensions }).toEqual({
        input,
        error: expect.objectContaining(field ? { code, field } : { code }),
      });
    }
    expect(await snapshot(app)).toEqual(before);
    expect([await stockOf(app, 'JC-MILLET-2500G'), await stockOf(app, 'JC-PEAR-5KG')]).toEqual(stock);
    expect(
      (await returnOrder({ number, lines: [line('JC-MILLET-2500G', 1, 'DAMAGED')] }, baofu)).errors?.[0]
        .extensions.code,
    ).toBe('FORBIDDEN');
  });

  it('tells orderStatusChanged and stockLevelChanged subscribers', async () => {
    const live: LiveServer = await listen(app.gateway);
    const clients = [wsClient(live.url, warehouse), wsClient(live.url, baofu)];
    try {
      await receive(app, { skuCode: 'JC-HAWTHORN-500G', quantity: 4, locationCode: 'A-01-01' });
      const number = await shipped([{ skuCode: 'JC-HAWTHORN-500G', quantity: 2 }]);
      const orders = subscribe(
        clients[0],
        'subscription { orderStatusChanged { number status returns { reason } } }',
      );
      const stock = subscribe(
        clients[1],
        'subscription($c: [String!]) { stockLevelChanged(skuCodes: $c) { sku { code } onHand } }',
        {
          c: ['JC-HAWTHORN-500G'],
        },
      );
      await eventually(() => live.subscriptions.hub.size === 2, 'both subscriptions to open');
      const onHand = (await stockOf(app, 'JC-HAWTHORN-500G')).onHand;
      const res = await returnOrder({
        number,
        locationCode: 'A-01-01',
        lines: [{ skuCode: 'JC-HAWTHORN-500G', quantity: 2, condition: 'RESALEABLE' }],
      });
      expect(res.errors).toBeUndefined();
      expect((await orders.next()).data.orderStatusChanged).toEqual({
        number,
        status: 'RETURNED',
        returns: [{ reason: 'refused at the door' }],
      });
      expect((await stock.next()).data.stockLevelChanged).toEqual({
        sku: { code: 'JC-HAWTHORN-500G' },
        onHand: onHand + 2,
      });
    } finally {
      for (const c of clients) await c.dispose();
      await live.close();
    }
  });
});
