import { AsyncLocalStorage } from 'node:async_hooks';

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;

/**
 * Where the gateway's own code reads the time; tests and the demo seed pass one of their own. By default
 * it is the real time. Work started with `runWithClock` (the demo history replayed "at" past instants, a
 * test pinning the day) reads that clock's instant instead, in that work only: other requests, timers
 * and libraries keep the real time, and `Date` itself is never replaced.
 */
export type Clock = () => Date;

const scoped = new AsyncLocalStorage<Clock>();
let scopedRuns = 0;

/** The current instant: the real time, or that of the clock the calling work runs with. */
export function currentTime(): Date {
  const clock = scoped.getStore();
  return clock ? clock() : new Date();
}

/** The default clock of services that take one: `currentTime`. */
export const systemClock: Clock = currentTime;

/** Runs `work` with `clock` answering every `currentTime()` inside it (awaited or not). */
export async function runWithClock<T>(clock: Clock, work: () => Promise<T>): Promise<T> {
  scopedRuns++;
  try {
    return await scoped.run(clock, work);
  } finally {
    // With no such work left, async context tracking is switched off again: it costs every promise.
    if (--scopedRuns === 0) scoped.disable();
  }
}

/** The Asia/Shanghai calendar date of an instant, YYYY-MM-DD. China keeps no daylight saving. */
export function shanghaiDate(at: Date = currentTime()): string {
  return new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

export function shanghaiToday(): string {
  return shanghaiDate(currentTime());
}

/** YYYY-MM-DD plus n days. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The instant a Shanghai calendar day starts. */
export function shanghaiDayStart(date: string): Date {
  return new Date(new Date(`${date}T00:00:00Z`).getTime() - SHANGHAI_OFFSET_MS);
}
