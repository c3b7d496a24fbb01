import { In } from 'typeorm';
import { entitiesOf, insertRows, rowsWhereIn } from '../src/db/raw-rows';
import { OrderEvent } from '../src/orders/order-event.entity';
import { OrderLine } from '../src/orders/order-line.entity';
import { Order } from '../src/orders/order.entity';
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

// A merged batch writes its orders, lines and events through insertRows: each row must be stored as TypeORM's
// query builder stores it (dates, money, enums, nulls alike).
it('inserts rows as the query builder inserts them', async () => {
  const m = app.dataSource.manager;
  const order = (await m.getRepository(Order).find({ order: { id: 'ASC' }, take: 1 }))[0];
  const lines = await m.getRepository(OrderLine).find({ where: { orderId: order.id }, order: { id: 'ASC' } });
  const events = await m
    .getRepository(OrderEvent)
    .find({ where: { orderId: order.id }, order: { id: 'ASC' } });
  const [{ top }] = await m.query('SELECT MAX(id) AS top FROM orders');
  const viaBuilder = Number(top) + 1;
  const viaRows = Number(top) + 2;
  const copies = (orderId: number) => ({
    order: { ...order, id: orderId, number: `${order.number}-${orderId}` },
    lines: lines.map(({ id: _id, ...line }) => ({ ...line, orderId })),
    events: events.map(({ id: _id, ...event }) => ({ ...event, orderId })),
  });
  const built = copies(viaBuilder);
  const insert = (entity: typeof Order | typeof OrderLine | typeof OrderEvent, rows: object[]) =>
    m.createQueryBuilder().insert().into(entity).values(rows).updateEntity(false).execute();
  await insert(Order, [built.order]);
  await insert(OrderLine, built.lines);
  await insert(OrderEvent, built.events);
  const raw = copies(viaRows);
  await insertRows(m, Order, [raw.order]);
  await insertRows(m, OrderLine, raw.lines);
  await insertRows(m, OrderEvent, raw.events);

  const stored = async (orderId: number) => {
    const { id: _id, number: _number, ...o } = await m.getRepository(Order).findOneByOrFail({ id: orderId });
    const without = <T extends { id: number; orderId: number }>({ id: _i, orderId: _o, ...rest }: T) => rest;
    return {
      order: o,
      lines: (await m.getRepository(OrderLine).find({ where: { orderId }, order: { id: 'ASC' } })).map(
        without,
      ),
      events: (await m.getRepository(OrderEvent).find({ where: { orderId }, order: { id: 'ASC' } })).map(
        without,
      ),
    };
  };
  const expected = await stored(viaBuilder);
  expect(expected.lines).toHaveLength(2);
  expect(expected.events.length).toBeGreaterThan(0);
  expect(await stored(viaRows)).toEqual(expected);
});
