import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';

const run = promisify(execFile);

/**
 * A MariaDB server of the test's own (its own data directory in a temporary directory, port and socket),
 * for tests that stop, kill or lock the database: never the shared server. Started as root with
 * --user=root when the test runs as root.
 */
export interface PrivateMariadb {
  /** mysql://root@127.0.0.1:<port>/ : a base URL for startTestApp's `server` option. */
  url: string;
  port: number;
  /** SIGSTOP: the server hangs, connections stay open, nothing answers once this has resolved. */
  pause(): Promise<void>;
  /** SIGCONT after pause(). */
  resume(): void;
  /** SIGKILL: the server is gone; connections drop, new ones are refused. */
  kill(): Promise<void>;
  /** Stops the server (if still running) and deletes its data directory. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether every thread of `pid` is stopped (or gone), from /proc (Linux). */
function allStopped(pid: number): boolean {
  return readdirSync(`/proc/${pid}/task`).every((task) => {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
    } catch {
      return true; // the thread ended meanwhile
    }
    // "<tid> (<name>) <state> ...": the name may hold spaces and parentheses.
    const state = stat[stat.lastIndexOf(')') + 2];
    return state === 'T' || state === 'Z' || state === 'X';
  });
}

export async function startPrivateMariadb(): Promise<PrivateMariadb> {
  const dir = mkdtempSync(join(tmpdir(), 'gaodu-mariadb-'));
  const datadir = join(dir, 'data');
  const socket = join(dir, 'mariadb.sock');
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  await run(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${datadir}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--skip-name-resolve',
      ...asRoot,
    ],
    { timeout: 120_000 },
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    'mariadbd',
    [
      '--no-defaults',
      `--datadir=${datadir}`,
      `--port=${port}`,
      `--socket=${socket}`,
      `--pid-file=${join(dir, 'mariadb.pid')}`,
      '--bind-address=127.0.0.1',
      '--skip-name-resolve',
      '--skip-log-bin',
      '--innodb-buffer-pool-size=32M',
      '--innodb-log-file-size=16M',
      '--innodb-flush-log-at-trx-commit=2',
      '--max-connections=200',
      ...asRoot,
    ],
    { stdio: 'ignore' },
  );
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  for (let i = 0; ; i++) {
    try {
      const conn = await createConnection({ host: '127.0.0.1', port, user: 'root' });
      await conn.end();
      break;
    } catch (error) {
      if (exited || i >= 600) {
        child.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`private mariadbd did not start: ${(error as Error).message}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const signal = (name: NodeJS.Signals) => {
    if (!exited) child.kill(name);
  };
  return {
    url: `mysql://root@127.0.0.1:${port}/`,
    port,
    async pause() {
      signal('SIGSTOP');
      // kill() returns before the server has stopped: each of its threads stops when it next runs, and
      // until then it may answer (a query sent right after kill() was, 1 time in 5, on a loaded machine).
      for (let i = 0; !exited && !allStopped(child.pid!); i++) {
        if (i >= 5000) throw new Error('mariadbd was not stopped 5000 turns after SIGSTOP');
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    },
    resume: () => signal('SIGCONT'),
    async kill() {
      signal('SIGKILL');
      await exit;
    },
    async stop() {
      signal('SIGCONT');
      signal('SIGKILL');
      await exit;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
