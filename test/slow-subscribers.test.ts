import { fromGlobalId } from '../src/graphql/node';
import { CloseCodes } from '../src/subscriptions/subscription-limits';
import { createReferenceData } from './support/fixtures';
import { place, receive } from './support/operations';
import { startTestApp, TestApp } from './support/test-app';
import { eventually, listen, LiveServer, RawSocket } from './support/ws';

// A client that stops reading (a phone in a lift, a stalled process), against a bound small enough to reach.
const BOUND = 4096;
const CHANGES = 300;
const STOCK =
  'subscription($codes: [String!]) { stockLevelChanged(skuCodes: $codes) { sku { code name } onHand } }';
const ORDERS =
  'subscription { orderStatusChanged { number status merchant { code name } lines { quantity } } }';

let app: TestApp;
let warehouse: { token: string; key: string };
let skuId: number;
let orderId: number;
const servers: LiveServer[] = [];
const sockets: RawSocket[] = [];

async function serve(slowSocketMs = 3_600_000): Promise<LiveServer> {
  // No keep-alive pings: a paused client would not answer them and be dropped, which is not what is tested.
  const server = await listen(app.gateway, { keepAliveMs: 0, slowSocketMs });
  servers.push(server);
  return server;
}

function connect(server: LiveServer): RawSocket {
  const socket = new RawSocket(server.url, warehouse.token);
  sockets.push(socket);
  return socket;
}

/** The gateway's side of the socket: how far its client is behind, and what waits in its buffer. */
function serverSide(server: LiveServer) {
  const [entry] = server.subscriptions.registry.socketsOf([warehouse.key]);
  return { unread: entry.flow.unread, buffered: entry.socket.bufferedAmount, socket: entry.socket };
}

/** A new on-hand for the SKU and a repeated status event for the order, published as after a commit. */
async function change(onHand: number): Promise<void> {
  await app.dataSource.query('UPDATE stock_level SET on_hand = ? WHERE sku_id = ?', [onHand, skuId]);
  app.gateway.services.events.stockChanged([skuId]);
  app.gateway.services.events.orderStatusChanged([orderId]);
}

/** Until the change left every queue (sent, or being sent), or a subscription waits for the client. */
const taken = (server: LiveServer) =>
  eventually(
    () => server.subscriptions.hub.waiting === 0 || server.subscriptions.hub.held > 0,
    'the change to be sent or held',
  );

const onHands = (socket: RawSocket) =>
  socket.results('stock').map((result) => result.data.stockLevelChanged.onHand as number);

beforeAll(async () => {
  app = await startTestApp({ SUBSCRIPTION_BUFFER_BYTES: String(BOUND) });
  await app.gateway.webhookDispatcher.stop();
  await createReferenceData(app);
  const created = await app.gql(
    'mutation { createApiKey(input: { role: WAREHOUSE, label: "tablet-slow" }) { id token } }',
  );
  const { id, token } = created.data.createApiKey;
  warehouse = { token, key: String(fromGlobalId(id)!.id) };
  await receive(app, { skuCode: 'JC-MILLET-2500G', quantity: 50, locationCode: 'A-01-01' }, warehouse.token);
  const order = await place(app, [{ skuCode: 'JC-MILLET-2500G', quantity: 1 }]);
  orderId = Number(
    (await app.dataSource.query('SELECT id FROM orders WHERE number = ?', [order.number]))[0].id,
  );
  skuId = Number((await app.dataSource.query("SELECT id FROM sku WHERE code = 'JC-MILLET-2500G'"))[0].id);
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.socket.terminate();
  for (const server of servers.splice(0)) await server.close();
});

afterAll(async () => {
  await app.close();
});

it(`a client that stops reading gets the newest state of a SKU and an order once it reads again, not ${CHANGES} events each, and what waits for it stays bounded`, async () => {
  const server = await serve();
  const socket = connect(server);
  await socket.subscribe('stock', STOCK, { codes: ['JC-MILLET-2500G'] });
  await socket.subscribe('orders', ORDERS);
  await eventually(() => server.subscriptions.hub.size === 2, 'both subscriptions to open');
  socket.pause();

  let largest = 0;
  for (let onHand = 1; onHand <= CHANGES; onHand += 1) {
    await change(onHand);
    await taken(server);
    // However many changes come, the socket's unread bytes stay under the bound plus one event per
    // subscription, and each subscription holds one waiting change: the newest.
    const { unread, buffered } = serverSide(server);
    largest = Math.max(largest, unread, buffered);
    expect(server.subscriptions.hub.waiting).toBeLessThanOrEqual(2);
  }
  await eventually(() => server.subscriptions.hub.held === 2, 'both subscriptions to wait for the client');
  expect(server.subscriptions.hub.waiting).toBe(2);
  expect(largest).toBeLessThan(BOUND + 2 * 1024);

  socket.resume();
  await eventually(() => onHands(socket).at(-1) === CHANGES, 'the newest on-hand');
  await eventually(
    () => server.subscriptions.hub.held === 0 && server.subscriptions.hub.waiting === 0,
    'nothing left',
  );
  const seen = onHands(socket);
  // What was sent before the client fell behind, then the newest: in order, with the changes between merged.
  // (An event shows the state when it is sent, so one sent late may show the next change too.)
  expect(seen).toEqual([...seen].sort((a, b) => a - b));
  const mostSent = Math.ceil(BOUND / socket.smallest) + 2;
  expect(seen.length).toBeLessThanOrEqual(mostSent);
  const orders = socket.results('orders');
  expect(orders.length).toBeGreaterThan(0);
  expect(orders.length).toBeLessThanOrEqual(mostSent);
  expect(orders.at(-1)?.data.orderStatusChanged).toMatchObject({
    status: 'PLACED',
    merchant: { code: 'M-BAOFU-01' },
  });
  console.log(
    `paused client: ${CHANGES} changes of one SKU and ${CHANGES} of one order sent; it received ${seen.length} and ${orders.length}, at most ${largest} bytes unread`,
  );
});

it('a client that reads gets through a bound far smaller than what it is sent, to the newest state', async () => {
  const server = await serve();
  const socket = connect(server);
  await socket.subscribe('stock', STOCK, { codes: ['JC-MILLET-2500G'] });
  await socket.subscribe('orders', ORDERS);
  await eventually(() => server.subscriptions.hub.size === 2, 'both subscriptions to open');
  for (let onHand = CHANGES + 1; onHand <= 2 * CHANGES; onHand += 1) {
    await change(onHand);
    await eventually(() => onHands(socket).at(-1) === onHand, `on-hand ${onHand}`);
  }
  // Many windows' worth went through: the client's acknowledgements opened the way again and again.
  expect(socket.bytes).toBeGreaterThan(4 * BOUND);
});

/** A stock subscriber on a gateway that closes sockets 0.2 s behind the bound, paused once subscribed. */
async function pausedStockSubscriber() {
  const server = await serve(200);
  const socket = connect(server);
  await socket.subscribe('stock', STOCK, { codes: ['JC-MILLET-2500G'] });
  await eventually(() => server.subscriptions.hub.size === 1, 'the subscription to open');
  socket.pause();
  return { server, socket, gatewaySide: serverSide(server).socket };
}

it('closes a socket that stays behind the bound with 4413 and the reason', async () => {
  const { server, socket, gatewaySide } = await pausedStockSubscriber();
  for (let onHand = 1; serverSide(server).unread <= BOUND; onHand += 1) {
    expect(onHand).toBeLessThan(10 * CHANGES);
    await change(onHand);
    await taken(server);
  }
  // CLOSING while the paused client has not read the close frame, or CLOSED once the connection ended.
  await eventually(() => gatewaySide.readyState >= gatewaySide.CLOSING, 'the gateway to close the socket');
  socket.resume();
  expect(await socket.closed).toEqual({
    code: CloseCodes.tooSlow,
    reason: `Too slow: more than ${BOUND} bytes unread for 0.2 s; reconnect and re-read`,
  });
  await eventually(() => server.subscriptions.registry.subscriptions === 0, 'its subscription to end');
});

// The loop above ends on a change held back, or, usual on MariaDB, whose reads are slower, on the send that
// crossed the bound; this one always ends on that send, with nothing held after it.
it('closes a socket whose last event took it past the bound, though no change comes after it', async () => {
  const { server, socket, gatewaySide } = await pausedStockSubscriber();
  // One change at a time, each sent before the next: the last one sent is the one that crossed the bound.
  for (let onHand = 1; serverSide(server).unread <= BOUND; onHand += 1) {
    expect(onHand).toBeLessThan(10 * CHANGES);
    const before = serverSide(server).unread;
    await change(onHand);
    await eventually(() => serverSide(server).unread > before, `on-hand ${onHand} to be sent`);
  }
  expect(server.subscriptions.hub.waiting).toBe(0);
  await eventually(() => gatewaySide.readyState >= gatewaySide.CLOSING, 'the gateway to close the socket');
  socket.resume();
  expect((await socket.closed).code).toBe(CloseCodes.tooSlow);
});
