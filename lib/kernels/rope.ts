// Rotary position embedding, f32 in and out. Mirrors native/kernels/rope/rope.h.
// x, y: [batch, seq, heads, headDim]; positions: [batch, seq] (int32, any value: left padding
// shifts them); invFreq: [rotaryDim / 2]. Only the first rotaryDim features of each head rotate;
// the rest pass through. For frequency i and position p, as HF computes it in float32:
//   angle = f32(p * invFreq[i]);  c = f32(cos(angle)) * scaling;  s = f32(sin(angle)) * scaling
//   'half' (HF LLaMA rotate_half, h = rotaryDim / 2): pairs (x[i], x[i + h])
//   'interleaved' (GPT-J):                             pairs (x[2i], x[2i + 1])
//   (a, b) -> (a c - b s, b c + a s)
// Default inverse frequencies (HF _compute_default_rope_parameters, in float32):
//   invFreq[i] = 1 / theta^(2i / rotaryDim)

export type RopeStyle = 'half' | 'interleaved';

export function ropeDefaultInvFreq(theta: number, rotaryDim: number): Float32Array {
  const f = new Float32Array(rotaryDim / 2);
  for (let i = 0; i < f.length; i++) {
    f[i] = 1 / Math.fround(Math.pow(theta, Math.fround((2 * i) / rotaryDim)));
  }
  return f;
}

export function ropeApplyF32(
  x: Float32Array,
  batch: number,
  seq: number,
  heads: number,
  headDim: number,
  positions: Int32Array,
  invFreq: Float32Array,
  rotaryDim: number,
  interleaved: boolean,
  scaling: number,
  y: Float32Array,
): void {
  const half = rotaryDim / 2;
  const cos = new Float32Array(half);
  const sin = new Float32Array(half);
  for (let t = 0; t < batch * seq; t++) {
    const p = Math.fround(positions[t]);
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(p * invFreq[i]);
      cos[i] = Math.fround(Math.cos(angle)) * scaling;
      sin[i] = Math.fround(Math.sin(angle)) * scaling;
    }
    for (let h = 0; h < heads; h++) {
      const o = (t * heads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const ia = interleaved ? o + 2 * i : o + i;
        const ib = interleaved ? ia + 1 : ia + half;
        const a = x[ia];
        const b = x[ib];
        y[ia] = Math.fround(a * cos[i]) - Math.fround(b * sin[i]);
        y[ib] = Math.fround(b * cos[i]) + Math.fround(a * sin[i]);
      }
      for (let i = rotaryDim; i < headDim; i++) y[o + i] = x[o + i];
    }
  }
}
