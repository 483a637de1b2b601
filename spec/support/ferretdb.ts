// Starts FerretDB (SQLite handler) on a free loopback port in a fresh temp directory, for tests.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../..');
export const ferretdbBinary = join(root, '.cache/ferretdb/ferretdb');

export interface FerretDBOptions {
  port?: number;
  /** Start with FerretDB's new authentication and this admin user. */
  auth?: { username: string; password: string };
  /** Extra command-line flags (e.g. the TLS listener). */
  extraArgs?: (dir: string) => string[];
  /** Listen on a Unix socket in the temp dir as well. */
  unixSocket?: boolean;
  /** Echo the server's log to stderr. */
  verbose?: boolean;
  /** Keep the data in this directory (reused across restarts, left in place by stop()). */
  dir?: string;
}

export interface RunningFerretDB {
  readonly uri: string;
  readonly host: string;
  readonly port: number;
  readonly dir: string;
  readonly unixSocketPath?: string;
  stop(): Promise<void>;
}

export function buildFerretDB(): void {
  if (existsSync(ferretdbBinary)) return;
  const r = spawnSync('bash', [join(root, 'scripts/build-ferretdb.sh')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('building FerretDB failed (scripts/build-ferretdb.sh)');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function startFerretDB(options: FerretDBOptions = {}): Promise<RunningFerretDB> {
  buildFerretDB();
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'mongorx-ferretdb-'));
  const args = [
    '--handler=sqlite',
    `--sqlite-url=file:${dir}/`,
    `--state-dir=${dir}`,
    `--listen-addr=127.0.0.1:${port}`,
    '--debug-addr=-',
    '--telemetry=disable',
    '--log-level=warn',
  ];
  const unixSocketPath = options.unixSocket ? join(dir, 'ferretdb.sock') : undefined;
  if (unixSocketPath) args.push(`--listen-unix=${unixSocketPath}`);
  if (options.auth) {
    args.push(
      '--test-enable-new-auth=true',
      '--setup-database=admin',
      `--setup-username=${options.auth.username}`,
      `--setup-password=${options.auth.password}`,
    );
  }
  if (options.extraArgs) args.push(...options.extraArgs(dir));
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('FERRETDB_')) env[k] = v;
  const child: ChildProcess = spawn(ferretdbBinary, args, {
    env,
    stdio: ['ignore', options.verbose ? 'inherit' : 'ignore', options.verbose ? 'inherit' : 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const stop = async (): Promise<void> => {
    if (!exited) {
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(timer);
    }
    if (!options.dir) rmSync(dir, { recursive: true, force: true });
  };
  // Bounded by attempts (600 x 50 ms), not by a clock reading.
  for (let attempt = 0; !(await canConnect(port)); attempt++) {
    if (exited || attempt >= 600) {
      await stop();
      throw new Error(`FerretDB did not start on port ${port}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const creds = options.auth
    ? `${encodeURIComponent(options.auth.username)}:${encodeURIComponent(options.auth.password)}@`
    : '';
  return { uri: `mongodb://${creds}127.0.0.1:${port}/`, host: '127.0.0.1', port, dir, unixSocketPath, stop };
}

/**
 * The deployment integration tests use: MONGODB_URI when set, else the FerretDB that `npm test`
 * started for the whole run, else one started for this test file (stopped by `release`).
 */
export async function testServer(): Promise<{ uri: string; isFerretDB: boolean; release(): Promise<void> }> {
  if (process.env.MONGODB_URI)
    return { uri: process.env.MONGODB_URI, isFerretDB: false, release: async () => {} };
  const shared = process.env.MONGORX_SHARED_FERRETDB_URI;
  if (shared) return { uri: shared, isFerretDB: true, release: async () => {} };
  const own = await startFerretDB();
  return { uri: own.uri, isFerretDB: true, release: () => own.stop() };
}
