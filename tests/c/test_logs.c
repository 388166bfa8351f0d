/*
 * The log hook (oc_set_logger) through the C ABI, against the emulator: every record is one
 * JSON object with level, target and message; each HTTP exchange is one info record with its
 * method, path, status, duration, attempt, operation and request id, each retry decision one
 * more; debug records (connections, backoff waits, callback-listener requests) only at level 4
 * and above; no record holds a secret, a query string, a header value or a body; a NULL
 * callback (or level 0) removes the logger, and once oc_set_logger returns the previous logger
 * is not running.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* Sent in a header, the query and the body of oc_request: none may appear in a record. */
#define MARK_HEADER "hdrVALUEmark77"
#define MARK_QUERY "qryVALUEmark77"
#define MARK_BODY "bodyVALUEmark77"

/* ---- a logger that keeps what it gets ------------------------------------------------------------- */

typedef struct sink {
  pthread_mutex_t lock;
  char **records;
  uint32_t *levels;
  size_t count, cap;
  int running;        /* callbacks running now */
  int sleep_ms;       /* each callback takes this long (to catch one still running) */
  latch *first_ones;  /* counted down per record, when set */
} sink;

static void sink_init(sink *s) {
  memset(s, 0, sizeof *s);
  pthread_mutex_init(&s->lock, NULL);
}

static void sink_free(sink *s) {
  size_t i;
  for (i = 0; i < s->count; i++) free(s->records[i]);
  free(s->records);
  free(s->levels);
  pthread_mutex_destroy(&s->lock);
}

static size_t sink_count(sink *s) {
  size_t n;
  pthread_mutex_lock(&s->lock);
  n = s->count;
  pthread_mutex_unlock(&s->lock);
  return n;
}

static void on_record(void *user_data, uint32_t level, const char *record) {
  sink *s = (sink *)user_data;
  pthread_mutex_lock(&s->lock);
  s->running++;
  if (s->count == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 64;
    s->records = (char **)realloc(s->records, s->cap * sizeof(char *));
    s->levels = (uint32_t *)realloc(s->levels, s->cap * sizeof(uint32_t));
    if (s->records == NULL || s->levels == NULL) abort();
  }
  s->records[s->count] = strdup(record ? record : "(NULL record)");
  s->levels[s->count] = level;
  s->count++;
  pthread_mutex_unlock(&s->lock);
  if (s->sleep_ms) sleep_ms(s->sleep_ms);
  if (s->first_ones) latch_count_down(s->first_ones);
  pthread_mutex_lock(&s->lock);
  s->running--;
  pthread_mutex_unlock(&s->lock);
}

static const char *const LEVEL_NAMES[] = {"?", "error", "warn", "info", "debug", "trace"};

/* Checks every record from `from` on: one JSON object with level, target and message, its
 * level name matching the number and within max_level; no secret, no query string, no
 * header value, no body. Answers how many records it checked. */
static size_t check_records(sink *s, size_t from, uint32_t max_level) {
  size_t i, n = sink_count(s);
  for (i = from; i < n; i++) {
    const char *r = s->records[i];
    uint32_t level = s->levels[i];
    char *name = json_str(r, "/level");
    if (!CHECK_MSG(json_valid(r) && *json_at(r, "") == '{', "a record that is not a JSON object: %s", r))
      continue;
    CHECK_MSG(level >= 1 && level <= max_level, "a record of level %u with max_level %u: %s", level,
              max_level, r);
    CHECK_MSG(name && level >= 1 && level <= 5 && strcmp(name, LEVEL_NAMES[level]) == 0,
              "level %u named %s: %s", level, name ? name : "(none)", r);
    CHECK_MSG(json_at(r, "/target") && *json_at(r, "/target") == '"', "a record without a target: %s", r);
    CHECK_MSG(json_at(r, "/message") && *json_at(r, "/message") == '"', "a record without a message: %s", r);
    CHECK_MSG(strchr(r, '?') == NULL, "a record with a query string: %s", r);
    CHECK_MSG(strstr(r, MARK_HEADER) == NULL && strstr(r, MARK_QUERY) == NULL &&
                  strstr(r, MARK_BODY) == NULL,
              "a record with a header value, a query or a body: %s", r);
    check_no_secrets_(r, RESULT_PLAIN, __FILE__, __LINE__);
    free(name);
  }
  return n - from;
}

/* Records from `from` on that describe a finished HTTP exchange (info, with a status). */
static int exchanges_since(sink *s, size_t from) {
  size_t i, n = sink_count(s);
  int count = 0;
  for (i = from; i < n; i++)
    if (s->levels[i] == 3 && json_str_eq(s->records[i], "/target", "http") &&
        json_at(s->records[i], "/status") != NULL)
      count++;
  return count;
}

/* Records from `from` on of this level whose message holds `part` (NULL: any). */
static int records_since(sink *s, size_t from, uint32_t level, const char *part) {
  size_t i, n = sink_count(s);
  int count = 0;
  for (i = from; i < n; i++) {
    char *message = json_str(s->records[i], "/message");
    if (s->levels[i] == level && message && (part == NULL || strstr(message, part))) count++;
    free(message);
  }
  return count;
}

/* ---- a flow, logged at info ------------------------------------------------------------------------- */

static void test_info(void) {
  sink s;
  oc_client *client = emu_client("");
  long long id = 0;
  char *token = NULL, *request, *path, *fault;
  size_t from, i;
  int sent_before;
  call_result r;
  test_section("info: one record per exchange and per retry decision, nothing secret");
  sink_init(&s);
  emu_reset();
  CHECK_STATUS(oc_set_logger(on_record, &s, 3), OC_OK);

  /* The whole flow, and a call through the instance with a header, a query and a body. */
  sent_before = emu_count_requests(NULL, "/elements/api-v2/");
  id = create_instance(client, "logged", "[\"logs\"]", &token);
  request = fmt("{\"method\":\"POST\",\"path\":\"/hubs/ecommerce/orders\",\"query\":{\"q\":\"" MARK_QUERY
                "\"},\"headers\":{\"X-Marker\":\"" MARK_HEADER "\"},\"body\":{\"note\":\"" MARK_BODY
                "\"},\"elementToken\":\"%s\"}",
                token ? token : "");
  r = CALL_OP(client, "request", request, NULL, RESULT_PLAIN);
  CHECK_STATUS(r.status, OC_OK);
  result_free(&r);
  free(request);
  request = fmt("{\"id\":%lld}", id);
  r = CALL_OP(client, "get_instance", request, NULL, RESULT_INSTANCE);
  CHECK_STATUS(r.status, OC_OK);
  result_free(&r);
  r = CALL_OP(client, "list_instances", "{\"tags\":[\"logs\"],\"searchText\":\"logged\"}", NULL,
              RESULT_INSTANCE);
  CHECK_STATUS(r.status, OC_OK);
  result_free(&r);
  CHECK_MSG(check_records(&s, 0, 3) > 0, "no records at info");
  CHECK_MSG(exchanges_since(&s, 0) == emu_count_requests(NULL, "/elements/api-v2/") - sent_before,
            "%d exchange records for %d requests", exchanges_since(&s, 0),
            emu_count_requests(NULL, "/elements/api-v2/") - sent_before);
  CHECK_MSG(records_since(&s, 0, 4, NULL) == 0 && records_since(&s, 0, 5, NULL) == 0,
            "debug or trace records at max_level 3");

  /* The exchange of get_instance, member by member. */
  path = fmt("/instances/%lld", id);
  for (i = 0; i < sink_count(&s); i++) {
    const char *rec = s.records[i];
    long long n;
    if (!json_str_eq(rec, "/operation", "get_instance")) continue;
    CHECK_MSG(json_str_eq(rec, "/method", "GET"), "method: %s", rec);
    CHECK_MSG(json_str_eq(rec, "/path", path) || (json_str(rec, "/path") && strstr(rec, path)),
              "path %s: %s", path, rec);
    CHECK_MSG(json_int(rec, "/status", &n) && n == 200, "status: %s", rec);
    CHECK_MSG(json_int(rec, "/durationMs", &n) && n >= 0, "durationMs: %s", rec);
    CHECK_MSG(json_int(rec, "/attempt", &n) && n == 1, "attempt: %s", rec);
    CHECK_MSG(json_at(rec, "/requestId") && *json_at(rec, "/requestId") == '"', "requestId: %s", rec);
  }
  CHECK_MSG(records_since(&s, 0, 3, path) == 1, "one record of the GET of %s", path);

  /* A retry: the 503, the decision, the 200. */
  from = sink_count(&s);
  fault = fmt("{\"method\":\"GET\",\"pathPrefix\":\"/elements/api-v2%s\",\"count\":1,\"status\":503}", path);
  emu_fault(fault);
  r = CALL_OP(client, "get_instance", request, NULL, RESULT_INSTANCE);
  CHECK_STATUS(r.status, OC_OK);
  result_free(&r);
  check_records(&s, from, 3);
  CHECK_MSG(exchanges_since(&s, from) == 2, "%d exchange records for a retried GET, want 2",
            exchanges_since(&s, from));
  CHECK_MSG(records_since(&s, from, 3, "retr") == 1, "%d retry decisions, want 1",
            records_since(&s, from, 3, "retr"));

  /* Errors from the platform are logged as exchanges too, and hold nothing secret. */
  from = sink_count(&s);
  r = CALL_OP(client, "get_instance", "{\"id\":1}", NULL, RESULT_PLAIN);
  CHECK_STATUS(r.status, OC_ERR_API);
  result_free(&r);
  check_records(&s, from, 3);
  CHECK_MSG(exchanges_since(&s, from) == 1, "the 404 as one exchange record");

  CHECK_STATUS(oc_set_logger(NULL, NULL, 3), OC_OK);
  free(fault);
  free(path);
  free(request);
  free(token);
  oc_client_free(client);
  sink_free(&s);
}

/* ---- levels ------------------------------------------------------------------------------------------- */

typedef struct browser {
  int port;
  int status;
} browser;

static void *browser_main(void *arg) {
  browser *b = (browser *)arg;
  long long until = now_ms() + 10000L * time_scale();
  http_response resp;
  while (http_request(b->port, "GET", "/cb?code=logged-code&state=s", NULL, &resp) != 0 &&
         now_ms() < until)
    sleep_ms(10);
  b->status = resp.status;
  http_response_free(&resp);
  return NULL;
}

static void test_levels(void) {
  sink s;
  oc_client *client = emu_client("");
  oc_client *nowhere;
  char *config, *request;
  call_result r;
  size_t from;
  long long id;
  test_section("levels: debug only at 4 and above, warn alone at 2, none at 0");
  sink_init(&s);
  emu_reset();
  id = create_instance(client, "levels", "[]", NULL);
  request = fmt("{\"id\":%lld}", id);

  /* Debug: connections, backoff waits, the callback listener's requests. */
  CHECK_STATUS(oc_set_logger(on_record, &s, 4), OC_OK);
  {
    oc_client *fresh = emu_client("");
    char *fault = fmt("{\"method\":\"GET\",\"pathPrefix\":\"/elements/api-v2/instances/%lld\","
                      "\"count\":1,\"status\":503}",
                      id);
    emu_fault(fault);
    r = CALL_OP(fresh, "get_instance", request, NULL, RESULT_INSTANCE);
    CHECK_STATUS(r.status, OC_OK);
    result_free(&r);
    oc_client_free(fresh);
    free(fault);
  }
  {
    browser b;
    pthread_t thread;
    char *await;
    b.port = unused_port();
    b.status = 0;
    await = fmt("{\"callbackUrl\":\"http://127.0.0.1:%d/cb\",\"expectedState\":\"s\",\"timeoutMs\":10000}",
                b.port);
    secret_add("logged-code", SECRET_CODE);
    CHECK(pthread_create(&thread, NULL, browser_main, &b) == 0);
    r = CALL_OP(NULL, "await_callback", await, NULL, RESULT_CALLBACK);
    pthread_join(thread, NULL);
    CHECK_STATUS(r.status, OC_OK);
    CHECK_MSG(b.status == 200, "the browser got %d", b.status);
    result_free(&r);
    free(await);
  }
  check_records(&s, 0, 4);
  {
    size_t i, n = sink_count(&s);
    int connections = 0, backoff = 0, listener = 0;
    for (i = 0; i < n; i++) {
      const char *rec = s.records[i];
      if (s.levels[i] != 4) continue;
      if (strstr(rec, "connection")) connections++;
      if (strstr(rec, "backing off") || strstr(rec, "backoff")) backoff++;
      if (json_str_eq(rec, "/target", "callback")) listener++;
    }
    printf("   debug records: %d on connections, %d on backoff waits, %d from the listener\n",
           connections, backoff, listener);
    CHECK_MSG(connections > 0, "no debug record of a connection opened or reused");
    CHECK_MSG(backoff == 1, "%d debug records of a backoff wait, want 1", backoff);
    CHECK_MSG(listener >= 1, "no debug record of a callback-listener request");
  }

  /* A failed exchange is a warning, a finished one info: at max_level 3 both come, at 2 the
   * warning alone (it is within the level whether or not info is wanted). */
  config = fmt("{\"baseUrl\":\"http://127.0.0.1:%d/elements/api-v2\",\"userSecret\":\"%s\","
               "\"organizationSecret\":\"%s\",\"maxRetries\":0}",
               unused_port(), USER_SECRET, ORG_SECRET);
  nowhere = client_new_checked(config);
  from = sink_count(&s);
  CHECK_STATUS(oc_set_logger(on_record, &s, 3), OC_OK);
  r = CALL_OP(nowhere, "get_instance", "{\"id\":1}", NULL, RESULT_PLAIN);
  CHECK_STATUS(r.status, OC_ERR_TRANSPORT);
  result_free(&r);
  check_records(&s, from, 3);
  CHECK_MSG(records_since(&s, from, 2, NULL) == 1, "%d warn records for one failed exchange at max_level 3",
            records_since(&s, from, 2, NULL));
  from = sink_count(&s);
  CHECK_STATUS(oc_set_logger(on_record, &s, 2), OC_OK);
  r = CALL_OP(nowhere, "get_instance", "{\"id\":1}", NULL, RESULT_PLAIN);
  CHECK_STATUS(r.status, OC_ERR_TRANSPORT);
  result_free(&r);
  r = CALL_OP(client, "get_instance", request, NULL, RESULT_INSTANCE);
  CHECK_STATUS(r.status, OC_OK);
  result_free(&r);
  check_records(&s, from, 2);
  CHECK_MSG(records_since(&s, from, 2, NULL) == 1,
            "%d warn records for one failed exchange at max_level 2 (1 at max_level 3)",
            records_since(&s, from, 2, NULL));

  /* Level 0 and a NULL callback remove the logger. */
  CHECK_STATUS(oc_set_logger(on_record, &s, 0), OC_OK);
  from = sink_count(&s);
  r = CALL_OP(nowhere, "get_instance", "{\"id\":1}", NULL, RESULT_PLAIN);
  result_free(&r);
  r = CALL_OP(client, "get_instance", request, NULL, RESULT_INSTANCE);
  result_free(&r);
  CHECK_MSG(sink_count(&s) == from, "max_level 0 still logged %zu records", sink_count(&s) - from);
  CHECK_STATUS(oc_set_logger(on_record, &s, 9), OC_OK); /* above 5 counts as 5 */
  r = CALL_OP(client, "get_instance", request, NULL, RESULT_INSTANCE);
  result_free(&r);
  CHECK_MSG(sink_count(&s) > from, "max_level 9 logged nothing");
  check_records(&s, from, 5);
  CHECK_STATUS(oc_set_logger(NULL, &s, 5), OC_OK);
  from = sink_count(&s);
  r = CALL_OP(client, "get_instance", request, NULL, RESULT_INSTANCE);
  result_free(&r);
  CHECK_MSG(sink_count(&s) == from, "a removed logger still got %zu records", sink_count(&s) - from);

  free(request);
  free(config);
  oc_client_free(nowhere);
  oc_client_free(client);
  sink_free(&s);
}

/* ---- replacing a logger while calls run --------------------------------------------------------------- */

typedef struct busy {
  const oc_client *client;
  const char *request;
  int stop;
  pthread_mutex_t lock;
  int calls;
} busy;

static void *busy_main(void *arg) {
  busy *b = (busy *)arg;
  for (;;) {
    call_result r;
    int stop;
    pthread_mutex_lock(&b->lock);
    stop = b->stop;
    pthread_mutex_unlock(&b->lock);
    if (stop) break;
    r = CALL_OP(b->client, "get_instance", b->request, NULL, RESULT_INSTANCE);
    result_free(&r);
    pthread_mutex_lock(&b->lock);
    b->calls++;
    pthread_mutex_unlock(&b->lock);
  }
  return NULL;
}

static void test_replace(void) {
  sink old_sink, new_sink;
  latch old_ones, new_ones;
  busy b;
  pthread_t threads[4];
  oc_client *client = emu_client("");
  char *request;
  size_t i, old_count;
  int running;
  test_section("replacing the logger while 4 threads call: the old one has stopped on return");
  sink_init(&old_sink);
  sink_init(&new_sink);
  old_sink.sleep_ms = 2; /* long enough that a record is often being delivered */
  latch_init(&old_ones, 20);
  latch_init(&new_ones, 20);
  old_sink.first_ones = &old_ones;
  new_sink.first_ones = &new_ones;
  emu_reset();
  request = fmt("{\"id\":%lld}", create_instance(client, "replaced", "[]", NULL));
  memset(&b, 0, sizeof b);
  b.client = client;
  b.request = request;
  pthread_mutex_init(&b.lock, NULL);
  CHECK_STATUS(oc_set_logger(on_record, &old_sink, 3), OC_OK);
  for (i = 0; i < NELEMS(threads); i++) CHECK(pthread_create(&threads[i], NULL, busy_main, &b) == 0);
  CHECK_MSG(latch_wait(&old_ones, 10000L * time_scale()), "the first logger got too few records");
  CHECK_STATUS(oc_set_logger(on_record, &new_sink, 3), OC_OK);
  pthread_mutex_lock(&old_sink.lock);
  running = old_sink.running;
  old_count = old_sink.count;
  pthread_mutex_unlock(&old_sink.lock);
  CHECK_MSG(running == 0, "the old logger was still running %d records when oc_set_logger returned",
            running);
  CHECK_MSG(latch_wait(&new_ones, 10000L * time_scale()), "the new logger got too few records");
  CHECK_MSG(sink_count(&old_sink) == old_count, "the old logger got %zu records after it was replaced",
            sink_count(&old_sink) - old_count);
  CHECK_STATUS(oc_set_logger(NULL, NULL, 0), OC_OK);
  pthread_mutex_lock(&b.lock);
  b.stop = 1;
  pthread_mutex_unlock(&b.lock);
  for (i = 0; i < NELEMS(threads); i++) pthread_join(threads[i], NULL);
  printf("   %d calls; %zu records to the old logger, %zu to the new\n", b.calls, old_count,
         sink_count(&new_sink));
  check_records(&old_sink, 0, 3);
  check_records(&new_sink, 0, 3);
  /* The latches are counted down past zero by records that came after: harmless. */
  latch_destroy(&old_ones);
  latch_destroy(&new_ones);
  pthread_mutex_destroy(&b.lock);
  free(request);
  oc_client_free(client);
  sink_free(&old_sink);
  sink_free(&new_sink);
}

int main(void) {
  secret_add(USER_SECRET, SECRET_ALWAYS);
  secret_add(ORG_SECRET, SECRET_ALWAYS);
  secret_add(API_SECRET, SECRET_ALWAYS);
  emu_start();
  test_info();
  test_levels();
  test_replace();
  return test_summary();
}
