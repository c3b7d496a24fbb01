/** The environment, read and validated once. A bad value stops the start with a message naming it. */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  adminToken: string | undefined;
  nodeEnv: 'development' | 'production' | 'test';
  redisUrl: string | undefined;
  /** Prefix of every Redis key and channel, so several deployments may share one Redis. */
  redisPrefix: string;
  rateLimitBucket: number;
  rateLimitRestoreRate: number;
  maxQueryCost: number;
  maxQueryDepth: number;
  logLevel: string;
  /** Origins allowed to call the API from a browser (CORS_ORIGINS); empty: same origin only. */
  corsOrigins: string[];
  /** Serve GraphiQL at /graphiql (GRAPHIQL; on by default outside production). */
  graphiql: boolean;
  /**
   * `npm start` loads the demo data set into a fresh embedded database (SEED_DEMO; on by default outside
   * production).
   */
  seedDemo: boolean;
  /** WEBHOOK_ALLOW_PRIVATE_URLS=true: webhook URLs may be http and point at loopback or private addresses. */
  webhookAllowPrivateUrls: boolean;
  /** Connections the MySQL pool of one process may open (DATABASE_POOL_SIZE). */
  databasePoolSize: number;
  /** Workers of `npm run start:cluster` (WEB_CONCURRENCY); undefined: one per core. */
  webConcurrency: number | undefined;
  /** What WebSocket subscribers may hold on one instance (SUBSCRIPTION_* and SUBSCRIPTIONS_* variables). */
  subscriptionLimits: SubscriptionLimits;
  /**
   * ORDER_MERGING=on: concurrent placeOrders of one SKU share one transaction and one conditional UPDATE
   * (src/orders/order-merger.ts); off: every order its own transaction.
   */
  orderMerging: boolean;
  /**
   * Longest wait for a row lock (DATABASE_LOCK_WAIT_TIMEOUT_MS): innodb_lock_wait_timeout of every session
   * (whole seconds, rounded up), busy_timeout on SQLite, and the longest a reservation waits for its SKU.
   */
  databaseLockWaitTimeoutMs: number;
  /** Longest statement (DATABASE_STATEMENT_TIMEOUT_MS): max_statement_time / MAX_EXECUTION_TIME; 0: none. */
  databaseStatementTimeoutMs: number;
  /** Longest wait for a pooled connection (DATABASE_ACQUIRE_TIMEOUT_MS). */
  databaseAcquireTimeoutMs: number;
  /** Connections the reservations of one SKU may hold at once (RESERVATION_CONNECTIONS_PER_SKU). */
  reservationConnectionsPerSku: number;
  /** A GraphQL request not answered within this (RESPONSE_TIMEOUT_MS) is answered TRY_AGAIN. */
  responseTimeoutMs: number;
}

/** Caps on the sockets and subscriptions of one instance, and on the bytes one socket may leave unread. */
export interface SubscriptionLimits {
  /** Sockets one API key may hold open on one instance (SUBSCRIPTION_SOCKETS_PER_KEY). */
  socketsPerKey: number;
  /** Subscriptions one API key may hold on one instance, over all its sockets (SUBSCRIPTIONS_PER_KEY). */
  subscriptionsPerKey: number;
  /** Sockets one instance holds open (SUBSCRIPTION_SOCKETS_PER_INSTANCE). */
  socketsPerInstance: number;
  /** Subscriptions one instance holds (SUBSCRIPTIONS_PER_INSTANCE). */
  subscriptionsPerInstance: number;
  /**
   * Bytes sent to one socket that its client has not yet read (SUBSCRIPTION_BUFFER_BYTES); above it, events
   * wait in the subscriber's queue, merged per SKU or order.
   */
  bufferBytes: number;
  /** Seconds a socket may stay above bufferBytes before it is closed (SUBSCRIPTION_SLOW_SOCKET_SECONDS). */
  slowSocketSeconds: number;
}

export class ConfigError extends Error {}

/** Connections of one process's MySQL pool unless DATABASE_POOL_SIZE says otherwise. */
export const DEFAULT_POOL_SIZE = 20;

/** The database limits of the gateway's sessions unless the environment says otherwise. */
export const DATABASE_LIMIT_DEFAULTS = {
  databaseLockWaitTimeoutMs: 5_000,
  databaseStatementTimeoutMs: 10_000,
  databaseAcquireTimeoutMs: 3_000,
  reservationConnectionsPerSku: 4,
  responseTimeoutMs: 30_000,
};

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** A DATABASE_URL fit for a message: the password, if any, replaced by ***. */
export function maskUrl(url: string): string {
  const at = url.lastIndexOf('@');
  if (at < 0) return url;
  const scheme = /^[a-z][a-z0-9+.-]*:\/*/i.exec(url)?.[0] ?? '';
  const userinfo = url.slice(scheme.length, at);
  const colon = userinfo.indexOf(':');
  return colon < 0 ? url : `${scheme}${userinfo.slice(0, colon)}:***${url.slice(at)}`;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

/** CORS_ORIGINS: comma-separated `scheme://host[:port]` origins, as browsers send them in Origin. */
function origins(raw: string | undefined): string[] {
  const list = (raw ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of list) {
    let parsed: URL | null;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = null;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin.toLowerCase()) {
      throw new ConfigError(
        `CORS_ORIGINS must be comma-separated origins such as https://tablet.example.cn:8443 (scheme, host and port, no path), got "${origin}"`,
      );
    }
  }
  return list.map((origin) => origin.toLowerCase());
}

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'on' && raw !== 'off') throw new ConfigError(`${name} must be on or off, got "${raw}"`);
  return raw === 'on';
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') throw new ConfigError(`${name} must be true or false, got "${raw}"`);
  return raw === 'true';
}

/**
 * ADMIN_TOKEN is the key to everything: at least 16 characters, and in production at least 32 that are not
 * blank, not one character repeated and not a few characters over and over. The value is never repeated.
 */
function checkAdminToken(token: string, production: boolean): void {
  const minimum = production ? 32 : 16;
  if (token.length < minimum)
    throw new ConfigError(`ADMIN_TOKEN must be at least ${minimum} characters long, got ${token.length}`);
  if (production && (token.trim() === '' || new Set(token).size < 8))
    throw new ConfigError('ADMIN_TOKEN is too easy to guess: use a random one, e.g. `openssl rand -hex 32`');
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env.DATABASE_URL || 'sqlite:./data/gaodu.sqlite';
  if (!/^mysql:\/\/.+/.test(databaseUrl) && !/^sqlite:.+/.test(databaseUrl)) {
    throw new ConfigError(
      `DATABASE_URL must be mysql://user:pass@host:3306/db or sqlite:<file>, got "${maskUrl(databaseUrl)}"`,
    );
  }
  const nodeEnv = env.NODE_ENV || 'development';
  if (!['development', 'production', 'test'].includes(nodeEnv)) {
    throw new ConfigError(`NODE_ENV must be development, production or test, got "${nodeEnv}"`);
  }
  const adminToken = env.ADMIN_TOKEN || undefined;
  if (adminToken !== undefined) checkAdminToken(adminToken, nodeEnv === 'production');
  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl !== undefined && !/^rediss?:\/\/.+/.test(redisUrl)) {
    throw new ConfigError(`REDIS_URL must be redis://host:port, got "${redisUrl}"`);
  }
  const logLevel = env.LOG_LEVEL || (nodeEnv === 'test' ? 'silent' : 'info');
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const databasePoolSize = integer(env, 'DATABASE_POOL_SIZE', DEFAULT_POOL_SIZE, 1, 1000);
  const d = DATABASE_LIMIT_DEFAULTS;
  return {
    port: integer(env, 'PORT', 4000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    databaseUrl,
    adminToken,
    nodeEnv: nodeEnv as Config['nodeEnv'],
    redisUrl,
    redisPrefix: env.REDIS_PREFIX || 'gaodu:',
    rateLimitBucket: integer(env, 'RATE_LIMIT_BUCKET', 2000, 1, 10_000_000),
    rateLimitRestoreRate: integer(env, 'RATE_LIMIT_RESTORE_RATE', 100, 1, 10_000_000),
    maxQueryCost: integer(env, 'MAX_QUERY_COST', 1000, 1, 10_000_000),
    maxQueryDepth: integer(env, 'MAX_QUERY_DEPTH', 10, 1, 100),
    logLevel,
    corsOrigins: origins(env.CORS_ORIGINS),
    graphiql: flag(env, 'GRAPHIQL', nodeEnv !== 'production'),
    seedDemo: flag(env, 'SEED_DEMO', nodeEnv !== 'production'),
    webhookAllowPrivateUrls: flag(env, 'WEBHOOK_ALLOW_PRIVATE_URLS', false),
    databasePoolSize,
    webConcurrency: env.WEB_CONCURRENCY ? integer(env, 'WEB_CONCURRENCY', 1, 1, 1024) : undefined,
    subscriptionLimits: {
      socketsPerKey: integer(env, 'SUBSCRIPTION_SOCKETS_PER_KEY', 100, 1, 1_000_000),
      subscriptionsPerKey: integer(env, 'SUBSCRIPTIONS_PER_KEY', 500, 1, 10_000_000),
      socketsPerInstance: integer(env, 'SUBSCRIPTION_SOCKETS_PER_INSTANCE', 5000, 1, 1_000_000),
      subscriptionsPerInstance: integer(env, 'SUBSCRIPTIONS_PER_INSTANCE', 10_000, 1, 10_000_000),
      bufferBytes: integer(env, 'SUBSCRIPTION_BUFFER_BYTES', 64 * 1024, 1024, 1024 * 1024 * 1024),
      slowSocketSeconds: integer(env, 'SUBSCRIPTION_SLOW_SOCKET_SECONDS', 10, 1, 3600),
    },
    orderMerging: onOff(env, 'ORDER_MERGING', true),
    databaseLockWaitTimeoutMs: integer(
      env,
      'DATABASE_LOCK_WAIT_TIMEOUT_MS',
      d.databaseLockWaitTimeoutMs,
      100,
      600_000,
    ),
    databaseStatementTimeoutMs: integer(
      env,
      'DATABASE_STATEMENT_TIMEOUT_MS',
      d.databaseStatementTimeoutMs,
      0,
      3_600_000,
    ),
    databaseAcquireTimeoutMs: integer(
      env,
      'DATABASE_ACQUIRE_TIMEOUT_MS',
      d.databaseAcquireTimeoutMs,
      10,
      600_000,
    ),
    reservationConnectionsPerSku: integer(
      env,
      'RESERVATION_CONNECTIONS_PER_SKU',
      Math.min(d.reservationConnectionsPerSku, databasePoolSize),
      1,
      databasePoolSize,
    ),
    responseTimeoutMs: integer(env, 'RESPONSE_TIMEOUT_MS', d.responseTimeoutMs, 100, 600_000),
  };
}

/** Reads the configuration at start; a ConfigError ends the process with its message and exit code 1. */
export function configOrExit<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}
