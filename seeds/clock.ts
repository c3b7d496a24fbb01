import { Clock } from '../src/time';

/**
 * The clock a history replay runs with (src/time.ts `runWithClock`): it answers the instant set last, so
 * the services stamp receipts, orders, events and rollups with the moment being replayed.
 */
export class ReplayClock {
  private current: number;

  constructor(start: number) {
    this.current = start;
  }

  /** The clock to run with. */
  readonly read: Clock = () => new Date(this.current);

  /** Moves to an instant; never backwards. */
  set(at: number): void {
    this.current = Math.max(this.current, at);
  }
}
