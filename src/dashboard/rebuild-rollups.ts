import 'reflect-metadata';
import { loadConfig } from '../config';
import { openDataSource } from '../db/data-source';
import { rebuildRollups } from './rollup.service';

/** `npm run rebuild-rollups`: recomputes the dashboard rollups of DATABASE_URL from its orders. */
async function main(): Promise<void> {
  const config = loadConfig();
  const dataSource = await openDataSource(config.databaseUrl, config);
  const started = Date.now();
  const set = await rebuildRollups(dataSource, (done) => process.stdout.write(`\rread ${done} orders`));
  const rows = [...set.values()].reduce((sum, rows) => sum + rows.size, 0);
  console.log(`\nrebuilt ${rows} rollup rows in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await dataSource.destroy();
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
