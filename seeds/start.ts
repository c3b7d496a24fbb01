import 'reflect-metadata';
import { databaseKind } from '../src/db/data-source';
import { failedToStart, startGateway } from '../src/index';
import { seedDemoIfEmpty } from './demo';

/**
 * `npm start`: the gateway, and on a fresh embedded database the demo data set first, with one demo API
 * key per role printed once. Demo keys exist only on the embedded database, and in production only with
 * SEED_DEMO=true; on MySQL this is the gateway alone (`node dist/src/index.js`, which never loads demo
 * data).
 */
startGateway(async (dataSource, config) => {
  if (databaseKind(config.databaseUrl) !== 'sqlite' || !config.seedDemo) return;
  const keys = await seedDemoIfEmpty(dataSource);
  if (!keys) return;
  console.log('Loaded the demo data set. Demo API keys (embedded database only):');
  for (const key of keys) console.log(`  ${key.role.padEnd(9)} ${key.token}   (${key.label})`);
}).catch(failedToStart);
