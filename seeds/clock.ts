/**
 * A settable clock for loading history: while installed, `new Date()` and `Date.now()` answer the
 * instant set last, so the services stamp receipts, orders, events and rollups with the day being
 * replayed. Dates built from explicit values are unaffected. Only the seed uses it, before the
 * gateway serves anything.
 */
export class ReplayClock {
  private readonly realDate = Date;
  private current: number;

  constructor(start: Date) {
    this.current = start.getTime();
  }

  install(): void {
    const RealDate = this.realDate;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the Date replacement reads it
    const clock = this;
    class ReplayDate extends RealDate {
      constructor(...args: unknown[]) {
        if (args.length === 0) super(clock.current);
        else super(...(args as [string | number]));
      }
      static now(): number {
        return clock.current;
      }
      static [Symbol.hasInstance](value: unknown): boolean {
        return value instanceof RealDate;
      }
    }
    globalThis.Date = ReplayDate as DateConstructor;
  }

  uninstall(): void {
    globalThis.Date = this.realDate;
  }

  /** Moves to an instant; never backwards. */
  set(at: number): void {
    this.current = Math.max(this.current, at);
  }

  get now(): number {
    return this.current;
  }
}
