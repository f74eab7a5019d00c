// The tokens/s gauge's memory: bounded by its window whether or not /metrics is ever scraped (it
// grew by two numbers per generated token until a scrape trimmed it).
import { afterEach, describe, expect, it, vi } from 'vitest';

import { RecentRate } from '../../lib/server/metrics.js';

afterEach(() => vi.restoreAllMocks());

describe('RecentRate', () => {
  it('holds one bucket per second of its window, however many tokens arrive unscraped', () => {
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const r = new RecentRate(10);
    for (let i = 0; i < 100_000; i++) {
      now = i * 7; // 100 000 tokens over 700 s, never scraped
      r.add('m');
    }
    expect(r.size('m')).toBeLessThanOrEqual(2 * 12);
    // The last 10 s (and the current second) hold 11 s of tokens at 1000/7 per second.
    expect(r.rate('m')).toBeCloseTo(((11_000 / 7) | 0) / 10, 0);
  });

  it('counts the window exactly', () => {
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const r = new RecentRate(10);
    for (let s = 0; s < 30; s++) {
      now = s * 1000;
      r.add('m', 5);
    }
    expect(r.rate('m')).toBe(5.5);
    now = 100_000;
    expect(r.rate('m')).toBe(0);
    expect(r.size('m')).toBe(0);
  });
});
