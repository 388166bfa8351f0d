/*
 * One oc_client shared by 8 threads making mixed calls (get, list, request through the
 * instance, parse_callback; 1000 each, or OC_STRESS_CALLS: run.sh sets fewer under valgrind)
 * with faults armed in the emulator, every result checked; then oc_parse_callback hammered
 * from 8 threads (300 each, or fewer with OC_STRESS_CALLS). Errors are in-band, so each thread must see exactly its own results.
 *
 * The faults: 503 answers to hub GETs (retried, so a call sees OC_OK or, when all its
 * attempts met one, OC_ERR_API 503) and dropped connections on instance GETs (retried: OC_OK
 * or OC_ERR_TRANSPORT).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define THREADS 8

static int g_parses = 300; /* per thread; as many as the mixed calls when those are fewer */

static int g_calls = 1000;
static oc_client *g_client;
static long long g_id;
static char *g_token;

struct worker {
  int index;
  int ok_calls;
};

static void *mixed_calls(void *arg) {
  struct worker *w = (struct worker *)arg;
  int i;
  for (i = 0; i < g_calls; i++) {
    char *request = NULL;
    call_result r;
    long long got = -1;
    int ok = 0;
    switch ((w->index + i) % 4) {
      case 0:
        request = fmt("{\"id\":%lld}", g_id);
        r = CALL(oc_get_instance, g_client, request, RESULT_INSTANCE);
        if (r.status == OC_ERR_TRANSPORT) {
          ok = 1; /* every attempt met a dropped connection */
          break;
        }
        ok = CHECK_STATUS(r.status, OC_OK) && CHECK(json_int(r.json, "/id", &got) && got == g_id) &&
             CHECK(json_str_eq(r.json, "/token", g_token));
        break;
      case 1:
        request = fmt("{\"tags\":[\"threads\"],\"pageSize\":%d}", 1 + i % 3);
        r = CALL(oc_list_instances, g_client, request, RESULT_INSTANCE);
        ok = CHECK_STATUS(r.status, OC_OK) && CHECK(json_len(r.json, "/instances") == 1) &&
             CHECK(has_instance(r.json, g_id));
        break;
      case 2: {
        int size = 1 + (w->index * g_calls + i) % 7;
        request = fmt("{\"method\":\"GET\",\"path\":\"/hubs/ecommerce/orders\","
                      "\"query\":{\"pageSize\":\"%d\"},\"elementToken\":\"%s\"}",
                      size, g_token);
        r = CALL(oc_request, g_client, request, RESULT_PLAIN);
        if (r.status == OC_ERR_API) {
          ok = CHECK(json_int(r.json, "/error/status", &got) && got == 503);
          break;
        }
        ok = CHECK_STATUS(r.status, OC_OK) && CHECK(json_int(r.json, "/status", &got) && got == 200) &&
             CHECK_MSG(json_len(r.json, "/body") == size, "thread %d: %d orders, want %d", w->index,
                       json_len(r.json, "/body"), size);
        break;
      }
      default: {
        char *code = fmt("code-%d-%d", w->index, i);
        char *state = fmt("state-%d-%d", w->index, i);
        request = fmt("{\"url\":\"http://127.0.0.1:9/cb?code=%s&state=%s\",\"expectedState\":\"%s\"}",
                      code, state, state);
        r = CALLP(oc_parse_callback, request, RESULT_CALLBACK);
        ok = CHECK_STATUS(r.status, OC_OK) && CHECK(json_str_eq(r.json, "/code", code)) &&
             CHECK(json_str_eq(r.json, "/state", state));
        free(code);
        free(state);
        break;
      }
    }
    if (ok) w->ok_calls++;
    result_free(&r);
    free(request);
  }
  return NULL;
}

static void *parse_hammer(void *arg) {
  struct worker *w = (struct worker *)arg;
  int i;
  for (i = 0; i < g_parses; i++) {
    char *request;
    call_result r;
    int mismatch = i % 10 == 0;
    char *code = fmt("c%d_%d", w->index, i);
    request = fmt("{\"url\":\"?code=%s&state=t%d_%d&n=%d\",\"expectedState\":\"t%d_%d\"}", code,
                  w->index, i, i, w->index, mismatch ? i + 1 : i);
    r = CALLP(oc_parse_callback, request, mismatch ? RESULT_PLAIN : RESULT_CALLBACK);
    if (mismatch) {
      if (CHECK_STATUS(r.status, OC_ERR_STATE_MISMATCH)) w->ok_calls++;
    } else if (CHECK_STATUS(r.status, OC_OK) && CHECK(json_str_eq(r.json, "/code", code))) {
      w->ok_calls++;
    }
    result_free(&r);
    free(request);
    free(code);
  }
  return NULL;
}

static void run_threads(void *(*body)(void *), int per_thread, const char *what) {
  pthread_t threads[THREADS];
  struct worker workers[THREADS];
  int i, total = 0;
  long long t0 = now_ms();
  for (i = 0; i < THREADS; i++) {
    workers[i].index = i;
    workers[i].ok_calls = 0;
    CHECK(pthread_create(&threads[i], NULL, body, &workers[i]) == 0);
  }
  for (i = 0; i < THREADS; i++) {
    pthread_join(threads[i], NULL);
    total += workers[i].ok_calls;
  }
  printf("   %s: %d of %d calls right in %lld ms\n", what, total, THREADS * per_thread,
         now_ms() - t0);
  CHECK_MSG(total == THREADS * per_thread, "%s: %d of %d calls right", what, total,
            THREADS * per_thread);
}

int main(void) {
  const char *calls = getenv("OC_STRESS_CALLS");
  if (calls != NULL && atoi(calls) > 0) g_calls = atoi(calls);
  if (g_calls < g_parses) g_parses = g_calls;
  secret_add(USER_SECRET, SECRET_ALWAYS);
  secret_add(ORG_SECRET, SECRET_ALWAYS);
  secret_add(API_SECRET, SECRET_ALWAYS);
  emu_start();
  g_client = emu_client("");
  {
    char *title = fmt("8 threads x %d mixed calls on one client, faults armed", g_calls);
    test_section(title);
    free(title);
  }
  g_id = create_instance(g_client, "threads-instance", "[\"threads\"]", &g_token);
  if (g_id == 0 || g_token == NULL) {
    CHECK_MSG(0, "no instance to share");
    oc_client_free(g_client);
    free(g_token);
    return test_summary();
  }
  {
    char *hub = fmt("{\"method\":\"GET\",\"pathPrefix\":\"/elements/api-v2/hubs/\","
                    "\"count\":%d,\"status\":503}", g_calls / 4);
    char *drop = fmt("{\"method\":\"GET\",\"pathPrefix\":\"/elements/api-v2/instances/\","
                     "\"count\":%d,\"drop\":\"before_response\"}", g_calls / 8);
    emu_fault(hub);
    emu_fault(drop);
    free(hub);
    free(drop);
  }
  run_threads(mixed_calls, g_calls, "mixed calls");
  emu_clear_faults();
  test_section("oc_parse_callback from 8 threads");
  run_threads(parse_hammer, g_parses, "parse_callback");
  oc_client_free(g_client);
  free(g_token);
  return test_summary();
}
