import { Role } from '../src/graphql/enums';
import { createReferenceData } from './support/fixtures';
import { place, receive, transition } from './support/operations';
import { startTestApp, TestApp } from './support/test-app';

const FEED = `query($since: DateTime!, $after: String) {
  orders(first: 3, after: $after, filter: { updatedSince: $since }, orderBy: { field: UPDATED_AT, direction: ASC }) {
    edges { cursor node { number status updatedAt } } pageInfo { hasNextPage endCursor }
  }
}`;
const MERCHANT_FEED = `query($since: DateTime!) { merchant(code: "M-BAOFU-01") {
  orders(first: 100, filter: { updatedSince: $since }, orderBy: { field: UPDATED_AT, direction: ASC }) { nodes { number } }
} }`;

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  await createReferenceData(app);
});
afterAll(() => app.close());

it('walks every change once, ties in one millisecond broken by id, while orders change between pages', async () => {
  const warehouse = await app.keyFor(Role.WAREHOUSE);
  const baofu = await app.keyFor(Role.MERCHANT, 'M-BAOFU-01');
  await receive(app, { skuCode: 'JC-MILLET-2500G', quantity: 100, locationCode: 'A-01-01' }, warehouse);
  const numbers: string[] = [];
  for (let i = 0; i < 8; i++)
    numbers.push((await place(app, [{ skuCode: 'JC-MILLET-2500G', quantity: 1 }], baofu)).number);
  // Every order changed in the same millisecond.
  const since = '2020-01-01T00:00:00.000Z';
  await app.dataSource.query('UPDATE orders SET updated_at = ?', [
    app.dataSource.options.type === 'mysql'
      ? new Date('2026-01-01T00:00:00.000Z')
      : '2026-01-01 00:00:00.000',
  ]);
  const seen: string[] = [];
  let after: string | null = null;
  let page = 0;
  for (;;) {
    const res: { data: any; errors?: unknown } = await app.gql(FEED, { since, after }, baofu);
    expect(res.errors).toBeUndefined();
    const conn: any = res.data.orders;
    for (const e of conn.edges) seen.push(`${e.node.number}@${e.node.updatedAt}:${e.node.status}`);
    // Between pages: one order already seen and one not yet seen change.
    if (page++ === 0) {
      await transition(app, 'allocateOrder', numbers[0], warehouse);
      await transition(app, 'allocateOrder', numbers[6], warehouse);
    }
    if (!conn.pageInfo.hasNextPage) break;
    after = conn.pageInfo.endCursor;
  }
  expect(new Set(seen).size).toBe(seen.length);
  const last = new Map(seen.map((s) => [s.split('@')[0], s.split(':').at(-1)]));
  expect([...last.keys()].sort()).toEqual([...numbers].sort());
  expect(last.get(numbers[0])).toBe('ALLOCATED');
  expect(last.get(numbers[6])).toBe('ALLOCATED');
  expect(seen.filter((s) => s.startsWith(numbers[0]))).toHaveLength(2);
  const nested = await app.gql(MERCHANT_FEED, { since }, baofu);
  expect(nested.data.merchant.orders.nodes.map((n: { number: string }) => n.number).slice(-2)).toEqual([
    numbers[0],
    numbers[6],
  ]);
});
