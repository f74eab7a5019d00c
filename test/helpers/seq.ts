// Slicing token-major [batch, seqLen, ...rest] tensors along the sequence axis (chunked-scan and
// decode-step tests).
import { Tensor, type TensorLike } from '../../lib/index.js';

export function seqSlice(t: TensorLike<Float32Array>, from: number, to: number): Tensor {
  const [batch, seqLen, ...rest] = t.dims;
  const inner = rest.reduce((a, b) => a * b, 1);
  const out = new Float32Array(batch * (to - from) * inner);
  for (let b = 0; b < batch; b++) {
    out.set(t.data.subarray((b * seqLen + from) * inner, (b * seqLen + to) * inner), b * (to - from) * inner);
  }
  return new Tensor(out, [batch, to - from, ...rest]);
}
