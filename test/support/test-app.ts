import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp, GatewayApp } from '../../src/app';
import { Config, loadConfig } from '../../src/config';
import { openDataSource } from '../../src/db/data-source';
import { Role } from '../../src/graphql/enums';
import { Clock } from '../../src/time';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
export const onMysql = (process.env.DATABASE_URL ?? '').startsWith('mysql://');

export interface GraphQLResponse<T = any> {
  status: number;
  data: T;
  errors?: { message: string; path?: string[]; extensions: Record<string, any> }[];
  extensions?: Record<string, any>;
}

export interface TestApp {
  gateway: GatewayApp;
  dataSource: DataSource;
  config: Config;
  /** POST a GraphQL operation with a bearer token (ADMIN_TOKEN by default). */
  gql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string | null,
  ): Promise<GraphQLResponse<T>>;
  /** Issue an API key of a role through the API. */
  keyFor(role: Role, merchantCode?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * A fresh app on a fresh database: on MySQL (DATABASE_URL=mysql://...) a new database created for this
 * test file and dropped by close(); otherwise an in-memory SQLite database.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  clock?: Clock,
  options: { server?: string } = {},
): Promise<TestApp> {
  // `server`: a MySQL/MariaDB server of the test's own (support/private-mariadb.ts), not DATABASE_URL's.
  const baseUrl = options.server ?? process.env.DATABASE_URL;
  let databaseUrl = 'sqlite::memory:';
  let dropDatabase: (() => Promise<void>) | undefined;
  if (baseUrl?.startsWith('mysql://')) {
    const url = new URL(baseUrl);
    const name = `gaodu_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    const admin = await createConnection({
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
    });
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await admin.end();
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    dropDatabase = async () => {
      const conn = await createConnection({
        host: url.hostname,
        port: Number(url.port || 3306),
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
      });
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    };
  }
  // Tests send requests far faster than any client: an unlimited bucket unless a test sets its own.
  const config = loadConfig({
    RATE_LIMIT_BUCKET: '10000000',
    RATE_LIMIT_RESTORE_RATE: '10000000',
    ...env,
    DATABASE_URL: databaseUrl,
    ADMIN_TOKEN: ADMIN_TOKEN,
    NODE_ENV: env.NODE_ENV ?? 'test',
    LOG_LEVEL: 'silent',
  });
  const dataSource = await openDataSource(databaseUrl, config);
  const gateway = await createApp(dataSource, config, [], clock);

  const gql = async (
    query: string,
    variables: Record<string, unknown> = {},
    token: string | null = ADMIN_TOKEN,
  ) => {
    const req = request(gateway.app).post('/graphql').set('content-type', 'application/json');
    if (token) req.set('authorization', `Bearer ${token}`);
    const res = await req.send({ query, variables });
    return {
      status: res.status,
      data: res.body.data,
      errors: res.body.errors,
      extensions: res.body.extensions,
    };
  };

  return {
    gateway,
    dataSource,
    config,
    gql,
    async keyFor(role: Role, merchantCode?: string) {
      const res = await gql(
        'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { token } }',
        { input: { role, label: `${role.toLowerCase()}-test`, merchantCode } },
      );
      if (!res.data?.createApiKey) throw new Error(`createApiKey failed: ${JSON.stringify(res.errors)}`);
      return res.data.createApiKey.token as string;
    },
    async close() {
      await gateway.stop();
      await dataSource.destroy();
      await dropDatabase?.();
    },
  };
}
