import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { createPool } from 'mysql2/promise';

/**
 * The raw-SQL floor: a bare node:http handler that runs, for each request, the very statements the
 * gateway ran for one request of the same scenario (captured by bench/server.ts), one after another
 * through a mysql2 pool configured like the gateway's, and answers with their rows as JSON.
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
  const pool = createPool({
    uri: process.argv[2],
    connectionLimit: 20,
    maxIdle: 20,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: ['DATE'],
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
  });
  const scenarios = new Map<string, Statement[]>();
  let peakRss = process.memoryUsage().rss;
  setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100).unref();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const statements = scenarios.get(req.url ?? '');
      if (!statements) {
        res.writeHead(404).end();
        return;
      }
      try {
        const results: unknown[] = [];
        for (const s of statements) results.push((await pool.query(s.sql, s.params))[0]);
        const body = JSON.stringify({ data: results });
        res
          .writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
          .end(body);
      } catch (error) {
        res.writeHead(500).end(String(error));
      }
    });
  });
  server.keepAliveTimeout = 60_000;

  process.on('message', (message: { cmd: string; path?: string; statements?: Statement[] }) => {
    if (message.cmd === 'scenario') scenarios.set(message.path!, message.statements!);
    if (message.cmd === 'reset') peakRss = process.memoryUsage().rss;
    process.send!({
      cmd: message.cmd,
      peakRss: Math.max(peakRss, process.memoryUsage().rss),
      cpuMicros: cpuMicros(),
      statements: 0,
      graphqlErrors: 0,
    });
  });
  server.listen(0, '127.0.0.1', () =>
    process.send!({ cmd: 'ready', port: (server.address() as AddressInfo).port }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
