// Fresh outputs for kernels that write every element of them on both backends (elementwise,
// norms, rope, softmax, embedding): they skip the zero fill a new Float32Array pays. That fill is
// a full extra pass over the output, as long as the one-pass kernel itself on one thread (a
// 1.5 MiB rmsNorm: about 50 us of memset beside 50 us of kernel). The memory comes from
// Buffer.allocUnsafeSlow: an ordinary ArrayBuffer of its own (not Node's shared pool), so it is
// collected, transferred and detached like any other; `node --zero-fill-buffers` zero-fills it.
// A kernel that throws never returns its output, so stale bytes never reach a caller.
import { Buffer, constants } from 'node:buffer';

let poison: number | undefined;

/**
 * Tests only: fill every fresh output with `value` (NaN finds an element a kernel leaves
 * unwritten) or, with undefined, go back to uninitialized memory.
 */
export function poisonFreshOutputsForTesting(value: number | undefined): void {
  poison = value;
}

/** n float32s, uninitialized: for outputs the kernel overwrites in full. */
export function uninitializedF32(n: number): Float32Array {
  if (poison !== undefined) return new Float32Array(n).fill(poison);
  // Above Buffer's limit, the zeroed path keeps V8's own error (an OutOfMemoryError for the caller).
  if (!Number.isSafeInteger(n) || n < 0 || 4 * n > constants.MAX_LENGTH) return new Float32Array(n);
  return new Float32Array(Buffer.allocUnsafeSlow(4 * n).buffer, 0, n);
}
