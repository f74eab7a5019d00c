// Fixture cases of test/fixtures/models/<arch>: inputs as model arguments, expected tensors with
// their manifest tolerances and compare masks.
import { readCaseTensors, readManifest, type FixtureCase } from '../helpers/fixtures.js';
import { compareArrays } from '../helpers/compare.js';
import type { DecodedTensor } from '../../lib/io/safetensors.js';

export interface Golden {
  arch: string;
  c: FixtureCase;
  t: Map<string, DecodedTensor>;
}

export function goldenCases(arch: string): Golden[] {
  return readManifest(`models/${arch}`).cases.map((c) => ({ arch, c, t: readCaseTensors(`models/${arch}`, c.file) }));
}

export const ids = (t: DecodedTensor) => ({ data: t.data as Int32Array, dims: t.shape });

interface Spec {
  atol: number;
  rtol: number;
  compare_mask?: { tensor: string; axes: number[] };
}

/** Compares actual against expected tensor `name`, only where the compare mask is 1. */
export function check(g: Golden, name: string, actual: ArrayLike<number>): string | undefined {
  const spec = g.c.tensors[name] as unknown as Spec;
  const exp = g.t.get(name)!;
  let include: ((i: number) => boolean) | undefined;
  if (spec.compare_mask) {
    const m = g.t.get(spec.compare_mask.tensor)!;
    const [a0, a1] = spec.compare_mask.axes;
    const shape = exp.shape;
    const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
    const seq = m.shape[1];
    include = (i) => {
      const b = Math.floor(i / strides[a0]) % shape[a0];
      const s = Math.floor(i / strides[a1]) % shape[a1];
      return m.data[b * seq + s] !== 0;
    };
  }
  return compareArrays(actual, exp.data as Float32Array, { atol: spec.atol, rtol: spec.rtol, nmse: 1 }, `${g.arch}/${g.c.name}/${name}`, include);
}
