// Builds dist/: ESM with declarations from tsc, and a CommonJS bundle of the same entry with
// esbuild. Worker threads always run the ESM build's files (see lib/util/paths.ts).
// The CommonJS entry gets its own copy of the declarations: under dist/cjs (package.json
// "type": "commonjs") TypeScript reads them as CommonJS, which is what `require('attnscan')` is.
// Re-exporting the ESM declarations instead would tell a CommonJS consumer it requires an ES module.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], {
  stdio: 'inherit',
});

mkdirSync(join(root, 'dist/cjs'), { recursive: true });
await build({
  entryPoints: [join(root, 'lib/index.ts')],
  outfile: join(root, 'dist/cjs/index.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  packages: 'external',
  define: { 'import.meta.url': '__attnscanModuleUrl' },
  banner: { js: "const __attnscanModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
writeFileSync(join(root, 'dist/cjs/package.json'), '{ "type": "commonjs" }\n');

function copyDeclarations(from, to) {
  for (const e of readdirSync(from, { withFileTypes: true })) {
    const src = join(from, e.name);
    const dst = join(to, e.name);
    if (e.isDirectory()) copyDeclarations(src, dst);
    else if (e.name.endsWith('.d.ts')) {
      mkdirSync(dirname(dst), { recursive: true });
      copyFileSync(src, dst);
    }
  }
}
copyDeclarations(join(root, 'dist/esm'), join(root, 'dist/cjs'));
