import { Role } from '../src/graphql/enums';
import { createReferenceData } from './support/fixtures';
import { place, receive, transition } from './support/operations';
import { countSql } from './support/sql-counter';
import { startTestApp, TestApp } from './support/test-app';

let app: TestApp;
let warehouse: string;
let baofu: string;
let lots: Record<string, string>;

const PICK_LIST = `query($n: [String!]!) { pickList(orderNumbers: $n) {
  totalUnits orders { number status }
  lines { location { code } lot { code } sku { code } quantity orders { order { number } quantity } } } }`;

beforeAll(async () => {
  app = await startTestApp();
  // The webhook dispatcher polls the outbox in the background: those statements are no request's.
  await app.gateway.webhookDispatcher.stop();
  await createReferenceData(app);
  warehouse = await app.keyFor(Role.WAREHOUSE);
  baofu = await app.keyFor(Role.MERCHANT, 'M-BAOFU-01');
  // Millet in two bins (A-01-02 holds the earlier-expiring lot), hawthorn in A-01-01, pears chilled.
  lots = {
    milletLate: (
      await receive(app, {
        skuCode: 'JC-MILLET-2500G',
        quantity: 5,
        locationCode: 'A-01-01',
        expiresOn: '2099-06-01',
      })
    ).code,
    milletEarly: (
      await receive(app, {
        skuCode: 'JC-MILLET-2500G',
        quantity: 4,
        locationCode: 'A-01-02',
        expiresOn: '2099-01-01',
      })
    ).code,
    hawthorn: (await receive(app, { skuCode: 'JC-HAWTHORN-500G', quantity: 500, locationCode: 'A-01-01' }))
      .code,
    pear: (await receive(app, { skuCode: 'JC-PEAR-5KG', quantity: 500, locationCode: 'C-01-01' })).code,
  };
});
afterAll(() => app.close());

async function allocated(lines: { skuCode: string; quantity: number }[]): Promise<string> {
  const order = await place(app, lines, baofu);
  const res = await transition(app, 'allocateOrder', order.number, warehouse);
  expect(res.errors).toBeUndefined();
  return order.number;
}

describe('pickList', () => {
  it('gives one line per bin and lot in bin-code order, with the units of each order and a total', async () => {
    const a = await allocated([
      { skuCode: 'JC-MILLET-2500G', quantity: 3 },
      { skuCode: 'JC-PEAR-5KG', quantity: 2 },
    ]);
    const b = await allocated([
      { skuCode: 'JC-MILLET-2500G', quantity: 3 },
      { skuCode: 'JC-HAWTHORN-500G', quantity: 7 },
    ]);
    const c = await allocated([{ skuCode: 'JC-HAWTHORN-500G', quantity: 1 }]);
    const res = await app.gql(PICK_LIST, { n: [c, a, b] }, warehouse);
    expect(res.errors).toBeUndefined();
    // Millet is first-expiry-first-out: a takes 3 of the 4 early units in A-01-02, b the last one and 2 more
    // from A-01-01. Inside a bin the first-expiring lot comes first; a line's orders come in the order asked.
    expect(res.data.pickList).toEqual({
      totalUnits: 16,
      orders: [c, a, b].map((number) => ({ number, status: 'ALLOCATED' })),
      lines: [
        {
          location: { code: 'A-01-01' },
          lot: { code: lots.hawthorn },
          sku: { code: 'JC-HAWTHORN-500G' },
          quantity: 8,
          orders: [
            { order: { number: c }, quantity: 1 },
            { order: { number: b }, quantity: 7 },
          ],
        },
        {
          location: { code: 'A-01-01' },
          lot: { code: lots.milletLate },
          sku: { code: 'JC-MILLET-2500G' },
          quantity: 2,
          orders: [{ order: { number: b }, quantity: 2 }],
        },
        {
          location: { code: 'A-01-02' },
          lot: { code: lots.milletEarly },
          sku: { code: 'JC-MILLET-2500G' },
          quantity: 4,
          orders: [
            { order: { number: a }, quantity: 3 },
            { order: { number: b }, quantity: 1 },
          ],
        },
        {
          location: { code: 'C-01-01' },
          lot: { code: lots.pear },
          sku: { code: 'JC-PEAR-5KG' },
          quantity: 2,
          orders: [{ order: { number: a }, quantity: 2 }],
        },
      ],
    });
  });

  it('issues as many SQL statements for 20 orders as for 2', async () => {
    const numbers: string[] = [];
    for (let i = 0; i < 20; i++)
      numbers.push(
        await allocated([
          { skuCode: 'JC-HAWTHORN-500G', quantity: 1 + (i % 3) },
          { skuCode: 'JC-PEAR-5KG', quantity: 1 },
        ]),
      );
    const counts: number[] = [];
    for (const n of [2, 20]) {
      const sql = countSql(app.dataSource);
      const res = await app.gql(PICK_LIST, { n: numbers.slice(0, n) }, warehouse);
      counts.push(sql.count);
      sql.restore();
      expect(res.errors).toBeUndefined();
      expect(res.data.pickList.orders).toHaveLength(n);
      expect(res.data.pickList.lines.flatMap((l: any) => l.orders)).toHaveLength(2 * n);
    }
    expect(counts[1]).toBe(counts[0]);
  });

  it('refuses an unknown, an unallocated or a repeated number naming it, and more than 100', async () => {
    const good = await allocated([{ skuCode: 'JC-HAWTHORN-500G', quantity: 1 }]);
    const placed = (await place(app, [{ skuCode: 'JC-HAWTHORN-500G', quantity: 1 }], baofu)).number;
    const cases: [string[], string, RegExp][] = [
      [[good, 'GD-20000101-999999'], 'orderNumbers.1', /GD-20000101-999999/],
      [[placed], 'orderNumbers.0', new RegExp(`${placed} is PLACED`)],
      [[good, good], 'orderNumbers.1', /more than once/],
      [[], 'orderNumbers', /at least 1/],
      [Array.from({ length: 101 }, () => good), 'orderNumbers', /no more than 100/],
      [[''], 'orderNumbers', /longer than or equal to 1/],
    ];
    for (const [n, field, message] of cases) {
      const res = await app.gql(PICK_LIST, { n }, warehouse);
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(res.errors?.[0].message).toMatch(message);
    }
  });

  it('is for WAREHOUSE and ADMIN only', async () => {
    const number = await allocated([{ skuCode: 'JC-HAWTHORN-500G', quantity: 1 }]);
    const res = await app.gql(PICK_LIST, { n: [number] }, baofu);
    expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect((await app.gql(PICK_LIST, { n: [number] })).data.pickList.totalUnits).toBe(1);
  });
});
