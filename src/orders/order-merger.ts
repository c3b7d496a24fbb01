/**
 * Merged reservations (ORDER_MERGING=on): concurrent placeOrders of one SKU wait in that SKU's queue while
 * a transaction for it runs, and the next transaction takes all of them at once. A lone order runs at once,
 * on its own; under a flash sale the queue fills while the row lock is held and each transaction places
 * up to MAX_BATCH orders with one conditional UPDATE of the hot stock level (OrderService.placeBatch).
 * One queue runs one transaction at a time per instance; queues of different SKUs run side by side.
 */

export const MAX_BATCH = 200;

/** How one job of a batch ended. */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

export async function settle<R>(work: Promise<R>): Promise<Settled<R>> {
  try {
    return { ok: true, value: await work };
  } catch (error) {
    return { ok: false, error };
  }
}

interface Entry<J, R> {
  job: J;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

/** What the merger did since it started: orders placed in merged transactions, and fallbacks. */
export interface MergerStats {
  /** Transactions that placed two orders or more. */
  mergedBatches: number;
  /** Orders placed by them. */
  mergedOrders: number;
  /** Merged transactions that failed (a taken key, too little stock, a conflict): their orders ran singly. */
  fallbacks: number;
}

export class ReservationMerger<J, R> {
  private readonly queues = new Map<string, Entry<J, R>[]>();
  private readonly running = new Map<string, number>();
  readonly stats: MergerStats = { mergedBatches: 0, mergedOrders: 0, fallbacks: 0 };

  /** `run` places a batch and settles every job of it; it never throws. */
  constructor(
    private readonly run: (jobs: J[]) => Promise<Settled<R>[]>,
    private readonly maxBatch = MAX_BATCH,
  ) {}

  /**
   * Queues a job under the first of `keys` (its SKU codes) that has a queue, else under the first key:
   * an order of a hot SKU and ordinary ones joins the hot SKU's batch.
   */
  submit(keys: string[], job: J): Promise<R> {
    const key = keys.find((k) => this.queues.has(k)) ?? keys[0];
    return new Promise<R>((resolve, reject) => {
      const queue = this.queues.get(key);
      if (queue) {
        queue.push({ job, resolve, reject });
        return;
      }
      this.queues.set(key, [{ job, resolve, reject }]);
      // The orders that arrive in the same turn of the event loop go in the first transaction too.
      setImmediate(() => void this.drain(key));
    });
  }

  /** Jobs under `key`: queued for the next transaction, and in the one running now. */
  pending(key: string): { queued: number; running: number } {
    return { queued: this.queues.get(key)?.length ?? 0, running: this.running.get(key) ?? 0 };
  }

  private async drain(key: string): Promise<void> {
    const queue = this.queues.get(key)!;
    // The queue stays in the map while a transaction runs, so newcomers wait in it for the next one.
    const running: Entry<J, R>[] = [];
    while (queue.length) {
      running.push(...queue.splice(0, this.maxBatch));
      this.running.set(key, running.length);
      let results: Settled<R>[];
      try {
        results = await this.run(running.map((e) => e.job));
      } catch (error) {
        results = running.map(() => ({ ok: false, error }));
      }
      running.forEach((entry, i) => {
        const result = results[i];
        if (result.ok) entry.resolve(result.value);
        else entry.reject(result.error);
      });
      running.length = 0;
    }
    this.queues.delete(key);
    this.running.delete(key);
  }
}
