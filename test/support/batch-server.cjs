/* eslint-disable @typescript-eslint/no-require-imports -- a plain script that loads the compiled build */
// The gateway of test/kill-mid-batch.test.ts in a process of its own, from the compiled build in argv[2],
// configured by the environment. Prints LISTENING <port>, then QUEUED for every order that enters the
// merger. With STOP_MID_BATCH=true it holds the first reservation UPDATE (a lone order) until SIGUSR2, and
// stops for good at the first reservation of a merged batch (2 units or more), printing MID_BATCH: that
// transaction has written its keys, orders, lines, events and rollups and waits to be killed.
const { join } = require('node:path');
const { createServer } = require('node:http');

const build = process.argv[2];
const { openDataSource } = require(join(build, 'src', 'db', 'data-source.js'));
const { createApp } = require(join(build, 'src', 'app.js'));
const { loadConfig } = require(join(build, 'src', 'config.js'));
const { ReservationMerger } = require(join(build, 'src', 'orders', 'order-merger.js'));

const say = (line) => process.stdout.write(`${line}\n`);

async function main() {
  const config = loadConfig(process.env);
  const dataSource = await openDataSource(config.databaseUrl);
  const submit = ReservationMerger.prototype.submit;
  ReservationMerger.prototype.submit = function (...args) {
    const placed = submit.apply(this, args);
    say('QUEUED');
    return placed;
  };
  if (process.env.STOP_MID_BATCH === 'true') {
    let go;
    const opened = new Promise((resolve) => (go = resolve));
    process.on('SIGUSR2', () => go());
    const runner = dataSource.createQueryRunner();
    const proto = Object.getPrototypeOf(runner);
    await runner.release();
    const query = proto.query;
    let first = true;
    proto.query = function (sql, params, ...rest) {
      if (/^UPDATE stock_level SET reserved = reserved \+ \?/.test(sql)) {
        if (Number(params[0]) >= 2) {
          say('MID_BATCH');
          return new Promise(() => undefined);
        }
        if (first) {
          first = false;
          say('OPENER');
          return opened.then(() => query.call(this, sql, params, ...rest));
        }
      }
      return query.call(this, sql, params, ...rest);
    };
  }
  const gateway = await createApp(dataSource, config);
  const server = createServer(gateway.app);
  server.listen(0, '127.0.0.1', () => say(`LISTENING ${server.address().port}`));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
