// A long-lived benchmark worker for one driver: the orchestrator sends it trials one at a time
// (interleaved with the other driver's worker) and gets each result back over IPC.
import { rxCases } from './cases-rx.js';
import type { TrialResult, TrialSpec } from './meter.js';
import { loadPackage } from './package-under-test.js';

interface Driver {
  runTrial(spec: TrialSpec): Promise<TrialResult>;
  closeAll(): Promise<void>;
}

const which = process.argv[2];
const driver: Driver =
  which === 'rx'
    ? rxCases(await loadPackage())
    : which === 'official'
      ? await import('./cases-official.js')
      : await import('./cases-raw.js');

process.on('message', (message: { id: number; spec?: TrialSpec; close?: boolean }) => {
  if (message.close) {
    driver.closeAll().finally(() => process.exit(0));
    return;
  }
  const spec = message.spec as TrialSpec;
  driver.runTrial(spec).then(
    (result) => process.send?.({ id: message.id, result }),
    (e: unknown) =>
      process.send?.({ id: message.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
  );
});
process.send?.({ ready: true });
