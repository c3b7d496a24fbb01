import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataSource, DataSourceOptions, MigrationExecutor } from 'typeorm';
import { DATABASE_LIMIT_DEFAULTS, DEFAULT_POOL_SIZE } from '../config';
import { logger } from '../logger';
import { fitColumnsToDatabase } from './columns';
import { entities } from './entities';
import { DatabaseWaitTimeout } from './faults';
import { RowGate, setRowGate } from './row-gate';
import { SnakeNamingStrategy } from './snake-naming.strategy';

export type DatabaseKind = 'mysql' | 'sqlite';

export function databaseKind(databaseUrl: string): DatabaseKind {
  return databaseUrl.startsWith('mysql://') ? 'mysql' : 'sqlite';
}

/** Pool settings from the configuration (DATABASE_POOL_SIZE). */
export interface PoolOptions {
  databasePoolSize?: number;
}

/**
 * The limits of the gateway's database sessions, from the configuration (src/config.ts); a field left
 * out takes its default there. Scripts that open the database without them get the server's defaults.
 */
export interface DatabaseLimits extends PoolOptions {
  databaseLockWaitTimeoutMs?: number;
  databaseStatementTimeoutMs?: number;
  databaseAcquireTimeoutMs?: number;
  reservationConnectionsPerSku?: number;
}

type Limits = Required<DatabaseLimits>;

function withDefaults(limits: DatabaseLimits): Limits {
  const poolSize = limits.databasePoolSize ?? DEFAULT_POOL_SIZE;
  return {
    databasePoolSize: poolSize,
    databaseLockWaitTimeoutMs:
      limits.databaseLockWaitTimeoutMs ?? DATABASE_LIMIT_DEFAULTS.databaseLockWaitTimeoutMs,
    databaseStatementTimeoutMs:
      limits.databaseStatementTimeoutMs ?? DATABASE_LIMIT_DEFAULTS.databaseStatementTimeoutMs,
    databaseAcquireTimeoutMs:
      limits.databaseAcquireTimeoutMs ?? DATABASE_LIMIT_DEFAULTS.databaseAcquireTimeoutMs,
    reservationConnectionsPerSku: Math.min(
      limits.reservationConnectionsPerSku ?? DATABASE_LIMIT_DEFAULTS.reservationConnectionsPerSku,
      poolSize,
    ),
  };
}

/**
 * The statement every new MySQL/MariaDB connection of the gateway runs first: a lock-wait timeout in whole
 * seconds (rounded up), and the statement timeout (MariaDB `max_statement_time` in seconds, every
 * statement; MySQL `max_execution_time` in ms, read-only SELECTs).
 */
export function sessionLimitsSql(limits: DatabaseLimits, mariadb: boolean): string {
  const l = withDefaults(limits);
  const lockWait = Math.max(1, Math.ceil(l.databaseLockWaitTimeoutMs / 1000));
  const statement = mariadb
    ? `max_statement_time = ${l.databaseStatementTimeoutMs / 1000}`
    : `max_execution_time = ${l.databaseStatementTimeoutMs}`;
  return `SET SESSION innodb_lock_wait_timeout = ${lockWait}, ${statement}`;
}

interface PoolConnection {
  _isMariaDB?: boolean;
  query(sql: string, callback: (error: Error | null) => void): void;
  release(): void;
}
type GetConnectionCallback = ((error: Error | null, connection?: PoolConnection) => void) & {
  limited?: boolean;
};
interface Pool {
  on(event: 'connection', listener: (connection: PoolConnection) => void): void;
  getConnection(callback: GetConnectionCallback): void;
  end(callback: () => void): void;
}

/** pool.getConnection answers a DatabaseWaitTimeout when no connection is free within `ms`. */
function limitAcquire(pool: Pool, ms: number): void {
  const getConnection = pool.getConnection.bind(pool);
  pool.getConnection = (callback) => {
    // mysql2 hands a queued callback back to getConnection when it replaces a broken connection.
    if (callback.limited) return getConnection(callback);
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      callback(new DatabaseWaitTimeout(`No database connection was free within ${ms} ms`));
    }, ms);
    const limited: GetConnectionCallback = (error, connection) => {
      clearTimeout(timer);
      if (settled) {
        connection?.release();
        return;
      }
      settled = true;
      callback(error, connection);
    };
    limited.limited = true;
    getConnection(limited);
  };
}

/**
 * Makes the MySQL pool of `dataSource` (created by initialize()) set the session limits on each new
 * connection before its first use, and time out waits for a connection.
 */
function limitMysqlSessions(dataSource: DataSource, limits: Limits): void {
  const driver = dataSource.driver as unknown as {
    mysql: { createPool(options: unknown): Pool };
    createPool(options: unknown): Promise<Pool>;
  };
  driver.createPool = async (options) => {
    const pool = driver.mysql.createPool(options);
    pool.on('connection', (connection) => {
      // Queued before the connection is handed out, so it runs before the connection's first statement.
      connection.query(sessionLimitsSql(limits, connection._isMariaDB === true), (error) => {
        if (error) logger.error({ err: error }, 'could not set the database session limits');
      });
    });
    limitAcquire(pool, limits.databaseAcquireTimeoutMs);
    // As TypeORM does: one connection now, so that bad credentials fail the start.
    await new Promise<void>((resolve, reject) =>
      pool.getConnection((error, connection) => {
        if (error) return pool.end(() => reject(error));
        connection!.release();
        resolve();
      }),
    );
    return pool;
  };
}

/** TypeORM options for a DATABASE_URL: MySQL/MariaDB through migrations, SQLite synchronised. */
export function dataSourceOptions(databaseUrl: string, pool: DatabaseLimits = {}): DataSourceOptions {
  const poolSize = pool.databasePoolSize ?? DEFAULT_POOL_SIZE;
  const common = { entities, namingStrategy: new SnakeNamingStrategy(), logging: false as const };
  if (databaseKind(databaseUrl) === 'mysql') {
    return {
      ...common,
      type: 'mysql',
      url: databaseUrl,
      charset: 'utf8mb4_unicode_ci',
      timezone: 'Z',
      dateStrings: ['DATE'],
      supportBigNumbers: true,
      bigNumberStrings: true,
      synchronize: false,
      migrations: [join(__dirname, 'migrations', '*.{ts,js}')],
      migrationsTableName: 'migrations',
      extra: { connectionLimit: poolSize, maxIdle: poolSize },
    };
  }
  const file = databaseUrl.slice('sqlite:'.length);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: file,
    // openDataSource synchronises once the columns fit SQLite (fitColumnsToDatabase).
    synchronize: false,
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('journal_mode = WAL');
      // How long a statement waits for another process's write lock on the file before SQLITE_BUSY.
      db.pragma(
        `busy_timeout = ${pool.databaseLockWaitTimeoutMs ?? DATABASE_LIMIT_DEFAULTS.databaseLockWaitTimeoutMs}`,
      );
    },
  };
}

/**
 * Opens the database and brings its schema up to date (migrations on MySQL). With `limits` (the gateway
 * passes its configuration), every session gets the lock-wait and statement timeouts, waits for a pooled
 * connection time out, and reservations of one SKU hold a bounded number of connections (src/db/row-gate.ts);
 * without, the server's defaults apply (scripts, tests' second connections).
 */
export async function openDataSource(databaseUrl: string, limits?: DatabaseLimits): Promise<DataSource> {
  const dataSource = new DataSource(dataSourceOptions(databaseUrl, limits));
  const mysql = dataSource.options.type === 'mysql';
  const full = limits && withDefaults(limits);
  if (mysql && full) limitMysqlSessions(dataSource, full);
  await dataSource.initialize();
  await fitColumnsToDatabase(dataSource);
  if (mysql) await runMigrations(dataSource, full !== undefined);
  else await dataSource.synchronize();
  if (mysql && full) {
    setRowGate(
      dataSource,
      new RowGate(
        full.reservationConnectionsPerSku,
        full.databaseLockWaitTimeoutMs,
        'reservations of one SKU',
      ),
    );
  }
  return dataSource;
}

/** Pending migrations, each in its transaction, on a session without the statement timeout. */
async function runMigrations(dataSource: DataSource, limited: boolean): Promise<void> {
  const runner = dataSource.createQueryRunner('master');
  try {
    let restore: string | null = null;
    if (limited) {
      const [{ version }] = await runner.query('SELECT VERSION() AS version');
      const variable = /mariadb/i.test(String(version)) ? 'max_statement_time' : 'max_execution_time';
      const [{ value }] = await runner.query(`SELECT @@SESSION.${variable} AS value`);
      await runner.query(`SET SESSION ${variable} = 0`);
      restore = `SET SESSION ${variable} = ${Number(value)}`;
    }
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    await executor.executePendingMigrations();
    if (restore) await runner.query(restore);
  } finally {
    await runner.release();
  }
}
