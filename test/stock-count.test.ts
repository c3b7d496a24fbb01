import { Role } from '../src/graphql/enums';
import { addDays, shanghaiToday } from '../src/time';
import { createReferenceData } from './support/fixtures';
import { nextKey, place, receive, snapshot, stockOf, transition } from './support/operations';
import { startTestApp, TestApp } from './support/test-app';

let app: TestApp;
let warehouse: string;
let baofu: string;
const today = shanghaiToday();

const COUNT = `mutation($input: CountStockInput!) { countStock(input: $input) {
  lot { code quantityOnHand status } location { code } previousQuantity countedQuantity
  movement { type reason quantity onHandDelta note fromLocation { code } toLocation { code } } } }`;

beforeAll(async () => {
  app = await startTestApp();
  await createReferenceData(app);
  warehouse = await app.keyFor(Role.WAREHOUSE);
  baofu = await app.keyFor(Role.MERCHANT, 'M-BAOFU-01');
});
afterAll(() => app.close());

function count(input: Record<string, unknown>, token = warehouse) {
  return app.gql(COUNT, { input: { idempotencyKey: nextKey('count'), ...input } }, token);
}

const movements = async () =>
  Number((await app.dataSource.query('SELECT COUNT(*) AS n FROM stock_movement'))[0].n);

describe('countStock', () => {
  it('writes the difference as a COUNT_CORRECTION, and nothing when the count matches', async () => {
    const lot = await receive(app, { skuCode: 'JC-MILLET-2500G', quantity: 20, locationCode: 'A-01-01' });
    const before = await stockOf(app, 'JC-MILLET-2500G');
    const ledger = await movements();
    const same = await count({ lotCode: lot.code, locationCode: 'A-01-01', countedQuantity: 20 });
    expect(same.data.countStock).toEqual({
      lot: { code: lot.code, quantityOnHand: 20, status: 'ACTIVE' },
      location: { code: 'A-01-01' },
      previousQuantity: 20,
      countedQuantity: 20,
      movement: null,
    });
    expect(await movements()).toBe(ledger);

    const less = await count({
      lotCode: lot.code,
      locationCode: 'A-01-01',
      countedQuantity: 17,
      note: 'shelf 3',
    });
    expect(less.data.countStock).toMatchObject({
      lot: { quantityOnHand: 17 },
      previousQuantity: 20,
      countedQuantity: 17,
      movement: {
        type: 'ADJUSTMENT',
        reason: 'COUNT_CORRECTION',
        quantity: 3,
        onHandDelta: -3,
        note: 'shelf 3',
        fromLocation: { code: 'A-01-01' },
        toLocation: null,
      },
    });
    const more = await count({ lotCode: lot.code, locationCode: 'A-01-01', countedQuantity: 19 });
    expect(more.data.countStock.movement).toMatchObject({
      quantity: 2,
      onHandDelta: 2,
      toLocation: { code: 'A-01-01' },
    });
    // Units of the lot found in a bin it was not in.
    const found = await count({ lotCode: lot.code, locationCode: 'A-01-02', countedQuantity: 1 });
    expect(found.data.countStock).toMatchObject({ previousQuantity: 0, lot: { quantityOnHand: 20 } });
    const after = await stockOf(app, 'JC-MILLET-2500G');
    expect([after.onHand - before.onHand, after.available - before.available]).toEqual([0, 0]);
    expect(await movements()).toBe(ledger + 3);

    const emptied = await count({ lotCode: lot.code, locationCode: 'A-01-01', countedQuantity: 0 });
    const gone = await count({ lotCode: lot.code, locationCode: 'A-01-02', countedQuantity: 0 });
    expect(emptied.errors).toBeUndefined();
    expect(gone.data.countStock.lot).toEqual({ code: lot.code, quantityOnHand: 0, status: 'DEPLETED' });
    const back = await count({ lotCode: lot.code, locationCode: 'A-01-02', countedQuantity: 4 });
    expect(back.data.countStock.lot).toEqual({ code: lot.code, quantityOnHand: 4, status: 'ACTIVE' });
  });

  it('is a compare-and-set with expectedQuantity: CONFLICT when a pick changed the bin, and nothing changes', async () => {
    const lot = await receive(app, { skuCode: 'JC-HAWTHORN-500G', quantity: 10, locationCode: 'A-01-01' });
    // A pick takes 2 units out of the bin after the tablet showed 10.
    const order = await place(app, [{ skuCode: 'JC-HAWTHORN-500G', quantity: 2 }], baofu);
    for (const step of ['allocateOrder', 'pickOrder'] as const)
      expect((await transition(app, step, order.number, warehouse)).errors).toBeUndefined();
    const before = await snapshot(app);
    const stale = await count({
      lotCode: lot.code,
      locationCode: 'A-01-01',
      countedQuantity: 9,
      expectedQuantity: 10,
    });
    expect(stale.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'expectedQuantity' });
    expect(stale.errors?.[0].message).toMatch(/holds 8 .* not the 10 expected/);
    expect(await snapshot(app)).toEqual(before);
    const fresh = await count({
      lotCode: lot.code,
      locationCode: 'A-01-01',
      countedQuantity: 7,
      expectedQuantity: 8,
    });
    expect(fresh.data.countStock).toMatchObject({ previousQuantity: 8, movement: { onHandDelta: -1 } });
  });

  it('refuses a count below what open orders reserved, or below what is allocated from the bin', async () => {
    const lot = await receive(app, { skuCode: 'JC-PEAR-5KG', quantity: 6, locationCode: 'C-01-01' });
    const reserved = await place(app, [{ skuCode: 'JC-PEAR-5KG', quantity: 4 }], baofu);
    const before = await snapshot(app);
    const stock = await stockOf(app, 'JC-PEAR-5KG');
    const short = await count({ lotCode: lot.code, locationCode: 'C-01-01', countedQuantity: 3 });
    expect(short.errors?.[0].extensions).toMatchObject({
      code: 'INSUFFICIENT_STOCK',
      shortages: [{ skuCode: 'JC-PEAR-5KG', requested: 3, available: 2 }],
    });
    expect(await snapshot(app)).toEqual(before);
    expect((await transition(app, 'allocateOrder', reserved.number, warehouse)).errors).toBeUndefined();
    const allocated = await count({ lotCode: lot.code, locationCode: 'C-01-01', countedQuantity: 3 });
    expect(allocated.errors?.[0].extensions.code).toBe('INVALID_STATE');
    expect(allocated.errors?.[0].message).toContain(reserved.number);
    expect(await stockOf(app, 'JC-PEAR-5KG')).toEqual(stock);
    const fine = await count({ lotCode: lot.code, locationCode: 'C-01-01', countedQuantity: 4 });
    expect(fine.data.countStock.movement.onHandDelta).toBe(-2);
  });

  it('counts HELD and EXPIRED lots, keeping their units unsellable', async () => {
    const held = await receive(app, { skuCode: 'JC-HAWTHORN-500G', quantity: 5, locationCode: 'A-01-02' });
    await app.gql('mutation($c: String!) { holdLot(code: $c, reason: "recall") { status } }', {
      c: held.code,
    });
    let before = await stockOf(app, 'JC-HAWTHORN-500G');
    expect(
      (await count({ lotCode: held.code, locationCode: 'A-01-02', countedQuantity: 3 })).errors,
    ).toBeUndefined();
    let after = await stockOf(app, 'JC-HAWTHORN-500G');
    expect([
      after.onHand - before.onHand,
      after.unsellable - before.unsellable,
      after.available - before.available,
    ]).toEqual([-2, -2, 0]);
    expect(
      (await count({ lotCode: held.code, locationCode: 'A-01-02', countedQuantity: 0 })).data.countStock.lot
        .status,
    ).toBe('HELD');

    const old = await receive(app, {
      skuCode: 'JC-HAWTHORN-500G',
      quantity: 4,
      locationCode: 'A-01-02',
      expiresOn: addDays(today, -1),
    });
    expect((await app.gql('mutation { writeOffExpired }', {}, warehouse)).data.writeOffExpired).toBe(4);
    before = await stockOf(app, 'JC-HAWTHORN-500G');
    const found = await count({ lotCode: old.code, locationCode: 'A-01-02', countedQuantity: 2 });
    expect(found.data.countStock.lot).toEqual({ code: old.code, quantityOnHand: 2, status: 'EXPIRED' });
    after = await stockOf(app, 'JC-HAWTHORN-500G');
    expect([
      after.onHand - before.onHand,
      after.unsellable - before.unsellable,
      after.available - before.available,
    ]).toEqual([2, 2, 0]);
    expect(
      (await count({ lotCode: old.code, locationCode: 'A-01-02', countedQuantity: 0 })).errors,
    ).toBeUndefined();
    expect(await stockOf(app, 'JC-HAWTHORN-500G')).toEqual(before);
  });

  it('replays a repeat with its key, and refuses the key with other input', async () => {
    const lot = await receive(app, { skuCode: 'JC-MILLET-2500G', quantity: 8, locationCode: 'A-01-01' });
    const input = {
      idempotencyKey: nextKey('same'),
      lotCode: lot.code,
      locationCode: 'A-01-01',
      countedQuantity: 5,
    };
    const first = await count(input);
    expect(first.data.countStock.movement.onHandDelta).toBe(-3);
    const before = await snapshot(app);
    expect(await count(input)).toEqual(first);
    const other = await count({ ...input, countedQuantity: 4 });
    expect(other.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'idempotencyKey' });
    expect(await snapshot(app)).toEqual(before);
  });

  it('refuses bad input with the field named, and changes nothing', async () => {
    const lot = await receive(app, { skuCode: 'JC-MILLET-2500G', quantity: 8, locationCode: 'A-01-01' });
    const ok = { lotCode: lot.code, locationCode: 'A-01-01', countedQuantity: 5 };
    const cases: [Record<string, unknown>, string, string][] = [
      [{ ...ok, countedQuantity: -1 }, 'BAD_USER_INPUT', 'countedQuantity'],
      [{ ...ok, expectedQuantity: -1 }, 'BAD_USER_INPUT', 'expectedQuantity'],
      [{ ...ok, idempotencyKey: '' }, 'BAD_USER_INPUT', 'idempotencyKey'],
      [{ ...ok, idempotencyKey: 'k'.repeat(101) }, 'BAD_USER_INPUT', 'idempotencyKey'],
      [{ ...ok, note: 'n'.repeat(501) }, 'BAD_USER_INPUT', 'note'],
      [{ ...ok, lotCode: 'LOT-20000101-9999' }, 'NOT_FOUND', 'lotCode'],
      [{ ...ok, locationCode: 'Z-99-99' }, 'NOT_FOUND', 'locationCode'],
      [{ ...ok, locationCode: 'C-01-01' }, 'BAD_USER_INPUT', 'locationCode'],
    ];
    const before = await snapshot(app);
    const stock = await stockOf(app, 'JC-MILLET-2500G');
    for (const [input, code, field] of cases) {
      const res = await count(input);
      expect({ input, error: res.errors?.[0].extensions }).toEqual({
        input,
        error: expect.objectContaining({ code, field }),
      });
    }
    expect((await count(ok, baofu)).errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect(await snapshot(app)).toEqual(before);
    expect(await stockOf(app, 'JC-MILLET-2500G')).toEqual(stock);
  });
});
