import { Role } from '../src/graphql/enums';
import { addDays, shanghaiToday } from '../src/time';
import { createReferenceData } from './support/fixtures';
import { LOT_FIELDS, nextKey, place, receive, snapshot, stockOf } from './support/operations';
import { startTestApp, TestApp } from './support/test-app';

let app: TestApp;
let warehouse: string;
const today = shanghaiToday();

const RECEIVE = `mutation($input: ReceiveLotInput!) { receiveLot(input: $input) { ${LOT_FIELDS} } }`;
const MOVE = `mutation($input: MoveStockInput!) { moveStock(input: $input) { ${LOT_FIELDS} } }`;
const ADJUST =
  'mutation($input: AdjustStockInput!) { adjustStock(input: $input) { type quantity onHandDelta reason note actor lot { code quantityOnHand } fromLocation { code } toLocation { code } } }';

beforeAll(async () => {
  app = await startTestApp();
  await createReferenceData(app);
  warehouse = await app.keyFor(Role.WAREHOUSE);
});
afterAll(() => app.close());

describe('receiveLot', () => {
  it('creates a lot in its bin, defaults expiry to receipt date + shelf life, and records a RECEIPT', async () => {
    const before = await stockOf(app, 'JC-MILLET-2500G');
    const lot = await receive(
      app,
      { skuCode: 'JC-MILLET-2500G', quantity: 40, locationCode: 'A-01-01', harvestedOn: addDays(today, -10) },
      warehouse,
    );
    expect(lot.code).toMatch(new RegExp(`^LOT-${today.replace(/-/g, '')}-\\d{4,}$`));
    expect(lot).toMatchObject({
      status: 'ACTIVE',
      quantityReceived: 40,
      quantityOnHand: 40,
      expiresOn: addDays(today, 365),
      placements: [{ location: { code: 'A-01-01' }, quantity: 40 }],
    });
    const after = await stockOf(app, 'JC-MILLET-2500G');
    expect(after.onHand - before.onHand).toBe(40);
    expect(after.available - before.available).toBe(40);
    const ledger = await app.gql(
      'query($c: String!) { stockMovements(filter: { lotCode: $c }) { nodes { type quantity onHandDelta actor toLocation { code } } } }',
      { c: lot.code },
      warehouse,
    );
    expect(ledger.data.stockMovements.nodes).toEqual([
      {
        type: 'RECEIPT',
        quantity: 40,
        onHandDelta: 40,
        actor: 'warehouse-test',
        toLocation: { code: 'A-01-01' },
      },
    ]);
  });

  it('replays the same key and input, and refuses the same key with other input as CONFLICT', async () => {
    const input = {
      idempotencyKey: nextKey('same'),
      skuCode: 'JC-HAWTHORN-500G',
      farmCode: 'FARM-ZEZHOU-002',
      quantity: 12,
      locationCode: 'A-01-02',
    };
    const first = await app.gql(RECEIVE, { input }, warehouse);
    const afterFirst = await snapshot(app);
    const again = await app.gql(RECEIVE, { input }, warehouse);
    expect(again.errors).toBeUndefined();
    expect(again.data.receiveLot.code).toBe(first.data.receiveLot.code);
    const other = await app.gql(RECEIVE, { input: { ...input, quantity: 13 } }, warehouse);
    expect(other.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'idempotencyKey' });
    expect(await snapshot(app)).toEqual(afterFirst);
  });

  it('scopes idempotency keys to the caller: another key with the same idempotency key receives its own lot', async () => {
    const input = {
      idempotencyKey: nextKey('scoped'),
      skuCode: 'JC-HAWTHORN-500G',
      farmCode: 'FARM-ZEZHOU-002',
      quantity: 1,
      locationCode: 'A-01-02',
    };
    const mine = await app.gql(RECEIVE, { input }, warehouse);
    const theirs = await app.gql(RECEIVE, { input }, await app.keyFor(Role.WAREHOUSE));
    expect(theirs.data.receiveLot.code).not.toBe(mine.data.receiveLot.code);
  });

  it.each([
    [
      'a bin of the wrong storage zone',
      { skuCode: 'JC-PEAR-5KG', locationCode: 'A-01-01' },
      'BAD_USER_INPUT',
      'locationCode',
    ],
    [
      'expiry before harvest',
      { harvestedOn: today, expiresOn: addDays(today, -1) },
      'BAD_USER_INPUT',
      'expiresOn',
    ],
    ['zero units', { quantity: 0 }, 'BAD_USER_INPUT', 'quantity'],
    ['negative units', { quantity: -5 }, 'BAD_USER_INPUT', 'quantity'],
    ['an absurd quantity', { quantity: 50_000_000 }, 'BAD_USER_INPUT', 'quantity'],
    ['an unknown SKU', { skuCode: 'JC-NOPE' }, 'NOT_FOUND', 'skuCode'],
    ['an unknown farm', { farmCode: 'FARM-NOPE' }, 'NOT_FOUND', 'farmCode'],
    ['an unknown bin', { locationCode: 'Z-99-99' }, 'NOT_FOUND', 'locationCode'],
  ])('refuses %s and changes nothing', async (_what, change, code, field) => {
    const before = await snapshot(app);
    const input = {
      idempotencyKey: nextKey('bad'),
      skuCode: 'JC-MILLET-2500G',
      farmCode: 'FARM-QINSHUI-001',
      quantity: 5,
      locationCode: 'A-01-01',
      ...change,
    };
    const res = await app.gql(RECEIVE, { input }, warehouse);
    expect(res.errors?.[0].extensions).toMatchObject({ code, field });
    expect(await snapshot(app)).toEqual(before);
  });

  it('refuses a fractional quantity given through variables and changes nothing', async () => {
    const before = await snapshot(app);
    const input = {
      idempotencyKey: nextKey('frac'),
      skuCode: 'JC-MILLET-2500G',
      farmCode: 'FARM-QINSHUI-001',
      quantity: 1.5,
      locationCode: 'A-01-01',
    };
    const res = await app.gql(RECEIVE, { input }, warehouse);
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'quantity' });
    expect(await snapshot(app)).toEqual(before);
  });

  it('is for WAREHOUSE and ADMIN only', async () => {
    const before = await snapshot(app);
    const merchant = await app.keyFor(Role.MERCHANT, 'M-BAOFU-01');
    const input = {
      idempotencyKey: nextKey('m'),
      skuCode: 'JC-MILLET-2500G',
      farmCode: 'FARM-QINSHUI-001',
      quantity: 5,
      locationCode: 'A-01-01',
    };
    const res = await app.gql(RECEIVE, { input }, merchant);
    expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect(await snapshot(app)).toEqual(before);
  });
});

describe('moveStock', () => {
  it('moves free units between bins of the zone with a TRANSFER and leaves on-hand alone', async () => {
    const lot = await receive(
      app,
      { skuCode: 'JC-HAWTHORN-500G', quantity: 10, locationCode: 'A-01-01' },
      warehouse,
    );
    const before = await stockOf(app, 'JC-HAWTHORN-500G');
    const res = await app.gql(
      MOVE,
      {
        input: {
          idempotencyKey: nextKey('mv'),
          lotCode: lot.code,
          fromLocationCode: 'A-01-01',
          toLocationCode: 'A-01-02',
          quantity: 4,
        },
      },
      warehouse,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.moveStock.placements).toEqual([
      { location: { code: 'A-01-01' }, quantity: 6 },
      { location: { code: 'A-01-02' }, quantity: 4 },
    ]);
    expect(await stockOf(app, 'JC-HAWTHORN-500G')).toEqual(before);
    const ledger = await app.gql(
      'query($c: String!) { stockMovements(filter: { lotCode: $c, type: TRANSFER }) { nodes { quantity onHandDelta fromLocation { code } toLocation { code } } } }',
      { c: lot.code },
      warehouse,
    );
    expect(ledger.data.stockMovements.nodes).toEqual([
      { quantity: 4, onHandDelta: 0, fromLocation: { code: 'A-01-01' }, toLocation: { code: 'A-01-02' } },
    ]);
  });

  it('refuses a bin of the wrong zone, and more units than the bin holds, changing nothing', async () => {
    const lot = await receive(
      app,
      { skuCode: 'JC-HAWTHORN-500G', quantity: 3, locationCode: 'A-01-01' },
      warehouse,
    );
    const before = await snapshot(app);
    const wrongZone = await app.gql(
      MOVE,
      {
        input: {
          idempotencyKey: nextKey('mv'),
          lotCode: lot.code,
          fromLocationCode: 'A-01-01',
          toLocationCode: 'F-01-01',
          quantity: 1,
        },
      },
      warehouse,
    );
    expect(wrongZone.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'toLocationCode',
    });
    const tooMany = await app.gql(
      MOVE,
      {
        input: {
          idempotencyKey: nextKey('mv'),
          lotCode: lot.code,
          fromLocationCode: 'A-01-01',
          toLocationCode: 'A-01-02',
          quantity: 4,
        },
      },
      warehouse,
    );
    expect(tooMany.errors?.[0].extensions).toMatchObject({
      code: 'INSUFFICIENT_STOCK',
      shortages: [{ skuCode: 'JC-HAWTHORN-500G', requested: 4, available: 3 }],
    });
    expect(await snapshot(app)).toEqual(before);
  });
});

describe('adjustStock', () => {
  it('writes an ADJUSTMENT and changes lot, bin and on-hand by the delta', async () => {
    const lot = await receive(
      app,
      { skuCode: 'JC-PEAR-5KG', quantity: 20, locationCode: 'C-01-01' },
      warehouse,
    );
    const before = await stockOf(app, 'JC-PEAR-5KG');
    const damage = await app.gql(
      ADJUST,
      {
        input: {
          idempotencyKey: nextKey('adj'),
          lotCode: lot.code,
          locationCode: 'C-01-01',
          delta: -3,
          reason: 'DAMAGE',
          note: 'crushed crate',
        },
      },
      warehouse,
    );
    expect(damage.data.adjustStock).toEqual({
      type: 'ADJUSTMENT',
      quantity: 3,
      onHandDelta: -3,
      reason: 'DAMAGE',
      note: 'crushed crate',
      actor: 'warehouse-test',
      lot: { code: lot.code, quantityOnHand: 17 },
      fromLocation: { code: 'C-01-01' },
      toLocation: null,
    });
    const found = await app.gql(
      ADJUST,
      {
        input: {
          idempotencyKey: nextKey('adj'),
          lotCode: lot.code,
          locationCode: 'C-01-01',
          delta: 1,
          reason: 'FOUND',
        },
      },
      warehouse,
    );
    expect(found.data.adjustStock).toMatchObject({
      onHandDelta: 1,
      lot: { quantityOnHand: 18 },
      toLocation: { code: 'C-01-01' },
    });
    const after = await stockOf(app, 'JC-PEAR-5KG');
    expect(after.onHand - before.onHand).toBe(-2);
  });

  it('refuses a decrease that would leave less than open orders reserved, changing nothing', async () => {
    const lot = await receive(
      app,
      { skuCode: 'JC-PEAR-5KG', quantity: 5, locationCode: 'C-01-01' },
      warehouse,
    );
    const stock = await stockOf(app, 'JC-PEAR-5KG');
    await place(app, [{ skuCode: 'JC-PEAR-5KG', quantity: stock.available - 2 }]);
    const before = await snapshot(app);
    const res = await app.gql(
      ADJUST,
      {
        input: {
          idempotencyKey: nextKey('adj'),
          lotCode: lot.code,
          locationCode: 'C-01-01',
          delta: -3,
          reason: 'SPOILAGE',
        },
      },
      warehouse,
    );
    expect(res.errors?.[0].extensions).toMatchObject({
      code: 'INSUFFICIENT_STOCK',
      shortages: [{ skuCode: 'JC-PEAR-5KG', requested: 3, available: 2 }],
    });
    expect(await snapshot(app)).toEqual(before);
    const ok = await app.gql(
      ADJUST,
      {
        input: {
          idempotencyKey: nextKey('adj'),
          lotCode: lot.code,
          locationCode: 'C-01-01',
          delta: -2,
          reason: 'SPOILAGE',
        },
      },
      warehouse,
    );
    expect(ok.errors).toBeUndefined();
    expect((await stockOf(app, 'JC-PEAR-5KG')).available).toBe(0);
  });

  it.each([
    ['a zero delta', { delta: 0 }, 'BAD_USER_INPUT', 'delta'],
    ['an absurd delta', { delta: -5_000_000 }, 'BAD_USER_INPUT', 'delta'],
    ['an unknown lot', { lotCode: 'LOT-NOPE' }, 'NOT_FOUND', 'lotCode'],
    ['an unknown bin', { locationCode: 'Z-99-99' }, 'NOT_FOUND', 'locationCode'],
    ['more than the bin holds', { delta: -1000 }, 'INSUFFICIENT_STOCK', undefined],
  ])('refuses %s and changes nothing', async (_what, change, code, field) => {
    const lot = await receive(
      app,
      { skuCode: 'JC-MILLET-2500G', quantity: 5, locationCode: 'A-01-02' },
      warehouse,
    );
    const before = await snapshot(app);
    const res = await app.gql(
      ADJUST,
      {
        input: {
          idempotencyKey: nextKey('adj'),
          lotCode: lot.code,
          locationCode: 'A-01-02',
          delta: -1,
          reason: 'COUNT_CORRECTION',
          ...change,
        },
      },
      warehouse,
    );
    expect(res.errors?.[0].extensions.code).toBe(code);
    if (field) expect(res.errors?.[0].extensions.field).toBe(field);
    expect(await snapshot(app)).toEqual(before);
  });
});

describe('holdLot and releaseLot', () => {
  const HOLD = `mutation($c: String!, $r: String!) { holdLot(code: $c, reason: $r) { ${LOT_FIELDS} } }`;
  const RELEASE = `mutation($c: String!) { releaseLot(code: $c) { ${LOT_FIELDS} } }`;

  it('takes a held lot out of what is available and puts it back on release', async () => {
    const lot = await receive(
      app,
      { skuCode: 'JC-MILLET-2500G', quantity: 7, locationCode: 'A-01-01' },
      warehouse,
    );
    const before = await stockOf(app, 'JC-MILLET-2500G');
    const held = await app.gql(HOLD, { c: lot.code, r: 'pesticide test pending' }, warehouse);
    expect(held.data.holdLot).toMatchObject({
      status: 'HELD',
      holdReason: 'pesticide test pending',
      quantityOnHand: 7,
    });
    const whileHeld = await stockOf(app, 'JC-MILLET-2500G');
    expect(whileHeld).toEqual({
      ...before,
      unsellable: before.unsellable + 7,
      available: before.available - 7,
    });

    const snap = await snapshot(app);
    const again = await app.gql(HOLD, { c: lot.code, r: 'twice' }, warehouse);
    expect(again.errors?.[0].extensions.code).toBe('INVALID_STATE');
    expect(await snapshot(app)).toEqual(snap);

    const released = await app.gql(RELEASE, { c: lot.code }, warehouse);
    expect(released.data.releaseLot).toMatchObject({ status: 'ACTIVE', holdReason: null });
    expect(await stockOf(app, 'JC-MILLET-2500G')).toEqual(before);
    const releaseActive = await app.gql(RELEASE, { c: lot.code }, warehouse);
    expect(releaseActive.errors?.[0].extensions.code).toBe('INVALID_STATE');
  });

  it('keeps a held lot out of a new order', async () => {
    const lot = await receive(
      app,
      { skuCode: 'JC-MILLET-2500G', quantity: 3, locationCode: 'A-01-01' },
      warehouse,
    );
    await app.gql(HOLD, { c: lot.code, r: 'recall' }, warehouse);
    const { available } = await stockOf(app, 'JC-MILLET-2500G');
    const res = await app.gql(`mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { number } }`, {
      input: {
        idempotencyKey: nextKey(),
        merchantCode: 'M-BAOFU-01',
        lines: [{ skuCode: 'JC-MILLET-2500G', quantity: available + 1 }],
        destination: { stationCode: 'ST-GAODU-BAOFU' },
      },
    });
    expect(res.errors?.[0].extensions).toMatchObject({
      code: 'INSUFFICIENT_STOCK',
      shortages: [{ skuCode: 'JC-MILLET-2500G', requested: available + 1, available }],
    });
    await app.gql(RELEASE, { c: lot.code }, warehouse);
  });
});

describe('writeOffExpired', () => {
  const WRITE_OFF = 'mutation($asOf: LocalDate) { writeOffExpired(asOf: $asOf) }';

  it('counts a lot past expiry as unsellable, writes it off once, and writes off nothing the second time', async () => {
    const fresh = await stockOf(app, 'JC-HAWTHORN-500G');
    const lot = await receive(
      app,
      { skuCode: 'JC-HAWTHORN-500G', quantity: 9, locationCode: 'A-01-02', expiresOn: addDays(today, -1) },
      warehouse,
    );
    const withExpired = await stockOf(app, 'JC-HAWTHORN-500G');
    expect(withExpired).toEqual({ ...fresh, onHand: fresh.onHand + 9, unsellable: fresh.unsellable + 9 });
    const lotNow = await app.gql('query($c: String!) { lot(code: $c) { status } }', { c: lot.code });
    expect(lotNow.data.lot.status).toBe('EXPIRED');

    const first = await app.gql(WRITE_OFF, {}, warehouse);
    expect(first.data.writeOffExpired).toBe(9);
    const second = await app.gql(WRITE_OFF, {}, warehouse);
    expect(second.data.writeOffExpired).toBe(0);

    expect(await stockOf(app, 'JC-HAWTHORN-500G')).toEqual(fresh);
    const after = await app.gql(`query($c: String!) { lot(code: $c) { ${LOT_FIELDS} } }`, { c: lot.code });
    expect(after.data.lot).toMatchObject({
      status: 'EXPIRED',
      quantityOnHand: 0,
      quantityReceived: 9,
      placements: [],
    });
    const ledger = await app.gql(
      'query($c: String!) { stockMovements(filter: { lotCode: $c, type: EXPIRY }) { nodes { quantity onHandDelta fromLocation { code } } } }',
      { c: lot.code },
      warehouse,
    );
    expect(ledger.data.stockMovements.nodes).toEqual([
      { quantity: 9, onHandDelta: -9, fromLocation: { code: 'A-01-02' } },
    ]);
  });

  it('refuses a date in the future and changes nothing', async () => {
    await receive(
      app,
      { skuCode: 'JC-HAWTHORN-500G', quantity: 2, locationCode: 'A-01-02', expiresOn: addDays(today, 3) },
      warehouse,
    );
    const before = await snapshot(app);
    const res = await app.gql(WRITE_OFF, { asOf: addDays(today, 10) }, warehouse);
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'asOf' });
    expect(await snapshot(app)).toEqual(before);
  });
});
