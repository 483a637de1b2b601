// Medians and spreads of trials, and number formatting for the tables.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** "min–max" of a series, with the unit's precision. */
export function spread(xs: readonly number[], digits = 0): string {
  return `${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)}`;
}

/** The 1-minute load average (2 cores: above 2 the machine is oversubscribed). */
export const load1 = (): number => loadavg()[0] as number;

/** How the load moved during a suite: "median (min–max)". */
export function loadNote(samples: readonly number[]): string {
  return `${fmt(median(samples), 1)} (${spread(samples, 1)})`;
}

/** Writes a report and formats it as the repository's checker does (so `npm test` stays green). */
export function writeReport(file: string, text: string): void {
  writeFileSync(file, text);
  const biome = join(import.meta.dirname, '../node_modules/.bin/biome');
  try {
    execFileSync(biome, ['format', '--write', file], { stdio: 'ignore' });
  } catch {
    // Outside the repository (or biome absent): the unformatted report is still written.
  }
}
