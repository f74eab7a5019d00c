// Scalar f16/bf16 <-> f32 conversions. Mirrors native/common/half.h: bf16 is the top half of an
// f32; f32 -> f16/bf16 round to nearest even, as torch does; NaN stays NaN.


export type WeightDType = 'f32' | 'f16' | 'bf16';
/** A weight as stored: f32 data, or f16/bf16 bits with their dtype tag. */
export type WeightData = Float32Array | Uint16Array;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function bf16ToF32(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0];
}

export function f32ToBf16(f: number): number {
  f32[0] = f;
  const bits = u32[0];
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) | 0x40) & 0xffff;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

export function f16ToF32(h: number): number {
  const sign = (h & 0x8000) << 16;
  let exp = (h >>> 10) & 0x1f;
  let mant = h & 0x3ff;
  let bits: number;
  if (exp === 0) {
    if (mant === 0) {
      bits = sign;
    } else {
      // Subnormal: renormalise.
      exp = 127 - 15 + 1;
      while (!(mant & 0x400)) {
        mant <<= 1;
        exp--;
      }
      mant &= 0x3ff;
      bits = sign | (exp << 23) | (mant << 13);
    }
  } else if (exp === 31) {
    bits = sign | 0x7f800000 | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  u32[0] = bits >>> 0;
  return f32[0];
}

export function f32ToF16(f: number): number {
  f32[0] = f;
  return f16FromF32Bits(u32[0]);
}

/** f32ToF16 on the f32's bits (round to nearest even; NaN stays a quiet NaN, overflow is infinity). */
function f16FromF32Bits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const abs = x & 0x7fffffff;
  if (abs > 0x7f800000) return sign | 0x7e00;
  if (abs >= 0x477ff000) return sign | 0x7c00; // rounds to >= 65520: infinity
  if (abs < 0x38800000) {
    // Below the smallest normal f16.
    if (abs < 0x33000000) return sign;
    const e = abs >>> 23;
    const m = (abs & 0x7fffff) | 0x800000;
    const shift = 126 - e;
    let v = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && v & 1)) v++;
    return sign | v;
  }
  let v = abs - 0x38000000;
  v += 0xfff + ((v >>> 13) & 1);
  return sign | (v >>> 13);
}

let f16Table: Float32Array | undefined;

/** Decodes n f16 values from src[offset..] into dst[0..n) (a 64K-entry table, built once). */
export function decodeF16(src: Uint16Array, offset: number, dst: Float32Array, n: number): void {
  let t = f16Table;
  if (!t) {
    t = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) t[h] = f16ToF32(h);
    f16Table = t;
  }
  for (let i = 0; i < n; i++) dst[i] = t[src[offset + i]];
}

/** Decodes n bf16 values from src[offset..] into dst[0..n). */
export function decodeBf16(src: Uint16Array, offset: number, dst: Float32Array, n: number): void {
  const bits = new Uint32Array(dst.buffer, dst.byteOffset, n);
  for (let i = 0; i < n; i++) bits[i] = src[offset + i] << 16;
}

/** A weight row [begin, begin + n) as f32 (always a copy, so callers may own it). */
export function weightToF32(
  data: WeightData,
  dtype: WeightDType,
  begin = 0,
  n = data.length - begin,
  out: Float32Array = new Float32Array(n),
): Float32Array {
  if (dtype === 'f32') out.set((data as Float32Array).subarray(begin, begin + n));
  else if (dtype === 'bf16') decodeBf16(data as Uint16Array, begin, out, n);
  else decodeF16(data as Uint16Array, begin, out, n);
  return out;
}

/** Encodes src as f16 bits into dst[offset..] (round to nearest even, as f32ToF16). */
export function encodeF16(src: Float32Array, dst: Uint16Array, offset = 0): void {
  // Bits read straight from src: a decode step appends every layer's K and V through here, and
  // f32ToF16's scratch round trip per value cost a quarter of the time.
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < bits.length; i++) dst[offset + i] = f16FromF32Bits(bits[i]);
}
