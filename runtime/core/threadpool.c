/* threadpool.c — the caller's worker threads and ember_parallel_for (runtime/core/threadpool.h).
 *
 * A pool of T threads is the caller plus T - 1 workers started by ember_threadpool_init, inside
 * the caller's memory, and joined by ember_threadpool_destroy. One job at a time: the caller
 * publishes (fn, arg, n_tasks) and bumps `generation`; every worker runs its static chunk, then
 * counts `pending` down; the caller runs chunk 0 and waits for pending to reach 0. Workers and
 * the waiting caller spin for a short while (consecutive kernels follow each other within
 * microseconds) and then sleep on a condition variable, so an idle pool costs no CPU.
 *
 * Ordering: the job's fields are written before the release store of `generation` and read
 * after an acquire load of it; a worker's last read of them comes before its decrement of
 * `pending` (acq_rel), which the caller acquires before writing the next job. `busy` admits one
 * caller at a time: a nested or concurrent call runs inline instead of waiting. */
#if !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#endif
#include "runtime/core/threadpool.h"

#include <stdint.h>
#include <string.h>

#define MAX_THREADS 1024

#if EMBER_THREADS

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>

#define SPIN_ROUNDS 4000 /* polls before sleeping: some tens of microseconds */

#if defined(__x86_64__) || defined(__i386__)
#define CPU_RELAX() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define CPU_RELAX() __asm__ volatile("yield")
#else
#define CPU_RELAX() ((void)0)
#endif

/* tasks [begin, end) of thread t of `threads`: the first n % threads chunks hold one more */
static void chunk(size_t n, size_t threads, size_t t, size_t* begin, size_t* end)
{
    const size_t q = n / threads, r = n % threads;
    *begin = t * q + (t < r ? t : r);
    *end = *begin + q + (t < r);
}

typedef struct worker {
    struct ember_threadpool* pool;
    size_t index; /* 1..threads-1; the caller is 0 */
    pthread_t thread;
} worker;

struct ember_threadpool {
    size_t threads;              /* the caller and threads - 1 workers */
    pthread_mutex_t lock;        /* guards the sleeps on wake and done */
    pthread_cond_t wake;         /* workers wait here for a new generation */
    pthread_cond_t done;         /* the caller waits here for pending == 0 */
    atomic_uint generation;      /* bumped once per job (and once to stop) */
    atomic_size_t pending;       /* workers not yet through the current job */
    atomic_bool busy;            /* a caller's job is running */
    atomic_int status;           /* the first failure of a worker's chunk, 0 if none */
    /* the current job, written by the caller while no worker reads it */
    ember_parallel_fn fn;        /* NULL: workers exit */
    void* arg;
    size_t n_tasks;
    worker workers[];            /* (threads - 1) */
};

static void* worker_main(void* p)
{
    worker* self = p;
    ember_threadpool* pool = self->pool;
    unsigned seen = 0; /* init starts workers before the first job (generation 0) */
    for (;;) {
        unsigned g = atomic_load_explicit(&pool->generation, memory_order_acquire);
        for (int i = 0; g == seen && i < SPIN_ROUNDS; i++) {
            CPU_RELAX();
            g = atomic_load_explicit(&pool->generation, memory_order_acquire);
        }
        if (g == seen) {
            pthread_mutex_lock(&pool->lock);
            while ((g = atomic_load_explicit(&pool->generation, memory_order_acquire)) == seen)
                pthread_cond_wait(&pool->wake, &pool->lock);
            pthread_mutex_unlock(&pool->lock);
        }
        seen = g;
        const ember_parallel_fn fn = pool->fn;
        if (!fn) return NULL;
        size_t begin, end;
        chunk(pool->n_tasks, pool->threads, self->index, &begin, &end);
        if (begin < end) {
            ember_status st = fn(pool->arg, begin, end);
            int none = 0;
            if (st) atomic_compare_exchange_strong(&pool->status, &none, (int)st);
        }
        if (atomic_fetch_sub_explicit(&pool->pending, 1, memory_order_acq_rel) == 1) {
            pthread_mutex_lock(&pool->lock);
            pthread_cond_signal(&pool->done);
            pthread_mutex_unlock(&pool->lock);
        }
    }
}

/* Publishes a job (fn NULL: stop) to every worker. The caller holds `busy`. */
static void publish(ember_threadpool* pool, ember_parallel_fn fn, void* arg, size_t n_tasks)
{
    pthread_mutex_lock(&pool->lock);
    pool->fn = fn;
    pool->arg = arg;
    pool->n_tasks = n_tasks;
    atomic_store_explicit(&pool->status, 0, memory_order_relaxed);
    atomic_store_explicit(&pool->pending, pool->threads - 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&pool->generation, 1, memory_order_release);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
}

static void wait_workers(ember_threadpool* pool)
{
    for (int i = 0; i < SPIN_ROUNDS; i++) {
        if (atomic_load_explicit(&pool->pending, memory_order_acquire) == 0) return;
        CPU_RELAX();
    }
    pthread_mutex_lock(&pool->lock);
    while (atomic_load_explicit(&pool->pending, memory_order_acquire) != 0)
        pthread_cond_wait(&pool->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
}

ember_status ember_parallel_for(ember_threadpool* pool, size_t n_tasks, ember_parallel_fn fn,
                                void* arg)
{
    if (n_tasks == 0) return EMBER_OK;
    bool idle = false;
    if (!pool || pool->threads == 1 || n_tasks == 1 ||
        !atomic_compare_exchange_strong_explicit(&pool->busy, &idle, true, memory_order_acquire,
                                                 memory_order_relaxed))
        return fn(arg, 0, n_tasks);
    publish(pool, fn, arg, n_tasks);
    size_t begin, end;
    chunk(n_tasks, pool->threads, 0, &begin, &end);
    ember_status st = begin < end ? fn(arg, begin, end) : EMBER_OK;
    wait_workers(pool);
    if (!st) st = (ember_status)atomic_load_explicit(&pool->status, memory_order_relaxed);
    atomic_store_explicit(&pool->busy, false, memory_order_release);
    return st;
}

/* Stops and joins the first `started` workers. */
static void stop_workers(ember_threadpool* pool, size_t started)
{
    publish(pool, NULL, NULL, 0);
    for (size_t i = 0; i < started; i++) pthread_join(pool->workers[i].thread, NULL);
}

size_t ember_threadpool_bytes(size_t threads)
{
    if (threads < 1 || threads > MAX_THREADS) return 0;
    /* room to align the struct inside any block */
    return sizeof(ember_threadpool) + (threads - 1) * sizeof(worker) + _Alignof(max_align_t);
}

ember_status ember_threadpool_init(void* mem, size_t bytes, size_t threads,
                                   ember_threadpool** out)
{
    if (out) *out = NULL;
    const size_t need = ember_threadpool_bytes(threads);
    if (!mem || !out || !need) return EMBER_INVALID_ARGUMENT;
    if (bytes < need) return EMBER_MEMORY_TOO_SMALL;
    const uintptr_t align = _Alignof(max_align_t);
    ember_threadpool* pool = (ember_threadpool*)(((uintptr_t)mem + align - 1) / align * align);
    memset(pool, 0, need - align);
    pool->threads = threads;
    if (pthread_mutex_init(&pool->lock, NULL)) return EMBER_INTERNAL;
    if (pthread_cond_init(&pool->wake, NULL)) {
        pthread_mutex_destroy(&pool->lock);
        return EMBER_INTERNAL;
    }
    if (pthread_cond_init(&pool->done, NULL)) {
        pthread_cond_destroy(&pool->wake);
        pthread_mutex_destroy(&pool->lock);
        return EMBER_INTERNAL;
    }
    atomic_init(&pool->generation, 0);
    atomic_init(&pool->pending, 0);
    atomic_init(&pool->busy, false);
    atomic_init(&pool->status, 0);
    pool->fn = NULL;
    for (size_t i = 0; i + 1 < threads; i++) {
        worker* w = &pool->workers[i];
        w->pool = pool;
        w->index = i + 1;
        if (pthread_create(&w->thread, NULL, worker_main, w)) {
            stop_workers(pool, i);
            pthread_cond_destroy(&pool->done);
            pthread_cond_destroy(&pool->wake);
            pthread_mutex_destroy(&pool->lock);
            return EMBER_INTERNAL;
        }
    }
    *out = pool;
    return EMBER_OK;
}

void ember_threadpool_destroy(ember_threadpool* pool)
{
    if (!pool) return;
    stop_workers(pool, pool->threads - 1);
    pthread_cond_destroy(&pool->done);
    pthread_cond_destroy(&pool->wake);
    pthread_mutex_destroy(&pool->lock);
}

size_t ember_cpu_count(void)
{
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        const int n = CPU_COUNT(&set);
        if (n > 0) return (size_t)n;
    }
#endif
    const long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (size_t)n : 1;
}

#else /* !EMBER_THREADS: no workers; a pool is a number, every job runs inline */

struct ember_threadpool {
    size_t threads; /* always 1 */
};

ember_status ember_parallel_for(ember_threadpool* pool, size_t n_tasks, ember_parallel_fn fn,
                                void* arg)
{
    (void)pool;
    return n_tasks ? fn(arg, 0, n_tasks) : EMBER_OK;
}

size_t ember_threadpool_bytes(size_t threads)
{
    if (threads < 1 || threads > MAX_THREADS) return 0;
    return sizeof(ember_threadpool) + _Alignof(max_align_t);
}

ember_status ember_threadpool_init(void* mem, size_t bytes, size_t threads,
                                   ember_threadpool** out)
{
    if (out) *out = NULL;
    const size_t need = ember_threadpool_bytes(threads);
    if (!mem || !out || !need) return EMBER_INVALID_ARGUMENT;
    if (bytes < need) return EMBER_MEMORY_TOO_SMALL;
    const uintptr_t align = _Alignof(max_align_t);
    ember_threadpool* pool = (ember_threadpool*)(((uintptr_t)mem + align - 1) / align * align);
    pool->threads = 1;
    *out = pool;
    return EMBER_OK;
}

void ember_threadpool_destroy(ember_threadpool* pool)
{
    (void)pool;
}

size_t ember_cpu_count(void)
{
    return 1;
}

#endif /* EMBER_THREADS */

size_t ember_threadpool_threads(const ember_threadpool* pool)
{
    return pool ? pool->threads : 1;
}
