// A model's serving counters: the worker's scheduler writes them into a Float64Array over a
// SharedArrayBuffer after every step, so the main thread reads them synchronously for /metrics
// without a message round trip.

export const STAT_FIELDS = [
  /** Sequences holding a cache (prefilling or decoding). */
  'activeSequences',
  /** generate / generateBatch calls admitted. */
  'activeRequests',
  /** Calls waiting for capacity. */
  'queuedRequests',
  /** Cache bytes reserved by admitted calls, and the budget. */
  'cacheBytes',
  'cacheBudgetBytes',
  'maxBatch',
  'maxQueue',
  /** Totals since load. */
  'tokensGenerated',
  'requestsCompleted',
  'requestsRejected',
  'prefills',
  'decodeSteps',
  /** Sum over decode steps of the rows in the step (÷ decodeSteps = mean batch). */
  'decodeRows',
  /** Recent wall time of one decode step (exponential average), ms. */
  'decodeStepMs',
] as const;

export type ModelStats = Record<(typeof STAT_FIELDS)[number], number>;

export function newStatsBuffer(): Float64Array {
  return new Float64Array(new SharedArrayBuffer(STAT_FIELDS.length * 8));
}

export function readStats(buf: Float64Array): ModelStats {
  return Object.fromEntries(STAT_FIELDS.map((k, i) => [k, buf[i]])) as ModelStats;
}

export function writeStats(buf: Float64Array, s: Partial<ModelStats>): void {
  STAT_FIELDS.forEach((k, i) => {
    const v = s[k];
    if (v !== undefined) buf[i] = v;
  });
}
