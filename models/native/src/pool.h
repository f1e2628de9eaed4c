// A persistent thread pool: the calling thread plus (threads - 1) workers that sleep between jobs.
// Work items are handed out through atomic counters (a contiguous home range per thread, then the
// others' leftovers); kernels make every item's result independent of which thread runs it, so
// results do not depend on the thread count (see kernels.inc).
#pragma once
#include <functional>

namespace gridcast {

/** Sets the number of threads (>= 1); restarts the workers. */
void poolSetThreads(int n);
/** Current number of threads (the calling thread included). */
int poolThreads();
/** Default: GRIDCAST_THREADS if set to a positive integer, else every online core. */
int poolDefaultThreads();
/** Runs fn(i) for i in [0, n) on the pool and returns when all are done. Not re-entrant. */
void parallelFor(int n, const std::function<void(int)>& fn);
/** Runs fn(threadIndex) once on each of the pool's threads at the same time. */
void parallelEachThread(const std::function<void(int)>& fn);

/**
 * While one is alive with `on`, parallelFor on this thread runs its items inline, in order (as
 * with one thread: the same bits, see kernels.inc). For layer calls too small to be worth waking
 * and synchronising the other cores (addon.cc decides).
 */
class SerialScope {
 public:
  explicit SerialScope(bool on);
  ~SerialScope();
  SerialScope(const SerialScope&) = delete;
  SerialScope& operator=(const SerialScope&) = delete;

 private:
  bool on_;
};

}  // namespace gridcast
