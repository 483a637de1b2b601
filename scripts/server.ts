// `npm run server [-- --port N]`: a FerretDB in the foreground for local use; Ctrl-C stops it.
// `npm run server -- --replset [--members 1|3]`: the replica-set proxy in front of its own FerretDB.
// `npm run server -- --mongos 1|2`: mongos routers (the proxy) in front of its own FerretDB.
import { startFerretDB } from '../spec/support/ferretdb.js';
import { startReplicaSetProxy } from '../spec/support/rs-proxy/index.js';

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

function portArg(argv: string[]): number {
  const raw = argValue(argv, '--port');
  if (raw === undefined) return 27017;
  const port = Number(raw);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`invalid --port ${raw}`);
  return port;
}

function choice<T extends number>(argv: string[], name: string, allowed: readonly T[], fallback: T): T {
  const raw = argValue(argv, name);
  if (raw === undefined) return fallback;
  const n = Number(raw) as T;
  if (!allowed.includes(n)) throw new Error(`invalid ${name} ${raw} (one of ${allowed.join(', ')})`);
  return n;
}

async function start(argv: string[]): Promise<() => Promise<void>> {
  const mongos = choice(argv, '--mongos', [0, 1, 2] as const, 0);
  if (mongos > 0 || argv.includes('--replset')) {
    const members = choice(argv, '--members', [1, 3] as const, 3);
    const proxy = await startReplicaSetProxy({ members, mongos });
    const what =
      mongos > 0 ? `${mongos} mongos router(s)` : `replica set ${proxy.setName} (${members} members)`;
    console.log(`rs-proxy: ${what} in front of FerretDB v1.24.2 at ${proxy.upstreamUri}`);
    console.log(proxy.uri);
    console.log('Ctrl-C to stop');
    return () => proxy.close();
  }
  const server = await startFerretDB({ port: portArg(argv) });
  console.log(`FerretDB v1.24.2 (SQLite) listening: ${server.uri}`);
  console.log(`data in ${server.dir} (deleted on exit); Ctrl-C to stop`);
  return () => server.stop();
}

// Signal handlers first, so a signal during start-up (FerretDB still booting) stops it too, once up.
// SIGINT/SIGTERM reach this process from a terminal's Ctrl-C (the whole process group) or from
// npm, which forwards them to its child (package.json runs this script with `exec`, so no shell
// sits in between and swallows them).
let stopping: Promise<void> | undefined;
let stopServer: (() => Promise<void>) | undefined;
const stop = (signal: string): void => {
  if (stopping) return;
  console.log(`\n${signal}: stopping`);
  stopping = (async () => {
    await started;
    await stopServer?.();
    process.exit(0);
  })();
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGHUP', () => stop('SIGHUP'));
const started = start(process.argv.slice(2)).then((s) => {
  stopServer = s;
});
await started;
// Keep the process alive until a signal arrives.
setInterval(() => {}, 1 << 30);
