import 'reflect-metadata';
import { createGatewayServer } from './http-server';
import { DataSource } from 'typeorm';
import { createApp } from './app';
import { Config, configOrExit, loadConfig } from './config';
import { openDataSource, databaseKind } from './db/data-source';
import { logger } from './logger';
import { attachSubscriptions } from './subscriptions/subscription-server';

/**
 * Starts the gateway: config → database → `prepare` (when given: seeds/start.ts loads the demo data set
 * there) → app → listen, and stops it cleanly on SIGTERM or SIGINT.
 */
export async function startGateway(
  prepare?: (dataSource: DataSource, config: Config) => Promise<void>,
): Promise<void> {
  const config = configOrExit(loadConfig);
  logger.level = config.logLevel;
  const dataSource = await openDataSource(config.databaseUrl, config);
  await prepare?.(dataSource, config);
  const gateway = await createApp(dataSource, config);
  const server = createGatewayServer(gateway.app);
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

/** Ends the process when the gateway could not start. */
export function failedToStart(error: unknown): never {
  logger.fatal({ err: error }, 'failed to start');
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}

if (require.main === module) startGateway().catch(failedToStart);
