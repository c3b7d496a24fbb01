import { Role } from '../src/graphql/enums';
import { createReferenceData } from './support/fixtures';
import { place, receive, transition } from './support/operations';
import { startTestApp, TestApp } from './support/test-app';

const FEED = `query($since: DateTime!, $after: String) {
  orders(first: 3, after: $after, filter: { updatedSince: $since }, orderBy: { field: UPDATED_AT, direction: ASC }) {
    edges { cursor node { number status updatedAt } } pageInfo { hasNextPage endCursor }
  }
}`;
const MERCHANT_FEED = `query($since: DateTime!, $after: String) { merchant(code: "M-BAOFU-01") {
  orders(first: 3, after: $after, filter: { updatedSince: $since }, orderBy: { field: UPDATED_AT, direction: ASC }) {
    edges { cursor node { number status updatedAt } } pageInfo { hasNextPage endCursor }
  }
} }`;

let app: TestApp;
let warehouse: string;
let baofu: string;
beforeAll(async () => {
  app = await startTestApp();
  await createReferenceData(app);
  warehouse = await app.keyFor(Role.WAREHOUSE);
  baofu = await app.keyFor(Role.MERCHANT, 'M-BAOFU-01');
  await receive(app, { skuCode: 'JC-MILLET-2500G', quantity: 100, locationCode: 'A-01-01' }, warehouse);
});
afterAll(() => app.close());

const since = '2020-01-01T00:00:00.000Z';

/** Every order of the merchant changed in the same millisecond. */
async function tieEveryOrder() {
  await app.dataSource.query('UPDATE orders SET updated_at = ?', [
    app.dataSource.options.type === 'mysql'
      ? new Date('2026-01-01T00:00:00.000Z')
      : '2026-01-01 00:00:00.000',
  ]);
}

/**
 * Pages through a feed three orders at a time, as a storefront does, calling `between` after the first
 * page; returns what it saw as `number@updatedAt:status`, in order.
 */
async function walk(query: string, connection: (data: any) => any, between: () => Promise<void>) {
  const seen: string[] = [];
  let after: string | null = null;
  let page = 0;
  for (;;) {
    const res: { data: any; errors?: unknown } = await app.gql(query, { since, after }, baofu);
    expect(res.errors).toBeUndefined();
    const conn = connection(res.data);
    for (const e of conn.edges) seen.push(`${e.node.number}@${e.node.updatedAt}:${e.node.status}`);
    if (page++ === 0) await between();
    if (!conn.pageInfo.hasNextPage) return seen;
    if (page > 20) throw new Error(`the feed did not end after ${page} pages: ${seen.join(', ')}`);
    after = conn.pageInfo.endCursor;
  }
}

/** Each change once, every order, and the last state of the orders that changed meanwhile. */
function expectEveryChangeOnce(seen: string[], numbers: string[], changed: string[], seenFirst: string) {
  expect(new Set(seen).size).toBe(seen.length);
  const last = new Map(seen.map((s) => [s.split('@')[0], s.split(':').at(-1)]));
  expect([...last.keys()].sort()).toEqual([...numbers].sort());
  for (const number of changed) expect(last.get(number)).toBe('ALLOCATED');
  expect(seen.filter((s) => s.startsWith(`${seenFirst}@`))).toHaveLength(2);
  const times = seen.map((s) => Date.parse(s.split('@')[1].split(':')[0]));
  expect([...times].sort((a, b) => a - b)).toEqual(times);
}

it('walks every change once, ties in one millisecond broken by id, while orders change between pages', async () => {
  const numbers: string[] = [];
  for (let i = 0; i < 8; i++)
    numbers.push((await place(app, [{ skuCode: 'JC-MILLET-2500G', quantity: 1 }], baofu)).number);
  await tieEveryOrder();
  // Between pages: one order already seen and one not yet seen change.
  const seen = await walk(
    FEED,
    (data) => data.orders,
    async () => {
      await transition(app, 'allocateOrder', numbers[0], warehouse);
      await transition(app, 'allocateOrder', numbers[6], warehouse);
    },
  );
  expectEveryChangeOnce(seen, numbers, [numbers[0], numbers[6]], numbers[0]);
  expect(seen.slice(-2).map((s) => s.split('@')[0])).toEqual([numbers[0], numbers[6]]);
});

it('walks Merchant.orders the same way, its cursor breaking ties by id too', async () => {
  const numbers: string[] = (await app.dataSource.query('SELECT number FROM orders ORDER BY id')).map(
    (r: { number: string }) => r.number,
  );
  await tieEveryOrder();
  const seen = await walk(
    MERCHANT_FEED,
    (data) => data.merchant.orders,
    async () => {
      await transition(app, 'allocateOrder', numbers[1], warehouse);
      await transition(app, 'allocateOrder', numbers[7], warehouse);
    },
  );
  expectEveryChangeOnce(seen, numbers, [numbers[1], numbers[7]], numbers[1]);
  expect(seen.slice(-2).map((s) => s.split('@')[0])).toEqual([numbers[1], numbers[7]]);
});
