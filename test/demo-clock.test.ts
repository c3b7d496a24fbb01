import { DataSource } from 'typeorm';
import { loadDemoData } from '../seeds/demo';
import { historyWindow, HistoryPlan, planHistory } from '../seeds/history';
import { checkLedger } from '../seeds/ledger-check';
import { shanghaiDate, shanghaiDayStart } from '../src/time';
import { startTestApp } from './support/test-app';

/**
 * The demo data set is the same whenever it is loaded: the clock is pinned (passed to the seed, which
 * replays the history with its own clock) to instants just after midnight, before the warehouse opens, at
 * noon, at the last minute of a day, on the first and on the last day of a month (Asia/Shanghai).
 */
const INSTANTS = [
  '2027-03-01T00:30:00+08:00', // just after midnight, first day of a month, after a short February
  '2027-03-01T08:59:00+08:00',
  '2027-03-01T12:00:00+08:00',
  '2027-03-01T23:59:00+08:00',
  '2026-12-31T00:30:00+08:00', // last day of a month and of a year
  '2026-12-31T12:00:00+08:00',
  '2026-12-31T23:59:00+08:00',
  '2027-02-28T08:59:00+08:00', // last day of February
  '2026-03-01T00:30:00+08:00', // the one loaded below
].map((at) => new Date(at));
/**
 * Loaded in full (the others are shown to plan the same history): just after midnight on the first day of a
 * month, and in the past, so a service that read the real time instead of the seed's clock would stamp rows
 * after the load, or find every lot expired.
 */
const LOADED = new Date('2026-03-01T00:30:00+08:00');

/** A plan as offsets from the start of the day it was made on, to compare plans of other hours and days. */
function relative(plan: HistoryPlan, at: Date) {
  const day = shanghaiDayStart(shanghaiDate(at)).getTime();
  return {
    lotSizes: [...plan.lotSizes],
    events: plan.events.map((e) =>
      'chore' in e
        ? [e.at - day, e.chore]
        : [e.at - day, e.order.idempotencyKey, e.order.steps.map((s) => [s.step, s.at - day])],
    ),
  };
}

const instant = (value: unknown) =>
  value instanceof Date ? value.getTime() : Date.parse(`${String(value).replace(' ', 'T')}Z`);

/** What a load holds: order statuses, lot statuses as of its day, movement kinds, instants from its day. */
async function summary(dataSource: DataSource, at: Date) {
  const today = shanghaiDate(at);
  const day = shanghaiDayStart(today).getTime();
  const kinds = async (sql: string, params: unknown[] = []) =>
    ((await dataSource.query(sql, params)) as { kind: string }[]).map((row) => row.kind);
  const offsets = async (sql: string) =>
    ((await dataSource.query(sql)) as { at: unknown }[]).map((row) => instant(row.at) - day);
  return {
    orders: await kinds('SELECT DISTINCT status AS kind FROM orders ORDER BY kind'),
    lots: await kinds(
      `SELECT DISTINCT CASE WHEN status = 'ACTIVE' AND expires_on < ? THEN 'EXPIRED'
              WHEN status = 'ACTIVE' AND quantity_on_hand = 0 THEN 'DEPLETED' ELSE status END AS kind
         FROM lot ORDER BY kind`,
      [today],
    ),
    movements: await kinds('SELECT DISTINCT type AS kind FROM stock_movement ORDER BY kind'),
    placed: await offsets('SELECT placed_at AS at FROM orders'),
    moved: await offsets('SELECT occurred_at AS at FROM stock_movement'),
  };
}

describe('the demo data set, loaded at pinned instants', () => {
  it('plans the same history at every hour of a day and on every day, all of it before the load', () => {
    const reference = relative(planHistory(historyWindow(INSTANTS[0])), INSTANTS[0]);
    expect(reference.events.length).toBeGreaterThan(300);
    for (const at of INSTANTS) {
      const plan = planHistory(historyWindow(at));
      const latest = Math.max(
        ...plan.events.flatMap((e) => ('chore' in e ? [e.at] : e.order.steps.map((s) => s.at))),
      );
      expect([at.toISOString(), latest < at.getTime()]).toEqual([at.toISOString(), true]);
      expect(relative(plan, at)).toEqual(reference);
    }
  });

  it('holds lots in every status, orders at every step and every kind of movement, and a ledger that holds', async () => {
    const app = await startTestApp();
    try {
      const started = Date.now();
      await loadDemoData(app.dataSource, LOADED);
      console.log(`demo data set loaded in ${Date.now() - started} ms (${app.dataSource.options.type})`);
      expect(await checkLedger(app.dataSource)).toEqual([]);
      const held = await summary(app.dataSource, LOADED);
      expect(held.orders).toEqual([
        'ALLOCATED',
        'CANCELLED',
        'DELIVERED',
        'DISPATCHED',
        'PICKED',
        'PLACED',
        'RETURNED',
      ]);
      expect(held.lots).toEqual(['ACTIVE', 'DEPLETED', 'EXPIRED', 'HELD']);
      expect(held.movements).toEqual(['ADJUSTMENT', 'EXPIRY', 'PICK', 'RECEIPT', 'RETURN', 'TRANSFER']);
      // Every order and movement of the history comes before the day it was loaded on, over three months.
      expect(Math.max(...held.placed, ...held.moved)).toBeLessThan(0);
      expect(Math.min(...held.placed)).toBeLessThan(-85 * 24 * 3600 * 1000);
    } finally {
      await app.close();
    }
  }, 600_000);
});
