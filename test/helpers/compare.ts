// Closeness checks in the style of llm.c / ggml's backend tests: NaN/Inf must agree position by
// position, NMSE must be under a limit, and every element must satisfy |a - e| <= atol + rtol|e|.
// A failure names the case, the first offending index and both values.
export interface Tolerance {
  atol: number;
  rtol: number;
  /** Normalised mean squared error bound (sum (a-e)^2 / sum e^2); default 1e-6. */
  nmse?: number;
}

export function compareArrays(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance,
  label: string,
  include?: (i: number) => boolean,
): string | undefined {
  if (actual.length !== expected.length) return `${label}: length ${actual.length} != expected ${expected.length}`;
  let num = 0;
  let den = 0;
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    if (include && !include(i)) continue;
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) !== Number.isNaN(a)) return `${label}[${i}]: got ${a}, expected ${e} (NaN disagreement)`;
      continue;
    }
    if (!Number.isFinite(e) || !Number.isFinite(a)) {
      if (a !== e) return `${label}[${i}]: got ${a}, expected ${e} (Inf disagreement)`;
      continue;
    }
    const d = Math.abs(a - e);
    num += d * d;
    den += e * e;
    const excess = d - (tol.atol + tol.rtol * Math.abs(e));
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
  }
  if (worst >= 0) {
    return `${label}[${worst}]: got ${actual[worst]}, expected ${expected[worst]} (|diff| ${Math.abs(actual[worst] - expected[worst]).toExponential(3)} > atol ${tol.atol} + rtol ${tol.rtol}·|exp|)`;
  }
  const nmse = den > 0 ? num / den : num;
  if (nmse > (tol.nmse ?? 1e-6)) return `${label}: NMSE ${nmse.toExponential(3)} > ${tol.nmse ?? 1e-6}`;
  return undefined;
}

/** Throws with compareArrays' message; for use inside vitest tests. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance,
  label: string,
  include?: (i: number) => boolean,
): void {
  const msg = compareArrays(actual, expected, tol, label, include);
  if (msg) throw new Error(msg);
}
