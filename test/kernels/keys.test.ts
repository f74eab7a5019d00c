// The addon's indexed field names, made once (lib/ops/keys.ts).
import { describe, expect, it } from 'vitest';

import { indexedKeys } from '../../lib/ops/keys.js';

describe('indexedKeys', () => {
  it('names prefix + index for every index, in order', () => {
    const keys = indexedKeys(['weight', 'outFeatures', 'k'] as const, 12);
    expect(keys).toHaveLength(12);
    expect(keys[0]).toEqual({ weight: 'weight0', outFeatures: 'outFeatures0', k: 'k0' });
    expect(keys[11]).toEqual({ weight: 'weight11', outFeatures: 'outFeatures11', k: 'k11' });
    expect(indexedKeys(['a'] as const, 0)).toEqual([]);
  });
});
