/*
 * The callback listener (await_callback through oc_call) under hostile local traffic, from
 * threads of this program acting as other local clients: connections that send nothing, one
 * that sends a byte every 200 ms, requests with another state or none (400, the wait goes
 * on), an oversized head (431), other paths (404), other methods (405), before and during the
 * real redirect. The redirect with the expected state still ends the wait at once, a wait with
 * only hostile clients ends at timeoutMs, and `localhost` is served on ::1 too (skipped with a
 * message where the machine has no ::1).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "support.h"

#define STATE "st8-expected-4f2a"

/* ---- the wait, on a thread of its own ---------------------------------------------------------------- */

typedef struct waiter {
  char *request;
  call_result result;
  long long started_us, returned_us;
  pthread_t thread;
} waiter;

static void *waiter_main(void *arg) {
  waiter *w = (waiter *)arg;
  w->started_us = now_us();
  w->result = CALL_OP(NULL, "await_callback", w->request, NULL, RESULT_CALLBACK);
  w->returned_us = now_us();
  return NULL;
}

static void waiter_start(waiter *w, const char *callback_url, long timeout_ms) {
  memset(w, 0, sizeof *w);
  w->request = fmt("{\"callbackUrl\":\"%s\",\"expectedState\":\"" STATE "\",\"timeoutMs\":%ld}",
                   callback_url, timeout_ms);
  CHECK(pthread_create(&w->thread, NULL, waiter_main, w) == 0);
}

static void waiter_join(waiter *w) {
  pthread_join(w->thread, NULL);
  free(w->request);
}

/* ---- hostile clients ---------------------------------------------------------------------------------- */

/* A request as raw bytes to ip:port; answers the status (0: no answer). Checks that the page
 * is not cached and echoes nothing of the request (its markers hold "echo"). */
static int hostile(const char *ip, int port, const char *bytes, size_t len) {
  http_response resp;
  int status = 0;
  if (http_raw(ip, port, bytes, len, &resp) == 0) {
    status = resp.status;
    CHECK_MSG(resp.head && strcasestr(resp.head, "\r\nCache-Control: no-store"),
              "a listener page without Cache-Control: no-store: %s", resp.head ? resp.head : "");
    CHECK_MSG(resp.body && strstr(resp.body, "echo") == NULL, "the page echoes the request: %s",
              resp.body ? resp.body : "");
  }
  http_response_free(&resp);
  return status;
}

static int hostile_get(const char *ip, int port, const char *method, const char *target) {
  char *request = fmt("%s %s HTTP/1.1\r\nHost: localhost:%d\r\nConnection: close\r\n\r\n", method,
                      target, port);
  int status = hostile(ip, port, request, strlen(request));
  free(request);
  return status;
}

/* Waits until the listener answers (a request without the state: 400). */
static int listener_up(const char *ip, int port) {
  long long until = now_ms() + 10000L * time_scale();
  while (now_ms() < until) {
    int status = hostile_get(ip, port, "GET", "/cb?code=echo-early");
    if (status != 0) return status == 400;
    sleep_ms(10);
  }
  return 0;
}

/* Every kind of hostile request, one after the other, each with the answer it must get. */
static void hostile_round(const char *ip, int port) {
  static const struct {
    const char *method;
    const char *target;
    int status;
  } kinds[] = {
      {"GET", "/cb?code=echo-code&state=echo-other-state", 400}, /* another state */
      {"GET", "/cb?code=echo-code", 400},                        /* no state */
      {"GET", "/cb?error=access_denied&error_description=echo", 400}, /* an error without state */
      {"GET", "/cb?error=access_denied&state=echo-other", 400},  /* an error with another state */
      {"GET", "/cb?state=" STATE "x&code=echo", 400},            /* a state that only begins right */
      {"GET", "/favicon.ico", 404},
      {"GET", "/cb/deeper?code=echo&state=" STATE, 404},
      {"GET", "/?code=echo&state=" STATE, 404},
      {"POST", "/cb?code=echo-post&state=" STATE, 405}, /* the right state, the wrong method */
      {"HEAD", "/cb?code=echo-head&state=" STATE, 405},
  };
  size_t i;
  char *big;
  int status;
  for (i = 0; i < NELEMS(kinds); i++) {
    status = hostile_get(ip, port, kinds[i].method, kinds[i].target);
    CHECK_MSG(status == kinds[i].status, "%s %s: %d, want %d", kinds[i].method, kinds[i].target,
              status, kinds[i].status);
  }
  /* A head larger than the listener reads (16 KiB), never finished. */
  big = (char *)malloc(16 * 1024 + 100 + 1);
  if (big == NULL) abort();
  memset(big, 'a', 16 * 1024 + 100);
  memcpy(big, "GET /cb?state=echo HTTP/1.1\r\nX-Big: ", 36);
  big[16 * 1024 + 100] = '\0';
  status = hostile(ip, port, big, strlen(big));
  CHECK_MSG(status == 431, "an oversized head: %d, want 431", status);
  free(big);
}

/* Connections that stay open and send nothing. */
static void idle_open(int *fds, size_t count, int port) {
  size_t i;
  for (i = 0; i < count; i++) fds[i] = tcp_connect("127.0.0.1", port);
}

/* After the wait, the listener has closed them: a read ends (EOF or reset) instead of timing
 * out. Answers how many were closed. */
static int idle_closed(int *fds, size_t count) {
  size_t i;
  int closed = 0;
  for (i = 0; i < count; i++) {
    char c;
    struct timeval tv;
    ssize_t n;
    if (fds[i] < 0) continue;
    tv.tv_sec = 2L * time_scale();
    tv.tv_usec = 0;
    setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    n = recv(fds[i], &c, 1, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) closed++;
    close(fds[i]);
    fds[i] = -1;
  }
  return closed;
}

/* A client that sends a request a byte every 200 ms, until told to stop or closed. */
typedef struct dripper {
  int port;
  pthread_mutex_t lock;
  int stop;
  size_t sent;
  pthread_t thread;
} dripper;

static void *drip_main(void *arg) {
  dripper *d = (dripper *)arg;
  static const char request[] = "GET /cb?code=echo-drip&state=echo-drip HTTP/1.1\r\nHost: localhost\r\n\r\n";
  int fd = tcp_connect("127.0.0.1", d->port);
  size_t i;
  for (i = 0; fd >= 0 && i < sizeof request - 1; i++) {
    int stop;
    pthread_mutex_lock(&d->lock);
    stop = d->stop;
    pthread_mutex_unlock(&d->lock);
    if (stop || send(fd, request + i, 1, MSG_NOSIGNAL) != 1) break;
    pthread_mutex_lock(&d->lock);
    d->sent++;
    pthread_mutex_unlock(&d->lock);
    sleep_ms(200);
  }
  if (fd >= 0) close(fd);
  return NULL;
}

static void drip_start(dripper *d, int port) {
  memset(d, 0, sizeof *d);
  d->port = port;
  pthread_mutex_init(&d->lock, NULL);
  CHECK(pthread_create(&d->thread, NULL, drip_main, d) == 0);
}

static void drip_stop(dripper *d) {
  pthread_mutex_lock(&d->lock);
  d->stop = 1;
  pthread_mutex_unlock(&d->lock);
  pthread_join(d->thread, NULL);
  pthread_mutex_destroy(&d->lock);
}

/* A client that keeps sending hostile rounds until told to stop (at most 50 rounds). */
typedef struct noise {
  int port;
  pthread_mutex_t lock;
  int stop;
  int rounds;
  pthread_t thread;
} noise;

static void *noise_main(void *arg) {
  noise *n = (noise *)arg;
  int i;
  for (i = 0; i < 50; i++) {
    int stop;
    pthread_mutex_lock(&n->lock);
    stop = n->stop;
    pthread_mutex_unlock(&n->lock);
    if (stop) break;
    /* Not hostile_round: its checks assume the wait is still on, and this one runs into the
     * end of the wait. Anything it gets back must still be a refusal. */
    {
      int status = hostile_get("127.0.0.1", n->port, "GET", "/cb?code=echo-noise&state=echo-noise");
      CHECK_MSG(status == 0 || status == 400, "noise during the wait: %d", status);
    }
    pthread_mutex_lock(&n->lock);
    n->rounds++;
    pthread_mutex_unlock(&n->lock);
    sleep_ms(20);
  }
  return NULL;
}

static void noise_start(noise *n, int port) {
  memset(n, 0, sizeof *n);
  n->port = port;
  pthread_mutex_init(&n->lock, NULL);
  CHECK(pthread_create(&n->thread, NULL, noise_main, n) == 0);
}

static void noise_stop(noise *n) {
  pthread_mutex_lock(&n->lock);
  n->stop = 1;
  pthread_mutex_unlock(&n->lock);
  pthread_join(n->thread, NULL);
  pthread_mutex_destroy(&n->lock);
}

/* ---- the real redirect among hostile clients ------------------------------------------------------------ */

static void test_redirect_among_hostile(void) {
  int port = unused_port();
  int idle[5];
  char *url = fmt("http://127.0.0.1:%d/cb", port);
  waiter w;
  dripper drip;
  noise busy;
  http_response resp;
  long long sent_us, taken_ms;
  char *redirect;
  test_section("the redirect among hostile local clients");
  secret_add("code-real-9d3b1e", SECRET_CODE);
  waiter_start(&w, url, 20000L * time_scale());
  CHECK_MSG(listener_up("127.0.0.1", port), "the listener did not come up");
  /* Before: every kind of refusal, connections that send nothing, one that drips. */
  idle_open(idle, NELEMS(idle), port);
  drip_start(&drip, port);
  hostile_round("127.0.0.1", port);
  /* During: noise from another thread while the redirect is sent. */
  noise_start(&busy, port);
  hostile_round("127.0.0.1", port);
  sleep_ms(300); /* the dripper is well into its request */
  redirect = fmt("GET /cb?code=code-real-9d3b1e&state=" STATE "&scope=a+b HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                 "Connection: close\r\n\r\n",
                 port);
  sent_us = now_us();
  CHECK(http_raw("127.0.0.1", port, redirect, strlen(redirect), &resp) == 0);
  CHECK_MSG(resp.status == 200, "the redirect was answered %d", resp.status);
  CHECK_MSG(resp.head && strcasestr(resp.head, "\r\nCache-Control: no-store"), "no-store on the page");
  http_response_free(&resp);
  waiter_join(&w);
  taken_ms = (w.returned_us - sent_us) / 1000;
  printf("   the redirect ended the wait %lld ms after it was sent (dripper at byte %zu)\n", taken_ms,
         drip.sent);
  CHECK_MSG(taken_ms < 1000L * time_scale(), "the redirect took %lld ms to end the wait", taken_ms);
  CHECK_STATUS(w.result.status, OC_OK);
  CHECK_EXPECT(w.result, "/code = code-real-9d3b1e; /state = " STATE "; /params/scope = a b");
  result_free(&w.result);
  noise_stop(&busy);
  drip_stop(&drip);
  CHECK_MSG(idle_closed(idle, NELEMS(idle)) == (int)NELEMS(idle),
            "connections left open by the listener after the wait");
  /* Nothing listens any more. */
  {
    int fd = tcp_connect("127.0.0.1", port);
    CHECK_MSG(fd < 0, "the listener still accepts after the wait");
    if (fd >= 0) close(fd);
  }
  free(redirect);
  free(url);
}

/* ---- only hostile clients: the wait ends at timeoutMs -------------------------------------------------- */

static void test_timeout_among_hostile(void) {
  int port = unused_port();
  int idle[3];
  char *url = fmt("http://127.0.0.1:%d/cb", port);
  waiter w;
  dripper drip;
  noise busy;
  long long elapsed_ms;
  test_section("only hostile clients: the wait ends at timeoutMs 1500");
  waiter_start(&w, url, 1500);
  CHECK_MSG(listener_up("127.0.0.1", port), "the listener did not come up");
  idle_open(idle, NELEMS(idle), port);
  drip_start(&drip, port);
  noise_start(&busy, port);
  hostile_round("127.0.0.1", port);
  waiter_join(&w);
  elapsed_ms = (w.returned_us - w.started_us) / 1000;
  printf("   timeoutMs 1500 with hostile clients: %s after %lld ms\n",
         oc_status_name((uint32_t)w.result.status), elapsed_ms);
  CHECK_STATUS(w.result.status, OC_ERR_TIMEOUT);
  CHECK_MSG(elapsed_ms >= 1450 && elapsed_ms < 1500 + 400L * time_scale(),
            "timeoutMs 1500 ended after %lld ms", elapsed_ms);
  result_free(&w.result);
  noise_stop(&busy);
  drip_stop(&drip);
  CHECK_MSG(idle_closed(idle, NELEMS(idle)) == (int)NELEMS(idle),
            "connections left open by the listener after the timeout");
  free(url);
}

/* ---- localhost: 127.0.0.1 and ::1 ------------------------------------------------------------------------- */

static int has_ipv6_loopback(void) {
  struct sockaddr_in6 addr;
  int fd = socket(AF_INET6, SOCK_STREAM, 0);
  int ok;
  if (fd < 0) return 0;
  memset(&addr, 0, sizeof addr);
  addr.sin6_family = AF_INET6;
  addr.sin6_addr = in6addr_loopback;
  ok = bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0;
  close(fd);
  return ok;
}

static void test_localhost(void) {
  int port = unused_port();
  char *url = fmt("http://localhost:%d/cb", port);
  char *redirect;
  waiter w;
  http_response resp;
  test_section("localhost: served on 127.0.0.1 and on ::1");
  if (!has_ipv6_loopback()) {
    printf("   skipped: this machine has no ::1\n");
    free(url);
    return;
  }
  waiter_start(&w, url, 20000L * time_scale());
  CHECK_MSG(listener_up("::1", port), "nothing listens on [::1]:%d", port);
  CHECK_MSG(listener_up("127.0.0.1", port), "nothing listens on 127.0.0.1:%d", port);
  hostile_round("::1", port);
  redirect = fmt("GET /cb?code=code-v6&state=" STATE " HTTP/1.1\r\nHost: localhost:%d\r\n"
                 "Connection: close\r\n\r\n",
                 port);
  CHECK(http_raw("::1", port, redirect, strlen(redirect), &resp) == 0);
  CHECK_MSG(resp.status == 200, "the redirect over ::1 was answered %d", resp.status);
  http_response_free(&resp);
  waiter_join(&w);
  CHECK_STATUS(w.result.status, OC_OK);
  CHECK_EXPECT(w.result, "/code = code-v6");
  result_free(&w.result);
  free(redirect);
  free(url);
}

int main(void) {
  test_redirect_among_hostile();
  test_timeout_among_hostile();
  test_localhost();
  return test_summary();
}
