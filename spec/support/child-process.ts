// Runs a TypeScript script in a child node process that must exit by itself (it never calls
// process.exit): resolves with its exit code and the last line it printed.
import { spawn } from 'node:child_process';

/** A guard only: a child that leaves a socket or timer behind never exits, and is killed then. */
const GUARD_MS = 120_000;

export async function runUntilExit(
  script: string,
  args: readonly string[],
): Promise<{ code: number | null; last: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not exit by itself; output: ${out}`));
    }, GUARD_MS);
    child.once('exit', (c) => {
      clearTimeout(guard);
      resolve(c);
    });
  });
  return { code, last: out.trim().split('\n').pop() ?? '' };
}
