import { describe, expect, it } from 'vitest';

import { kernels } from '../../lib/index.js';
import { attentionCases } from '../cases/attention.js';
import { isas, nativeLoaded, restoreBestIsaAfterAll, withIsa } from '../helpers/backends.js';
import { expectClose } from '../helpers/compare.js';

describe.runIf(nativeLoaded)('attention: native vs TS twin', () => {
  restoreBestIsaAfterAll();
  for (const isa of isas) {
    it.each(attentionCases)(`${isa} $name`, (c) => {
      const args = c.make();
      const ref = kernels.attention(args, { backend: 'ts' });
      const got = withIsa(isa, () => kernels.attention(args, { backend: 'native' }));
      expect(got.dims).toEqual([c.batch, c.seqQ, c.heads, c.headDim]);
      expect(got.data.every(Number.isFinite)).toBe(true);
      expectClose(got.data, ref.data, { ...c.tol, nmse: 1e-8 }, `attention/${isa}/${c.name}`);
    });
  }

  it.each(isas)('async resolves the sync result (%s)', async (isa) => {
    for (const c of attentionCases.filter((x) => x.seqQ === 1 || x.causal)) {
      const args = c.make();
      const sync = withIsa(isa, () => kernels.attention(args, { backend: 'native' }));
      const got = await withIsa(isa, () => kernels.attentionAsync(args, { backend: 'native' }));
      expectClose(got.data, sync.data, { atol: 0, rtol: 0 }, `async/${isa}/${c.name}`);
    }
  });
});
