/**
 * A case checked in part: every expectation the deployment can answer (events, results, errors)
 * passed, outcome data was not checked, for the reason given. Never counted as a pass.
 */
export interface CommandsOnly {
  readonly commandsOnly: string;
}

/** One test case of a spec suite: run it, or say why it is skipped. */
export interface SpecCase {
  /** Unique within the suite, e.g. "rs/discover_primary.json: step 2". */
  readonly name: string;
  /** When set, the case is skipped with this reason (the runner prints it). */
  readonly skip?: string;
  /** When set, the case needs a driver feature not built yet: counted as failed, not run. */
  readonly todo?: string;
  /** Throws (e.g. an AssertionError) to fail; resolves to pass, or to CommandsOnly for a partial check. */
  // biome-ignore lint/suspicious/noConfusingVoidType: suites' run() returns void (or a Promise of it) for a plain pass.
  run(): void | CommandsOnly | Promise<void | CommandsOnly>;
}

/** A suite loads its cases from the spec-tests folder it is given. */
export interface SpecSuite {
  readonly name: string;
  /** What the suite is; printed by `npm run spec -- --list`. */
  readonly description: string;
  load(specDir: string): SpecCase[] | Promise<SpecCase[]>;
}
