// A small model forward per architecture family through the addon: in CI this file runs under the
// ASan+UBSan addon (.ci/run addon_asan), so any invalid access in a whole-model path is reported.
import { expect, it } from 'vitest';

import { nativeLoaded } from '../helpers/backends.js';
import { modelCycle } from '../sanitize/cycle.js';

it.runIf(nativeLoaded)('load, forward and close a tiny model of each family on the native backend', async () => {
  await expect(modelCycle()).resolves.toBeUndefined();
});
