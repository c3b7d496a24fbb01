import { loadConfig } from '../config';
import { openDataSource } from './data-source';

/** `npm run migrate`: applies pending migrations (MySQL) or synchronises the embedded database. */
async function main(): Promise<void> {
  const config = loadConfig();
  const dataSource = await openDataSource(config.databaseUrl, config);
  console.log('Database schema is up to date.');
  await dataSource.destroy();
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
