// Thread pool. Each parallel region is a Job (items claimed through atomic counters, one home range
// per thread, completion counted per item); the calling thread works on it too and returns as soon
// as every item is done.
// It never waits for a worker merely to wake up: on a loaded machine a sleeping worker may not be
// scheduled for milliseconds, and the caller simply takes its items. Workers hold the job through a
// shared_ptr, so one that wakes late finds no items left and touches nothing of the finished job.
// Results never depend on which thread ran an item (see kernels.inc), hence determinism.
#include "pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>
#include <unistd.h>

namespace gridcast {
namespace {

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

thread_local int serialDepth = 0;  // > 0 inside a SerialScope on this thread

// Items are split into one contiguous home range per thread (thread k: [k*n/P, (k+1)*n/P)); a
// thread claims from its own range first and then helps the others, each range through its own
// counter on its own cache line. The same thread therefore gets the same rows in successive
// regions (time steps), so the Z rows, cell states and outputs it wrote in step t are in its own
// cache when step t+1 reads them, instead of in the other core's (a single shared counter dealt the
// rows out alternately). Stealing keeps a preempted thread from stalling the region.
struct alignas(64) Range {
  std::atomic<int> next{0};
  int end = 0;
};

struct Job {
  const std::function<void(int)>* fn = nullptr;
  int n = 0;
  bool eachThread = false;  // every thread runs exactly one item (used by the FMA peak benchmark)
  int parts = 1;
  std::unique_ptr<Range[]> ranges;
  std::atomic<int> done{0};
  std::mutex m;
  std::condition_variable cv;

  void init(int count, int threads, bool each) {
    n = count;
    eachThread = each;
    parts = std::max(1, std::min(threads, count));
    ranges.reset(new Range[parts]);
    for (int k = 0; k < parts; ++k) {
      ranges[k].next.store(static_cast<int>(static_cast<long>(count) * k / parts), std::memory_order_relaxed);
      ranges[k].end = static_cast<int>(static_cast<long>(count) * (k + 1) / parts);
    }
  }

  // `self` is the thread's index (caller 0, workers 1..); its home range first, then the others'.
  void work(int self, bool onePerThread) {
    for (int r = 0; r < parts; ++r) {
      Range& range = ranges[(self + r) % parts];
      for (;;) {
        if (range.next.load(std::memory_order_relaxed) >= range.end) break;
        const int i = range.next.fetch_add(1, std::memory_order_relaxed);
        if (i >= range.end) break;
        (*fn)(i);
        // The thread that completes the last item always notifies under the mutex. It used to
        // skip that unless the caller had set a `sleeping` flag, but the caller's store of the flag
        // and its load of `done` (and this thread's increment and load of the flag) form a
        // store-load pair that x86 may reorder: both sides could read the other's old value and
        // the caller slept forever with every item done (seen once, 2026-11-27: a hung A/B
        // benchmark, the caller in cv.wait, the worker idle). Under the mutex the caller either
        // sees done == n before it sleeps or is woken by this notify; one uncontended lock per
        // parallel region.
        if (done.fetch_add(1, std::memory_order_acq_rel) + 1 == n) {
          std::lock_guard<std::mutex> lk(m);
          cv.notify_one();
        }
        if (onePerThread) return;
      }
    }
  }

  // Spinning while a preempted worker finishes its item would burn the CPU that worker needs on a
  // busy machine, so the caller spins only briefly and then sleeps until the last item completes.
  void wait() {
    for (int spin = 0; spin < 2000; ++spin) {
      if (done.load(std::memory_order_acquire) >= n) return;
      cpuRelax();
    }
    std::unique_lock<std::mutex> lk(m);
    cv.wait(lk, [&] { return done.load(std::memory_order_acquire) >= n; });
  }
};

struct Pool {
  std::vector<std::thread> workers;
  std::mutex m;
  std::condition_variable cv;
  std::shared_ptr<Job> job;  // guarded by m
  uint64_t generation = 0;   // guarded by m
  std::atomic<uint64_t> published{0};
  bool stop = false;

  void worker(int self) {
    uint64_t seen = 0;
    for (;;) {
      // Spin briefly before sleeping: BPTT launches several regions per time step back to back.
      for (int spin = 0; spin < 2000 && published.load(std::memory_order_acquire) == seen; ++spin) cpuRelax();
      std::shared_ptr<Job> j;
      {
        std::unique_lock<std::mutex> lk(m);
        cv.wait(lk, [&] { return stop || generation != seen; });
        if (stop) return;
        seen = generation;
        j = job;
      }
      if (j) j->work(self, j->eachThread);
    }
  }

  void start(int threads) {
    stopAll();
    stop = false;
    for (int t = 1; t < threads; ++t) workers.emplace_back([this, t] { worker(t); });
  }

  void stopAll() {
    {
      std::lock_guard<std::mutex> lk(m);
      stop = true;
    }
    cv.notify_all();
    for (auto& w : workers) w.join();
    workers.clear();
  }

  void run(int count, const std::function<void(int)>& f, bool each) {
    if (count <= 0) return;
    if (workers.empty() || (!each && (count == 1 || serialDepth > 0))) {
      for (int i = 0; i < count; ++i) f(i);
      return;
    }
    auto j = std::make_shared<Job>();
    j->fn = &f;
    j->init(count, static_cast<int>(workers.size()) + 1, each);
    {
      std::lock_guard<std::mutex> lk(m);
      job = j;
      ++generation;
      published.store(generation, std::memory_order_release);
    }
    cv.notify_all();
    j->work(0, each);
    j->wait();
    std::lock_guard<std::mutex> lk(m);
    if (job == j) job.reset();
  }

  ~Pool() { stopAll(); }
};

Pool& pool() {
  static Pool* p = [] {
    auto* q = new Pool();  // never destroyed: worker threads must not be joined during static teardown
    q->start(poolDefaultThreads());
    return q;
  }();
  return *p;
}

}  // namespace

int poolDefaultThreads() {
  const char* env = std::getenv("GRIDCAST_THREADS");
  if (env != nullptr) {
    char* end = nullptr;
    long v = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && v > 0 && v <= 1024) return static_cast<int>(v);
  }
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  return cores > 0 ? static_cast<int>(cores) : 1;
}

void poolSetThreads(int n) { pool().start(n < 1 ? 1 : n); }

int poolThreads() { return static_cast<int>(pool().workers.size()) + 1; }

void parallelFor(int n, const std::function<void(int)>& fn) { pool().run(n, fn, false); }

void parallelEachThread(const std::function<void(int)>& fn) { pool().run(poolThreads(), fn, true); }

SerialScope::SerialScope(bool on) : on_(on) {
  if (on_) ++serialDepth;
}

SerialScope::~SerialScope() {
  if (on_) --serialDepth;
}

}  // namespace gridcast
