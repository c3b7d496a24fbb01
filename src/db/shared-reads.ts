import { DataSource } from 'typeorm';
import { databaseFault } from './faults';

/** One plain read: a SELECT without ORDER BY or LIMIT, and its parameters. */
export interface Read {
  sql: string;
  params: unknown[];
}

interface Waiting {
  read: Read;
  resolve: (rows: Record<string, unknown>[]) => void;
  reject: (error: unknown) => void;
}

/** Most reads in one statement (SQLite allows 500 terms of a compound SELECT). */
export const MAX_SHARED_READS = 100;

/**
 * Concurrent reads of one shape (the same columns, e.g. one SELECT with IN lists of different lengths)
 * that share round trips: up to `maxInFlight` statements run at once, and the reads that come while they
 * run wait and go together in the next one, a UNION ALL of them, each branch numbered so its rows go back
 * to its caller. A read that finds a free place runs at once, alone, as it would without this. Under a
 * flash sale hundreds of placeOrders read their key, SKUs and stock in a handful of statements.
 * A shared statement that fails on a database fault (down, busy, timed out) fails all its reads, as each
 * alone would; on any other error its reads run again one by one, so one read's error is only its own.
 */
export class SharedReads {
  private readonly queue: Waiting[] = [];
  private inFlight = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly maxInFlight = 2,
    private readonly maxBatch = MAX_SHARED_READS,
  ) {}

  /** Reads waiting for a place. */
  get waiting(): number {
    return this.queue.length;
  }

  read(read: Read): Promise<Record<string, unknown>[]> {
    if (this.inFlight < this.maxInFlight) return this.runAlone(read);
    return new Promise((resolve, reject) => this.queue.push({ read, resolve, reject }));
  }

  private async runAlone(read: Read): Promise<Record<string, unknown>[]> {
    this.inFlight++;
    try {
      return await this.dataSource.query(read.sql, read.params);
    } finally {
      this.inFlight--;
      this.next();
    }
  }

  /** Runs the waiting reads (up to maxBatch of them) as one statement, once a place is free. */
  private next(): void {
    if (!this.queue.length || this.inFlight >= this.maxInFlight) return;
    const batch = this.queue.splice(0, this.maxBatch);
    if (batch.length === 1) {
      const [{ read, resolve, reject }] = batch;
      this.runAlone(read).then(resolve, reject);
      return;
    }
    this.inFlight++;
    void this.runShared(batch).finally(() => {
      this.inFlight--;
      this.next();
    });
  }

  private async runShared(batch: Waiting[]): Promise<void> {
    const sql = batch.map((w, i) => w.read.sql.replace(/^\s*SELECT\s/i, `SELECT ${i} AS shared_read, `));
    let rows: Record<string, unknown>[];
    try {
      rows = await this.dataSource.query(
        sql.join(' UNION ALL '),
        batch.flatMap((w) => w.read.params),
      );
    } catch (error) {
      if (databaseFault(error)) for (const w of batch) w.reject(error);
      else
        for (const w of batch)
          await this.dataSource.query(w.read.sql, w.read.params).then(w.resolve, w.reject);
      return;
    }
    const split = batch.map((): Record<string, unknown>[] => []);
    for (const { shared_read, ...row } of rows) split[Number(shared_read)].push(row);
    batch.forEach((w, i) => w.resolve(split[i]));
  }
}
