/*
 * The C side of the performance benchmark (bench/run builds and runs it; not a test).
 *
 *   bench pairs   URL N ROUNDS LABEL [CAFILE]
 *                 oc_get_instance vs one libcurl easy handle (same URL and headers), both
 *                 trusting CAFILE for https (caCertificatesPemFile, CURLOPT_CAINFO); LABEL
 *                 names the server in the figures ("http kept alive", ...)
 *   bench threads URL TOTAL ROUNDS  one shared oc_client (and libcurl, a handle per thread)
 *                                   with 1, 2 and 4 threads
 *   bench async   URL TOTAL ROUNDS INFLIGHT THREADS
 *                 TOTAL calls with INFLIGHT oc_call_async in flight vs the same oc_call spread
 *                 over THREADS threads (bench/calls.c), on one client
 *   bench noio    N ROUNDS          oc_parse_callback per call
 *   bench rss     URL               RSS after 1k and after 100k oc_get_instance calls
 *   bench loop    URL N [CAFILE]    N oc_get_instance calls only (for perf / callgrind)
 *   bench noioloop N                N oc_parse_callback calls only (for perf / callgrind)
 *
 * URL is the nginx base, e.g. http://127.0.0.1:PORT/elements/api-v2. Every figure is printed
 * as one tab-separated row: section, figure, value, detail.
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "openconnectors.h"

#define USER_SECRET "u"
#define ORG_SECRET "o"
#define AUTH_HEADER "Authorization: User " USER_SECRET ", Organization " ORG_SECRET
#define GET_REQUEST "{\"id\":1}"
#define PARSE_REQUEST                                                                      \
    "{\"url\":\"http://127.0.0.1:8765/auth?code=QvyQg1FWfXKztkr1LYDCyAtB7How05kc"        \
    "&state=OFGF74i9-YSVQhxq5UgRoJzM8ljBO8ssnplSDOKFaXs&scope=full\","                   \
    "\"expectedState\":\"OFGF74i9-YSVQhxq5UgRoJzM8ljBO8ssnplSDOKFaXs\"}"

static const char *base_url;
static const char *ca_file; /* NULL: the default trust roots */
static char instance_url[512];
static char user_agent[64];

/* bench/calls.c */
double bc_inflight(const oc_client *client, const char *op, const char *req, long n, long k);
double bc_threads(const oc_client *client, const char *op, const char *req, long n, long k);

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, const char *detail) {
    fprintf(stderr, "bench: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median (sorts in place). */
static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void row(const char *section, const char *figure, const char *value, const char *detail) {
    printf("%s\t%s\t%s\t%s\n", section, figure, value, detail);
    fflush(stdout);
}

/* ---- ours ---------------------------------------------------------------------------- */

static oc_client *new_client(void) {
    char config[1536], ca[1024] = "";
    if (ca_file) snprintf(ca, sizeof ca, ",\"caCertificatesPemFile\":\"%s\"", ca_file);
    snprintf(config, sizeof config,
             "{\"baseUrl\":\"%s\",\"userSecret\":\"" USER_SECRET
             "\",\"organizationSecret\":\"" ORG_SECRET "\"%s}",
             base_url, ca);
    oc_client *client = NULL;
    char *err = NULL;
    if (oc_client_new(config, &client, &err) != OC_OK) die("oc_client_new", err);
    return client;
}

static void ours_once(const oc_client *client) {
    char *out = NULL;
    oc_status st = oc_get_instance(client, GET_REQUEST, &out);
    if (st != OC_OK) die(oc_status_name(st), out);
    oc_string_free(out);
}

static double ours_run(const oc_client *client, long n) {
    double t0 = now();
    for (long i = 0; i < n; i++) ours_once(client);
    return now() - t0;
}

/* ---- libcurl: one kept-alive easy handle, same URL and headers -------------------------- */

struct buffer {
    char *data;
    size_t len, cap;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata) {
    struct buffer *b = userdata;
    size_t n = size * nmemb;
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->data = realloc(b->data, b->cap);
        if (!b->data) die("out of memory", NULL);
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = 0;
    return n;
}

struct curl_side {
    CURL *easy;
    struct curl_slist *headers;
    struct buffer body;
};

static void curl_side_init(struct curl_side *c) {
    memset(c, 0, sizeof *c);
    c->easy = curl_easy_init();
    if (!c->easy) die("curl_easy_init", NULL);
    c->headers = curl_slist_append(NULL, AUTH_HEADER);
    c->headers = curl_slist_append(c->headers, "Accept: application/json");
    curl_easy_setopt(c->easy, CURLOPT_URL, instance_url);
    curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(c->easy, CURLOPT_USERAGENT, user_agent);
    curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, &c->body);
    curl_easy_setopt(c->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->easy, CURLOPT_TCP_KEEPALIVE, 1L);
    if (ca_file) curl_easy_setopt(c->easy, CURLOPT_CAINFO, ca_file);
}

static void curl_side_free(struct curl_side *c) {
    curl_easy_cleanup(c->easy);
    curl_slist_free_all(c->headers);
    free(c->body.data);
}

static void curl_once(struct curl_side *c) {
    c->body.len = 0;
    CURLcode rc = curl_easy_perform(c->easy);
    if (rc != CURLE_OK) die("curl_easy_perform", curl_easy_strerror(rc));
    long code = 0;
    curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &code);
    if (code != 200 || c->body.len < 2 || c->body.data[0] != '{') die("libcurl: bad answer", NULL);
}

static double curl_run(struct curl_side *c, long n) {
    double t0 = now();
    for (long i = 0; i < n; i++) curl_once(c);
    return now() - t0;
}

/* ---- modes ------------------------------------------------------------------------------ */

static void report_ratio(const char *section, const char *figure, double *ratios, int rounds,
                         const char *extra) {
    double lo = ratios[0], hi = ratios[0];
    for (int i = 1; i < rounds; i++) {
        if (ratios[i] < lo) lo = ratios[i];
        if (ratios[i] > hi) hi = ratios[i];
    }
    char value[32], detail[256];
    snprintf(value, sizeof value, "%.2f", median(ratios, rounds));
    snprintf(detail, sizeof detail, "min %.2f, max %.2f over %d pairs%s%s", lo, hi, rounds,
             extra && *extra ? "; " : "", extra ? extra : "");
    row(section, figure, value, detail);
}

static void mode_pairs(long n, int rounds, const char *label) {
    /* Warm-up: fault in the code. */
    oc_client *client = new_client();
    struct curl_side c;
    curl_side_init(&c);
    ours_run(client, n / 10 + 10);
    curl_run(&c, n / 10 + 10);
    double *ratio = calloc((size_t)rounds, sizeof *ratio);
    double *t_ours = calloc((size_t)rounds, sizeof *t_ours);
    double *t_curl = calloc((size_t)rounds, sizeof *t_curl);
    for (int r = 0; r < rounds; r++) {
        /* New connections for every pair, opened before the clock starts: nginx hands each
         * to one of its workers, and a connection served by the worker on the client's CPU
         * answers faster than one served across CPUs; a side must not keep the luckier one
         * for the whole run. */
        curl_side_free(&c);
        oc_client_free(client);
        client = new_client();
        curl_side_init(&c);
        ours_once(client);
        curl_once(&c);
        if (r % 2 == 0) {
            t_ours[r] = ours_run(client, n);
            t_curl[r] = curl_run(&c, n);
        } else {
            t_curl[r] = curl_run(&c, n);
            t_ours[r] = ours_run(client, n);
        }
        ratio[r] = t_ours[r] / t_curl[r];
    }
    char extra[160], figure[160];
    snprintf(extra, sizeof extra, "N=%ld per side per pair", n);
    snprintf(figure, sizeof figure, "oc_get_instance / libcurl, %s (time ratio)", label);
    report_ratio("C", figure, ratio, rounds, extra);
    char value[32];
    snprintf(value, sizeof value, "%.1f", median(t_ours, rounds) / (double)n * 1e6);
    snprintf(figure, sizeof figure, "oc_get_instance, %s, per call (us)", label);
    row("C", figure, value, "median over pairs");
    snprintf(value, sizeof value, "%.1f", median(t_curl, rounds) / (double)n * 1e6);
    snprintf(figure, sizeof figure, "libcurl easy handle, %s, per call (us)", label);
    row("C", figure, value, "median over pairs");
    curl_side_free(&c);
    oc_client_free(client);
    free(ratio);
    free(t_ours);
    free(t_curl);
}

struct worker {
    pthread_t thread;
    const oc_client *client; /* NULL: libcurl */
    long calls;
    pthread_barrier_t *start;
};

static void *work(void *arg) {
    struct worker *w = arg;
    struct curl_side c;
    if (!w->client) {
        curl_side_init(&c);
        curl_once(&c); /* its own connection, opened before the clock starts */
    }
    pthread_barrier_wait(w->start);
    if (w->client)
        ours_run(w->client, w->calls);
    else
        curl_run(&c, w->calls);
    if (!w->client) curl_side_free(&c);
    return NULL;
}

/* Calls per second with `threads` threads doing `total` calls between them. */
static double throughput(const oc_client *client, int threads, long total) {
    struct worker w[8];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
    for (int i = 0; i < threads; i++) {
        w[i] = (struct worker){.client = client, .calls = total / threads, .start = &start};
        if (pthread_create(&w[i].thread, NULL, work, &w[i])) die("pthread_create", NULL);
    }
    pthread_barrier_wait(&start);
    double t0 = now();
    for (int i = 0; i < threads; i++) pthread_join(w[i].thread, NULL);
    double t = now() - t0;
    pthread_barrier_destroy(&start);
    return (double)(total / threads * threads) / t;
}

static void mode_threads(long total, int rounds) {
    static const int counts[] = {1, 2, 4};
    oc_client *client = new_client();
    /* Warm the pool with 4 connections. */
    throughput(client, 4, 400);
    double ours[3][64], curl[3][64];
    if (rounds > 64) rounds = 64;
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < 3; k++) {
            if ((r + k) % 2 == 0) {
                ours[k][r] = throughput(client, counts[k], total);
                curl[k][r] = throughput(NULL, counts[k], total);
            } else {
                curl[k][r] = throughput(NULL, counts[k], total);
                ours[k][r] = throughput(client, counts[k], total);
            }
        }
    }
    char figure[96], value[32], detail[160];
    for (int side = 0; side < 2; side++) {
        double(*t)[64] = side == 0 ? ours : curl;
        const char *name = side == 0 ? "one shared oc_client" : "libcurl, a handle per thread";
        for (int k = 0; k < 3; k++) {
            double copy[64];
            memcpy(copy, t[k], sizeof(double) * (size_t)rounds);
            snprintf(figure, sizeof figure, "%s, %d thread%s (calls/s)", name, counts[k],
                     counts[k] > 1 ? "s" : "");
            snprintf(value, sizeof value, "%.0f", median(copy, rounds));
            snprintf(detail, sizeof detail, "median of %d rounds, %ld calls each", rounds, total);
            row("Threads", figure, value, detail);
        }
        for (int k = 1; k < 3; k++) {
            double ratio[64];
            for (int r = 0; r < rounds; r++) ratio[r] = t[k][r] / t[0][r];
            snprintf(figure, sizeof figure, "%s: %d threads / 1 thread (throughput ratio)",
                     side == 0 ? "ours" : "libcurl", counts[k]);
            report_ratio("Threads", figure, ratio, rounds, NULL);
        }
    }
    oc_client_free(client);
}

/* Throughput of calls in flight through oc_call_async against calls on threads: whether
 * the server or the machine bounds what the wrappers' asynchronous calls can reach. */
static void mode_async(long total, int rounds, long inflight, long threads) {
    oc_client *client = new_client();
    const char *op = "get_instance", *req = GET_REQUEST;
    bc_inflight(client, op, req, total / 10 + inflight, inflight);
    bc_threads(client, op, req, total / 10 + threads, threads);
    double *a = calloc((size_t)rounds, sizeof *a), *t = calloc((size_t)rounds, sizeof *t);
    double *ratio = calloc((size_t)rounds, sizeof *ratio);
    for (int r = 0; r < rounds; r++) {
        double sa, st;
        if (r % 2 == 0) {
            sa = bc_inflight(client, op, req, total, inflight);
            st = bc_threads(client, op, req, total, threads);
        } else {
            st = bc_threads(client, op, req, total, threads);
            sa = bc_inflight(client, op, req, total, inflight);
        }
        if (sa < 0 || st < 0) die("a call failed", NULL);
        a[r] = (double)total / sa;
        t[r] = (double)total / st;
        ratio[r] = st / sa;
    }
    char figure[128], value[32], detail[128];
    snprintf(detail, sizeof detail, "median of %d rounds, %ld calls each", rounds, total);
    snprintf(figure, sizeof figure, "C: %ld oc_call_async in flight (calls/s)", inflight);
    snprintf(value, sizeof value, "%.0f", median(a, rounds));
    row("Async", figure, value, detail);
    snprintf(figure, sizeof figure, "C: oc_call on %ld threads (calls/s)", threads);
    snprintf(value, sizeof value, "%.0f", median(t, rounds));
    row("Async", figure, value, detail);
    snprintf(figure, sizeof figure, "C: %ld in flight / %ld threads (throughput ratio)", inflight,
             threads);
    report_ratio("Async", figure, ratio, rounds, NULL);
    oc_client_free(client);
    free(a);
    free(t);
    free(ratio);
}

static double noio_run(long n) {
    double t0 = now();
    for (long i = 0; i < n; i++) {
        char *out = NULL;
        oc_status st = oc_parse_callback(PARSE_REQUEST, &out);
        if (st != OC_OK) die(oc_status_name(st), out);
        oc_string_free(out);
    }
    return now() - t0;
}

static void mode_noio(long n, int rounds) {
    noio_run(n / 10 + 10);
    double *per = calloc((size_t)rounds, sizeof *per);
    for (int r = 0; r < rounds; r++) per[r] = noio_run(n) / (double)n * 1e6;
    double lo = per[0], hi = per[0];
    for (int r = 1; r < rounds; r++) {
        if (per[r] < lo) lo = per[r];
        if (per[r] > hi) hi = per[r];
    }
    char value[32], detail[160];
    snprintf(value, sizeof value, "%.2f", median(per, rounds));
    snprintf(detail, sizeof detail, "min %.2f, max %.2f over %d rounds of %ld calls", lo, hi,
             rounds, n);
    row("No-I/O", "oc_parse_callback from C (us/call)", value, detail);
    free(per);
}

static long rss_kib(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = 0;
    if (!f || fscanf(f, "%ld %ld", &size, &resident) != 2) die("cannot read /proc/self/statm", NULL);
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void mode_rss(void) {
    long before = rss_kib();
    oc_client *client = new_client();
    ours_run(client, 1000);
    long after_1k = rss_kib();
    ours_run(client, 99000);
    long after_100k = rss_kib();
    char value[32], detail[160];
    snprintf(value, sizeof value, "%ld", after_1k);
    snprintf(detail, sizeof detail, "process RSS, %ld KiB before the client", before);
    row("Memory", "RSS after 1k calls (KiB)", value, detail);
    snprintf(value, sizeof value, "%ld", after_100k);
    row("Memory", "RSS after 100k calls (KiB)", value, "same process");
    snprintf(value, sizeof value, "%ld", after_100k - after_1k);
    row("Memory", "RSS growth 1k -> 100k calls (KiB)", value, "target < 1024 KiB");
    oc_client_free(client);
}

int main(int argc, char **argv) {
    if (argc < 2) die("usage: bench pairs|threads|async|noio|rss|loop|noioloop ...", NULL);
    const char *mode = argv[1];
    snprintf(user_agent, sizeof user_agent, "openconnectors/%s", oc_version());
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!strcmp(mode, "noio") && argc == 4) {
        mode_noio(atol(argv[2]), atoi(argv[3]));
    } else if (!strcmp(mode, "noioloop") && argc == 3) {
        noio_run(atol(argv[2]));
    } else if (argc >= 3) {
        base_url = argv[2];
        snprintf(instance_url, sizeof instance_url, "%s/instances/1", base_url);
        if (!strcmp(mode, "pairs") && (argc == 6 || argc == 7)) {
            ca_file = argc == 7 ? argv[6] : NULL;
            mode_pairs(atol(argv[3]), atoi(argv[4]), argv[5]);
        } else if (!strcmp(mode, "threads") && argc == 5)
            mode_threads(atol(argv[3]), atoi(argv[4]));
        else if (!strcmp(mode, "async") && argc == 7)
            mode_async(atol(argv[3]), atoi(argv[4]), atol(argv[5]), atol(argv[6]));
        else if (!strcmp(mode, "rss") && argc == 3)
            mode_rss();
        else if (!strcmp(mode, "loop") && (argc == 4 || argc == 5)) {
            ca_file = argc == 5 ? argv[4] : NULL;
            oc_client *client = new_client();
            ours_run(client, atol(argv[3]));
            oc_client_free(client);
        } else
            die("bad arguments", mode);
    } else {
        die("bad arguments", mode);
    }
    curl_global_cleanup();
    return 0;
}
