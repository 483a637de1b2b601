// Starts an example application (a child node process that prints `listening <url>`) and resolves
// once it listens; its output is kept for assertion messages.
import { type ChildProcess, spawn } from 'node:child_process';

export interface RunningApp {
  readonly child: ChildProcess;
  readonly url: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills it (SIGKILL) unless it has exited already. */
  kill(): void;
}

export async function startApp(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<RunningApp> {
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      const m = /listening (http:\/\/\S+)/.exec(output);
      if (m?.[1]) resolve(m[1]);
    });
    void exited.then(() => reject(new Error(`the app exited before listening:\n${output}`)));
  });
  return {
    child,
    url,
    output: () => output,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
