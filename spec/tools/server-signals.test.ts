// `npm run server` stops cleanly when SIGINT or SIGTERM is sent to the npm process (not only to a
// terminal's process group): FerretDB is stopped, its port closed, its data directory deleted.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { canConnect, freePort } from '../support/ferretdb.js';

const root = join(import.meta.dirname, '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

describe('npm run server', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`stops on ${signal} sent to the npm process`, { timeout: 120_000 }, async () => {
      const port = await freePort();
      const child = spawn(npm, ['run', 'server', '--', '--port', String(port)], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once('exit', (code, sig) => resolve({ code, signal: sig })),
      );
      child.stderr.on('data', (d: Buffer) => {
        output += d.toString();
      });
      const dir = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          output += d.toString();
          const m = /data in (\S+) \(deleted on exit\)/.exec(output);
          if (m?.[1]) resolve(m[1]);
        });
        void exited.then(() => reject(new Error(`the server exited before it was ready:\n${output}`)));
      });
      assert.equal(await canConnect(port), true, 'FerretDB listens');
      child.kill(signal);
      const result = await exited;
      assert.deepEqual(result, { code: 0, signal: null }, output);
      assert.match(output, new RegExp(`${signal}: stopping`));
      assert.equal(await canConnect(port), false, 'the port is closed');
      assert.equal(existsSync(dir), false, 'the data directory is deleted');
    });
  }
});
