/**
 * Database failures a client should simply retry, told apart from bugs. The errors module answers them
 * TRY_AGAIN (HTTP 503, Retry-After); everything else stays a masked INTERNAL_SERVER_ERROR.
 *
 * - `busy`: the database works but the request waited too long: a row lock (lock-wait timeout, a
 *   deadlock still there after the retries), a statement over the statement timeout, no pooled connection
 *   free in time, too many reservations of one SKU waiting already. Nothing was written.
 * - `unavailable`: the database cannot be reached or dropped the connection. Nothing was written, except
 *   possibly a COMMIT already sent.
 * - `deadline`: the request's response deadline passed and its database work was cancelled.
 */
export type DatabaseFault = 'busy' | 'unavailable' | 'deadline';

/** Raised by the gateway itself when a wait for a database resource ends without it. */
export class DatabaseWaitTimeout extends Error {
  constructor(
    message: string,
    readonly fault: DatabaseFault = 'busy',
  ) {
    super(message);
    this.name = 'DatabaseWaitTimeout';
  }
}

/** Driver codes of a wait the server gave up: the statement was rolled back. */
const BUSY_CODES = new Set([
  'ER_LOCK_WAIT_TIMEOUT', // 1205
  'ER_LOCK_DEADLOCK', // 1213, once the retries are spent
  'ER_STATEMENT_TIMEOUT', // 1969, MariaDB max_statement_time
  'ER_QUERY_TIMEOUT', // 3024, MySQL max_execution_time
  'ER_QUERY_INTERRUPTED', // 1317, KILL QUERY
  'ER_LOCK_NOWAIT', // 3572
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_BUSY_TIMEOUT',
  'SQLITE_LOCKED',
]);
const BUSY_ERRNOS = new Set([1205, 1213, 1969, 3024, 1317, 3572]);

/** Connection-level failures: the server is down, restarting, refusing or gone. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR', // 1040 too many connections
  'ER_SERVER_SHUTDOWN', // 1053
  'ER_CONNECTION_KILLED', // 1927
]);

interface DriverErrorLike {
  code?: unknown;
  errno?: unknown;
  fatal?: unknown;
  message?: unknown;
  driverError?: DriverErrorLike;
  cause?: unknown;
  /** graphql-js's wrapper of a thrown value that is not an Error of its realm. */
  thrownValue?: unknown;
}

/** What kind of retryable database failure `error` is, or null when it is none (a bug, bad data...). */
export function databaseFault(error: unknown): DatabaseFault | null {
  if (error instanceof DatabaseWaitTimeout) return error.fault;
  const seen = new Set<unknown>();
  let current = error as DriverErrorLike | undefined;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    if (current instanceof DatabaseWaitTimeout) return current.fault;
    const code = typeof current.code === 'string' ? current.code : undefined;
    if (code && BUSY_CODES.has(code)) return 'busy';
    if (typeof current.errno === 'number' && BUSY_ERRNOS.has(current.errno)) return 'busy';
    if (code && UNAVAILABLE_CODES.has(code)) return 'unavailable';
    // mysql2 marks the errors after which the connection is unusable (network, protocol) as fatal.
    if (current.fatal === true) return 'unavailable';
    if (current.message === 'Pool is closed.') return 'unavailable';
    current = (current.driverError ?? current.thrownValue ?? current.cause) as DriverErrorLike | undefined;
  }
  return null;
}
