import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** True when running the TypeScript sources (tests, tsx) rather than the built dist/. */
export const runningFromSource = import.meta.url.endsWith('.ts');

/** The installed package's root: the nearest folder up from here whose package.json is attnscan. */
export const packageRoot: string = (() => {
  for (let dir = here; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, 'utf8')).name === 'attnscan') return dir;
      } catch {
        // not ours; keep walking
      }
    }
    if (dirname(dir) === dir) return join(here, '..', '..');
  }
})();

/**
 * How to start a worker whose entry module is `modulePath` under lib/ (no extension). From a build
 * it is the ESM build's .js file (also for the CJS entry). From the sources (tests, tsx) it is the
 * .ts file, loaded through tsx's ESM hooks registered first inside the worker.
 */
export function workerEntry(modulePath: string): { source: string | URL; eval: boolean } {
  if (!runningFromSource) {
    return { source: pathToFileURL(join(packageRoot, 'dist', 'esm', `${modulePath}.js`)), eval: false };
  }
  const require = createRequire(import.meta.url);
  // The ESM build of tsx's API (require.resolve would give the CJS one, which cannot be imported).
  const tsxApi = pathToFileURL(join(dirname(require.resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  const entry = pathToFileURL(join(packageRoot, 'lib', `${modulePath}.ts`)).href;
  const code = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return { source: code, eval: true };
}
