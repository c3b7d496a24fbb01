import { createHash } from 'node:crypto';
import { DataSource, EntityManager, LessThan } from 'typeorm';
import { withRows } from '../db/row-gate';
import { inTransaction, isDuplicateKey } from '../db/transaction';
import { badInput, conflict } from '../graphql/errors';
import { logger } from '../logger';
import type { JoinedColumns } from '../stock/stock-sql';
import { Clock, currentTime, systemClock } from '../time';
import { IdempotencyRecord } from './idempotency-record.entity';

/**
 * The one idempotency rule of every keyed mutation (DESIGN.md rule 4):
 * - same scope, key and input: the first result again (`load` of the id it stored), nothing done twice;
 * - same key, other input or another mutation: CONFLICT naming idempotencyKey;
 * - a repeat that arrives while the first is running waits for it: the record is inserted first in the
 *   first request's transaction, so the repeat's insert waits on the unique (scope, key) index, fails with
 *   a duplicate key once the first commits, and replays it (or takes over when the first rolled back).
 * A refused request (an error thrown by `work`) rolls its record back: the key stays free for a retry.
 * Records are kept KEEP_FOR_MS (at least the 24 hours the contract promises), then deleted in batches by
 * startIdempotencyCleanup.
 */

export const KEEP_FOR_MS = 48 * 3600 * 1000;
export const MAX_KEY_LENGTH = 100;

/** What identifies one keyed request. */
export interface KeyedRequest {
  /** Whose key it is: `principal.keyScope`, or merchantScope(id) for placeOrder. */
  scope: string;
  /** The mutation's name; the same key on another mutation is CONFLICT. */
  operation: string;
  /** The client's key; null or undefined: no key, `work` simply runs in a transaction. */
  key: string | null | undefined;
  /** The request's input without the key; its hash tells a replay from a CONFLICT. */
  input: unknown;
}

export interface KeyedSteps<T> {
  /**
   * Checks run after the replay lookup and before the transaction (e.g. refusing what cannot be met);
   * `waited`: the change waited in the row gate for others on its rows (`contended`).
   */
  before?: (waited: boolean) => Promise<void>;
  /**
   * Hot rows the change locks (`sku:<code>`): `before` and the transaction run holding a place on each
   * (src/db/row-gate.ts), so one row's waiters hold a bounded number of pooled connections.
   */
  contended?: readonly string[];
  /** The change itself, in the transaction that also holds the record. */
  work: (m: EntityManager) => Promise<T>;
  /** The id `load` turns back into the result. */
  resultId: (value: T) => number;
  /** The result of an earlier request, as it is now. */
  load: (m: EntityManager, resultId: number) => Promise<T>;
  /**
   * The id the result will have, when it is known before the transaction (order ids are drawn ahead): the
   * record is then written whole, with no UPDATE after `work`, where no other request can read it before
   * the commit (MySQL; SQLite's one connection shares uncommitted rows, so there it is set after `work`).
   */
  resultIdAhead?: number;
  /** The caller has just looked for an earlier result with `earlierResult`: no second look first. */
  lookedUp?: boolean;
}

/** Placing orders is keyed per merchant, whichever API key places them. */
export function merchantScope(merchantId: number): string {
  return `merchant:${merchantId}`;
}

/** A stable hash of a request's input. */
export function requestHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/** BAD_USER_INPUT unless the key is 1 to 100 characters; null and undefined pass (optional keys). */
export function checkIdempotencyKey(key: string | null | undefined): void {
  if (key == null) return;
  if (key.length < 1 || key.length > MAX_KEY_LENGTH)
    throw badInput(
      'idempotencyKey',
      `idempotencyKey must be 1 to ${MAX_KEY_LENGTH} characters, got ${key.length}`,
    );
}

/** Thrown inside the transaction when the key's record exists: the transaction rolls back, then replays. */
export class KeyTaken extends Error {}

/** Whether a record written in a transaction is invisible to every other request until the commit. */
function recordsIsolated(m: EntityManager | DataSource): boolean {
  return ('connection' in m ? m.connection : m).options.type === 'mysql';
}

/**
 * The result of an earlier request with this key (replayed: true), null when there is none, or CONFLICT.
 * What runOnce looks at first; exported for callers that look before they queue (merged placeOrder).
 */
export function earlierResult<T>(
  dataSource: DataSource,
  request: KeyedRequest,
  load: (m: EntityManager, resultId: number) => Promise<T>,
): Promise<{ value: T; replayed: true } | null> {
  checkIdempotencyKey(request.key);
  if (request.key == null) return Promise.resolve(null);
  return replay(dataSource.manager, request, requestHash(request.input), load);
}

/** One keyed request of a merged transaction and the id its result will have. */
export interface Claim {
  request: KeyedRequest;
  resultId: number;
}

/**
 * Claims the keys of several requests inside the caller's transaction, in one INSERT (merged placeOrder):
 * the same records runOnce writes, with their result ids. KeyTaken when any key is already taken (or is
 * given twice): the caller rolls back and runs each request on its own through runOnce, which replays,
 * waits or answers CONFLICT as for any repeat. Call `finish` after the work, before the commit.
 */
export async function claimKeys(
  m: EntityManager,
  claims: Claim[],
  now: () => Date = () => new Date(),
): Promise<{ finish(): Promise<void> }> {
  const isolated = recordsIsolated(m);
  const at = now();
  try {
    await m.insert(
      IdempotencyRecord,
      claims.map(({ request, resultId }) => ({
        scope: request.scope,
        idempotencyKey: request.key!,
        operation: request.operation,
        requestHash: requestHash(request.input),
        resultId: isolated ? resultId : null,
        createdAt: at,
      })),
    );
  } catch (error) {
    if (isDuplicateKey(error)) throw new KeyTaken();
    throw error;
  }
  return {
    async finish() {
      if (isolated) return;
      for (const { request, resultId } of claims)
        await m.update(
          IdempotencyRecord,
          { scope: request.scope, idempotencyKey: request.key! },
          { resultId },
        );
    },
  };
}

/**
 * Runs `work` in one transaction at most once per (scope, key); `replayed` says whether an earlier request's
 * result was returned instead (the caller then announces no events).
 */
export async function runOnce<T>(
  dataSource: DataSource,
  request: KeyedRequest,
  steps: KeyedSteps<T>,
  now: Clock = currentTime,
): Promise<{ value: T; replayed: boolean }> {
  checkIdempotencyKey(request.key);
  if (request.key == null) {
    return withRows(dataSource, steps.contended, async (waited) => {
      await steps.before?.(waited);
      return { value: await inTransaction(dataSource, steps.work), replayed: false };
    });
  }
  const key = request.key;
  const hash = requestHash(request.input);
  if (!steps.lookedUp) {
    const earlier = await replay(dataSource.manager, request, hash, steps.load);
    if (earlier) return earlier;
  }
  return withRows(dataSource, steps.contended, async (waited) => {
    await steps.before?.(waited);
    // Written with the record when known ahead and nobody else can read the record before the commit.
    const ahead = recordsIsolated(dataSource) ? (steps.resultIdAhead ?? null) : null;
    for (let attempt = 1; ; attempt++) {
      try {
        const value = await inTransaction(dataSource, async (m) => {
          try {
            await m.insert(IdempotencyRecord, {
              scope: request.scope,
              idempotencyKey: key,
              operation: request.operation,
              requestHash: hash,
              resultId: ahead,
              createdAt: now(),
            });
          } catch (error) {
            if (isDuplicateKey(error)) throw new KeyTaken();
            throw error;
          }
          const value = await steps.work(m);
          const resultId = steps.resultId(value);
          if (ahead !== null && resultId !== ahead)
            throw new Error(`the result's id ${resultId} is not the id ${ahead} announced ahead`);
          if (ahead === null)
            await m.update(IdempotencyRecord, { scope: request.scope, idempotencyKey: key }, { resultId });
          return value;
        });
        return { value, replayed: false };
      } catch (error) {
        if (!(error instanceof KeyTaken) || attempt >= 3) throw error;
        const earlier = await replay(dataSource.manager, request, hash, steps.load);
        if (earlier) return earlier;
        // The record was cleaned up in between: claim the key again.
      }
    }
  });
}

/** A key's record as replay reads it: null when there is none. */
interface RecordRow {
  operation: string;
  request_hash: string;
  result_id: number | string | null;
}

/**
 * The lookup of a request's key as a LEFT JOIN, for a caller that reads it together with what it reads
 * first anyway (placeOrder's SKUs: one round trip for a flash sale's refusals): its SQL, parameters and
 * columns (key_operation, key_request_hash, key_result_id). `earlierFromJoin` decides on what it read.
 */
export function keyLookupJoin(request: KeyedRequest): JoinedColumns {
  return {
    columns:
      'key_record.operation AS key_operation, key_record.request_hash AS key_request_hash, key_record.result_id AS key_result_id',
    join: 'LEFT JOIN idempotency_record key_record ON key_record.scope = ? AND key_record.idempotency_key = ?',
    params: [request.scope, request.key],
  };
}

/** earlierResult, on a row read with keyLookupJoin's columns. */
export async function earlierFromJoin<T>(
  dataSource: DataSource,
  request: KeyedRequest,
  row: Record<string, unknown>,
  load: (m: EntityManager, resultId: number) => Promise<T>,
): Promise<{ value: T; replayed: true } | null> {
  checkIdempotencyKey(request.key);
  if (request.key == null) return null;
  const record =
    row.key_operation == null
      ? null
      : {
          operation: String(row.key_operation),
          request_hash: String(row.key_request_hash),
          result_id: row.key_result_id as number | string | null,
        };
  return decide(dataSource.manager, request, requestHash(request.input), record, load);
}

async function replay<T>(
  m: EntityManager,
  request: KeyedRequest,
  hash: string,
  load: (m: EntityManager, resultId: number) => Promise<T>,
): Promise<{ value: T; replayed: true } | null> {
  // Plain SQL: every keyed request (a flash sale's refusals too) starts with this read.
  const [row] = (await m.query(
    'SELECT operation, request_hash, result_id FROM idempotency_record WHERE scope = ? AND idempotency_key = ?',
    [request.scope, request.key],
  )) as RecordRow[];
  return decide(m, request, hash, row ?? null, load);
}

async function decide<T>(
  m: EntityManager,
  request: KeyedRequest,
  hash: string,
  row: RecordRow | null,
  load: (m: EntityManager, resultId: number) => Promise<T>,
): Promise<{ value: T; replayed: true } | null> {
  if (!row) return null;
  const record = {
    operation: row.operation,
    requestHash: row.request_hash,
    resultId: row.result_id === null ? null : Number(row.result_id),
  };
  if (record.operation !== request.operation)
    throw conflict(
      `This idempotency key was used for ${record.operation}; use a new key for ${request.operation}`,
      'idempotencyKey',
    );
  if (record.requestHash !== hash)
    throw conflict(
      `This idempotency key was used for ${record.operation} with other input; use a new key for new input`,
      'idempotencyKey',
    );
  // Not committed yet: only SQLite's one shared connection shows it. The transaction queue orders this
  // request after the first, whose record then makes it replay.
  if (record.resultId === null) return null;
  return { value: await load(m, record.resultId), replayed: true };
}

/** Deletes the records older than KEEP_FOR_MS before `now`, `batchSize` rows per statement. */
export async function deleteExpiredIdempotencyRecords(
  dataSource: DataSource,
  now: Date,
  batchSize = 1000,
): Promise<number> {
  const cutoff = new Date(now.getTime() - KEEP_FOR_MS);
  let deleted = 0;
  for (;;) {
    const batch = await dataSource.getRepository(IdempotencyRecord).find({
      select: { id: true },
      where: { createdAt: LessThan(cutoff) },
      order: { id: 'ASC' },
      take: batchSize,
    });
    if (batch.length === 0) return deleted;
    await inTransaction(dataSource, (m) =>
      m.delete(
        IdempotencyRecord,
        batch.map((r) => r.id),
      ),
    );
    deleted += batch.length;
    if (batch.length < batchSize) return deleted;
  }
}

/** A periodic deleteExpiredIdempotencyRecords, started by the app; stop() waits for a running sweep. */
export function startIdempotencyCleanup(
  dataSource: DataSource,
  { everyMs = 10 * 60 * 1000, clock = systemClock }: { everyMs?: number; clock?: Clock } = {},
): { sweep(): Promise<number>; stop(): Promise<void> } {
  let running: Promise<number> | null = null;
  const sweep = () => {
    running ??= deleteExpiredIdempotencyRecords(dataSource, clock()).finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => {
    sweep().catch((error) => logger.warn({ err: error }, 'idempotency key cleanup failed'));
  }, everyMs);
  timer.unref();
  return {
    sweep,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
