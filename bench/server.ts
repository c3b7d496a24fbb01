import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector';
import { AddressInfo } from 'node:net';
import { ApolloServerPlugin } from '@apollo/server';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { Context } from '../src/context';
import { openDataSource } from '../src/db/data-source';
import { logger } from '../src/logger';

/**
 * The gateway under test, in a process of its own (forked by bench/run.ts): createApp + http listen on
 * a free port. It counts SQL statements (every TypeORM statement goes through QueryRunner.query),
 * GraphQL responses with errors, peak RSS and the peak of busy database connections, and can capture
 * the statements of one request so the raw-SQL floor replays exactly them. Talks to its parent over IPC.
 */
interface Statement {
  sql: string;
  params: unknown[];
}

/** CPU time this process has used, user and system, in µs. */
function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

async function main(): Promise<void> {
  const databaseUrl = process.argv[2];
  const adminToken = process.argv[3];
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: databaseUrl,
    ADMIN_TOKEN: adminToken,
    NODE_ENV: 'production',
    LOG_LEVEL: 'error',
    PORT: '0',
    // The harness measures throughput, not the rate limiter: one key sends thousands of requests a second.
    RATE_LIMIT_BUCKET: '10000000',
    RATE_LIMIT_RESTORE_RATE: '10000000',
  });
  logger.level = config.logLevel;
  // With its limits, as src/index.ts opens it: session timeouts and the row gate of hot SKUs.
  const dataSource = await openDataSource(databaseUrl, config);

  let statements = 0;
  let captured: Statement[] | null = null;
  const runner = dataSource.createQueryRunner();
  const proto = Object.getPrototypeOf(runner) as {
    query: (sql: string, params?: unknown[], structured?: boolean) => Promise<unknown>;
  };
  await runner.release();
  const original = proto.query;
  proto.query = function query(this: unknown, sql: string, params?: unknown[], structured?: boolean) {
    statements++;
    captured?.push({ sql, params: params ?? [] });
    return original.call(this, sql, params, structured);
  };

  // Busy database connections: taken from the pool and not yet given back (mysql2's acquire/release).
  let busy = 0;
  let peakBusy = 0;
  const pool = (dataSource.driver as unknown as { pool?: NodeJS.EventEmitter }).pool;
  pool?.on('acquire', () => {
    busy++;
    peakBusy = Math.max(peakBusy, busy);
  });
  pool?.on('release', () => {
    busy--;
  });

  let graphqlErrors = 0;
  let firstError: string | null = null;
  const errorCounter: ApolloServerPlugin<Context> = {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors }) {
          graphqlErrors++;
          firstError ??= `${errors[0]?.extensions?.code ?? ''} ${errors[0]?.message}`;
        },
      };
    },
  };
  const gateway = await createApp(dataSource, config, [errorCounter]);
  const server = createServer(gateway.app);
  server.keepAliveTimeout = 60_000;

  let peakRss = process.memoryUsage().rss;
  setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100).unref();

  const profiler = new Session();
  profiler.connect();
  // profile-start, profile-stop <path>: a CPU profile (.cpuprofile, for DevTools) of what ran between.
  // reset: zero the counters; stats: report them; lap: report them, then zero them (one phase's figures).
  process.on('message', (message: { cmd: string }) => {
    const rss = process.memoryUsage().rss;
    peakRss = Math.max(peakRss, rss);
    const zero = () => {
      statements = 0;
      graphqlErrors = 0;
      firstError = null;
      peakRss = rss;
      peakBusy = busy;
    };
    if (message.cmd === 'reset') zero();
    else if (message.cmd === 'capture') captured = [];
    const reply: Record<string, unknown> = {
      cmd: message.cmd,
      statements,
      graphqlErrors,
      firstError,
      rss,
      peakRss,
      cpuMicros: cpuMicros(),
      busyConnections: busy,
      peakBusyConnections: peakBusy,
    };
    if (message.cmd === 'captured') {
      reply.captured = captured;
      captured = null;
    }
    if (message.cmd === 'lap') zero();
    if (message.cmd === 'profile-start') {
      profiler.post('Profiler.enable', () => profiler.post('Profiler.start', () => process.send!(reply)));
      return;
    }
    if (message.cmd === 'profile-stop') {
      profiler.post('Profiler.stop', (error, result) => {
        if (!error) writeFileSync((message as { path?: string }).path!, JSON.stringify(result.profile));
        process.send!(reply);
      });
      return;
    }
    process.send!(reply);
  });

  server.listen(0, '127.0.0.1', () =>
    process.send!({ cmd: 'ready', port: (server.address() as AddressInfo).port }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
