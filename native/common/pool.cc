#include "common/pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <dlfcn.h>
#endif

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define ATTNSCAN_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define ATTNSCAN_PAUSE() __asm__ __volatile__("yield")
#else
#define ATTNSCAN_PAUSE() ((void)0)
#endif

namespace attnscan {

namespace {

thread_local bool t_inside_job = false;

// The pool's threads live as long as the process, but Node unloads the addon when the last JS
// environment that loaded it goes away (an addon used only from worker threads that all exit):
// a worker then spins in unmapped code. Marking our own, already loaded, object RTLD_NODELETE
// keeps the code mapped.
void pin_library() {
#if defined(__unix__) || defined(__APPLE__)
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&pin_library), &info) != 0 && info.dli_fname != nullptr)
    dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
#endif
}

class Pool {
 public:
  Pool() {
    pin_library();
    resize(std::max(1u, std::thread::hardware_concurrency()));
  }
  ~Pool() { stop_workers(); }

  int size() const { return size_; }

  void resize(int n) {
    std::lock_guard<std::mutex> busy(busy_);
    stop_workers();
    size_ = n;
    stop_ = false;
    // A worker must know the generation from before it existed: if it read it on start-up it
    // could miss a job posted before it got scheduled.
    const uint64_t gen = generation_.load(std::memory_order_acquire);
    for (int i = 1; i < n; ++i) workers_.emplace_back([this, gen] { worker_loop(gen); });
  }

  void run(int64_t n_tasks, TaskFn fn, void* ctx) {
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (t_inside_job || !busy.owns_lock() || size_ == 1) {
      for (int64_t t = 0; t < n_tasks; ++t) fn(ctx, t);
      return;
    }
    fn_ = fn;
    ctx_ = ctx;
    n_tasks_ = n_tasks;
    next_.store(0, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    open_.store(true, std::memory_order_seq_cst);
    {
      std::lock_guard<std::mutex> lk(wake_mu_);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_cv_.notify_all();
    work();
    // Wait for the tasks, not for the workers: on a busy machine a worker may not be scheduled
    // for milliseconds, and the caller has then run its share of the tasks itself.
    wait_until([&] { return done_.load(std::memory_order_acquire) == n_tasks_; });
    // Close the job; a worker that woke late sees it closed and never touches fn_/ctx_ (which
    // live on our stack). Those already inside finish their bookkeeping before we return.
    open_.store(false, std::memory_order_seq_cst);
    wait_until([&] { return active_.load(std::memory_order_seq_cst) == 0; });
  }

 private:
  template <class Cond>
  static void wait_until(Cond cond) {
    for (int spins = 0; !cond(); ++spins) {
      if (spins < 100000) ATTNSCAN_PAUSE();
      else std::this_thread::yield();
    }
  }

  void work() {
    t_inside_job = true;
    for (;;) {
      int64_t t = next_.fetch_add(1, std::memory_order_relaxed);
      if (t >= n_tasks_) break;
      fn_(ctx_, t);
      done_.fetch_add(1, std::memory_order_release);
    }
    t_inside_job = false;
  }

  void worker_loop(uint64_t seen) {
    for (;;) {
      uint64_t g;
      int spins = 0;
      while ((g = generation_.load(std::memory_order_acquire)) == seen && spins < 20000) {
        ATTNSCAN_PAUSE();
        ++spins;
      }
      if (g == seen) {
        std::unique_lock<std::mutex> lk(wake_mu_);
        wake_cv_.wait(lk, [&] { return generation_.load(std::memory_order_acquire) != seen || stop_; });
        g = generation_.load(std::memory_order_acquire);
      }
      if (stop_) return;
      seen = g;
      active_.fetch_add(1, std::memory_order_seq_cst);
      if (open_.load(std::memory_order_seq_cst)) work();
      active_.fetch_sub(1, std::memory_order_seq_cst);
    }
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lk(wake_mu_);
      stop_ = true;
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_cv_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  std::mutex busy_;  // one job at a time
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int64_t> next_{0};
  std::atomic<int64_t> done_{0};     // tasks finished in the current job
  std::atomic<bool> open_{false};    // a job is posted and not yet closed by its caller
  std::atomic<int> active_{0};       // workers inside a job (between the two checks above)
  std::vector<std::thread> workers_;
  TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  int64_t n_tasks_ = 0;
  int size_ = 1;
  std::atomic<bool> stop_{false};
};

Pool& pool() {
  // Never destroyed: joining threads during static destruction at process exit can deadlock.
  static Pool* p = new Pool();
  return *p;
}

}  // namespace

void set_num_threads(int n) { pool().resize(std::min(256, std::max(1, n))); }
int num_threads() { return pool().size(); }
void parallel_for_raw(int64_t n_tasks, TaskFn fn, void* ctx) {
  if (n_tasks <= 0) return;
  pool().run(n_tasks, fn, ctx);
}

}  // namespace attnscan
