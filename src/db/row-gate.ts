import { DataSource } from 'typeorm';
import { DatabaseWaitTimeout } from './faults';

/**
 * At most `perRow` transactions at once for each hot row (a SKU's stock level): the others wait here, in
 * the process, holding no pooled connection, for at most `waitMs`, then fail with a DatabaseWaitTimeout
 * (TRY_AGAIN). So a row lock held for long (a stuck client, a flash sale) ties up at most `perRow`
 * connections, and other SKUs, reads and /ready keep theirs. Rows are entered in sorted order, so two
 * transactions entering the same rows cannot wait for each other here.
 */
export class RowGate {
  private readonly rows = new Map<string, { holders: number; waiters: (() => void)[] }>();

  constructor(
    readonly perRow: number,
    readonly waitMs: number,
    private readonly what: string,
  ) {}

  /**
   * Waits for a place on every row of `keys`: the function that gives them back, and whether a row was
   * full, so that this work waited for others on it (what it read of the row before may be out of date).
   */
  async enter(keys: readonly string[]): Promise<{ leave: () => void; waited: boolean }> {
    const sorted = [...new Set(keys)].sort();
    const taken: string[] = [];
    const until = Date.now() + this.waitMs;
    let waited = false;
    try {
      for (const key of sorted) {
        if (await this.take(key, until - Date.now())) waited = true;
        taken.push(key);
      }
    } catch (error) {
      for (const key of taken) this.leave(key);
      throw error;
    }
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      for (const key of taken) this.leave(key);
    };
    return { leave, waited };
  }

  /** Transactions holding a place on `key` and transactions waiting for one (for tests and metrics). */
  load(key: string): { holders: number; waiting: number } {
    const row = this.rows.get(key);
    return { holders: row?.holders ?? 0, waiting: row?.waiters.length ?? 0 };
  }

  /** A place on `key`: true when it had to wait for one. */
  private take(key: string, ms: number): Promise<boolean> {
    let row = this.rows.get(key);
    if (!row) {
      row = { holders: 0, waiters: [] };
      this.rows.set(key, row);
    }
    if (row.holders < this.perRow) {
      row.holders++;
      return Promise.resolve(false);
    }
    const waiting = row;
    return new Promise<boolean>((resolve, reject) => {
      const admit = () => {
        clearTimeout(timer);
        waiting.holders++;
        resolve(true);
      };
      const timer = setTimeout(
        () => {
          const at = waiting.waiters.indexOf(admit);
          if (at >= 0) waiting.waiters.splice(at, 1);
          reject(
            new DatabaseWaitTimeout(
              `None of the ${this.perRow} places for ${this.what} (${key}) came free within ${this.waitMs} ms`,
            ),
          );
        },
        Math.max(0, ms),
      );
      waiting.waiters.push(admit);
    });
  }

  private leave(key: string): void {
    const row = this.rows.get(key);
    if (!row) return;
    row.holders--;
    const next = row.waiters.shift();
    if (next) next();
    else if (row.holders === 0) this.rows.delete(key);
  }
}

const gates = new WeakMap<DataSource, RowGate>();

/** The gate of a data source (set by openDataSource with the configured limits); none: no bound. */
export function rowGateOf(dataSource: DataSource): RowGate | undefined {
  return gates.get(dataSource);
}

export function setRowGate(dataSource: DataSource, gate: RowGate): void {
  gates.set(dataSource, gate);
}

/**
 * Runs `work` holding a place on each hot row of `keys` (`sku:<code>` for a SKU's stock level) in the data
 * source's gate: at most the configured number of works per row at once, each with its pooled connection;
 * the others wait here without one. `work` learns whether it waited. Without a gate (SQLite, scripts)
 * `work` simply runs.
 */
export async function withRows<T>(
  dataSource: DataSource,
  keys: readonly string[] | undefined,
  work: (waited: boolean) => Promise<T>,
): Promise<T> {
  const gate = keys?.length ? rowGateOf(dataSource) : undefined;
  if (!gate) return work(false);
  const { leave, waited } = await gate.enter(keys!);
  try {
    return await work(waited);
  } finally {
    leave();
  }
}
