import { DataSource, EntityManager } from 'typeorm';
import { logger } from '../logger';

/**
 * A deadlock is retried: InnoDB rolled the whole transaction back, and running it again usually works. A
 * lock-wait timeout is not: the transaction already waited as long as the gateway allows (the session's
 * innodb_lock_wait_timeout), so it is answered TRY_AGAIN at once (src/db/faults.ts).
 */
const RETRIED_CODES = new Set(['ER_LOCK_DEADLOCK']);
/** Attempts of a transaction that keeps deadlocking, then TRY_AGAIN. */
export const MAX_ATTEMPTS = 8;
/** The longest pause between two attempts; pauses grow from a few ms, with full jitter. */
const MAX_BACKOFF_MS = 250;

/** SQLite has one connection: its transactions run one after another. */
const sqliteQueues = new WeakMap<DataSource, Promise<unknown>>();

function isRetried(error: unknown): boolean {
  const code =
    (error as { code?: string; driverError?: { code?: string } })?.driverError?.code ??
    (error as { code?: string })?.code;
  return code !== undefined && RETRIED_CODES.has(code);
}

/**
 * Runs `work` in one transaction. On SQLite transactions are serialised; on MySQL a deadlock rolls back and
 * runs `work` again, a bounded number of times with growing random pauses.
 */
export async function inTransaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  if (dataSource.options.type !== 'mysql') {
    const previous = sqliteQueues.get(dataSource) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => dataSource.transaction(work));
    sqliteQueues.set(
      dataSource,
      run.catch(() => undefined),
    );
    return run;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await dataSource.transaction(work);
    } catch (error) {
      if (!isRetried(error) || attempt >= MAX_ATTEMPTS) throw error;
      logger.warn({ attempt }, 'transaction deadlocked; retrying');
      const pause = Math.random() * Math.min(MAX_BACKOFF_MS, 5 * 2 ** attempt);
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

/** Whether an error is a unique-key violation (a duplicate code or idempotency key). */
export function isDuplicateKey(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string }; message?: string };
  const code = e?.driverError?.code ?? e?.code;
  return (
    code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}
