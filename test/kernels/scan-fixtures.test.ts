// Every scan-* and conv-* case of the kernel fixtures (state-spaces/mamba selective_scan_ref and
// causal-conv1d's reference functions) on both backends, with the manifest's tolerances.
import { describe, expect, it } from 'vitest';

import { kernels, Tensor } from '../../lib/index.js';
import { nativeLoaded } from '../helpers/backends.js';
import { expectClose } from '../helpers/compare.js';
import { type FixtureCase, readCaseTensors, readManifest } from '../helpers/fixtures.js';

const manifest = readManifest('kernels');
const scanCases = manifest.cases.filter((c) => c.kind === 'selective_scan');
const convCases = manifest.cases.filter((c) => c.kind === 'causal_conv1d');
const backends = nativeLoaded ? (['ts', 'native'] as const) : (['ts'] as const);

function load(c: FixtureCase): (name: string) => Tensor | undefined {
  const t = readCaseTensors('kernels', c.file);
  return (name) => {
    const d = t.get(name);
    if (!d) return undefined;
    if (!(d.data instanceof Float32Array)) throw new Error(`${c.name}: ${name} is not f32`);
    return new Tensor(d.data, d.shape);
  };
}

function tol(c: FixtureCase, name: string): { atol: number; rtol: number; nmse: number } {
  const m = c.tensors[name];
  return { atol: m.atol ?? 0, rtol: m.rtol ?? 0, nmse: 1e-5 };
}

describe('selective scan: reference fixtures', () => {
  it('lists the expected cases', () => {
    expect(scanCases.length).toBeGreaterThanOrEqual(10);
    expect(convCases.length).toBeGreaterThanOrEqual(5);
  });
  for (const backend of backends) {
    it.each(scanCases.map((c) => ({ ...c, label: c.name })))(`${backend} $label`, (c) => {
      const get = load(c);
      const args = {
        u: get('u')!, delta: get('delta')!, A: get('A')!, B: get('B')!, C: get('C')!,
        D: get('D'), z: get('z'), deltaBias: get('deltaBias'), state: get('state'),
        deltaSoftplus: c.params.deltaSoftplus === true,
      };
      const out = kernels.selectiveScan(args, { backend });
      expect(out.y.dims).toEqual(c.tensors.y.shape);
      expect(out.lastState.dims).toEqual(c.tensors.lastState.shape);
      expectClose(out.y.data, get('y')!.data, tol(c, 'y'), `${c.name}/${backend}/y`);
      expectClose(out.lastState.data, get('lastState')!.data, tol(c, 'lastState'), `${c.name}/${backend}/lastState`);
    });
  }
});

describe('causal conv1d: reference fixtures', () => {
  for (const backend of backends) {
    it.each(convCases.map((c) => ({ ...c, label: c.name })))(`${backend} $label`, (c) => {
      const get = load(c);
      const activation = c.params.activation === 'silu' ? 'silu' : 'none';
      const out = kernels.causalConv1d(
        { x: get('x')!, weight: get('weight')!, bias: get('bias'), state: get('convState'), activation },
        { backend },
      );
      expect(out.y.dims).toEqual(c.tensors.y.shape);
      expect(out.state.dims).toEqual(c.tensors.finalConvState.shape);
      expectClose(out.y.data, get('y')!.data, tol(c, 'y'), `${c.name}/${backend}/y`);
      expectClose(out.state.data, get('finalConvState')!.data, tol(c, 'finalConvState'), `${c.name}/${backend}/state`);
    });
  }
});
