// The compiled package (what users run), not src/ through tsx: `npm run bench` builds dist/ first,
// so it is loaded at run time; its types are src's.
import type * as Mongorx from '../src/index.js';

export async function loadPackage(): Promise<typeof Mongorx> {
  const entry = '../dist/esm/index.js';
  return (await import(entry)) as typeof Mongorx;
}
