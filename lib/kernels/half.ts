// f16/bf16 -> f32 for weights stored as raw bits in a Uint16Array. Mirrors native/common/half.h
// (the bit layouts F16C's vcvtph2ps and NEON's vcvt_f32_f16 implement; bf16 is an f32's top half).

export type WeightDType = 'f32' | 'f16' | 'bf16';
/** A weight as stored: f32 data, or f16/bf16 bits with their dtype tag. */
export type WeightData = Float32Array | Uint16Array;

const word = new Uint32Array(1);
const word32 = new Float32Array(word.buffer);

export function bf16ToF32(h: number): number {
  word[0] = h << 16;
  return word32[0];
}

export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

let f16Table: Float32Array | undefined;

/** A weight row [begin, begin + n) as f32 (copied; f32 data is copied too, so callers may own it). */
export function weightToF32(data: WeightData, dtype: WeightDType, begin = 0, n = data.length - begin, out: Float32Array = new Float32Array(n)): Float32Array {
  if (dtype === 'f32') {
    out.set((data as Float32Array).subarray(begin, begin + n));
  } else if (dtype === 'bf16') {
    const bits = new Uint32Array(out.buffer, out.byteOffset, n);
    for (let i = 0; i < n; i++) bits[i] = data[begin + i] << 16;
  } else {
    if (!f16Table) {
      f16Table = new Float32Array(65536);
      for (let h = 0; h < 65536; h++) f16Table[h] = f16ToF32(h);
    }
    for (let i = 0; i < n; i++) out[i] = f16Table[data[begin + i]];
  }
  return out;
}
