// Golden tests: every fixture checkpoint's forward cases on both backends, within the manifest
// tolerances and only where the compare mask says.
import { describe, expect, it } from 'vitest';

import { loadLocal, runForward } from '../../lib/models/local.js';
import { fixturesDir } from '../helpers/fixtures.js';
import { nativeLoaded } from '../helpers/backends.js';
import { check, goldenCases } from './golden.js';
import { expectedNames, forwardArgs, outputFor } from './inputs.js';

const ARCHS = ['bert', 'bert-cls', 'roberta', 'albert', 'gpt2', 'llama', 't5', 'bart', 'mamba'];
const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);

describe.each(backends)('forward goldens on %s', (backend) => {
  const cases = ARCHS.flatMap((arch) => goldenCases(arch).filter((g) => g.c.kind.endsWith('forward')));
  it.each(cases.map((g) => [`${g.arch}/${g.c.name}`, g] as const))('%s', async (_, g) => {
    const m = await loadLocal(`${fixturesDir}/models/${g.arch}`, { backend });
    const out = runForward(m, forwardArgs(g), { ops: m.ops, checkAbort() {} }) as unknown as Record<string, unknown>;
    const failures = expectedNames(g).map((n) => {
      const a = outputFor(out, n);
      return a ? check(g, n, a) : `${n}: not produced`;
    });
    expect(failures.filter(Boolean)).toEqual([]);
  });
});
