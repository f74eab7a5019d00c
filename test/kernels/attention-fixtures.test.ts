// Every attention case of test/fixtures/kernels/manifest.json (torch reference) on both backends,
// within the manifest's atol/rtol.
import { describe, expect, it } from 'vitest';

import { kernels, Tensor } from '../../lib/index.js';
import { nativeLoaded } from '../helpers/backends.js';
import { expectClose } from '../helpers/compare.js';
import { readCaseTensors, readManifest } from '../helpers/fixtures.js';

const manifest = readManifest('kernels');
const cases = manifest.cases.filter((c) => c.kind === 'attention');
const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);

describe('attention fixtures', () => {
  it('lists the expected cases', () => {
    expect(cases.map((c) => c.name).sort()).toEqual(
      ['bias-scale1', 'bidir-keymask', 'causal', 'causal-offset', 'cross', 'decode-gqa', 'fully-masked-rows', 'gqa-causal-keymask'],
    );
  });

  for (const backend of backends) {
    it.each(cases)(`${backend} $name`, async (c) => {
      const t = readCaseTensors('kernels', c.file);
      const tensor = (name: string) => {
        const d = t.get(name)!;
        return new Tensor(d.data as Float32Array, d.shape);
      };
      const mask = t.get('key_mask');
      const bias = t.get('bias');
      const args = {
        q: tensor('q'),
        k: tensor('k'),
        v: tensor('v'),
        keyPaddingMask: mask ? new Tensor(mask.data as Uint8Array, mask.shape) : undefined,
        bias: bias ? tensor('bias') : undefined,
        scale: c.params.scale as number,
        causal: c.params.causal as boolean,
      };
      const spec = c.tensors.out;
      const expected = t.get('out')!.data as Float32Array;
      const [batch, seqQ, heads, headDim] = spec.shape;
      // fully-masked-rows: compare only rows that see a key; attnscan returns zeros in the others.
      const rowValid = t.get('row_valid')?.data as Uint8Array | undefined;
      const rowOf = (i: number) => Math.floor(i / (heads * headDim));
      const include = rowValid ? (i: number) => rowValid[rowOf(i)] === 1 : undefined;
      for (const got of [kernels.attention(args, { backend }), await kernels.attentionAsync(args, { backend })]) {
        expect(got.dims).toEqual([batch, seqQ, heads, headDim]);
        expectClose(got.data, expected, { atol: spec.atol!, rtol: spec.rtol ?? 1e-3 }, `${backend}/${c.name}`, include);
        if (rowValid) {
          expect(rowValid.includes(0)).toBe(true);
          for (let i = 0; i < got.data.length; i++) if (rowValid[rowOf(i)] === 0) expect(got.data[i]).toBe(0);
        }
      }
    });
  }
});
