// Softmax over the last dimension, f32 in and out. Mirrors native/kernels/softmax/softmax.h:
//   y_i = exp(x_i - max(x)) / sum_j exp(x_j - max(x))
// x, y: [rows, n]. -Infinity entries give 0; a row of only -Infinity gives zeros (not NaN, unlike
// torch); a NaN anywhere in a row makes the whole row NaN; +Infinity gives NaN (as torch).

export function softmaxRowsF32(x: Float32Array, rows: number, n: number, y: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let max = Number.NEGATIVE_INFINITY;
    let nan = false;
    for (let i = 0; i < n; i++) {
      const v = x[o + i];
      if (v > max) max = v;
      else if (v !== v) nan = true;
    }
    if (nan) {
      y.fill(Number.NaN, o, o + n);
      continue;
    }
    if (max === Number.NEGATIVE_INFINITY) {
      y.fill(0, o, o + n);
      continue;
    }
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const e = Math.fround(Math.exp(x[o + i] - max));
      y[o + i] = e;
      sum += e;
    }
    const inv = Math.fround(1 / sum);
    for (let i = 0; i < n; i++) y[o + i] *= inv;
  }
}
