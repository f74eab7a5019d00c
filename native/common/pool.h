// The addon's own intra-op thread pool. Kernels split work into tasks; the calling thread takes
// part, so one thread means no hand-off at all. Idle workers spin briefly before sleeping, because
// a decode step issues many small kernels back to back and a futex wake costs more than the work.
#pragma once
#include <cstdint>

namespace attnscan {

void set_num_threads(int n);  // clamped to [1, 256]
int num_threads();

using TaskFn = void (*)(void* ctx, int64_t task);
// Runs fn(ctx, t) for every t in [0, n_tasks). A call made while the pool is busy (from a
// pool worker, or from another thread such as a libuv worker) runs inline on its own thread.
void parallel_for_raw(int64_t n_tasks, TaskFn fn, void* ctx);

template <class F>
void parallel_for(int64_t n_tasks, F&& f) {
  if (n_tasks <= 0) return;
  if (n_tasks == 1) {
    f(int64_t{0});
    return;
  }
  parallel_for_raw(
      n_tasks, [](void* ctx, int64_t t) { (*static_cast<F*>(ctx))(t); }, &f);
}

}  // namespace attnscan
