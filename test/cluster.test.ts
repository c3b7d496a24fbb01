import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';

// Runs the compiled cluster primary as production would (node dist/src/cluster.js), built to a temporary
// directory.
const root = join(__dirname, '..');
let build: string;

beforeAll(() => {
  build = mkdtempSync(join(tmpdir(), 'gaodu-cluster-'));
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', build],
    { cwd: root },
  );
  // The app finds its packaged files (web/) from the package.json above its modules, as in an install.
  copyFileSync(join(root, 'package.json'), join(build, 'package.json'));
});

afterAll(() => rmSync(build, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Running {
  child: ChildProcess;
  /** The next log line (from now) whose message matches, parsed; fails if the process ends first. */
  next(message: RegExp): Promise<Record<string, any>>;
  exited: Promise<number | null>;
  output(): string;
}

function startCluster(env: Record<string, string>, script = 'cluster.js'): Running {
  const child = spawn(process.execPath, [join(build, 'src', script)], {
    cwd: build,
    env: {
      PATH: process.env.PATH,
      NODE_PATH: join(root, 'node_modules'),
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  let waiters: { message: RegExp; resolve(line: Record<string, any>): void; reject(error: Error): void }[] =
    [];
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      for (const waiter of waiters)
        waiter.reject(new Error(`cluster exited (${code}) before logging ${waiter.message}:\n${text}`));
      resolve(code);
    }),
  );
  let partial = '';
  const read = (chunk: Buffer) => {
    text += chunk;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line);
      const matched = waiters.filter((w) => w.message.test(entry.msg));
      waiters = waiters.filter((w) => !matched.includes(w));
      for (const waiter of matched) waiter.resolve(entry);
    }
  };
  child.stdout!.on('data', read);
  child.stderr!.on('data', read);
  return {
    child,
    next: (message) => new Promise((resolve, reject) => waiters.push({ message, resolve, reject })),
    exited,
    output: () => text,
  };
}

it('serves through a worker, starts another when it dies, and stops every worker on SIGTERM', async () => {
  const port = await freePort();
  const cluster = startCluster({
    DATABASE_URL: `sqlite:${join(build, 'cluster.sqlite')}`,
    PORT: String(port),
    WEB_CONCURRENCY: '2',
  });
  const started = cluster.next(/^gateway worker started$/);
  const listening = cluster.next(/^gateway listening$/);
  const worker = await started;
  await listening;
  // The embedded database belongs to one process: one worker, whatever WEB_CONCURRENCY says.
  expect(cluster.output()).toContain('running one worker');
  await request(`http://127.0.0.1:${port}`).get('/health').expect(200, { status: 'ok' });

  const died = cluster.next(/^gateway worker died; starting another$/);
  const replaced = cluster.next(/^gateway worker started$/);
  const listeningAgain = cluster.next(/^gateway listening$/);
  process.kill(worker.pid, 'SIGKILL');
  expect(await died).toMatchObject({ pid: worker.pid, signal: 'SIGKILL' });
  expect((await replaced).pid).not.toBe(worker.pid);
  await listeningAgain;
  await request(`http://127.0.0.1:${port}`).get('/health').expect(200);

  const stopped = cluster.next(/^every worker stopped$/);
  cluster.child.kill('SIGTERM');
  await stopped;
  expect(await cluster.exited).toBe(0);
});

it('refuses several workers without REDIS_URL, which they would need to share changes', async () => {
  const cluster = startCluster({ DATABASE_URL: 'mysql://gaodu@127.0.0.1:1/gaodu', WEB_CONCURRENCY: '2' });
  expect(await cluster.exited).toBe(1);
  expect(cluster.output()).toContain('cluster mode with 2 workers needs REDIS_URL');
});

it.each(['cluster.js', 'index.js'])(
  '%s refuses LOG_LEVEL=loud with a configuration error naming it, not a stack trace',
  async (script) => {
    const started = startCluster({ DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'loud' }, script);
    expect(await started.exited).toBe(1);
    expect(started.output().trim()).toMatch(/^Configuration error: LOG_LEVEL must be one of .*, got "loud"$/);
  },
);

it('reads WEB_CONCURRENCY through the configuration check', async () => {
  const cluster = startCluster({ DATABASE_URL: 'sqlite::memory:', WEB_CONCURRENCY: 'many' });
  expect(await cluster.exited).toBe(1);
  expect(cluster.output().trim()).toMatch(/^Configuration error: WEB_CONCURRENCY must be a whole number/);
});

describe('npm start (seeds/start.js) on a fresh embedded database in production', () => {
  const ADMIN = 'c0ffee5e1ec7ab1e-0a1b2c3d4e5f6789-production';
  const farms = (port: number) =>
    request(`http://127.0.0.1:${port}`)
      .post('/graphql')
      .set('authorization', `Bearer ${ADMIN}`)
      .send({ query: '{ farms { totalCount } }' });

  it.each([
    ['without SEED_DEMO loads no demo data and prints no key', {}, 0],
    ['with SEED_DEMO=true loads the demo data set', { SEED_DEMO: 'true' }, 1],
  ])('%s', async (_label, extra, loaded) => {
    const port = await freePort();
    const started = startCluster(
      {
        NODE_ENV: 'production',
        ADMIN_TOKEN: ADMIN,
        DATABASE_URL: `sqlite:${join(build, `fresh-${port}.sqlite`)}`,
        PORT: String(port),
        ...extra,
      },
      '../seeds/start.js',
    );
    try {
      await started.next(/^gateway listening$/);
      const res = await farms(port);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.farms.totalCount > 0).toBe(loaded === 1);
      expect(started.output().includes('Demo API keys')).toBe(loaded === 1);
    } finally {
      started.child.kill('SIGTERM');
    }
    expect(await started.exited).toBe(0);
  });
});
