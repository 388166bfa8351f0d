/*
 * The bare C calls that the wrappers are measured against, as a small shared library
 * (target/bench/libbenchcalls.so) that bench.c, bench.py/binding.py (ctypes) and Bench.cs
 * (P/Invoke) call in their own process: the same library, the same server, the same request,
 * so the difference between a wrapper's call and these loops is what the wrapper adds.
 * Every function returns the seconds it took (negative when a call failed).
 *
 *   bc_sync(client, op, req, n)              n oc_call, one after the other
 *   bc_async(client, op, req, n)             n oc_call_async, each waited for before the next
 *   bc_inflight(client, op, req, n, k)       n oc_call_async, k in flight at all times
 *   bc_threads(client, op, req, n, k)        n oc_call spread over k threads
 *   bc_cpu()                                 the process's CPU time so far, in seconds
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "openconnectors.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double bc_cpu(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double bc_sync(const oc_client *client, const char *op, const char *req, long n) {
    double t0 = now();
    for (long i = 0; i < n; i++) {
        char *out = NULL;
        oc_status st = oc_call(client, op, req, NULL, &out);
        oc_string_free(out);
        if (st != OC_OK) return -1;
    }
    return now() - t0;
}

/* Calls in flight: each callback starts the next call until `total` have been started, so
 * that `k` stay in flight without a thread of ours in between. */
struct flight {
    pthread_mutex_t lock;
    pthread_cond_t done;
    const oc_client *client;
    const char *op, *req;
    long started, total, finished;
    int failed;
};

static void on_done(void *user_data, oc_status status, char *response) {
    struct flight *f = user_data;
    oc_string_free(response);
    pthread_mutex_lock(&f->lock);
    if (status != OC_OK) f->failed = 1;
    f->finished++;
    int more = !f->failed && f->started < f->total;
    if (more) f->started++;
    if (f->finished == f->total || (f->failed && f->finished == f->started))
        pthread_cond_signal(&f->done);
    pthread_mutex_unlock(&f->lock);
    if (more && oc_call_async(f->client, f->op, f->req, NULL, on_done, f) != OC_OK) {
        pthread_mutex_lock(&f->lock);
        f->failed = 1;
        f->started--;
        if (f->finished == f->started) pthread_cond_signal(&f->done);
        pthread_mutex_unlock(&f->lock);
    }
}

double bc_inflight(const oc_client *client, const char *op, const char *req, long n, long k) {
    struct flight f = {.client = client, .op = op, .req = req, .total = n};
    pthread_mutex_init(&f.lock, NULL);
    pthread_cond_init(&f.done, NULL);
    if (k > n) k = n;
    double t0 = now();
    pthread_mutex_lock(&f.lock);
    f.started = k;
    pthread_mutex_unlock(&f.lock);
    for (long i = 0; i < k; i++) {
        if (oc_call_async(client, op, req, NULL, on_done, &f) != OC_OK) {
            pthread_mutex_lock(&f.lock);
            f.failed = 1;
            f.started -= k - i;
            pthread_mutex_unlock(&f.lock);
            break;
        }
    }
    pthread_mutex_lock(&f.lock);
    while (f.finished < (f.failed ? f.started : f.total)) pthread_cond_wait(&f.done, &f.lock);
    int failed = f.failed;
    pthread_mutex_unlock(&f.lock);
    double t = now() - t0;
    pthread_cond_destroy(&f.done);
    pthread_mutex_destroy(&f.lock);
    return failed ? -1 : t;
}

double bc_async(const oc_client *client, const char *op, const char *req, long n) {
    return bc_inflight(client, op, req, n, 1);
}

struct worker {
    pthread_t thread;
    const oc_client *client;
    const char *op, *req;
    long calls;
    pthread_barrier_t *start;
    double seconds;
};

static void *work(void *arg) {
    struct worker *w = arg;
    pthread_barrier_wait(w->start);
    w->seconds = bc_sync(w->client, w->op, w->req, w->calls);
    return NULL;
}

double bc_threads(const oc_client *client, const char *op, const char *req, long n, long k) {
    struct worker *w = calloc((size_t)k, sizeof *w);
    pthread_barrier_t start;
    if (!w) abort();
    pthread_barrier_init(&start, NULL, (unsigned)k + 1);
    for (long i = 0; i < k; i++) {
        w[i] = (struct worker){.client = client, .op = op, .req = req, .start = &start,
                               .calls = n / k + (i < n % k)};
        /* The others would wait at the barrier for ever: a benchmark may just stop. */
        if (pthread_create(&w[i].thread, NULL, work, &w[i])) abort();
    }
    pthread_barrier_wait(&start);
    double t0 = now();
    int failed = 0;
    for (long i = 0; i < k; i++) {
        pthread_join(w[i].thread, NULL);
        if (w[i].seconds < 0) failed = 1;
    }
    double t = now() - t0;
    pthread_barrier_destroy(&start);
    free(w);
    return failed ? -1 : t;
}
