import { DataSource } from 'typeorm';
import { openDataSource } from '../src/db/data-source';
import { Role } from '../src/graphql/enums';
import { Metrics } from '../src/metrics';
import { WebhookDispatcher } from '../src/webhooks/webhook-dispatcher';
import { createReferenceData } from './support/fixtures';
import { place, receive } from './support/operations';
import { onMysql, startTestApp, TestApp } from './support/test-app';
import { eventually } from './support/ws';
import { ReceivedHook, WebhookReceiver } from './support/webhook-receiver';

// Two gateway instances on one MariaDB, each with its own connection pool and dispatcher: the lease on the
// outbox row lets one instance at a time attempt a delivery, and lets the other take over what a killed
// instance held once the lease runs out.
const maybe = onMysql ? describe : describe.skip;

const deliveryId = (hook: ReceivedHook) => String(hook.headers['x-gaodu-delivery']);

/**
 * Lets a test kill a dispatcher as a crash would: from then on it claims nothing, and no attempt of its is
 * recorded, so the rows it had claimed stay leased. `unrecorded` lists the deliveries it had sent (the
 * receiver got them) when it died.
 */
function killable(dispatcher: WebhookDispatcher) {
  type Post = (endpoint: unknown, delivery: { nodeId: string }) => Promise<unknown>;
  const inner = dispatcher as unknown as {
    post: Post;
    running: boolean;
    timer: NodeJS.Timeout | null;
  };
  const post = inner.post.bind(dispatcher);
  const never = new Promise<never>(() => undefined);
  const unrecorded: string[] = [];
  let dead = false;
  let posting = 0;
  inner.post = async (endpoint, delivery) => {
    if (dead) return never;
    posting++;
    const outcome = await post(endpoint, delivery).finally(() => posting--);
    if (!dead) return outcome;
    unrecorded.push(delivery.nodeId);
    return never;
  };
  return {
    unrecorded,
    /** Requests it is waiting on an answer for: killed now, it leaves their rows leased. */
    posting: () => posting,
    kill() {
      dead = true;
      inner.running = false;
      if (inner.timer) clearTimeout(inner.timer);
      inner.timer = null;
    },
  };
}

maybe('webhook dispatchers of two instances on one database', () => {
  let app: TestApp;
  let secondDb: DataSource;
  const receiver = new WebhookReceiver();
  const perId = new Map<string, number>();

  beforeAll(async () => {
    app = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_URLS: 'true' });
    await app.gateway.webhookDispatcher.stop();
    secondDb = await openDataSource(app.config.databaseUrl);
    await receiver.start();
    receiver.delayMs = 20;
    await createReferenceData(app);
  });

  afterAll(async () => {
    await receiver.close();
    await secondDb.destroy();
    await app.close();
  });

  it('deliver every event once, and one takes over what the other had claimed when it was killed', async () => {
    const merchant = await app.keyFor(Role.MERCHANT, 'M-BAOFU-01');
    const warehouse = await app.keyFor(Role.WAREHOUSE);
    await receive(app, { skuCode: 'JC-MILLET-2500G', quantity: 1000, locationCode: 'A-01-01' }, warehouse);
    for (const events of [['ORDER_STATUS_CHANGED'], ['ORDER_STATUS_CHANGED', 'STOCK_LOW']]) {
      const res = await app.gql(
        'mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }',
        { input: { url: receiver.url, events } },
        merchant,
      );
      expect(res.errors).toBeUndefined();
    }
    const orders = 60;
    for (let i = 0; i < orders; i++)
      await place(app, [{ skuCode: 'JC-MILLET-2500G', quantity: 1 }], merchant);
    const expected = orders * 2;

    const metricsA = new Metrics();
    const metricsB = new Metrics();
    const leaseMs = 60_000;
    // A's clock can be moved past the lease of what B held, instead of waiting a minute.
    let ahead = 0;
    const options = { allowPrivateUrls: true, pollMs: 10, concurrency: 4, perEndpoint: 4, leaseMs };
    const a = new WebhookDispatcher(app.dataSource, {
      ...options,
      metrics: metricsA,
      clock: () => new Date(Date.now() + ahead),
    });
    const b = new WebhookDispatcher(secondDb, { ...options, metrics: metricsB });
    const crash = killable(b);
    a.start();
    b.start();
    // B is killed while it has attempts in flight: they are never recorded, and their rows stay leased.
    await eventually(
      () => receiver.received.length >= expected / 3 && crash.posting() > 0 && (crash.kill(), true),
      'a third of the deliveries, with B busy',
      6000,
    );
    const strandedCount = async () =>
      Number(
        (
          await app.dataSource.query(
            "SELECT COUNT(*) AS n FROM webhook_delivery WHERE status = 'PENDING' AND lease_owner LIKE ?",
            [`${b.instanceId}:%`],
          )
        )[0].n,
      );
    const pendingCount = async () =>
      Number(
        (await app.dataSource.query("SELECT COUNT(*) AS n FROM webhook_delivery WHERE status = 'PENDING'"))[0]
          .n,
      );
    // A delivers everything else, and leaves B's leased rows alone while the lease holds.
    for (let turn = 0; (await pendingCount()) > (await strandedCount()); turn++) {
      if (turn > 6000) throw new Error('gave up waiting for A to deliver what B did not hold');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const stranded = await strandedCount();
    expect(stranded).toBeGreaterThan(0);
    // The lease runs out: A takes them over.
    ahead = leaseMs + 1000;
    await eventually(
      () => new Set(receiver.received.map(deliveryId)).size >= expected,
      'every delivery',
      6000,
    );
    for (let turn = 0; (await pendingCount()) > 0; turn++) {
      if (turn > 6000) throw new Error('gave up waiting for every row to be recorded');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await a.stop();

    for (const hook of receiver.received) {
      const id = deliveryId(hook);
      perId.set(id, (perId.get(id) ?? 0) + 1);
    }
    expect(perId.size).toBe(expected);
    // Sent twice only where B's request reached the receiver but B died before recording it: at least once.
    const twice = [...perId].filter(([, n]) => n !== 1);
    expect(twice.filter(([id, n]) => n !== 2 || !crash.unrecorded.includes(id))).toEqual([]);
    const [row] = await app.dataSource.query(
      "SELECT COUNT(*) AS n FROM webhook_delivery WHERE status = 'DELIVERED' AND attempts = 1",
    );
    expect(Number(row.n)).toBe(expected);
    const delivered = async (m: Metrics) =>
      (await m.webhookDeliveries.get()).values.find((v) => v.labels.outcome === 'delivered')?.value ?? 0;
    // Both instances took part, and what each recorded adds up to every delivery once.
    const [byA, byB] = [await delivered(metricsA), await delivered(metricsB)];
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
    expect(byA + byB).toBe(expected);
  });
});
