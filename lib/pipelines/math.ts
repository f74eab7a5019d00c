// Scores from logits: softmax (one label / one token among many), sigmoid (independent labels),
// and the top-k indices of a row.

/** Softmax of x[start, start + n), max-subtracted so large logits do not overflow. */
export function softmax(x: ArrayLike<number>, start = 0, n = x.length - start): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, x[start + i]);
  const out = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += out[i] = Math.exp(x[start + i] - max);
  for (let i = 0; i < n; i++) out[i] /= sum;
  return out;
}

export function sigmoid(x: ArrayLike<number>, start = 0, n = x.length - start): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => 1 / (1 + Math.exp(-x[start + i])));
}

/** Indices of the k largest scores, largest first (ties: lower index first). */
export function topIndices(scores: ArrayLike<number>, k: number): number[] {
  const idx = Array.from({ length: scores.length }, (_, i) => i);
  idx.sort((a, b) => scores[b] - scores[a] || a - b);
  return idx.slice(0, Math.min(k, idx.length));
}
