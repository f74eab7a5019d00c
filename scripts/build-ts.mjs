// Builds dist/: ESM with declarations from tsc, and a CommonJS bundle of the same entry with
// esbuild. Worker threads always run the ESM build's files (see lib/util/paths.ts).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
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
writeFileSync(join(root, 'dist/cjs/index.d.ts'), "export * from '../esm/index.js';\n");
