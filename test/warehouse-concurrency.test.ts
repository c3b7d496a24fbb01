import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Role } from '../src/graphql/enums';
import { createReferenceData } from './support/fixtures';
import { nextKey, place, receive, snapshot, transition } from './support/operations';
import { onMysql, startTestApp, TestApp } from './support/test-app';

/** Races that mean something only with real row locks and many connections: MariaDB/MySQL. */
const describeOnMysql = onMysql ? describe : describe.skip;

let app: TestApp;
let server: Server;
let url: string;
let warehouse: string;
let baofu: string;

/** POSTs over a real socket, so requests run side by side on the server's connection pool. */
async function post(query: string, variables: Record<string, unknown>, token = warehouse) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: any; errors?: { message: string; extensions: { code: string } }[] };
}

const COUNT =
  'mutation($i: CountStockInput!) { countStock(input: $i) { previousQuantity countedQuantity movement { id onHandDelta } } }';
const RETURN =
  'mutation($i: ReturnOrderInput!) { returnOrder(input: $i) { status returns { id lines { quantity movements { id } } } } }';

const count = async (table: string, where = '') =>
  Number((await app.dataSource.query(`SELECT COUNT(*) AS n FROM ${table} ${where}`))[0].n);

async function shipped(skuCode: string, quantity: number): Promise<string> {
  const order = await place(app, [{ skuCode, quantity }], baofu);
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

describeOnMysql('concurrent stocktakes and returns on MySQL', () => {
  beforeAll(async () => {
    app = await startTestApp();
    await createReferenceData(app);
    warehouse = await app.keyFor(Role.WAREHOUSE);
    baofu = await app.keyFor(Role.MERCHANT, 'M-BAOFU-01');
    server = createServer(app.gateway.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await app.close();
  });

  it('20 concurrent repeats of one countStock record one count and one correction', async () => {
    const lot = await receive(
      app,
      { skuCode: 'JC-MILLET-2500G', quantity: 50, locationCode: 'A-01-01' },
      warehouse,
    );
    const movements = await count('stock_movement');
    const input = {
      idempotencyKey: nextKey('count'),
      lotCode: lot.code,
      locationCode: 'A-01-01',
      countedQuantity: 41,
    };
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(COUNT, { i: input })));
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0].data.countStock).toMatchObject({
      previousQuantity: 50,
      countedQuantity: 41,
      movement: { onHandDelta: -9 },
    });
    expect(await count('stock_movement')).toBe(movements + 1);
    expect(await count('stock_count', `WHERE lot_id = (SELECT id FROM lot WHERE code = '${lot.code}')`)).toBe(
      1,
    );
    const [row] = await app.dataSource.query('SELECT quantity_on_hand FROM lot WHERE code = ?', [lot.code]);
    expect(Number(row.quantity_on_hand)).toBe(41);
  });

  it('of 20 concurrent counts of one bin with one expectedQuantity, exactly one is recorded', async () => {
    const lot = await receive(
      app,
      { skuCode: 'JC-HAWTHORN-500G', quantity: 30, locationCode: 'A-01-02' },
      warehouse,
    );
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post(COUNT, {
          i: {
            idempotencyKey: nextKey('cas'),
            lotCode: lot.code,
            locationCode: 'A-01-02',
            countedQuantity: i,
            expectedQuantity: 30,
          },
        }),
      ),
    );
    const recorded = answers.filter((a) => !a.errors);
    expect(recorded).toHaveLength(1);
    expect(answers.filter((a) => a.errors?.[0].extensions.code === 'CONFLICT')).toHaveLength(19);
    const [row] = await app.dataSource.query('SELECT quantity_on_hand FROM lot WHERE code = ?', [lot.code]);
    expect(Number(row.quantity_on_hand)).toBe(recorded[0].data.countStock.countedQuantity);
  });

  it('20 concurrent repeats of one returnOrder record one return', async () => {
    await receive(app, { skuCode: 'JC-PEAR-5KG', quantity: 20, locationCode: 'C-01-01' }, warehouse);
    const number = await shipped('JC-PEAR-5KG', 6);
    const before = await snapshot(app);
    const input = {
      idempotencyKey: nextKey('ret'),
      number,
      locationCode: 'C-01-01',
      reason: 'refused at the door',
      lines: [{ skuCode: 'JC-PEAR-5KG', quantity: 4, condition: 'RESALEABLE' }],
    };
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(RETURN, { i: input })));
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0].data.returnOrder.returns).toHaveLength(1);
    const after = await snapshot(app);
    expect(after.counts.stock_movement - before.counts.stock_movement).toBe(1);
    expect(
      await count('order_return', `WHERE order_id = (SELECT id FROM orders WHERE number = '${number}')`),
    ).toBe(1);
  });

  it('20 concurrent returns of one order with their own keys never take back more than was shipped', async () => {
    await receive(app, { skuCode: 'JC-PEAR-5KG', quantity: 20, locationCode: 'C-01-01' }, warehouse);
    const number = await shipped('JC-PEAR-5KG', 5);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        post(RETURN, {
          i: {
            idempotencyKey: nextKey('each'),
            number,
            locationCode: 'C-01-01',
            reason: 'parcel came back',
            lines: [{ skuCode: 'JC-PEAR-5KG', quantity: 1, condition: 'RESALEABLE' }],
          },
        }),
      ),
    );
    expect(answers.filter((a) => !a.errors)).toHaveLength(5);
    expect(answers.filter((a) => a.errors?.[0].extensions.code === 'INVALID_STATE')).toHaveLength(15);
    const [order] = await app.dataSource.query('SELECT id, status FROM orders WHERE number = ?', [number]);
    expect(order.status).toBe('RETURNED');
    expect(await count('return_line', `WHERE order_id = ${Number(order.id)}`)).toBe(5);
  });
});
