import { DataSource } from 'typeorm';
import { openDataSource } from '../src/db/data-source';
import { Role } from '../src/graphql/enums';
import { Metrics } from '../src/metrics';
import { WebhookDispatcher } from '../src/webhooks/webhook-dispatcher';
import { createReferenceData } from './support/fixtures';
import { place, receive } from './support/operations';
import { onMysql, startTestApp, TestApp } from './support/test-app';
import { eventually } from './support/ws';
import { WebhookReceiver } from './support/webhook-receiver';

// Two gateway instances on one MariaDB, each with its own connection pool and dispatcher: the lease on the
// outbox row lets one instance at a time attempt a delivery.
const maybe = onMysql ? describe : describe.skip;

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

  it('deliver every event exactly once while one of them is stopped mid-run', async () => {
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
    const options = { allowPrivateUrls: true, pollMs: 10, concurrency: 4, perEndpoint: 4 };
    const a = new WebhookDispatcher(app.dataSource, { ...options, metrics: metricsA });
    const b = new WebhookDispatcher(secondDb, { ...options, metrics: metricsB });
    a.start();
    b.start();
    await eventually(() => receiver.received.length >= expected / 3, 'a third of the deliveries', 100_000);
    await b.stop();
    const stoppedAt = receiver.received.length;
    await eventually(() => receiver.received.length >= expected, 'every delivery', 100_000);
    await a.stop();

    for (const hook of receiver.received) {
      const id = String(hook.headers['x-gaodu-delivery']);
      perId.set(id, (perId.get(id) ?? 0) + 1);
    }
    expect(perId.size).toBe(expected);
    expect([...perId.values()].filter((n) => n !== 1)).toEqual([]);
    const [row] = await app.dataSource.query(
      "SELECT COUNT(*) AS n FROM webhook_delivery WHERE status = 'DELIVERED' AND attempts = 1",
    );
    expect(Number(row.n)).toBe(expected);
    const delivered = async (m: Metrics) =>
      (await m.webhookDeliveries.get()).values.find((v) => v.labels.outcome === 'delivered')?.value ?? 0;
    // Both instances took part, and they add up to every delivery once.
    const [byA, byB] = [await delivered(metricsA), await delivered(metricsB)];
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
    expect(byA + byB).toBe(expected);
    expect(stoppedAt).toBeLessThan(expected);
  });
});
