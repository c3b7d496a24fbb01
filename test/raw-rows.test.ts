import { In } from 'typeorm';
import { entitiesOf, rowsWhereIn } from '../src/db/raw-rows';
import { createReferenceData } from './support/fixtures';
import { place, receive, transition } from './support/operations';
import { startTestApp, TestApp } from './support/test-app';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
  await createReferenceData(app);
  await receive(app, { skuCode: 'JC-MILLET-2500G', quantity: 40, locationCode: 'A-01-01' });
  await receive(app, { skuCode: 'JC-HAWTHORN-500G', quantity: 40, locationCode: 'A-01-01' });
  const { number } = await place(app, [
    { skuCode: 'JC-MILLET-2500G', quantity: 3 },
    { skuCode: 'JC-HAWTHORN-500G', quantity: 2 },
  ]);
  await transition(app, 'allocateOrder', number);
});
afterAll(() => app.close());

// The hottest loaders read through rowsWhereIn, which sets plain columns directly: every entity it reads
// must equal what TypeORM's own hydration gives (dates, booleans, money, JSON, enums, nulls alike).
it('reads every entity with an id exactly as TypeORM hydrates it', async () => {
  let compared = 0;
  for (const metadata of app.dataSource.entityMetadatas) {
    if (!metadata.columns.some((c) => c.propertyName === 'id')) continue;
    const repository = app.dataSource.getRepository(metadata.target);
    const expected = await repository.find({ order: { id: 'ASC' }, take: 20 });
    const ids = expected.map((row) => (row as { id: number }).id);
    const rows = await rowsWhereIn(app.dataSource, metadata.target, 'id', ids, ['id']);
    expect({ entity: metadata.name, rows }).toEqual({ entity: metadata.name, rows: expected });
    for (const row of rows) expect(row).toBeInstanceOf(metadata.target as new () => unknown);
    compared += rows.length;
  }
  expect(compared).toBeGreaterThan(20);
});

it('reads rows by another column in the order asked', async () => {
  const orderIds = (await app.dataSource.query('SELECT id FROM orders')).map((r: { id: number }) => r.id);
  const lines = await rowsWhereIn(app.dataSource, 'OrderLine', 'order_id', orderIds, ['id']);
  const expected = await app.dataSource
    .getRepository('OrderLine')
    .find({ where: { orderId: In(orderIds) }, order: { id: 'ASC' } });
  expect(lines.length).toBeGreaterThan(0);
  expect(lines).toEqual(expected);
});

it('gives a query builder page the entities getMany gives, and leaves a joined query to getMany', async () => {
  let compared = 0;
  for (const metadata of app.dataSource.entityMetadatas) {
    if (!metadata.columns.some((c) => c.propertyName === 'id')) continue;
    const page = () =>
      app.dataSource.getRepository(metadata.target).createQueryBuilder('t').orderBy('t.id', 'DESC').limit(20);
    const rows = await entitiesOf(page());
    expect({ entity: metadata.name, rows }).toEqual({ entity: metadata.name, rows: await page().getMany() });
    compared += rows.length;
  }
  expect(compared).toBeGreaterThan(20);
  // Two lines of one order: the join repeats the order, getMany folds it.
  const joined = app.dataSource
    .getRepository('Order')
    .createQueryBuilder('o')
    .innerJoin('order_line', 'l', 'l.order_id = o.id');
  expect((await joined.clone().getRawMany()).length).toBe(2);
  expect(await entitiesOf(joined.clone())).toEqual(await joined.clone().getMany());
  expect(await entitiesOf(joined.clone())).toHaveLength(1);
});
