/* threadpool.h — splitting a kernel's work over the caller's thread pool (internal).
 *
 * The pool itself (ember_threadpool_init / _destroy / _threads) is public, in ember/ember.h: the
 * caller creates it once and hands it to a method with ember_method_set_threadpool; the method
 * passes it to every kernel's run in ctx->pool. A kernel splits its work with:
 *
 *     static ember_status rows(void* arg, size_t begin, size_t end) { ... tasks begin..end-1 }
 *     ember_status st = ember_parallel_for(ctx->pool, n_tasks, rows, &job);
 *
 * Static chunking: with T threads, thread t (the caller is thread 0) runs tasks
 * [t * n / T, (t + 1) * n / T) in ONE call of fn; which task lands on which thread depends only
 * on n and T, never on timing. With pool NULL, a one-thread pool, n_tasks 1, a call made from
 * inside a task (nested), or a pool already running another caller's job (two methods sharing
 * a pool on two threads), fn runs inline on the calling thread as fn(arg, 0, n_tasks): always
 * correct, never a deadlock. A kernel that splits work must give the same result however it is
 * cut (each task writes its own outputs; no shared accumulators), so 1 and N threads agree.
 *
 * fn runs on pool threads: it must not call ember_kernel_fail (ctx->msg is the calling
 * thread's) or touch anything another task writes. It returns a status; ember_parallel_for
 * returns EMBER_OK when every call did, else one of the failures (the caller's own first), and
 * the kernel then writes its message on the calling thread. Every chunk runs even when another
 * fails. Nothing here allocates; a call costs a wake-up of the workers (they spin briefly after
 * a job, then sleep on a condition variable), so split only work worth tens of microseconds. */
#ifndef EMBER_THREADPOOL_H
#define EMBER_THREADPOOL_H

#include "ember/ember.h"

/* EMBER_THREADS=0 (CMake option EMBER_THREADS=OFF, or no pthreads): every pool has one thread
 * and ember_parallel_for always runs inline. */
#ifndef EMBER_THREADS
#define EMBER_THREADS 1
#endif

typedef ember_status (*ember_parallel_fn)(void* arg, size_t begin, size_t end);

ember_status ember_parallel_for(ember_threadpool* pool, size_t n_tasks, ember_parallel_fn fn,
                                void* arg);

#endif /* EMBER_THREADPOOL_H */
