import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { DEFAULT_POOL_SIZE } from '../config';
import { fitColumnsToDatabase } from './columns';
import { entities } from './entities';
import { SnakeNamingStrategy } from './snake-naming.strategy';

export type DatabaseKind = 'mysql' | 'sqlite';

export function databaseKind(databaseUrl: string): DatabaseKind {
  return databaseUrl.startsWith('mysql://') ? 'mysql' : 'sqlite';
}

/** Pool settings from the configuration (DATABASE_POOL_SIZE). */
export interface PoolOptions {
  databasePoolSize?: number;
}

/** TypeORM options for a DATABASE_URL: MySQL/MariaDB through migrations, SQLite synchronised. */
export function dataSourceOptions(databaseUrl: string, pool: PoolOptions = {}): DataSourceOptions {
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
      db.pragma('busy_timeout = 5000');
    },
  };
}

/** Opens the database and brings its schema up to date (migrations on MySQL). */
export async function openDataSource(databaseUrl: string, pool: PoolOptions = {}): Promise<DataSource> {
  const dataSource = new DataSource(dataSourceOptions(databaseUrl, pool));
  await dataSource.initialize();
  await fitColumnsToDatabase(dataSource);
  if (dataSource.options.type === 'mysql') await dataSource.runMigrations({ transaction: 'each' });
  else await dataSource.synchronize();
  return dataSource;
}
