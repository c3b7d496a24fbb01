import { EventEmitter } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import WebSocket from 'ws';
import { ORDER_STATUS_CHANGED, STOCK_CHANGED } from '../src/events';
import { Role } from '../src/graphql/enums';
import { CoalescingQueue, SubscriptionHub } from '../src/subscriptions/subscription-hub';
import { createReferenceData } from './support/fixtures';
import { startTestApp, TestApp } from './support/test-app';
import { countSql } from './support/sql-counter';
import { eventually, listen, LiveServer } from './support/ws';

const CONNECTIONS = 300;
const ROUNDS = 3;
const STOCK = 'subscription { stockLevelChanged { sku { code } onHand } }';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function heapUsed(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/** A bare graphql-ws socket that authenticates and subscribes, and counts what it receives. */
class RawSubscriber {
  readonly socket: WebSocket;
  received = 0;
  private readonly acked: Promise<void>;

  constructor(url: string, token: string, options: WebSocket.ClientOptions = {}) {
    this.socket = new WebSocket(url, 'graphql-transport-ws', options);
    this.acked = new Promise((resolve, reject) => {
      this.socket.on('open', () =>
        this.socket.send(
          JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }),
        ),
      );
      this.socket.on('message', (data) => {
        const message = JSON.parse(String(data));
        if (message.type === 'connection_ack') resolve();
        if (message.type === 'next') this.received += 1;
      });
      this.socket.on('close', (code, reason) => reject(new Error(`closed before ack: ${code} ${reason}`)));
    });
  }

  async subscribe(query: string): Promise<void> {
    await this.acked;
    this.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
  }
}

describe('a subscriber that does not read', () => {
  it('keeps at most queueLimit changes, coalescing repeats and dropping the oldest, and never holds up the publisher', async () => {
    const events = new EventEmitter();
    const hub = new SubscriptionHub(events, undefined as never, 100);
    const stalled = hub.stock(null);
    for (let skuId = 1; skuId <= 500; skuId += 1) events.emit(STOCK_CHANGED, [skuId]);
    expect(stalled.queue.size).toBe(100);
    expect(hub.dropped).toBe(400);
    // Further changes of SKUs already waiting add nothing.
    for (let round = 0; round < 20; round += 1) {
      for (let skuId = 401; skuId <= 500; skuId += 1) events.emit(STOCK_CHANGED, [skuId]);
    }
    expect(stalled.queue.size).toBe(100);
    expect(hub.dropped).toBe(400);
    // The newest changes are the ones kept.
    expect((await stalled.next()).value?.id).toBe(401);
    await stalled.return();
    expect(hub.size).toBe(0);
    hub.close();
    expect(events.listenerCount(STOCK_CHANGED) + events.listenerCount(ORDER_STATUS_CHANGED)).toBe(0);
  });

  it('keeps one change per id however often it changed while waiting, the newest', () => {
    const queue = new CoalescingQueue(10);
    for (let i = 0; i < 1000; i += 1) queue.push(7, i);
    queue.push(8, 1000);
    expect(queue.take(5)).toEqual([999, 1000]);
    expect(queue.dropped).toBe(0);
  });
});

describe('many connections', () => {
  let app: TestApp;
  let live: LiveServer;
  let token: string;

  beforeAll(async () => {
    // One key opens every socket here: its cap is raised above CONNECTIONS (test/subscription-limits.test.ts
    // covers the cap).
    app = await startTestApp({ SUBSCRIPTION_SOCKETS_PER_KEY: String(CONNECTIONS * 2) });
    // The webhook dispatcher polls the outbox in the background: those statements are no subscriber's.
    await app.gateway.webhookDispatcher.stop();
    await createReferenceData(app);
    live = await listen(app.gateway, { keepAliveMs: 200 });
    token = await app.keyFor(Role.MERCHANT, 'M-BAOFU-01');
  });

  afterAll(async () => {
    await live.close();
    await app.close();
  });

  it(`opens and drops ${CONNECTIONS} subscribers ${ROUNDS} times; subscriptions, sockets, listeners and heap return to their level`, async () => {
    const events = app.gateway.services.events as unknown as EventEmitter;
    const listenersBefore = events.listenerCount(STOCK_CHANGED);
    const skuId = Number(
      (await app.dataSource.query("SELECT id FROM sku WHERE code = 'JC-MILLET-2500G'"))[0].id,
    );
    const heaps: number[] = [];
    let heapBefore = 0;

    for (let round = 0; round <= ROUNDS; round += 1) {
      // Round 0 warms up (module loading, JIT, pools) and sets the level the later rounds must return to.
      if (round === 1) heapBefore = heapUsed();
      const subscribers = Array.from({ length: CONNECTIONS }, () => new RawSubscriber(live.url, token));
      await Promise.all(subscribers.map((s) => s.subscribe(STOCK)));
      await eventually(
        () => live.subscriptions.hub.size === CONNECTIONS,
        `${CONNECTIONS} subscriptions to open`,
      );

      const sql = countSql(app.dataSource);
      app.gateway.services.events.stockChanged([skuId]);
      await eventually(
        () => subscribers.every((s) => s.received === 1),
        'every subscriber to hear the change',
      );
      const statements = sql.count;
      sql.restore();
      // Every subscriber reads through the loaders of the one publication: one query for the level, one for
      // the SKU.
      expect(statements).toBe(2);
      if (round > 0) heaps.push(heapUsed());

      // Half vanish without a word (as a phone losing its network), half close properly.
      subscribers.forEach((s, i) => (i % 2 ? s.socket.terminate() : s.socket.close()));
      await eventually(
        () => live.subscriptions.hub.size === 0 && live.subscriptions.webSockets.clients.size === 0,
        'every subscription and socket to be gone',
      );
      expect(events.listenerCount(STOCK_CHANGED)).toBe(listenersBefore);
    }

    const heapAfter = heapUsed();
    const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;
    console.log(
      `heap: ${mb(heapBefore)} MB before, ${heaps.map(mb).join(' / ')} MB with ${CONNECTIONS} open, ${mb(heapAfter)} MB after ${ROUNDS} rounds`,
    );
    // What one round of open connections holds is given back: the heap ends within a few MB of where it
    // began.
    expect(heapAfter - heapBefore).toBeLessThan(8e6);
  });

  it('drops a socket that stops answering pings, and its subscription with it', async () => {
    const silent = new RawSubscriber(live.url, token, { autoPong: false });
    await silent.subscribe(STOCK);
    await eventually(() => live.subscriptions.hub.size === 1, 'the subscription to open');
    const closed = new Promise((resolve) => silent.socket.on('close', resolve));
    await eventually(() => live.subscriptions.hub.size === 0, 'the silent socket to be dropped', 3000);
    await closed;
    expect(live.subscriptions.webSockets.clients.size).toBe(0);
  });
});
