#!/usr/bin/env node
// The install story, end to end (run by .ci/run; `npm run test:pack`):
//   1. `npm run prebuild` leaves prebuilds/<platform>-<arch>/attnscan.node; `npm pack` (prepack
//      builds dist/) gives the tarball, whose file list is checked.
//   2. The tarball installed into an empty folder with no compiler, make or python on PATH (only
//      node and npm are linked into a private bin folder): require() and import() both load the
//      native backend from the prebuild, no build/ folder appears, and a kernel gives known values.
//      A CommonJS and an ES module TypeScript consumer type-check against the installed package.
//   3. The same tarball without prebuilds/: installation still succeeds (the node-gyp fallback
//      fails and says so in one line), and the package runs on the TS backend with the reason.
//   4. That tarball again with the compiler on PATH: the fallback builds the addon from the
//      shipped sources, and the native backend loads.
// Options: --skip-prebuild (reuse prebuilds/), --keep (leave the temp folder for inspection).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const started = Date.now();
const step = (msg) => console.log(`[pack-test ${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);

// Children get a clean environment: nothing npm set for this script, no compiler hints.
const baseEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !/^npm_|^NODE_OPTIONS$|^CC$|^CXX$|^PYTHON$|^ATTNSCAN_|^INIT_CWD$/i.test(k),
  ),
);

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', env: baseEnv, ...opts });
  if (r.status !== 0 && !opts.allowFail) {
    throw new Error(`${cmd} ${argv.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  }
  return r;
}

function npmCli() {
  if (process.env.npm_execpath && process.env.npm_execpath.endsWith('.js')) return process.env.npm_execpath;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, 'npm');
    if (existsSync(p)) return realpathSync(p);
  }
  throw new Error('npm not found on PATH');
}

const tmp = mkdtempSync(join(tmpdir(), 'attnscan-pack-'));
try {
  // 1. prebuild and pack
  const platformDir = `${process.platform}-${process.arch}`;
  if (!args.has('--skip-prebuild')) {
    step('npm run prebuild');
    run('npm', ['run', 'prebuild'], { cwd: root });
  }
  const prebuilt = join(root, 'prebuilds', platformDir, 'attnscan.node');
  assert.ok(existsSync(prebuilt), `npm run prebuild did not leave ${prebuilt}`);

  step('npm pack');
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: root }).stdout)[0];
  const files = packed.files.map((f) => f.path);
  const tarball = join(tmp, packed.filename);
  for (const f of [
    'package.json', 'README.md', 'binding.gyp', 'scripts/native-sources.cjs', 'scripts/install-fallback.cjs',
    'dist/esm/index.js', 'dist/esm/index.d.ts', 'dist/esm/ops/ts-worker.js', 'dist/cjs/index.js',
    'dist/cjs/index.d.ts', 'dist/cjs/package.json', 'dist/esm/cli/main.js', 'dist/esm/server/index.js', `prebuilds/${platformDir}/attnscan.node`,
    'native/addon/addon.cc', 'native/kernels/dispatch.cc',
  ]) {
    assert.ok(files.includes(f), `the tarball lacks ${f}`);
  }
  const stray = files.filter((f) => /^(test|bench|build[^/]*|lib|native\/tests|\.ci)\//.test(f) || /fixtures|\.map$|\.tgz$/.test(f));
  assert.deepEqual(stray, [], 'the tarball holds files a user does not need');
  // Everything the install-time node-gyp fallback compiles must be in the tarball.
  const sources = ['base', 'avx2', 'avx512', 'neon'].flatMap((g) =>
    execFileSync(process.execPath, [join(root, 'scripts/native-sources.cjs'), g], { encoding: 'utf8' }).split(' ').filter(Boolean),
  );
  for (const s of sources) assert.ok(files.includes(s), `the tarball lacks native source ${s}`);
  step(`${packed.filename}: ${files.length} files, ${(packed.size / 1024).toFixed(0)} kB`);

  // A PATH holding node, npm and sh (npm runs install scripts with it) only: no g++, cc, make or
  // python can be found.
  const bin = join(tmp, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  symlinkSync(npmCli(), join(bin, 'npm'));
  symlinkSync('/bin/sh', join(bin, 'sh'));
  const bareEnv = { ...baseEnv, PATH: bin };
  const visible = (tool) => spawnSync('/bin/sh', ['-c', `command -v ${tool}`], { env: bareEnv }).status === 0;
  assert.ok(visible('node') && visible('npm'), 'node and npm must be on the stripped PATH');
  for (const tool of ['g++', 'c++', 'cc', 'gcc', 'clang', 'make', 'python3', 'python', 'cmake']) {
    assert.ok(!visible(tool), `${tool} is visible on the stripped PATH`);
  }

  const install = (dir, tgz, env = bareEnv) => {
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    return run(
      join(bin, 'npm'),
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts', tgz],
      { cwd: dir, env },
    );
  };
  const node = (dir, argv, env = {}) => run(process.execPath, argv, { cwd: dir, env: { ...bareEnv, ...env } }).stdout.trim();

  // The same check from CommonJS and from an ES module: backend, and silu on the default backend.
  const check = `
    const info = a.backendInfo();
    const y = a.kernels.silu({ x: new a.Tensor(new Float32Array([0, 1, -1, 2]), [4]) });
    const want = [0, 0.7310585786, -0.2689414214, 1.7615941560];
    if (!y.data.every((v, i) => Math.abs(v - want[i]) < 1e-5)) throw new Error('silu gave ' + Array.from(y.data));
    const z = await a.kernels.siluAsync({ x: new a.Tensor(new Float32Array([2]), [1]) });
    if (Math.abs(z.data[0] - want[3]) > 1e-5) throw new Error('siluAsync gave ' + z.data[0]);
    console.log(JSON.stringify(info));`;
  // Files, not `node --input-type=module -e`: worker threads inherit execArgv, and the TS backend's
  // async kernels start one from a file.
  const writeChecks = (dir) => {
    writeFileSync(join(dir, 'check.cjs'), `(async () => { const a = require('attnscan'); ${check} })().catch((e) => { console.error(e); process.exit(1); });`);
    writeFileSync(join(dir, 'check.mjs'), `import * as a from 'attnscan'; ${check}`);
  };

  // 2. with the prebuild
  step('install the tarball with no compiler on PATH');
  const withPrebuild = join(tmp, 'with-prebuild');
  install(withPrebuild, tarball);
  const installed = join(withPrebuild, 'node_modules', 'attnscan');
  assert.ok(!existsSync(join(installed, 'build')), 'installation compiled the addon instead of using the prebuild');
  writeChecks(withPrebuild);
  for (const [label, argv] of [['require', ['check.cjs']], ['import', ['check.mjs']]]) {
    const info = JSON.parse(node(withPrebuild, argv));
    assert.equal(info.backend, 'native', `${label}('attnscan') did not load the native backend: ${JSON.stringify(info)}`);
    step(`${label}: ${JSON.stringify(info)}`);
  }
  // The attnscan bin, as npm linked it (its shebang finds node on the stripped PATH).
  const version = run(join(withPrebuild, 'node_modules', '.bin', 'attnscan'), ['--version'], { cwd: withPrebuild, env: bareEnv }).stdout.trim();
  assert.equal(version, packed.version, 'the attnscan bin did not run');
  step(`bin: attnscan --version = ${version}`);

  step('type-check a CommonJS and an ES module consumer');
  writeFileSync(
    join(withPrebuild, 'cjs.cts'),
    `import attnscan = require('attnscan');
import { backendInfo, kernels, Tensor, ShapeError } from 'attnscan';
const backend: 'native' | 'ts' = backendInfo().backend;
const y: Tensor = kernels.silu({ x: new Tensor(new Float32Array(4), [4]) });
const e: Error = new ShapeError('x');
// @ts-expect-error the types are real: a string is not a number
const n: number = attnscan.backendInfo().backend;
export { backend, y, e, n };
`,
  );
  writeFileSync(
    join(withPrebuild, 'esm.mts'),
    `import { backendInfo, kernels, Tensor, type BackendInfo } from 'attnscan';
const info: BackendInfo = backendInfo();
const y: Promise<Tensor> = kernels.siluAsync({ x: new Tensor(new Float32Array(4), [4]) });
// @ts-expect-error the types are real: silu needs x
kernels.silu({});
export { info, y };
`,
  );
  writeFileSync(
    join(withPrebuild, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true,
        types: [], typeRoots: [join(root, 'node_modules/@types')],
      },
      files: ['cjs.cts', 'esm.mts'],
    }),
  );
  // The package's own declarations may mention Node types; a real consumer has @types/node.
  symlinkSync(join(root, 'node_modules/@types'), join(withPrebuild, 'node_modules/@types'));
  // A CommonJS consumer must see CommonJS declarations (not ES module ones it could not require).
  const traced = run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', withPrebuild, '--traceResolution'], {
    cwd: withPrebuild,
  }).stdout;
  assert.match(traced, /'attnscan' was successfully resolved to '[^']*dist\/cjs\/index\.d\.ts'/, 'cjs.cts did not resolve the CommonJS types');
  assert.match(traced, /'attnscan' was successfully resolved to '[^']*dist\/esm\/index\.d\.ts'/, 'esm.mts did not resolve the ESM types');

  // 3. without prebuilds and without a compiler
  step('install the tarball without prebuilds/, no compiler on PATH');
  const unpacked = join(tmp, 'unpacked');
  mkdirSync(unpacked);
  run('tar', ['xzf', tarball, '-C', unpacked]);
  rmSync(join(unpacked, 'package', 'prebuilds'), { recursive: true });
  const bareTarball = join(tmp, 'attnscan-noprebuild.tgz');
  run('tar', ['czf', bareTarball, '-C', unpacked, 'package']);
  const noPrebuild = join(tmp, 'no-prebuild');
  const out = install(noPrebuild, bareTarball);
  const said = `${out.stdout}\n${out.stderr}`.split('\n').filter((l) => l.startsWith('attnscan: '));
  assert.equal(said.length, 1, `expected one line from the install fallback, got:\n${out.stdout}\n${out.stderr}`);
  step(`install said: ${said[0]}`);
  writeChecks(noPrebuild);
  for (const [label, argv] of [['require', ['check.cjs']], ['import', ['check.mjs']]]) {
    const info = JSON.parse(node(noPrebuild, ['--no-warnings', ...argv]));
    assert.equal(info.backend, 'ts', `${label}: expected the TS backend: ${JSON.stringify(info)}`);
    assert.match(info.reason ?? '', /native addon did not load/, `${label}: backendInfo() gives no reason`);
    step(`${label}: ${JSON.stringify(info)}`);
  }

  // 4. without prebuilds, with a compiler
  step('install the tarball without prebuilds/, compiler on PATH (builds from source)');
  const fromSource = join(tmp, 'from-source');
  install(fromSource, bareTarball, { ...baseEnv, PATH: `${bin}${delimiter}${process.env.PATH}`, JOBS: 'max' });
  assert.ok(existsSync(join(fromSource, 'node_modules/attnscan/build/Release/attnscan.node')), 'the fallback build left no addon');
  writeChecks(fromSource);
  const built = JSON.parse(node(fromSource, ['check.cjs']));
  assert.equal(built.backend, 'native', `the addon built at install time did not load: ${JSON.stringify(built)}`);
  step(`require: ${JSON.stringify(built)}`);
  step('ok');
} finally {
  if (args.has('--keep')) console.log(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}
