// node:test reporter for `npm test`: a line per failure (in full: test path, file, error with its
// cause chain, and the output the file printed), skip reasons grouped, and one closing line
// `tests: N passed, N failed, N skipped` that .ci/run repeats. Counts follow node:test's own:
// leaf tests only (suites are not counted); a cancelled test counts as failed.
import { inspect } from 'node:util';

// Plain JavaScript: node loads a reporter before `--import tsx` can hook TypeScript in.

/** @param {unknown} error */
function failureText(error) {
  // node:test wraps the thrown value in an ERR_TEST_FAILURE whose cause is what the test threw.
  const e = /** @type {{ code?: string, failureType?: string, cause?: unknown } | undefined} */ (error);
  const shown = e?.code === 'ERR_TEST_FAILURE' && e.cause !== undefined ? e.cause : error;
  const what = e?.failureType ? `(${e.failureType}) ` : '';
  const text = inspect(shown, { depth: 6, breakLength: 100 });
  // The runner's own frames say nothing about the failure.
  /** @type {string[]} */
  const kept = [];
  for (const line of text.split('\n')) {
    if (/^\s+at (.*\(node:(internal|async_hooks)|async Promise\.all)/.test(line)) {
      // inspect() opens the error's own fields at the end of the last frame.
      if (line.endsWith(' {') && kept.length > 0) kept[kept.length - 1] += ' {';
    } else kept.push(line);
  }
  return what + kept.join('\n');
}

/** @param {string} text */
function indent(text, by = '    ') {
  return text
    .split('\n')
    .map((l) => (l === '' ? l : by + l))
    .join('\n');
}

/** @param {AsyncIterable<{ type: string, data: any }>} source */
export default async function* reporter(source) {
  const started = Date.now();
  /** @type {Map<string, { path: string[], output: string[], failed: number }>} */
  const files = new Map();
  const counts = { passed: 0, failed: 0, skipped: 0, todo: 0, cancelled: 0, suites: 0 };
  /** @type {Map<string, number>} */
  const skipReasons = new Map();
  /** @type {string[]} */
  const todos = [];
  /** @type {string[]} */
  const failures = [];
  const state = (file = '(runner)') => {
    let s = files.get(file);
    if (!s) {
      s = { path: [], output: [], failed: 0 };
      files.set(file, s);
    }
    return s;
  };

  for await (const event of source) {
    const d = event.data;
    switch (event.type) {
      case 'test:start':
        state(d.file).path[d.nesting] = d.name;
        break;
      case 'test:stdout':
      case 'test:stderr':
        if (d.message) state(d.file).output.push(d.message);
        break;
      case 'test:pass':
      case 'test:fail': {
        if (d.details?.type === 'suite') {
          counts.suites++;
          // A suite fails on its own only through a hook or its own body; its tests say the rest.
          if (event.type === 'test:pass') break;
        }
        const s = state(d.file);
        const title = [...s.path.slice(0, d.nesting), d.name].join(' › ');
        if (d.skip !== undefined && d.skip !== false) {
          counts.skipped++;
          const reason = typeof d.skip === 'string' && d.skip !== '' ? d.skip : '(no reason given)';
          skipReasons.set(reason, (skipReasons.get(reason) ?? 0) + 1);
        } else if (d.todo !== undefined && d.todo !== false) {
          counts.todo++;
          todos.push(`${title}${typeof d.todo === 'string' ? ` — ${d.todo}` : ''}`);
        } else if (event.type === 'test:pass') {
          counts.passed++;
        } else {
          const error = d.details?.error;
          // A suite whose tests failed: they are reported (and counted) themselves.
          if (d.details?.type === 'suite' && error?.failureType === 'subtestsFailed') break;
          // A suite's own failure is reported with its tests' (cancelled) failures: count only those.
          if (d.details?.type !== 'suite') {
            if (error?.failureType === 'cancelledByParent') counts.cancelled++;
            else counts.failed++;
          }
          s.failed++;
          const where = d.file ? `  (${d.file})` : '';
          const text = `✖ ${title}${where}\n${indent(failureText(d.details?.error))}`;
          failures.push(text);
          yield `${text}\n\n`;
        }
        break;
      }
      default:
        break;
    }
  }

  /** @type {string[]} */
  const lines = [];
  for (const [file, s] of files) {
    if (s.failed > 0 && s.output.length > 0) {
      lines.push(`output of ${file} (it had failures):`, indent(s.output.join('').trimEnd()), '');
    }
  }
  if (skipReasons.size > 0) {
    lines.push(`skipped ${counts.skipped}, by reason:`);
    const byCount = [...skipReasons].sort((a, b) => b[1] - a[1]);
    for (const [reason, n] of byCount) lines.push(`  ${String(n).padStart(5)}  ${reason.split('\n')[0]}`);
  }
  if (todos.length > 0) lines.push(`todo ${todos.length}:`, ...todos.map((t) => `  ${t}`));
  if (failures.length > 0) lines.push('', `${failures.length} failure(s), each in full above.`);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  lines.push(
    `${counts.suites} suites, ${counts.todo} todo, ${counts.cancelled} cancelled; ${seconds}s`,
    `tests: ${counts.passed} passed, ${counts.failed + counts.cancelled} failed, ${counts.skipped} skipped`,
  );
  yield `${lines.join('\n')}\n`;
}
