// One load-forward-close cycle per architecture family on the native backend, in the calling
// thread (no model worker), for the sanitizer runs: test/addon/model-cycle.test.ts (under .ci/run's
// ASan+UBSan addon step), test/sanitize/model-cycle.ts (LeakSanitizer) and scripts/valgrind-check.sh.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadLocal, runForward } from '../../lib/models/local.js';
import { Tensor } from '../../lib/tensor.js';
import { writeTinyCheckpoint } from '../helpers/tiny-checkpoint.js';

export const cycleArchitectures = ['LlamaForCausalLM', 'BertForMaskedLM', 'T5ForConditionalGeneration', 'MambaForCausalLM'];

/** Throws unless every output of every forward is finite. */
export async function modelCycle(archs: string[] = cycleArchitectures): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'attnscan-sanitize-'));
  try {
    for (const arch of archs) {
      const dir = writeTinyCheckpoint(join(root, arch), arch);
      const m = await loadLocal(dir, { backend: 'native' });
      const args: Record<string, unknown> = {
        inputIds: new Tensor(Int32Array.from([1, 5, 9, 13, 17, 21]), [2, 3]),
        attentionMask: new Tensor(Uint8Array.from([1, 1, 1, 0, 1, 1]), [2, 3]),
      };
      if (arch.startsWith('T5')) args.decoderInputIds = new Tensor(Int32Array.from([0, 4, 0, 7]), [2, 2]);
      const out = runForward(m, args, { ops: m.ops, checkAbort() {} }) as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(out)) {
        if (v instanceof Tensor && !(v.data as Float32Array).every(Number.isFinite)) throw new Error(`${arch}: ${k} is not finite`);
      }
      m.checkpoint.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
