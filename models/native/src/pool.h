// A persistent thread pool: the calling thread plus (threads - 1) workers that sleep between jobs.
// Work items are handed out through an atomic counter; kernels make every item's result independent
// of which thread runs it, so results do not depend on the thread count (see kernels.inc).
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

}  // namespace gridcast
