import 'reflect-metadata';
import { ConfigError, loadConfig } from '../src/config';
import { databaseKind, openDataSource } from '../src/db/data-source';
import { createDemoKeys, isEmptyDatabase, loadDemoData } from './demo';

/**
 * `npm run seed`: loads the demo data set into an empty database (MySQL/MariaDB or SQLite) and
 * refuses one that holds data. Demo keys are made only on the embedded database; on MySQL keys
 * are created with ADMIN_TOKEN through createApiKey.
 */
async function main(): Promise<number> {
  const config = loadConfig();
  const kind = databaseKind(config.databaseUrl);
  const dataSource = await openDataSource(config.databaseUrl);
  try {
    if (!(await isEmptyDatabase(dataSource))) {
      console.error(
        'The database already holds data; npm run seed only loads the demo set into an empty database. Nothing was changed.',
      );
      return 1;
    }
    const started = Date.now();
    await loadDemoData(dataSource);
    console.log(
      `Loaded the demo data set into the ${kind === 'mysql' ? 'MySQL' : 'embedded'} database in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
    );
    if (kind === 'sqlite') {
      console.log('Demo API keys (embedded database only):');
      for (const key of await createDemoKeys(dataSource))
        console.log(`  ${key.role.padEnd(9)} ${key.token}   (${key.label})`);
    } else {
      console.log(
        [
          'No demo keys are created on MySQL. Start the gateway with ADMIN_TOKEN set and create keys with it, e.g.:',
          '  curl -s http://localhost:4000/graphql -H "authorization: Bearer $ADMIN_TOKEN" -H "content-type: application/json" \\',
          '    -d \'{"query":"mutation { createApiKey(input: { role: MERCHANT, merchantCode: \\"M-BAOFU-01\\", label: \\"storefront\\" }) { token } }"}\'',
        ].join('\n'),
      );
    }
    return 0;
  } finally {
    await dataSource.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(
      error instanceof ConfigError
        ? `Configuration error: ${error.message}`
        : error instanceof Error
          ? error.message
          : error,
    );
    process.exit(1);
  },
);
