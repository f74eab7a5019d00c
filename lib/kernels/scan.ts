// Mamba-1 selective scan (Gu & Dao 2023, Algorithm 2; state-spaces/mamba selective_scan_ref), f32
// in and out, f32 state, token-major. Mirrors native/kernels/scan/scan.h:
//   u, delta [batch, seqLen, dim]    A [dim, dState]    B, C [batch, seqLen, groups, dState]
//   D, deltaBias [dim] (optional)    z [batch, seqLen, dim] (optional)
//   state [batch, dim, dState] (h_0; zeros when null)  ->  y [batch, seqLen, dim],
//   lastState [batch, dim, dState] (h after the last step).
// Channel d reads group g = floor(d / (dim / groups)). For each step t:
//   dt   = delta[t, d] + deltaBias[d];  dt = softplus(dt) if deltaSoftplus (dt > 20: dt, as torch)
//   h[n] = exp(dt * A[d, n]) * h[n] + dt * B[t, g, n] * u[t, d]
//   y    = sum_n C[t, g, n] * h[n] + D[d] * u[t, d];   y *= silu(z[t, d]) if z is given
// scanSelectiveF32 is the prefill (many steps); scanStepF32 is the decode step (seqLen 1,
// selective_state_update in mamba), kept separate as on the native side.

export interface ScanShape {
  batch: number;
  seqLen: number;
  dim: number;
  dState: number;
  groups: number;
}

export interface ScanInputs {
  u: Float32Array;
  delta: Float32Array;
  A: Float32Array;
  B: Float32Array;
  C: Float32Array;
  D: Float32Array | null;
  z: Float32Array | null;
  deltaBias: Float32Array | null;
  deltaSoftplus: boolean;
  state: Float32Array | null;
}

/** torch.nn.functional.softplus with its default threshold 20. */
export function softplus(x: number): number {
  return x > 20 ? x : Math.log1p(Math.exp(x));
}

export function silu(x: number): number {
  return x / (1 + Math.exp(-x));
}

export function scanSelectiveF32(s: ScanShape, a: ScanInputs, y: Float32Array, lastState: Float32Array): void {
  const { batch, seqLen, dim, dState, groups } = s;
  const perGroup = dim / groups;
  const h = new Float32Array(dim * dState);
  for (let b = 0; b < batch; b++) {
    const sOff = b * dim * dState;
    if (a.state) h.set(a.state.subarray(sOff, sOff + dim * dState));
    else h.fill(0);
    for (let t = 0; t < seqLen; t++) {
      const row = (b * seqLen + t) * dim;
      const bcRow = (b * seqLen + t) * groups * dState;
      for (let d = 0; d < dim; d++) {
        let dt = a.delta[row + d] + (a.deltaBias ? a.deltaBias[d] : 0);
        if (a.deltaSoftplus) dt = softplus(dt);
        const ud = a.u[row + d];
        const g = bcRow + Math.floor(d / perGroup) * dState;
        let acc = 0;
        for (let n = 0; n < dState; n++) {
          const i = d * dState + n;
          h[i] = Math.exp(dt * a.A[i]) * h[i] + dt * a.B[g + n] * ud;
          acc += a.C[g + n] * h[i];
        }
        let out = acc + (a.D ? a.D[d] * ud : 0);
        if (a.z) out *= silu(a.z[row + d]);
        y[row + d] = out;
      }
    }
    lastState.set(h, sOff);
  }
}

/** One decode step (seqLen 1): updates state in place semantics via lastState. */
export function scanStepF32(s: ScanShape, a: ScanInputs, y: Float32Array, lastState: Float32Array): void {
  scanSelectiveF32({ ...s, seqLen: 1 }, a, y, lastState);
}
