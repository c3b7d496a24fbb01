import 'reflect-metadata';
import { createServer } from 'node:http';
import { createApp } from './app';
import { configOrExit, loadConfig } from './config';
import { openDataSource, databaseKind } from './db/data-source';
import { logger } from './logger';
import { attachSubscriptions } from './subscriptions/subscription-server';
import { seedDemoIfEmpty } from '../seeds/demo';

async function main(): Promise<void> {
  const config = configOrExit(loadConfig);
  logger.level = config.logLevel;
  const dataSource = await openDataSource(config.databaseUrl, config);
  if (databaseKind(config.databaseUrl) === 'sqlite') {
    const keys = await seedDemoIfEmpty(dataSource);
    if (keys) {
      console.log('Loaded the demo data set. Demo API keys (embedded database only):');
      for (const key of keys) console.log(`  ${key.role.padEnd(9)} ${key.token}   (${key.label})`);
    }
  }
  const gateway = await createApp(dataSource, config);
  const server = createServer(gateway.app);
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  const subscriptions = attachSubscriptions(server, gateway);
  server.listen(config.port, config.host, () => {
    logger.info(
      { port: config.port, host: config.host, database: databaseKind(config.databaseUrl) },
      'gateway listening',
    );
    console.log(`Gaodu gateway on http://localhost:${config.port}/graphql`);
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'finishing in-flight requests');
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeIdleConnections();
    await subscriptions.close();
    await closed;
    await gateway.stop();
    await dataSource.destroy();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error) => {
  logger.fatal({ err: error }, 'failed to start');
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
