// `npm run server [-- --port N]`: a FerretDB in the foreground for local use; Ctrl-C stops it.
import { startFerretDB } from '../spec/support/ferretdb.js';

function portArg(argv: string[]): number {
  const i = argv.indexOf('--port');
  const raw = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--port='))?.slice(7);
  if (raw === undefined) return 27017;
  const port = Number(raw);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`invalid --port ${raw}`);
  return port;
}

const server = await startFerretDB({ port: portArg(process.argv.slice(2)) });
console.log(`FerretDB v1.24.2 (SQLite) listening: ${server.uri}`);
console.log(`data in ${server.dir} (deleted on exit); Ctrl-C to stop`);
let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping FerretDB`);
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
// Keep the process alive until a signal arrives.
setInterval(() => {}, 1 << 30);
