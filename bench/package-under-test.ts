// The compiled package (what users run), not src/ through tsx: `npm run bench` builds dist/ first,
// so it is loaded at run time; its types are src's.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Mongorx from '../src/index.js';

/** This tree's build, or (`tree`) another checkout's: its `dist/esm/index.js`. */
export async function loadPackage(tree?: string): Promise<typeof Mongorx> {
  const entry = tree ? pathToFileURL(join(tree, 'dist/esm/index.js')).href : '../dist/esm/index.js';
  return (await import(entry)) as typeof Mongorx;
}
