import type { SeverityLevel } from '../../log-options.js';

/** The logging spec's levels, most severe first (their index is the syslog code). */
const LEVELS: readonly SeverityLevel[] = [
  'emergency',
  'alert',
  'critical',
  'error',
  'warn',
  'notice',
  'info',
  'debug',
  'trace',
];

/** A severity from its name, case-insensitive (`off` included); undefined for anything else. */
export function parseSeverity(value: unknown): SeverityLevel | undefined {
  if (typeof value !== 'string') return undefined;
  const name = value.toLowerCase();
  return name === 'off' || (LEVELS as readonly string[]).includes(name) ? (name as SeverityLevel) : undefined;
}

/** Whether a component whose minimum is `min` emits a message of severity `level`. */
export function enables(min: SeverityLevel, level: SeverityLevel): boolean {
  if (min === 'off' || level === 'off') return false;
  return LEVELS.indexOf(level) <= LEVELS.indexOf(min);
}
