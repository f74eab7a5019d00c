// Worker side of ts-pool.ts: runs one named kernel on the TS backend per message.
import { parentPort } from 'node:worker_threads';

import { syncKernelByName } from './define.js';
import './index.js';

function transferables(v: unknown, out: ArrayBuffer[] = []): ArrayBuffer[] {
  if (v && typeof v === 'object') {
    if (ArrayBuffer.isView(v)) {
      if (v.buffer instanceof ArrayBuffer && !out.includes(v.buffer)) out.push(v.buffer);
    } else {
      for (const x of Object.values(v)) transferables(x, out);
    }
  }
  return out;
}

parentPort?.on('message', (msg: { id: number; name: string; args: unknown }) => {
  try {
    const kernel = syncKernelByName(msg.name);
    if (!kernel) throw new Error(`internal: no kernel named '${msg.name}'`);
    const result = kernel(msg.args, { backend: 'ts' });
    parentPort!.postMessage({ id: msg.id, result }, transferables(result));
  } catch (e) {
    const err = e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
    parentPort!.postMessage({ id: msg.id, error: err });
  }
});
