import { GraphQLError } from 'graphql';
import { ConfigError, loadConfig } from '../src/config';
import { sessionLimitsSql } from '../src/db/data-source';
import { databaseFault, DatabaseWaitTimeout } from '../src/db/faults';
import { RowGate } from '../src/db/row-gate';
import { codeOf, formatError } from '../src/graphql/errors';

/** Which database failures a client is told to retry, and the limits that produce them (no database). */
describe('database faults', () => {
  const driver = (code: string, errno?: number, fatal = false) =>
    Object.assign(new Error(code), { code, errno, fatal });

  it.each([
    ['a lock-wait timeout', { driverError: driver('ER_LOCK_WAIT_TIMEOUT', 1205) }, 'busy'],
    ['a deadlock after its retries', { driverError: driver('ER_LOCK_DEADLOCK', 1213) }, 'busy'],
    ['a MariaDB statement timeout', { driverError: driver('ER_STATEMENT_TIMEOUT', 1969) }, 'busy'],
    ['a MySQL statement timeout', { driverError: driver('ER_QUERY_TIMEOUT', 3024) }, 'busy'],
    ['SQLite busy', driver('SQLITE_BUSY'), 'busy'],
    ['no pooled connection in time', new DatabaseWaitTimeout('no connection'), 'busy'],
    ['a refused connection', driver('ECONNREFUSED', -111, true), 'unavailable'],
    ['a lost connection', driver('PROTOCOL_CONNECTION_LOST', undefined, true), 'unavailable'],
    ['too many connections', driver('ER_CON_COUNT_ERROR', 1040), 'unavailable'],
    ['a thrown value graphql-js wrapped', { thrownValue: driver('ECONNREFUSED', -111, true) }, 'unavailable'],
  ])('%s is a retryable fault', (_what, error, fault) => {
    expect(databaseFault(error)).toBe(fault);
    expect(codeOf(new GraphQLError('x', { originalError: error as Error }))).toBe('TRY_AGAIN');
  });

  it.each([
    ['a duplicate key', Object.assign(new Error('dup'), { driverError: driver('ER_DUP_ENTRY', 1062) })],
    ['a syntax error', Object.assign(new Error('sql'), { driverError: driver('ER_PARSE_ERROR', 1064) })],
    ['a bug', new TypeError('x is undefined')],
  ])('%s is not retryable: it stays a masked INTERNAL_SERVER_ERROR', (_what, error) => {
    expect(databaseFault(error)).toBeNull();
    const formatted = formatError(
      { message: 'x', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      error,
      true,
    );
    expect(formatted).toMatchObject({
      message: 'Internal server error',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });

  it('answers a fault TRY_AGAIN with retryAfterSeconds, no SQL or driver message echoed', () => {
    const error = { driverError: driver('ER_LOCK_WAIT_TIMEOUT', 1205), query: 'UPDATE stock_level SET ...' };
    const formatted = formatError({ message: 'Lock wait timeout exceeded', extensions: {} }, error, true);
    expect(formatted.extensions).toEqual({ code: 'TRY_AGAIN', retryAfterSeconds: 1 });
    expect(formatted.message).not.toMatch(/stock_level|Lock wait/);
  });
});

describe('the session limits', () => {
  it('sets the lock-wait timeout in whole seconds and the statement timeout of each server', () => {
    const limits = { databaseLockWaitTimeoutMs: 2500, databaseStatementTimeoutMs: 8000 };
    expect(sessionLimitsSql(limits, true)).toBe(
      'SET SESSION innodb_lock_wait_timeout = 3, max_statement_time = 8',
    );
    expect(sessionLimitsSql(limits, false)).toBe(
      'SET SESSION innodb_lock_wait_timeout = 3, max_execution_time = 8000',
    );
  });

  it('reads them from the environment, with defaults', () => {
    expect(loadConfig({})).toMatchObject({
      databaseLockWaitTimeoutMs: 5000,
      databaseStatementTimeoutMs: 10000,
      databaseAcquireTimeoutMs: 3000,
      reservationConnectionsPerSku: 4,
      responseTimeoutMs: 30000,
    });
    expect(
      loadConfig({
        DATABASE_LOCK_WAIT_TIMEOUT_MS: '2000',
        DATABASE_STATEMENT_TIMEOUT_MS: '0',
        DATABASE_ACQUIRE_TIMEOUT_MS: '500',
        RESERVATION_CONNECTIONS_PER_SKU: '2',
        RESPONSE_TIMEOUT_MS: '1500',
      }),
    ).toMatchObject({
      databaseLockWaitTimeoutMs: 2000,
      databaseStatementTimeoutMs: 0,
      databaseAcquireTimeoutMs: 500,
      reservationConnectionsPerSku: 2,
      responseTimeoutMs: 1500,
    });
  });

  it.each([
    ['DATABASE_LOCK_WAIT_TIMEOUT_MS', '0'],
    ['DATABASE_LOCK_WAIT_TIMEOUT_MS', '5s'],
    ['DATABASE_STATEMENT_TIMEOUT_MS', '-1'],
    ['DATABASE_ACQUIRE_TIMEOUT_MS', 'soon'],
    ['RESPONSE_TIMEOUT_MS', '10'],
    ['RESERVATION_CONNECTIONS_PER_SKU', '0'],
    ['RESERVATION_CONNECTIONS_PER_SKU', '21'],
  ])('refuses %s=%s naming the variable and the value', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}.*"${value}"`));
  });
});

describe('the row gate', () => {
  it('lets at most perRow in per row, queues the rest in order, and times a waiter out', async () => {
    const gate = new RowGate(2, 200, 'reservations of one SKU');
    const first = await gate.enter(['sku:A']);
    const second = await gate.enter(['sku:A', 'sku:B']);
    expect([first.waited, second.waited]).toEqual([false, false]);
    expect(gate.load('sku:A')).toEqual({ holders: 2, waiting: 0 });
    const order: string[] = [];
    const third = gate.enter(['sku:A']).then((entered) => {
      order.push('third');
      return entered;
    });
    const fourth = gate.enter(['sku:A']).then(
      (entered) => {
        order.push('fourth');
        return entered;
      },
      (error: unknown) => {
        order.push('fourth timed out');
        expect(error).toBeInstanceOf(DatabaseWaitTimeout);
        expect(databaseFault(error)).toBe('busy');
        return { leave: () => undefined, waited: true };
      },
    );
    expect(gate.load('sku:A')).toEqual({ holders: 2, waiting: 2 });
    // Another row is not held up.
    const other = await gate.enter(['sku:C']);
    expect(other.waited).toBe(false);
    other.leave();
    first.leave();
    const thirdIn = await third;
    // It waited for the others on the row: what it read before may be out of date.
    expect(thirdIn.waited).toBe(true);
    thirdIn.leave();
    (await fourth).leave();
    second.leave();
    expect(order).toEqual(['third', 'fourth']);
    expect(gate.load('sku:A')).toEqual({ holders: 0, waiting: 0 });

    const a = await gate.enter(['sku:A']);
    const b = await gate.enter(['sku:A']);
    await expect(gate.enter(['sku:A'])).rejects.toBeInstanceOf(DatabaseWaitTimeout);
    expect(gate.load('sku:A')).toEqual({ holders: 2, waiting: 0 });
    a.leave();
    b.leave();
    a.leave();
    expect(gate.load('sku:A')).toEqual({ holders: 0, waiting: 0 });
  });
});
