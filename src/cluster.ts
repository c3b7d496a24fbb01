import 'reflect-metadata';
import cluster, { Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { Config, ConfigError, configOrExit, loadConfig } from './config';
import { databaseKind, openDataSource } from './db/data-source';
import { logger } from './logger';

/**
 * `npm run start:cluster`: one gateway worker per core (or WEB_CONCURRENCY), all sharing the port.
 * The primary applies migrations once, forks the workers, starts a new one when one dies, and on
 * SIGTERM or SIGINT passes the signal on and waits for every worker to finish its requests.
 */

/** A worker that dies sooner than this after starting is crash-looping: wait longer before the next. */
const HEALTHY_AFTER_MS = 10_000;
const MAX_RESTART_DELAY_MS = 30_000;

function workerCount(config: Config): number {
  const wanted = config.webConcurrency ?? availableParallelism();
  if (databaseKind(config.databaseUrl) === 'sqlite') {
    if (wanted > 1)
      logger.warn(
        'the embedded database belongs to one process: running one worker (use DATABASE_URL=mysql://... for more)',
      );
    return 1;
  }
  if (wanted > 1 && !config.redisUrl) {
    throw new ConfigError(
      `cluster mode with ${wanted} workers needs REDIS_URL, so every worker's subscribers hear every change and rate limits are shared; or set WEB_CONCURRENCY=1`,
    );
  }
  return wanted;
}

async function primary(): Promise<void> {
  const { config, workers } = configOrExit(() => {
    const config = loadConfig();
    return { config, workers: workerCount(config) };
  });
  logger.level = config.logLevel;
  // Migrations run here, once, so the workers never race to apply them.
  const dataSource = await openDataSource(config.databaseUrl, config);
  await dataSource.destroy();

  let stopping = false;
  const restartDelay = new Map<number, number>();
  const startedAt = new Map<Worker, number>();
  const fork = (slot: number) => {
    const worker = cluster.fork({ GATEWAY_WORKER_SLOT: String(slot) });
    startedAt.set(worker, Date.now());
    logger.info({ pid: worker.process.pid, slot }, 'gateway worker started');
    worker.on('exit', (code, signal) => {
      const lived = Date.now() - (startedAt.get(worker) ?? 0);
      startedAt.delete(worker);
      if (stopping) {
        if (!startedAt.size) {
          logger.info('every worker stopped');
          process.exit(0);
        }
        return;
      }
      const delay =
        lived < HEALTHY_AFTER_MS ? Math.min((restartDelay.get(slot) ?? 500) * 2, MAX_RESTART_DELAY_MS) : 1000;
      restartDelay.set(slot, delay);
      logger.error(
        { pid: worker.process.pid, code, signal, restartInMs: delay },
        'gateway worker died; starting another',
      );
      setTimeout(() => {
        if (!stopping) fork(slot);
      }, delay);
    });
  };
  for (let slot = 0; slot < workers; slot += 1) fork(slot);
  logger.info({ workers }, 'gateway cluster started');

  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping every worker');
    if (!startedAt.size) process.exit(0);
    for (const worker of startedAt.keys()) worker.process.kill(signal);
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

if (cluster.isPrimary) {
  primary().catch((error) => {
    logger.fatal({ err: error }, 'cluster failed to start');
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
} else {
  void import('./index').then(({ startGateway, failedToStart }) => startGateway().catch(failedToStart));
}
