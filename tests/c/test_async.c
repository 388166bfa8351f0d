/*
 * oc_call_async against the emulator: every callback runs exactly once, on a library thread,
 * with a document it owns; 100 calls at once on a pool of at most 64 threads; a client freed
 * while its calls run; callbacks that call the library, queue the next call and free the
 * client; cancel handles freed while calls hold them; waits for a redirect that do not hold
 * up platform calls; the statuses returned at once, with no callback; and a run of 8 threads
 * mixing synchronous, asynchronous and cancelled calls (fewer under valgrind, through
 * OC_STRESS_CALLS).
 *
 * Completion is waited for on a latch (mutex and condition variable), never by polling.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support.h"

static oc_client *g_client;
static long long g_id;
static char *g_token;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

/* How long a test waits for its callbacks before it fails (they take well under a second). */
static long wait_limit_ms(void) { return 30000L * time_scale(); }

/* ---- one asynchronous call and what its callback saw ----------------------------------------------- */

typedef struct async_call {
  const char *operation;
  char *request;
  enum result_kind kind;
  char *want; /* check_expect_ clauses its result must meet, or NULL */
  pthread_t queued_by;
  int callbacks; /* times the callback ran: exactly once */
  int on_queueing_thread;
  oc_status status;
  char *json;
  latch *done;
} async_call;

static void on_done(void *user_data, oc_status status, char *json) {
  async_call *c = (async_call *)user_data;
  pthread_mutex_lock(&g_lock);
  c->callbacks++;
  c->on_queueing_thread |= pthread_equal(c->queued_by, pthread_self());
  if (c->json != NULL) oc_string_free(c->json);
  c->status = status;
  c->json = json;
  pthread_mutex_unlock(&g_lock);
  latch_count_down(c->done);
}

static void async_init(async_call *c, const char *operation, char *request, enum result_kind kind,
                       char *want, latch *done) {
  memset(c, 0, sizeof *c);
  c->operation = operation;
  c->request = request;
  c->kind = kind;
  c->want = want;
  c->done = done;
  c->queued_by = pthread_self();
}

/* Queues the call; a refused one counts down its latch itself, so waits still end. */
static oc_status async_queue(async_call *c, const oc_client *client, const oc_cancel *cancel) {
  oc_status status = oc_call_async(client, c->operation, c->request, cancel, on_done, c);
  CHECK_MSG(status == OC_OK, "oc_call_async(%s): %s", c->operation, oc_status_name((uint32_t)status));
  if (status != OC_OK) latch_count_down(c->done);
  return status;
}

/* Checks what the callback saw: once, on a library thread, a document checked as CALL checks
 * it, the wanted status and expectations. Frees what the call holds. */
static int async_check(async_call *c, oc_status want, const char *what) {
  int ok = CHECK_MSG(c->callbacks == 1, "%s: the callback ran %d times", what, c->callbacks);
  ok &= CHECK_MSG(!c->on_queueing_thread, "%s: the callback ran on the queueing thread", what);
  if (c->callbacks > 0) {
    ok &= check_result_(c->status, c->json, c->kind, __FILE__, __LINE__);
    ok &= CHECK_MSG(c->status == want, "%s: %s, want %s: %s", what,
                    oc_status_name((uint32_t)c->status), oc_status_name((uint32_t)want),
                    c->json ? c->json : "(null)");
    if (c->want) ok &= check_expect_(c->json, c->want, what, __FILE__, __LINE__);
  }
  oc_string_free(c->json);
  c->json = NULL;
  free(c->request);
  free(c->want);
  c->request = NULL;
  c->want = NULL;
  return ok;
}

/* The library's threads now: their names all begin with "openconnectors-" (the kernel keeps
 * 15 characters of a thread's name). */
static int library_threads(void) {
  DIR *tasks = opendir("/proc/self/task");
  struct dirent *e;
  int count = 0;
  if (tasks == NULL) return -1;
  while ((e = readdir(tasks)) != NULL) {
    char *path, name[64] = "";
    FILE *f;
    if (e->d_name[0] == '.') continue;
    path = fmt("/proc/self/task/%s/comm", e->d_name);
    f = fopen(path, "r");
    if (f != NULL) {
      if (fgets(name, sizeof name, f) != NULL && strncmp(name, "openconnectors-", 15) == 0) count++;
      fclose(f);
    }
    free(path);
  }
  closedir(tasks);
  return count;
}

/* A request of the mix (mixed_call_of), tagged "async". */
static void async_mixed(async_call *c, int i, latch *done) {
  mixed_call m = mixed_call_of(i, "async", g_id, g_token);
  async_init(c, m.operation, m.request, m.kind, m.want, done);
}

/* ---- 100 calls at once ------------------------------------------------------------------------------ */

#define AT_ONCE 100
static int g_at_once = AT_ONCE; /* fewer under valgrind */

static void test_hundred_at_once(void) {
  static async_call calls[AT_ONCE];
  latch done;
  int i, ok = 0, threads, in_flight, sent_before;
  long long t0, elapsed;
  char *text = fmt("%d asynchronous calls at once, each answer held 300 ms by the emulator", g_at_once);
  test_section(text);
  free(text);
  /* Every platform call of the mix (4 in 5) waits 300 ms at the emulator: one after the other,
   * 80 of them would take 24 s. */
  emu_faultf("{\"pathPrefix\":\"/elements/api-v2/\",\"count\":%d,\"delayMs\":300}", g_at_once * 4 / 5);
  sent_before = emu_count_requests(NULL, "/elements/api-v2/");
  latch_init(&done, g_at_once);
  t0 = now_ms();
  for (i = 0; i < g_at_once; i++) {
    async_mixed(&calls[i], i, &done);
    async_queue(&calls[i], g_client, NULL);
  }
  /* While the first 64 are held, the pool is full: no more threads, no more requests. */
  emu_wait_requests(NULL, "/elements/api-v2/", sent_before + (g_at_once < 64 ? g_at_once * 4 / 5 : 64),
                    10000L * time_scale());
  threads = library_threads();
  in_flight = emu_count_requests(NULL, "/elements/api-v2/") - sent_before;
  printf("   %lld ms after the first was queued: %d library threads, %d requests received\n",
         now_ms() - t0, threads, in_flight);
  CHECK_MSG(threads <= 64, "%d library threads for %d calls: at most 64", threads, g_at_once);
  CHECK_MSG(latch_wait(&done, wait_limit_ms()), "not every callback ran");
  elapsed = now_ms() - t0;
  for (i = 0; i < g_at_once; i++) {
    char *what = fmt("call %d (%s)", i, calls[i].operation);
    ok += async_check(&calls[i], OC_OK, what);
    free(what);
  }
  printf("   %d of %d calls right in %lld ms\n", ok, g_at_once, elapsed);
  CHECK_MSG(ok == g_at_once, "%d of %d calls right", ok, g_at_once);
  CHECK_MSG(elapsed < 8000L * time_scale(), "%d calls, 4 in 5 held 300 ms, took %lld ms: not concurrent",
            g_at_once, elapsed);
  emu_clear_faults();
  latch_destroy(&done);
}

/* ---- a client freed while its calls run ------------------------------------------------------------- */

static void test_client_freed(void) {
  async_call calls[20];
  latch done;
  oc_client *client = emu_client("");
  size_t i;
  test_section("oc_client_free right after queueing: the calls still complete");
  emu_fault("{\"method\":\"GET\",\"pathPrefix\":\"/elements/api-v2/instances/\",\"count\":20,"
            "\"delayMs\":100}");
  latch_init(&done, (int)NELEMS(calls));
  for (i = 0; i < NELEMS(calls); i++) {
    async_init(&calls[i], "get_instance", fmt("{\"id\":%lld}", g_id), RESULT_INSTANCE,
               fmt("/name = async-instance"), &done);
    async_queue(&calls[i], client, NULL);
  }
  oc_client_free(client);
  CHECK_MSG(latch_wait(&done, wait_limit_ms()), "not every callback ran");
  for (i = 0; i < NELEMS(calls); i++) async_check(&calls[i], OC_OK, "a call on a freed client");
  emu_clear_faults();
  latch_destroy(&done);
}

/* ---- callbacks that call the library ------------------------------------------------------------------ */

#define CHAIN_LENGTH 10

typedef struct chain {
  oc_client *client; /* freed by the last callback */
  int step;
  int callbacks;
  int wrong;
  latch done;
} chain;

static void chain_step(void *user_data, oc_status status, char *json) {
  chain *c = (chain *)user_data;
  char *request;
  oc_status queued;
  long long got = 0;
  /* The result of this step, checked as CALL checks it. */
  if (!check_result_(status, json, RESULT_INSTANCE, __FILE__, __LINE__) || status != OC_OK ||
      !json_int(json, "/id", &got) || got != g_id)
    c->wrong++;
  oc_string_free(json);
  c->callbacks++;
  /* A callback may call anything, synchronously too. */
  {
    call_result r = CALL_OP(c->client, "get_instance", "{\"id\":1}", NULL, RESULT_PLAIN);
    CHECK_STATUS(r.status, OC_ERR_API); /* id 1 was never issued: 404 */
    result_free(&r);
    r = CALLP(oc_parse_callback, "{\"url\":\"?code=in-callback&state=s\",\"expectedState\":\"s\"}",
              RESULT_CALLBACK);
    CHECK_STATUS(r.status, OC_OK);
    result_free(&r);
  }
  if (++c->step == CHAIN_LENGTH) {
    /* The last one frees the client, inside its own call's callback. */
    oc_client_free(c->client);
    c->client = NULL;
    latch_count_down(&c->done);
    return;
  }
  request = fmt("{\"id\":%lld}", g_id);
  queued = oc_call_async(c->client, "get_instance", request, NULL, chain_step, c);
  free(request);
  if (!CHECK_MSG(queued == OC_OK, "step %d could not queue the next: %s", c->step,
                 oc_status_name((uint32_t)queued)))
    latch_count_down(&c->done);
}

static void test_chain(void) {
  chain c;
  char *request = fmt("{\"id\":%lld}", g_id);
  test_section("callbacks that call the library, queue the next call, and free the client");
  memset(&c, 0, sizeof c);
  c.client = emu_client("");
  latch_init(&c.done, 1);
  CHECK_STATUS(oc_call_async(c.client, "get_instance", request, NULL, chain_step, &c), OC_OK);
  free(request);
  CHECK_MSG(latch_wait(&c.done, wait_limit_ms()), "the chain stopped at step %d", c.step);
  CHECK_MSG(c.callbacks == CHAIN_LENGTH && c.wrong == 0, "chain: %d callbacks, %d wrong", c.callbacks,
            c.wrong);
  latch_destroy(&c.done);
}

/* ---- cancel handles freed while calls hold them --------------------------------------------------------- */

static void test_cancel_freed(void) {
  async_call calls[10];
  latch done;
  oc_cancel *cancel = NULL;
  size_t i;
  int before;
  long long triggered, elapsed;
  test_section("oc_cancel_free while calls hold the handle");
  /* Never triggered: the calls complete as if there were no handle. */
  emu_fault("{\"method\":\"GET\",\"pathPrefix\":\"/elements/api-v2/instances/\",\"count\":10,"
            "\"delayMs\":100}");
  CHECK_STATUS(oc_cancel_new(&cancel), OC_OK);
  latch_init(&done, (int)NELEMS(calls));
  for (i = 0; i < NELEMS(calls); i++) {
    async_init(&calls[i], "get_instance", fmt("{\"id\":%lld}", g_id), RESULT_INSTANCE, NULL, &done);
    async_queue(&calls[i], g_client, cancel);
  }
  oc_cancel_free(cancel);
  CHECK_MSG(latch_wait(&done, wait_limit_ms()), "not every callback ran");
  for (i = 0; i < NELEMS(calls); i++) async_check(&calls[i], OC_OK, "a call whose handle was freed");
  latch_destroy(&done);
  emu_clear_faults();

  /* Triggered, then freed at once: every call ends cancelled. */
  emu_fault("{\"method\":\"GET\",\"pathPrefix\":\"/elements/api-v2/instances/\",\"count\":10,"
            "\"delayMs\":10000}");
  CHECK_STATUS(oc_cancel_new(&cancel), OC_OK);
  latch_init(&done, (int)NELEMS(calls));
  before = emu_count_requests("GET", "/elements/api-v2/instances/");
  for (i = 0; i < NELEMS(calls); i++) {
    async_init(&calls[i], "get_instance", fmt("{\"id\":%lld}", g_id), RESULT_PLAIN, NULL, &done);
    async_queue(&calls[i], g_client, cancel);
  }
  emu_wait_requests("GET", "/elements/api-v2/instances/", before + (int)NELEMS(calls),
                    10000L * time_scale());
  triggered = now_ms();
  oc_cancel_trigger(cancel);
  oc_cancel_free(cancel);
  CHECK_MSG(latch_wait(&done, wait_limit_ms()), "not every callback ran");
  elapsed = now_ms() - triggered;
  printf("   10 asynchronous calls cancelled by one trigger: the last callback after %lld ms\n", elapsed);
  CHECK_MSG(elapsed < 1000L * time_scale(), "the cancelled calls took %lld ms to call back", elapsed);
  for (i = 0; i < NELEMS(calls); i++)
    async_check(&calls[i], OC_ERR_CANCELLED, "a call cancelled, its handle freed");
  latch_destroy(&done);
  emu_clear_faults();
}

/* ---- waits for the browser do not hold up platform calls ----------------------------------------------- */

#define WAITS 65

/* Loopback ports on which nothing listens, all different (held open together while chosen). */
static void unused_ports(int *ports, int count) {
  int *fds = (int *)calloc((size_t)count, sizeof(int));
  int i;
  for (i = 0; i < count; i++) {
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fds[i] = socket(AF_INET, SOCK_STREAM, 0);
    if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&addr, sizeof addr) != 0 ||
        getsockname(fds[i], (struct sockaddr *)&addr, &len) != 0) {
      perror("unused_ports");
      exit(2);
    }
    ports[i] = ntohs(addr.sin_port);
  }
  for (i = 0; i < count; i++) close(fds[i]);
  free(fds);
}

static void test_waits_and_calls(void) {
  static async_call waits[WAITS];
  async_call calls[10], redirected;
  latch waits_done, calls_done, redirect_done;
  oc_cancel *cancel = NULL;
  int ports[WAITS + 1], port;
  size_t i;
  test_section("65 waits for a redirect (more than the pool's 64 threads), platform calls meanwhile");
  unused_ports(ports, WAITS + 1);
  port = ports[WAITS];
  CHECK_STATUS(oc_cancel_new(&cancel), OC_OK);
  latch_init(&waits_done, WAITS);
  for (i = 0; i < WAITS; i++) {
    async_init(&waits[i], "await_callback",
               fmt("{\"callbackUrl\":\"http://127.0.0.1:%d/cb\",\"expectedState\":\"s\","
                   "\"timeoutMs\":60000}",
                   ports[i]),
               RESULT_CALLBACK, NULL, &waits_done);
    async_queue(&waits[i], NULL, cancel);
  }
  latch_init(&calls_done, (int)NELEMS(calls));
  for (i = 0; i < NELEMS(calls); i++) {
    async_mixed(&calls[i], (int)i, &calls_done);
    async_queue(&calls[i], g_client, NULL);
  }
  CHECK_MSG(latch_wait(&calls_done, wait_limit_ms()), "platform calls waited for the waits");
  for (i = 0; i < NELEMS(calls); i++) async_check(&calls[i], OC_OK, "a call beside the waits");
  /* One more wait, which a browser completes. */
  latch_init(&redirect_done, 1);
  async_init(&redirected, "await_callback",
             fmt("{\"callbackUrl\":\"http://127.0.0.1:%d/cb\",\"expectedState\":\"s\",\"timeoutMs\":60000}",
                 port),
             RESULT_CALLBACK, fmt("/code = the-code"), &redirect_done);
  async_queue(&redirected, NULL, NULL);
  {
    long long until = now_ms() + 10000L * time_scale();
    http_response resp;
    while (http_request(port, "GET", "/cb?code=the-code&state=s", NULL, &resp) != 0 && now_ms() < until)
      sleep_ms(10); /* until the listener is up */
    CHECK_MSG(resp.status == 200, "the redirect was answered %d", resp.status);
    http_response_free(&resp);
  }
  CHECK_MSG(latch_wait(&redirect_done, wait_limit_ms()), "the redirected wait did not call back");
  async_check(&redirected, OC_OK, "a wait that got its redirect");
  oc_cancel_trigger(cancel);
  oc_cancel_free(cancel);
  CHECK_MSG(latch_wait(&waits_done, wait_limit_ms()), "cancelled waits did not call back");
  for (i = 0; i < WAITS; i++) async_check(&waits[i], OC_ERR_CANCELLED, "a cancelled wait");
  latch_destroy(&waits_done);
  latch_destroy(&calls_done);
  latch_destroy(&redirect_done);
}

/* ---- what oc_call_async refuses at once ---------------------------------------------------------------- */

static void test_refused(void) {
  static const struct {
    int client; /* 0: NULL */
    const char *operation;
    int callback; /* 0: NULL */
  } refused[] = {
      {1, NULL, 1},           {1, "nope", 1},         {1, "", 1},           {1, "GET_INSTANCE", 1},
      {0, "get_instance", 1}, {0, "oauth_url", 1},    {0, "request", 1},    {1, "get_instance", 0},
      {1, "parse_callback", 0},
  };
  async_call calls[NELEMS(refused)], queued[3];
  latch never, done;
  size_t i;
  char *request;
  test_section("oc_call_async: statuses returned at once, with no callback");
  latch_init(&never, (int)NELEMS(refused));
  for (i = 0; i < NELEMS(refused); i++) {
    oc_status status;
    async_init(&calls[i], refused[i].operation, NULL, RESULT_PLAIN, NULL, &never);
    status = oc_call_async(refused[i].client ? g_client : NULL, refused[i].operation, "{\"id\":1}",
                           NULL, refused[i].callback ? on_done : NULL, &calls[i]);
    CHECK_MSG(status == OC_ERR_INVALID_ARGUMENT, "oc_call_async(%s, %s, %s): %s",
              refused[i].client ? "client" : "NULL",
              refused[i].operation ? refused[i].operation : "NULL",
              refused[i].callback ? "callback" : "NULL", oc_status_name((uint32_t)status));
  }
  /* Queued: an operation that needs no client, with none; a NULL request (an error document
   * in the callback); a request freed as soon as the call returns. */
  latch_init(&done, 3);
  async_init(&queued[0], "parse_callback", NULL, RESULT_CALLBACK, fmt("/code = c1"), &done);
  CHECK_STATUS(oc_call_async(NULL, "parse_callback", "{\"url\":\"code=c1&state=s\",\"expectedState\":\"s\"}",
                             NULL, on_done, &queued[0]),
               OC_OK);
  async_init(&queued[1], "get_instance", NULL, RESULT_PLAIN, NULL, &done);
  CHECK_STATUS(oc_call_async(g_client, "get_instance", NULL, NULL, on_done, &queued[1]), OC_OK);
  request = fmt("{\"id\":%lld}", g_id);
  async_init(&queued[2], "get_instance", NULL, RESULT_INSTANCE, fmt("/name = async-instance"), &done);
  CHECK_STATUS(oc_call_async(g_client, "get_instance", request, NULL, on_done, &queued[2]), OC_OK);
  memset(request, 'x', strlen(request));
  free(request);
  CHECK_MSG(latch_wait(&done, wait_limit_ms()), "not every callback ran");
  async_check(&queued[0], OC_OK, "parse_callback without a client");
  async_check(&queued[1], OC_ERR_INVALID_ARGUMENT, "a NULL request");
  async_check(&queued[2], OC_OK, "a request freed after queueing");
  /* The refused ones never call back: by now they would have. */
  sleep_ms(50);
  for (i = 0; i < NELEMS(refused); i++)
    CHECK_MSG(calls[i].callbacks == 0, "refused call %zu called back", i);
  latch_destroy(&never);
  latch_destroy(&done);
}

/* ---- 8 threads mixing synchronous, asynchronous and cancelled calls ----------------------------------- */

#define THREADS 8
static int g_stress_calls = 200; /* per thread */

typedef struct stress_worker {
  int index;
  int right;
  async_call *calls; /* one per iteration, for the asynchronous ones */
  latch *done;
} stress_worker;

/* A cancelled call may end either way, by when the trigger came. */
static int stress_status_ok(oc_status status, int post) {
  return status == OC_OK || status == OC_ERR_CANCELLED || (post && status == OC_ERR_OUTCOME_UNKNOWN);
}

static void *stress_main(void *arg) {
  stress_worker *w = (stress_worker *)arg;
  int i;
  for (i = 0; i < g_stress_calls; i++) {
    async_call *c = &w->calls[i];
    char *get = fmt("{\"id\":%lld}", g_id);
    oc_cancel *cancel = NULL;
    call_result r;
    switch ((w->index + i) % 5) {
      case 0: /* synchronous */
        r = CALL_OP(g_client, "get_instance", get, NULL, RESULT_INSTANCE);
        w->right += CHECK_STATUS(r.status, OC_OK);
        result_free(&r);
        latch_count_down(w->done);
        break;
      case 1: /* asynchronous */
        async_mixed(c, i, w->done);
        async_queue(c, g_client, NULL);
        break;
      case 2: /* asynchronous, cancelled at once, the handle freed at once */
        async_init(c, "get_instance", fmt("{\"id\":%lld}", g_id), RESULT_INSTANCE, NULL, w->done);
        oc_cancel_new(&cancel);
        async_queue(c, g_client, cancel);
        oc_cancel_trigger(cancel);
        oc_cancel_free(cancel);
        break;
      case 3: /* a POST through the instance, cancelled at once */
        async_init(c, "request",
                   fmt("{\"method\":\"POST\",\"path\":\"/hubs/ecommerce/orders\",\"body\":{\"n\":%d},"
                       "\"elementToken\":\"%s\"}",
                       i, g_token),
                   RESULT_PLAIN, NULL, w->done);
        oc_cancel_new(&cancel);
        async_queue(c, g_client, cancel);
        oc_cancel_trigger(cancel);
        oc_cancel_free(cancel);
        break;
      default: /* synchronous with a handle triggered before */
        oc_cancel_new(&cancel);
        oc_cancel_trigger(cancel);
        r = CALL_OP(g_client, "get_instance", get, cancel, RESULT_PLAIN);
        w->right += CHECK_STATUS(r.status, OC_ERR_CANCELLED);
        result_free(&r);
        oc_cancel_free(cancel);
        latch_count_down(w->done);
        break;
    }
    free(get);
  }
  return NULL;
}

static void test_stress(void) {
  pthread_t threads[THREADS];
  stress_worker workers[THREADS];
  latch done;
  int t, i, right = 0, total = THREADS * g_stress_calls;
  long long t0 = now_ms();
  char *title = fmt("8 threads x %d calls: synchronous, asynchronous, cancelled", g_stress_calls);
  test_section(title);
  free(title);
  emu_fault("{\"pathPrefix\":\"/elements/api-v2/\",\"count\":200,\"delayMs\":20}");
  latch_init(&done, total);
  for (t = 0; t < THREADS; t++) {
    workers[t].index = t;
    workers[t].right = 0;
    workers[t].done = &done;
    workers[t].calls = (async_call *)calloc((size_t)g_stress_calls, sizeof(async_call));
    CHECK(pthread_create(&threads[t], NULL, stress_main, &workers[t]) == 0);
  }
  for (t = 0; t < THREADS; t++) pthread_join(threads[t], NULL);
  CHECK_MSG(latch_wait(&done, wait_limit_ms()), "not every callback ran");
  for (t = 0; t < THREADS; t++) {
    right += workers[t].right;
    for (i = 0; i < g_stress_calls; i++) {
      async_call *c = &workers[t].calls[i];
      if (c->operation == NULL) continue; /* a synchronous one, counted already */
      if (c->want != NULL) {
        right += async_check(c, OC_OK, "a stress call");
      } else {
        /* Cancelled at once: it ends either way, by when the trigger came. */
        int post = strstr(c->request, "\"POST\"") != NULL;
        oc_status allowed = stress_status_ok(c->status, post) ? c->status : OC_ERR_CANCELLED;
        right += async_check(c, allowed, "a cancelled stress call");
      }
    }
    free(workers[t].calls);
  }
  printf("   %d of %d calls right in %lld ms\n", right, total, now_ms() - t0);
  CHECK_MSG(right == total, "%d of %d calls right", right, total);
  emu_clear_faults();
  latch_destroy(&done);
}

int main(void) {
  /* OC_STRESS_CALLS (default 1000) sizes the runs: 100 at once and 8 x 200 mixed calls. */
  const char *calls = getenv("OC_STRESS_CALLS");
  if (calls != NULL && atoi(calls) >= 10) {
    g_stress_calls = atoi(calls) / 5;
    g_at_once = atoi(calls) / 2 < AT_ONCE ? atoi(calls) / 2 : AT_ONCE;
  }
  secret_add(USER_SECRET, SECRET_ALWAYS);
  secret_add(ORG_SECRET, SECRET_ALWAYS);
  secret_add(API_SECRET, SECRET_ALWAYS);
  emu_start();
  g_client = emu_client("");
  g_id = create_instance(g_client, "async-instance", "[\"async\"]", &g_token);
  if (g_id == 0 || g_token == NULL) {
    CHECK_MSG(0, "no instance to share");
  } else {
    test_refused();
    test_hundred_at_once();
    test_client_freed();
    test_chain();
    test_cancel_freed();
    test_waits_and_calls();
    test_stress();
  }
  oc_client_free(g_client);
  free(g_token);
  return test_summary();
}
