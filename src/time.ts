const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;

/** The Asia/Shanghai calendar date of an instant, YYYY-MM-DD. China keeps no daylight saving. */
export function shanghaiDate(at: Date = new Date()): string {
  return new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

export function shanghaiToday(): string {
  return shanghaiDate(new Date());
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

/** Where services that depend on the date read the time; tests pass one of their own. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
