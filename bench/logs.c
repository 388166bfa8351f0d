/*
 * What the log hook costs (bench/run builds and runs it; not a test).
 *
 *   logs URL N ROUNDS LIBRARY LIBRARY_WITHOUT_HOOK COPY_OF_LIBRARY_WITHOUT_HOOK
 *
 * Loads both builds of the library into this process (LIBRARY_WITHOUT_HOOK was built with
 * --cfg oc_no_log_hook: log::enabled is a constant false), and a second copy of the build
 * without the hook, each with a client of its own on URL, and times N
 * oc_call("get_instance") per side in rounds, the order of the sides rotating:
 *   - the library with no logger installed against the library without the hook, and beside
 *     it, in the same rounds, the library without the hook against its own copy: the same
 *     code, so whatever that ratio shows is the noise of the method (which connection, which
 *     nginx worker, where each copy landed in memory), the yardstick of "no measurable
 *     difference";
 *   - the library with a logger at info (3) whose callback returns at once against the same
 *     library with no logger.
 * Every figure is printed as one tab-separated row: section, figure, value, detail.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "openconnectors.h"

struct lib {
    void *handle;
    oc_client *client;
    oc_status (*client_new)(const char *, oc_client **, char **);
    void (*client_free)(oc_client *);
    oc_status (*call)(const oc_client *, const char *, const char *, const oc_cancel *, char **);
    void (*string_free)(char *);
    oc_status (*set_logger)(oc_log_callback, void *, uint32_t);
};

static void die(const char *what, const char *detail) {
    fprintf(stderr, "logs: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static void *symbol(void *handle, const char *name) {
    void *s = dlsym(handle, name);
    if (!s) die("missing symbol", name);
    return s;
}

static const char *url;

/* A new client, hence a new connection: see fresh(). */
static void connect_client(struct lib *l) {
    if (l->client) l->client_free(l->client);
    char config[768];
    snprintf(config, sizeof config,
             "{\"baseUrl\":\"%s\",\"userSecret\":\"u\",\"organizationSecret\":\"o\"}", url);
    l->client = NULL;
    if (l->client_new(config, &l->client, NULL) != OC_OK) die("oc_client_new", url);
}

static void load(struct lib *l, const char *path) {
    /* RTLD_LOCAL: each copy keeps its own statics (the logger, the thread pool). */
    l->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!l->handle) die("dlopen", dlerror());
    *(void **)&l->client_new = symbol(l->handle, "oc_client_new");
    *(void **)&l->client_free = symbol(l->handle, "oc_client_free");
    *(void **)&l->call = symbol(l->handle, "oc_call");
    *(void **)&l->string_free = symbol(l->handle, "oc_string_free");
    *(void **)&l->set_logger = symbol(l->handle, "oc_set_logger");
    l->client = NULL;
    connect_client(l);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double run(const struct lib *l, long n) {
    double t0 = now();
    for (long i = 0; i < n; i++) {
        char *out = NULL;
        oc_status st = l->call(l->client, "get_instance", "{\"id\":1}", NULL, &out);
        l->string_free(out);
        if (st != OC_OK) die("oc_call failed", NULL);
    }
    return now() - t0;
}

/* A new connection for a side before each round, opened before the clock starts: nginx hands
 * each to one of its workers, and a connection served by the worker on the client's CPU answers
 * faster than one served across CPUs; a side must not keep the luckier one for the whole run. */
static void fresh(struct lib *l) {
    connect_client(l);
    run(l, 1);
}

static unsigned long records;

/* A logger that keeps nothing: what the hook costs, not what a logger does with records. */
static void drop(void *user_data, uint32_t level, const char *record) {
    (void)user_data;
    (void)level;
    (void)record;
    records++;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void report(const char *figure, double *ratio, int rounds, long n) {
    double lo = ratio[0], hi = ratio[0];
    for (int i = 1; i < rounds; i++) {
        if (ratio[i] < lo) lo = ratio[i];
        if (ratio[i] > hi) hi = ratio[i];
    }
    printf("Logs\t%s\t%.3f\tmin %.3f, max %.3f over %d pairs; N=%ld\n", figure,
           median(ratio, rounds), lo, hi, rounds, n);
}

static void per_call(const char *figure, double *seconds, int rounds, long n) {
    printf("Logs\t%s\t%.1f\tmedian over pairs\n", figure, median(seconds, rounds) / (double)n * 1e6);
}

int main(int argc, char **argv) {
    if (argc != 7) die("usage: logs URL N ROUNDS LIBRARY LIBRARY_WITHOUT_HOOK COPY", NULL);
    url = argv[1];
    long n = atol(argv[2]);
    int rounds = atoi(argv[3]);
    struct lib hook, plain, copy;
    load(&hook, argv[4]);
    load(&plain, argv[5]);
    load(&copy, argv[6]);
    if (hook.handle == plain.handle || plain.handle == copy.handle)
        die("two paths load the same library", argv[5]);

    double *r1 = calloc((size_t)rounds, sizeof(double)), *r2 = calloc((size_t)rounds, sizeof(double));
    double *t_plain = calloc((size_t)rounds, sizeof(double));
    double *t_hook = calloc((size_t)rounds, sizeof(double));
    double *t_logger = calloc((size_t)rounds, sizeof(double));
    double *t_hook2 = calloc((size_t)rounds, sizeof(double));
    double *t_copy = calloc((size_t)rounds, sizeof(double));
    double *r0 = calloc((size_t)rounds, sizeof(double));
    run(&hook, n / 10 + 10);
    run(&plain, n / 10 + 10);
    run(&copy, n / 10 + 10);

    /* The hook with no logger against no hook at all, and the control: no hook against the
     * same code loaded twice. The three sides take turns going first. */
    for (int r = 0; r < rounds; r++) {
        struct lib *sides[3] = {&hook, &plain, &copy};
        double *times[3] = {t_hook, t_plain, t_copy};
        for (int k = 0; k < 3; k++) fresh(sides[k]);
        for (int k = 0; k < 3; k++) {
            int side = (r + k) % 3;
            times[side][r] = run(sides[side], n);
        }
        r1[r] = t_hook[r] / t_plain[r];
        r0[r] = t_copy[r] / t_plain[r];
    }
    report("no logger: library / library without the hook (time ratio)", r1, rounds, n);
    report("control: library without the hook / a copy of itself (time ratio)", r0, rounds, n);

    /* A logger at info that drops records against no logger, same library. */
    for (int r = 0; r < rounds; r++) {
        /* One library, one client: both sides use the same connection. */
        connect_client(&hook);
        run(&hook, 1);
        int logger_first = r % 2 == 0;
        for (int side = 0; side < 2; side++) {
            if ((side == 0) == logger_first) {
                hook.set_logger(drop, NULL, 3);
                t_logger[r] = run(&hook, n);
                hook.set_logger(NULL, NULL, 0);
            } else {
                t_hook2[r] = run(&hook, n);
            }
        }
        r2[r] = t_logger[r] / t_hook2[r];
    }
    report("logger at info dropping records / no logger (time ratio)", r2, rounds, n);
    if (records < (unsigned long)(n * rounds)) die("the logger got fewer records than calls", NULL);
    per_call("per call, library without the hook (us)", t_plain, rounds, n);
    per_call("per call, library with no logger (us)", t_hook, rounds, n);
    per_call("per call, library with a logger at info (us)", t_logger, rounds, n);
    hook.client_free(hook.client);
    plain.client_free(plain.client);
    copy.client_free(copy.client);
    return 0;
}
