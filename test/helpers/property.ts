// fast-check settings shared by the property tests: a fixed seed (ATTNSCAN_FUZZ_SEED to replay
// another) and a run count scaled by ATTNSCAN_FUZZ_SCALE, so `npm test` stays fast and
// `npm run fuzz:ts` (scale 100) is the long-budget mode.
export const FUZZ_SEED = Number(process.env.ATTNSCAN_FUZZ_SEED ?? 20261129);
export const FUZZ_SCALE = Number(process.env.ATTNSCAN_FUZZ_SCALE ?? 1);

/** fast-check parameters for a property that runs `base` times in `npm test`. */
export function fcParams(base: number): { seed: number; numRuns: number } {
  return { seed: FUZZ_SEED, numRuns: Math.max(1, Math.round(base * FUZZ_SCALE)) };
}

/** A vitest timeout for a property test whose `npm test` budget is `ms`. */
export const propertyTimeout = (ms: number) => Math.round(ms * Math.max(1, FUZZ_SCALE)) + 5000;
