import { computeRollups, readRollups } from '../src/dashboard/rollup.service';
import { addDays, shanghaiDate } from '../src/time';
import { generate } from '../seeds/generate';
import { checkLedger } from '../seeds/ledger-check';
import { startTestApp, TestApp } from './support/test-app';

/** Just after midnight on the first day of a month (Asia/Shanghai): the history ends before it. */
const NOW = new Date('2027-03-01T00:30:00+08:00');

describe('scale generator', () => {
  let app: TestApp;
  let figures: Record<string, number>;

  beforeAll(async () => {
    app = await startTestApp();
    figures = await generate(
      app.dataSource,
      { days: 4, ordersPerDay: 60, lots: 300 },
      { now: NOW, quiet: true },
    );
  });

  afterAll(() => app.close());

  it('writes a ledger that holds', async () => {
    expect(figures.orders).toBeGreaterThan(150);
    expect(await checkLedger(app.dataSource)).toEqual([]);
    const statuses: { status: string }[] = await app.dataSource.query('SELECT DISTINCT status FROM orders');
    expect(statuses.map((s) => s.status).sort()).toEqual([
      'ALLOCATED',
      'CANCELLED',
      'DELIVERED',
      'DISPATCHED',
      'PICKED',
      'PLACED',
    ]);
  });

  it('writes rollups equal to a recomputation from its orders', async () => {
    expect(await readRollups(app.dataSource.manager)).toEqual(await computeRollups(app.dataSource.manager));
  });

  it('refuses a database that already holds orders', async () => {
    await expect(
      generate(app.dataSource, { days: 1, ordersPerDay: 10, lots: 10 }, { quiet: true }),
    ).rejects.toThrow(/already holds orders/);
  });

  it('feeds the dashboard', async () => {
    const today = shanghaiDate(NOW);
    const res = await app.gql(
      'query($from: LocalDate!, $to: LocalDate!) { dashboard(from: $from, to: $to) { ordersPlaced topSkus(limit: 1) { units } } }',
      { from: addDays(today, -4), to: addDays(today, -1) },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.dashboard.ordersPlaced).toBe(figures.orders);
    expect(res.data.dashboard.topSkus[0].units).toBeGreaterThan(0);
  });
});
