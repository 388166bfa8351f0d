/*
 * Completion queues (oc_queue_new, oc_queue_fd, oc_queue_call, oc_queue_take, oc_queue_free)
 * against the emulator: the descriptor is readable exactly while the queue holds completions;
 * 100 calls taken in batches by an epoll loop, each user_data exactly once; oc_queue_take
 * waiting on its own (until a completion comes, or its timeout); several threads taking from
 * one queue; the statuses returned at once, with nothing queued, and the errors that reach
 * the queue as documents; the NULL rules; cancelled calls; a queue and a client freed while
 * their calls run (with completions nobody took); and 4 threads queueing while one takes.
 *
 * Readiness is waited for with poll/epoll on the descriptor or inside oc_queue_take, never by
 * sleeping. The stress parts are smaller under valgrind, through OC_STRESS_CALLS.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "support.h"

static oc_client *g_client;
static long long g_id;
static char *g_token;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

/* Calls taken by the epoll loop: more than the pool's 64 threads, in every mode. */
#define MANY 100
/* Sizes, from OC_STRESS_CALLS (default 1000; run.sh sets 100 under valgrind). */
static int g_shared = 200;        /* calls taken by several threads at once */
static int g_per_producer = 100;  /* calls queued by each of the mixing threads */

/* How long a test waits for its completions before it fails (they take well under a second). */
static long wait_limit_ms(void) { return 30000L * time_scale(); }

/* What the assertions allow from a trigger to the completion (the contract says 100 ms). */
#define CANCEL_BOUND_MS 1000

/* ---- the descriptor ------------------------------------------------------------------------------ */

/* 1 when fd is readable within timeout_ms (0: now). */
static int readable(int fd, long timeout_ms) {
  struct pollfd p;
  int n;
  long long until = now_ms() + timeout_ms;
  for (;;) {
    long left = (long)(until - now_ms());
    p.fd = fd;
    p.events = POLLIN;
    p.revents = 0;
    n = poll(&p, 1, left > 0 ? (int)left : 0);
    if (n < 0 && errno == EINTR) continue;
    return n == 1 && (p.revents & POLLIN) != 0;
  }
}

/* A duplicate of a queue's descriptor, this test's own: the library closes its socket pair
 * once the queue's last reference goes (oc_queue_free, then the last call holding it), which
 * the duplicate sees as a hang-up. The library's descriptor itself is only polled. */
static int dup_descriptor(int fd) {
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  CHECK_MSG(copy >= 0, "dup of the queue's descriptor: %s", strerror(errno));
  return copy;
}

/* 1 when the duplicate hangs up within timeout_ms. */
static int hung_up(int copy, long timeout_ms) {
  struct pollfd p;
  int n;
  long long until = now_ms() + timeout_ms;
  for (;;) {
    long left = (long)(until - now_ms());
    p.fd = copy;
    p.events = 0; /* POLLHUP and POLLERR only: a byte in flight does not wake it */
    p.revents = 0;
    n = poll(&p, 1, left > 0 ? (int)left : 0);
    if (n < 0 && errno == EINTR) continue;
    return n == 1 && (p.revents & (POLLHUP | POLLERR)) != 0;
  }
}

/* ---- one queued call and what its completion held ------------------------------------------------ */

typedef struct slot {
  const char *operation;
  char *request;
  enum result_kind kind;
  char *want;            /* check_expect_ clauses its document meets with status_want, or NULL */
  oc_status status_want;
  oc_status status_alt;  /* also right (a call cancelled at once may end either way) */
  int taken;             /* completions that carried this slot: exactly one */
  oc_status status;
  char *json;
} slot;

static void slot_init(slot *s, const char *operation, char *request, enum result_kind kind,
                      char *want, oc_status status_want, oc_status status_alt) {
  memset(s, 0, sizeof *s);
  s->operation = operation;
  s->request = request;
  s->kind = kind;
  s->want = want;
  s->status_want = status_want;
  s->status_alt = status_alt;
}

/* A call of the mix (mixed_call_of), tagged "queue": get, list, request through the instance,
 * parse_callback, oauth_url. */
static void slot_mixed(slot *s, int i) {
  mixed_call m = mixed_call_of(i, "queue", g_id, g_token);
  slot_init(s, m.operation, m.request, m.kind, m.want, OC_OK, OC_OK);
}

/* get_instance of the shared instance, with what its result must hold (the mix's first). */
static void slot_get(slot *s) { slot_mixed(s, 0); }

/* Frees what a slot holds besides its completion (request and expectations). */
static void slots_release(slot *slots, size_t count) {
  size_t i;
  for (i = 0; i < count; i++) {
    free(slots[i].request);
    free(slots[i].want);
    slots[i].request = NULL;
    slots[i].want = NULL;
  }
}

/* Queues the slot's call with the slot as user_data; answers 1 when it was queued. */
static int slot_queue(const oc_queue *q, slot *s, const oc_client *client, const oc_cancel *cancel) {
  oc_status status = oc_queue_call(q, client, s->operation, s->request, cancel, s);
  return CHECK_MSG(status == OC_OK, "oc_queue_call(%s): %s", s->operation,
                   oc_status_name((uint32_t)status));
}

/* The slot a completion's user_data points to, or NULL when it is none of these. */
static slot *slot_of(slot *slots, size_t count, void *user_data) {
  uintptr_t p = (uintptr_t)user_data, base = (uintptr_t)slots;
  if (p < base || p >= base + count * sizeof(slot) || (p - base) % sizeof(slot) != 0) return NULL;
  return (slot *)user_data;
}

/* Hands each completion of a batch to its slot (a completion of no slot fails the test and is
 * freed); answers how many were the slots'. Thread-safe. */
static size_t record_batch(slot *slots, size_t count, oc_completion *batch, size_t n) {
  size_t i, mine = 0;
  for (i = 0; i < n; i++) {
    slot *s = slot_of(slots, count, batch[i].user_data);
    if (!CHECK_MSG(s != NULL, "a completion with a user_data (%p) no call of this test gave",
                   batch[i].user_data)) {
      oc_string_free(batch[i].response_json);
      continue;
    }
    pthread_mutex_lock(&g_lock);
    s->taken++;
    if (s->json != NULL) oc_string_free(s->json);
    s->status = batch[i].status;
    s->json = batch[i].response_json;
    pthread_mutex_unlock(&g_lock);
    mine++;
  }
  return mine;
}

/* Waits in oc_queue_take until `want` completions of the slots came, or the wait limit passed;
 * answers how many came. */
static size_t take_slots(const oc_queue *q, slot *slots, size_t count, size_t want) {
  oc_completion batch[8];
  size_t got = 0;
  long long deadline = now_ms() + wait_limit_ms();
  while (got < want) {
    long long left = deadline - now_ms();
    size_t n;
    if (left <= 0) break;
    n = oc_queue_take(q, batch, NELEMS(batch), (uint32_t)left);
    if (!CHECK_MSG(n <= NELEMS(batch), "oc_queue_take handed %zu completions for %zu slots", n,
                   NELEMS(batch)))
      break;
    got += record_batch(slots, count, batch, n);
  }
  CHECK_MSG(got == want, "%zu of %zu completions came", got, want);
  return got;
}

/* Checks what the completion held: taken once, a document checked as CALL checks it, the
 * wanted status and expectations. Frees what the slot holds. */
static int slot_check(slot *s, const char *what) {
  int ok = CHECK_MSG(s->taken == 1, "%s: taken %d times", what, s->taken);
  if (s->taken > 0) {
    ok &= check_result_(s->status, s->json, s->kind, __FILE__, __LINE__);
    ok &= CHECK_MSG(s->status == s->status_want || s->status == s->status_alt, "%s: %s, want %s: %s",
                    what, oc_status_name((uint32_t)s->status), oc_status_name((uint32_t)s->status_want),
                    s->json ? s->json : "(null)");
    if (s->want != NULL && s->status == s->status_want)
      ok &= check_expect_(s->json, s->want, what, __FILE__, __LINE__);
    if (s->status == OC_OK && strcmp(s->operation, "get_instance") == 0) {
      long long got = 0;
      ok &= CHECK_MSG(json_int(s->json, "/id", &got) && got == g_id, "%s: id %lld, want %lld", what,
                      got, g_id);
    }
  }
  oc_string_free(s->json);
  s->json = NULL;
  slots_release(s, 1);
  return ok;
}

static int check_slots(slot *slots, size_t count, const char *what) {
  size_t i;
  int right = 0;
  for (i = 0; i < count; i++) {
    char *label = fmt("%s %zu (%s)", what, i, slots[i].operation);
    right += slot_check(&slots[i], label);
    free(label);
  }
  return right;
}

static oc_queue *queue_new_checked(void) {
  oc_queue *q = NULL;
  CHECK_STATUS(oc_queue_new(&q), OC_OK);
  if (q == NULL) {
    fprintf(stderr, "cannot go on without a queue\n");
    test_summary();
    exit(1);
  }
  return q;
}

/* ---- the NULL rules -------------------------------------------------------------------------------- */

static void test_null_rules(void) {
  oc_queue *q, *other;
  oc_completion batch[4];
  slot s;
  long long t0, elapsed;
  int fd;
  test_section("the NULL rules: oc_queue_new, oc_queue_fd, oc_queue_take, oc_queue_free");
  CHECK_STATUS(oc_queue_new(NULL), OC_ERR_INVALID_ARGUMENT);
  CHECK(oc_queue_fd(NULL) == -1);
  oc_queue_free(NULL);
  CHECK_MSG(1, "oc_queue_free(NULL) is a no-op");
  CHECK(oc_queue_take(NULL, batch, NELEMS(batch), 0) == 0);
  t0 = now_ms();
  CHECK(oc_queue_take(NULL, batch, NELEMS(batch), 2000) == 0);
  CHECK_MSG(now_ms() - t0 < 1000L * time_scale(), "oc_queue_take(NULL queue) waited %lld ms",
            now_ms() - t0);

  q = queue_new_checked();
  other = queue_new_checked();
  fd = oc_queue_fd(q);
  CHECK_MSG(fd >= 0, "oc_queue_fd: %d", fd);
  CHECK_MSG(oc_queue_fd(q) == fd, "the descriptor changed between two calls");
  CHECK_MSG(oc_queue_fd(other) >= 0 && oc_queue_fd(other) != fd, "two queues share descriptor %d", fd);

  /* One completion in the queue: NULL out and capacity 0 take nothing, at once, and leave it. */
  slot_init(&s, "parse_callback", fmt("{\"url\":\"?code=c0&state=s\",\"expectedState\":\"s\"}"),
            RESULT_CALLBACK, fmt("/code = c0"), OC_OK, OC_OK);
  slot_queue(q, &s, NULL, NULL);
  CHECK_MSG(readable(fd, wait_limit_ms()), "the completion did not arrive");
  CHECK(oc_queue_take(q, NULL, NELEMS(batch), 0) == 0);
  CHECK(oc_queue_take(q, batch, 0, 0) == 0);
  t0 = now_ms();
  CHECK(oc_queue_take(q, NULL, NELEMS(batch), 2000) == 0);
  CHECK(oc_queue_take(q, batch, 0, 2000) == 0);
  elapsed = now_ms() - t0;
  CHECK_MSG(elapsed < 1000L * time_scale(), "NULL out and capacity 0 waited %lld ms", elapsed);
  CHECK_MSG(readable(fd, 0), "NULL out or capacity 0 took the completion");
  CHECK(take_slots(q, &s, 1, 1) == 1);
  slot_check(&s, "the completion left by NULL out and capacity 0");
  CHECK(!readable(fd, 0));
  CHECK(!readable(oc_queue_fd(other), 0));

  /* A NULL user_data comes back as NULL. */
  CHECK_STATUS(oc_queue_call(q, NULL, "parse_callback", "{\"url\":\"?code=c1&state=s\",\"expectedState\":\"s\"}",
                             NULL, NULL),
               OC_OK);
  {
    size_t n = oc_queue_take(q, batch, NELEMS(batch), (uint32_t)wait_limit_ms());
    CHECK_MSG(n == 1, "a call with a NULL user_data: %zu completions", n);
    if (n == 1) {
      CHECK(batch[0].user_data == NULL);
      CHECK_STATUS(batch[0].status, OC_OK);
      CHECK_RESULT(batch[0].status, batch[0].response_json, RESULT_CALLBACK);
      CHECK(json_str_eq(batch[0].response_json, "/code", "c1"));
      oc_string_free(batch[0].response_json);
    }
  }
  oc_queue_free(other);
  oc_queue_free(q);
}

/* ---- the descriptor --------------------------------------------------------------------------------- */

static void test_descriptor(void) {
  slot slots[6];
  oc_queue *q = queue_new_checked(), *other = queue_new_checked();
  oc_completion batch[4];
  int fd = oc_queue_fd(q), round;
  size_t n;
  test_section("the descriptor: readable exactly while the queue holds completions");
  CHECK_MSG(!readable(fd, 0), "a new queue's descriptor is readable");
  CHECK(oc_queue_take(q, batch, NELEMS(batch), 0) == 0);
  CHECK_MSG(!readable(fd, 0), "an empty take made the descriptor readable");
  for (round = 0; round < 3; round++) {
    long long t0 = now_us();
    slot_get(&slots[round]);
    slot_queue(q, &slots[round], g_client, NULL);
    CHECK_MSG(readable(fd, wait_limit_ms()), "round %d: not readable after the call finished", round);
    printf("   round %d: readable %.1f ms after oc_queue_call\n", round,
           (double)(now_us() - t0) / 1000.0);
    CHECK_MSG(readable(fd, 0), "round %d: polling made the descriptor unreadable", round);
    CHECK_MSG(!readable(oc_queue_fd(other), 0), "round %d: another queue's descriptor is readable", round);
    n = oc_queue_take(q, batch, NELEMS(batch), 0);
    CHECK_MSG(n == 1, "round %d: took %zu", round, n);
    CHECK_MSG(n != 1 || batch[0].user_data == &slots[round], "round %d: a completion of another call",
              round);
    record_batch(slots, NELEMS(slots), batch, n);
    CHECK_MSG(!readable(fd, 0), "round %d: readable once everything was taken", round);
  }
  /* Two calls, taken one at a time: readable until the second is taken too. */
  slot_get(&slots[3]);
  slot_get(&slots[4]);
  slot_queue(q, &slots[3], g_client, NULL);
  slot_queue(q, &slots[4], g_client, NULL);
  for (round = 0; round < 2; round++) {
    CHECK_MSG(readable(fd, wait_limit_ms()), "two calls: not readable for completion %d", round);
    n = oc_queue_take(q, batch, 1, 0);
    CHECK_MSG(n == 1, "two calls, completion %d: took %zu with capacity 1", round, n);
    record_batch(slots, NELEMS(slots), batch, n);
  }
  CHECK_MSG(!readable(fd, 0), "two calls: readable once both were taken");
  /* An error document is a completion like any other. */
  slot_init(&slots[5], "get_instance", fmt("{}"), RESULT_PLAIN, fmt("missing /id"), OC_ERR_VALIDATION,
            OC_ERR_VALIDATION);
  slot_queue(q, &slots[5], g_client, NULL);
  CHECK_MSG(readable(fd, wait_limit_ms()), "not readable after a call that failed");
  CHECK(oc_queue_take(q, batch, NELEMS(batch), 0) == 1);
  record_batch(slots, NELEMS(slots), batch, 1);
  CHECK(!readable(fd, 0));
  check_slots(slots, NELEMS(slots), "descriptor call");
  oc_queue_free(other);
  oc_queue_free(q);
}

/* ---- 100 calls taken by an epoll loop ------------------------------------------------------------- */

#define BATCH 7

static void test_epoll_batches(void) {
  static slot slots[MANY];
  oc_queue *q = queue_new_checked();
  oc_completion batch[BATCH];
  struct epoll_event ev;
  int fd = oc_queue_fd(q), ep, i, queued = 0;
  size_t taken = 0, takes = 0, biggest = 0, empty_takes = 0, right;
  long long t0, deadline;
  char *text = fmt("%d get_instance calls, taken %d at most at a time by an epoll loop", MANY, BATCH);
  test_section(text);
  free(text);
  /* Held 50 ms each, so that many finish together and batches fill. */
  emu_faultf("{\"method\":\"GET\",\"pathPrefix\":\"/elements/api-v2/instances/\",\"count\":%d,"
             "\"delayMs\":50}",
             MANY);
  ep = epoll_create1(EPOLL_CLOEXEC);
  CHECK(ep >= 0);
  memset(&ev, 0, sizeof ev);
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
  t0 = now_ms();
  for (i = 0; i < MANY; i++) {
    slot_get(&slots[i]);
    queued += slot_queue(q, &slots[i], g_client, NULL);
  }
  deadline = now_ms() + wait_limit_ms();
  while (taken < (size_t)queued) {
    struct epoll_event got;
    long long left = deadline - now_ms();
    size_t n;
    int ready;
    if (left <= 0) break;
    ready = epoll_wait(ep, &got, 1, (int)left);
    if (ready < 0 && errno == EINTR) continue;
    if (!CHECK_MSG(ready == 1 && got.data.fd == fd && (got.events & EPOLLIN) != 0,
                   "epoll_wait: %d, events %#x", ready, ready == 1 ? (unsigned)got.events : 0u))
      break;
    /* The only taker: readable means there is at least one to take. */
    n = oc_queue_take(q, batch, BATCH, 0);
    if (n == 0) empty_takes++;
    if (!CHECK_MSG(n <= BATCH, "oc_queue_take handed %zu with capacity %d", n, BATCH)) break;
    takes++;
    if (n > biggest) biggest = n;
    taken += record_batch(slots, (size_t)MANY, batch, n);
  }
  printf("   %zu completions in %zu takes (largest batch %zu) in %lld ms\n", taken, takes, biggest,
         now_ms() - t0);
  CHECK_MSG(taken == (size_t)queued, "%zu of %d completions came", taken, queued);
  CHECK_MSG(empty_takes == 0, "%zu takes found nothing although the descriptor was readable", empty_takes);
  CHECK_MSG(!readable(fd, 0), "readable once everything was taken");
  CHECK(oc_queue_take(q, batch, BATCH, 0) == 0);
  CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL) == 0);
  close(ep);
  oc_queue_free(q);
  right = (size_t)check_slots(slots, (size_t)MANY, "batched call");
  CHECK_MSG(right == (size_t)MANY, "%zu of %d calls right", right, MANY);
  emu_clear_faults();
}

/* ---- oc_queue_take waiting on its own --------------------------------------------------------------- */

typedef struct waiter {
  const oc_queue *q;
  uint32_t timeout_ms;
  size_t taken;
  oc_completion batch[4];
  long long started_us;
  long long returned_us;
  pthread_t thread;
} waiter;

static void *waiter_main(void *arg) {
  waiter *w = (waiter *)arg;
  w->started_us = now_us();
  w->taken = oc_queue_take(w->q, w->batch, NELEMS(w->batch), w->timeout_ms);
  w->returned_us = now_us();
  return NULL;
}

static void test_take_waits(void) {
  oc_queue *q = queue_new_checked();
  oc_completion batch[4];
  waiter w;
  slot slots[2];
  long long t0, elapsed;
  double ms;
  test_section("oc_queue_take with a timeout, from a thread that does not poll");
  /* Timeout 0 on an empty queue: at once. */
  t0 = now_us();
  CHECK(oc_queue_take(q, batch, NELEMS(batch), 0) == 0);
  elapsed = now_us() - t0;
  CHECK_MSG(elapsed < 100000LL * time_scale(), "timeout 0 took %.1f ms", (double)elapsed / 1000.0);

  /* 200 ms with nothing queued: 0, after 200 ms. */
  memset(&w, 0, sizeof w);
  w.q = q;
  w.timeout_ms = 200;
  CHECK(pthread_create(&w.thread, NULL, waiter_main, &w) == 0);
  pthread_join(w.thread, NULL);
  ms = (double)(w.returned_us - w.started_us) / 1000.0;
  printf("   timeout 200 ms, nothing queued: %zu after %.1f ms\n", w.taken, ms);
  CHECK_MSG(w.taken == 0, "took %zu from an empty queue", w.taken);
  CHECK_MSG(ms >= 200.0, "a 200 ms timeout returned after %.1f ms", ms);
  CHECK_MSG(ms < 200.0 + 1000.0 * time_scale(), "a 200 ms timeout returned after %.1f ms", ms);

  /* Waiting (with the largest timeout there is) for a call the emulator answers after 300 ms:
   * it returns with it, not at its timeout. */
  emu_faultf("{\"method\":\"GET\",\"pathPrefix\":\"/elements/api-v2/instances/%lld\",\"count\":1,"
             "\"delayMs\":300}",
             g_id);
  memset(&w, 0, sizeof w);
  w.q = q;
  w.timeout_ms = UINT32_MAX;
  CHECK(pthread_create(&w.thread, NULL, waiter_main, &w) == 0);
  t0 = now_us();
  slot_get(&slots[0]);
  slot_queue(q, &slots[0], g_client, NULL);
  pthread_join(w.thread, NULL);
  ms = (double)(w.returned_us - t0) / 1000.0;
  printf("   a call answered after 300 ms, timeout UINT32_MAX: %zu after %.1f ms\n", w.taken, ms);
  CHECK_MSG(w.taken == 1, "the waiting take returned %zu", w.taken);
  CHECK_MSG(w.taken != 1 || w.batch[0].user_data == &slots[0], "a completion of another call");
  CHECK_MSG(ms >= 290.0, "the take returned %.1f ms after queueing, before the answer", ms);
  CHECK_MSG(ms < 10000.0 * time_scale(), "the take returned %.1f ms after queueing", ms);
  record_batch(slots, 1, w.batch, w.taken);
  slot_check(&slots[0], "a call taken by a waiting take");
  emu_clear_faults();

  /* A call that finished before the take: a take with a timeout returns it at once. */
  slot_get(&slots[1]);
  slot_queue(q, &slots[1], g_client, NULL);
  CHECK(readable(oc_queue_fd(q), wait_limit_ms()));
  t0 = now_us();
  CHECK(oc_queue_take(q, batch, NELEMS(batch), 60000) == 1);
  elapsed = now_us() - t0;
  CHECK_MSG(elapsed < 1000000LL * time_scale(), "a take of a waiting completion took %.1f ms",
            (double)elapsed / 1000.0);
  record_batch(&slots[1], 1, batch, 1);
  slot_check(&slots[1], "a call taken with a timeout after it finished");
  oc_queue_free(q);
}

/* ---- several threads taking from one queue ------------------------------------------------------------ */

#define TAKERS 4

typedef struct takers_shared {
  const oc_queue *q;
  slot *slots;
  size_t count;  /* slots */
  size_t queued; /* completions to come */
  size_t taken;  /* under g_lock */
  long long deadline;
} takers_shared;

typedef struct taker {
  takers_shared *shared;
  int use_fd; /* polls the descriptor and takes with timeout 0, or waits in oc_queue_take */
  size_t took;
  size_t takes;
  pthread_t thread;
} taker;

static void *taker_main(void *arg) {
  taker *t = (taker *)arg;
  takers_shared *sh = t->shared;
  int fd = oc_queue_fd(sh->q);
  oc_completion batch[3];
  for (;;) {
    size_t n, done;
    pthread_mutex_lock(&g_lock);
    done = sh->taken;
    pthread_mutex_unlock(&g_lock);
    if (done >= sh->queued || now_ms() > sh->deadline) break;
    if (t->use_fd) {
      /* Another taker may empty it between the poll and the take: 0 is fine here. */
      if (!readable(fd, 50)) continue;
      n = oc_queue_take(sh->q, batch, NELEMS(batch), 0);
    } else {
      n = oc_queue_take(sh->q, batch, NELEMS(batch), 50);
    }
    if (!CHECK_MSG(n <= NELEMS(batch), "oc_queue_take handed %zu with capacity %zu", n,
                   NELEMS(batch)))
      break;
    if (n == 0) continue;
    n = record_batch(sh->slots, sh->count, batch, n);
    t->took += n;
    t->takes++;
    pthread_mutex_lock(&g_lock);
    sh->taken += n;
    pthread_mutex_unlock(&g_lock);
  }
  return NULL;
}

static void test_many_takers(void) {
  slot *slots = (slot *)calloc((size_t)g_shared, sizeof(slot));
  oc_queue *q = queue_new_checked();
  takers_shared sh;
  taker takers[TAKERS];
  char *text;
  int i;
  size_t right;
  text = fmt("%d threads taking %d completions from one queue at once", TAKERS, g_shared);
  test_section(text);
  free(text);
  emu_faultf("{\"method\":\"GET\",\"pathPrefix\":\"/elements/api-v2/instances/\",\"count\":%d,"
             "\"delayMs\":20}",
             g_shared);
  memset(&sh, 0, sizeof sh);
  sh.q = q;
  sh.slots = slots;
  sh.count = (size_t)g_shared;
  sh.queued = (size_t)g_shared;
  sh.deadline = now_ms() + wait_limit_ms();
  /* The takers wait first; the calls come while they do. */
  for (i = 0; i < TAKERS; i++) {
    memset(&takers[i], 0, sizeof takers[i]);
    takers[i].shared = &sh;
    takers[i].use_fd = i % 2;
    CHECK(pthread_create(&takers[i].thread, NULL, taker_main, &takers[i]) == 0);
  }
  for (i = 0; i < g_shared; i++) {
    /* Half need the network, half finish at once. */
    if (i % 2 == 0) {
      slot_get(&slots[i]);
    } else {
      slot_init(&slots[i], "parse_callback",
                fmt("{\"url\":\"?code=shared-%d&state=s%d\",\"expectedState\":\"s%d\"}", i, i, i),
                RESULT_CALLBACK, fmt("/code = shared-%d; /state = s%d", i, i), OC_OK, OC_OK);
    }
    if (!slot_queue(q, &slots[i], i % 2 == 0 ? g_client : NULL, NULL)) {
      pthread_mutex_lock(&g_lock);
      sh.queued--; /* never comes */
      pthread_mutex_unlock(&g_lock);
    }
  }
  for (i = 0; i < TAKERS; i++) pthread_join(takers[i].thread, NULL);
  printf("   taken by thread:");
  for (i = 0; i < TAKERS; i++)
    printf(" %zu in %zu takes (%s)%s", takers[i].took, takers[i].takes,
           takers[i].use_fd ? "poll" : "wait", i + 1 < TAKERS ? "," : "\n");
  CHECK_MSG(sh.taken == sh.queued, "%zu of %zu completions taken", sh.taken, sh.queued);
  CHECK(!readable(oc_queue_fd(q), 0));
  oc_queue_free(q);
  right = (size_t)check_slots(slots, (size_t)g_shared, "shared call");
  CHECK_MSG(right == (size_t)g_shared, "%zu of %d calls right", right, g_shared);
  free(slots);
  emu_clear_faults();
}

/* ---- what oc_queue_call refuses at once, and errors that reach the queue --------------------------- */

static void test_refused(void) {
  static const struct {
    int queue;  /* 0: NULL */
    int client; /* 0: NULL */
    const char *operation;
  } refused[] = {
      {0, 1, "get_instance"}, {0, 0, "parse_callback"}, {1, 1, NULL},         {1, 1, "nope"},
      {1, 1, ""},             {1, 1, "GET_INSTANCE"},   {1, 0, "get_instance"}, {1, 0, "oauth_url"},
      {1, 0, "request"},      {1, 0, "list_instances"}, {1, 0, "delete_instance"},
  };
  int markers[NELEMS(refused)];
  slot slots[6];
  oc_queue *q = queue_new_checked();
  oc_completion batch[8];
  size_t i, queued = 0, n;
  char *request;
  test_section("oc_queue_call: statuses returned at once with nothing queued; errors as documents");
  for (i = 0; i < NELEMS(refused); i++) {
    oc_status status = oc_queue_call(refused[i].queue ? q : NULL, refused[i].client ? g_client : NULL,
                                     refused[i].operation, "{\"id\":1}", NULL, &markers[i]);
    CHECK_MSG(status == OC_ERR_INVALID_ARGUMENT, "oc_queue_call(%s, %s, %s): %s",
              refused[i].queue ? "queue" : "NULL", refused[i].client ? "client" : "NULL",
              refused[i].operation ? refused[i].operation : "NULL", oc_status_name((uint32_t)status));
  }
  /* Queued: a NULL request, a validation error, text that is not JSON, an API error, an
   * operation that needs no client without one, a request freed as soon as the call returns. */
  slot_init(&slots[0], "get_instance", NULL, RESULT_PLAIN, NULL, OC_ERR_INVALID_ARGUMENT,
            OC_ERR_INVALID_ARGUMENT);
  slot_init(&slots[1], "get_instance", fmt("{}"), RESULT_PLAIN, fmt("only missing /id"), OC_ERR_VALIDATION,
            OC_ERR_VALIDATION);
  slot_init(&slots[2], "get_instance", fmt("not json"), RESULT_PLAIN, NULL, OC_ERR_INVALID_ARGUMENT,
            OC_ERR_INVALID_ARGUMENT);
  slot_init(&slots[3], "get_instance", fmt("{\"id\":1}"), RESULT_PLAIN, fmt("status 404"), OC_ERR_API,
            OC_ERR_API);
  slot_init(&slots[4], "parse_callback", fmt("{\"url\":\"code=c1&state=s\",\"expectedState\":\"s\"}"),
            RESULT_CALLBACK, fmt("/code = c1"), OC_OK, OC_OK);
  slot_init(&slots[5], "get_instance", NULL, RESULT_INSTANCE, fmt("/name = queue-instance"), OC_OK, OC_OK);
  for (i = 0; i < 5; i++) queued += slot_queue(q, &slots[i], i == 4 ? NULL : g_client, NULL);
  request = fmt("{\"id\":%lld}", g_id);
  queued += CHECK_STATUS(oc_queue_call(q, g_client, "get_instance", request, NULL, &slots[5]), OC_OK);
  memset(request, 'x', strlen(request));
  free(request);
  CHECK(take_slots(q, slots, NELEMS(slots), queued) == queued);
  /* The refused ones never arrive: by now they would have. */
  n = oc_queue_take(q, batch, NELEMS(batch), 100);
  CHECK_MSG(n == 0, "%zu completions more than were queued", n);
  for (i = 0; i < n; i++) oc_string_free(batch[i].response_json);
  CHECK(!readable(oc_queue_fd(q), 0));
  if (slots[0].taken == 1) {
    char *message = json_str(slots[0].json, "/error/message");
    CHECK_MSG(message != NULL && strstr(message, "request_json") != NULL,
              "a NULL request: the message names request_json: %s", slots[0].json);
    free(message);
  }
  slot_check(&slots[0], "a NULL request");
  slot_check(&slots[1], "a validation error");
  slot_check(&slots[2], "a request that is not JSON");
  slot_check(&slots[3], "an instance that does not exist");
  slot_check(&slots[4], "parse_callback without a client");
  slot_check(&slots[5], "a request freed after queueing");
  oc_queue_free(q);
}

/* ---- cancellation -------------------------------------------------------------------------------------- */

static void test_cancel(void) {
  slot slots[6];
  oc_queue *q = queue_new_checked();
  oc_cancel *cancel = NULL;
  char *path = fmt("/elements/api-v2/instances/%lld", g_id);
  int before, port, sent_before;
  size_t i, queued = 0;
  long long triggered, elapsed;
  test_section("cancelled calls reach the queue as OC_ERR_CANCELLED soon after the trigger");

  /* Three GETs held 10 s by the emulator, one handle, triggered once they were received. */
  emu_faultf("{\"method\":\"GET\",\"pathPrefix\":\"%s\",\"count\":3,\"delayMs\":10000}", path);
  CHECK_STATUS(oc_cancel_new(&cancel), OC_OK);
  before = emu_count_requests("GET", path);
  for (i = 0; i < 3; i++) {
    slot_init(&slots[i], "get_instance", fmt("{\"id\":%lld}", g_id), RESULT_PLAIN, NULL,
              OC_ERR_CANCELLED, OC_ERR_CANCELLED);
    queued += slot_queue(q, &slots[i], g_client, cancel);
  }
  CHECK_MSG(emu_wait_requests("GET", path, before + 3, 10000L * time_scale()),
            "the emulator did not receive the calls");
  CHECK_MSG(!readable(oc_queue_fd(q), 0), "a held call completed");
  triggered = now_us();
  oc_cancel_trigger(cancel);
  oc_cancel_free(cancel); /* the calls hold their own reference */
  CHECK(take_slots(q, slots, 3, queued) == queued);
  elapsed = now_us() - triggered;
  printf("   3 GETs held by the emulator, cancelled: the last completion %.1f ms after the trigger\n",
         (double)elapsed / 1000.0);
  CHECK_MSG(elapsed < CANCEL_BOUND_MS * 1000LL * time_scale(), "the cancelled calls took %.1f ms",
            (double)elapsed / 1000.0);
  for (i = 0; i < 3; i++) slot_check(&slots[i], "a held GET, cancelled");
  emu_clear_faults();

  /* A handle triggered before: cancelled at once, nothing sent. */
  CHECK_STATUS(oc_cancel_new(&cancel), OC_OK);
  oc_cancel_trigger(cancel);
  sent_before = emu_journal_len();
  slot_init(&slots[0], "get_instance", fmt("{\"id\":%lld}", g_id), RESULT_PLAIN, NULL, OC_ERR_CANCELLED,
            OC_ERR_CANCELLED);
  queued = (size_t)slot_queue(q, &slots[0], g_client, cancel);
  oc_cancel_free(cancel);
  CHECK(take_slots(q, slots, 1, queued) == queued);
  slot_check(&slots[0], "a handle triggered before queueing");
  CHECK_MSG(emu_journal_len() == sent_before, "a call with a triggered handle sent %d requests",
            emu_journal_len() - sent_before);

  /* A POST the emulator received and holds: its outcome is unknown. */
  emu_fault("{\"method\":\"POST\",\"pathPrefix\":\"/elements/api-v2/hubs/\",\"count\":1,\"delayMs\":10000}");
  CHECK_STATUS(oc_cancel_new(&cancel), OC_OK);
  before = emu_count_requests("POST", "/elements/api-v2/hubs/");
  slot_init(&slots[0], "request",
            fmt("{\"method\":\"POST\",\"path\":\"/hubs/ecommerce/orders\",\"body\":{\"n\":1},"
                "\"elementToken\":\"%s\"}",
                g_token),
            RESULT_PLAIN, NULL, OC_ERR_OUTCOME_UNKNOWN, OC_ERR_OUTCOME_UNKNOWN);
  queued = (size_t)slot_queue(q, &slots[0], g_client, cancel);
  CHECK_MSG(emu_wait_requests("POST", "/elements/api-v2/hubs/", before + 1, 10000L * time_scale()),
            "the emulator did not receive the POST");
  triggered = now_us();
  oc_cancel_trigger(cancel);
  CHECK(take_slots(q, slots, 1, queued) == queued);
  elapsed = now_us() - triggered;
  printf("   a POST held by the emulator, cancelled: completion %.1f ms after the trigger\n",
         (double)elapsed / 1000.0);
  CHECK_MSG(elapsed < CANCEL_BOUND_MS * 1000LL * time_scale(), "the cancelled POST took %.1f ms",
            (double)elapsed / 1000.0);
  slot_check(&slots[0], "a POST received, cancelled");
  oc_cancel_free(cancel);
  emu_clear_faults();

  /* Waits for the browser's redirect run on threads of their own: one completed by a
   * "browser", one cancelled. */
  port = unused_port();
  slot_init(&slots[0], "await_callback",
            fmt("{\"callbackUrl\":\"http://127.0.0.1:%d/cb\",\"expectedState\":\"s\",\"timeoutMs\":60000}",
                port),
            RESULT_CALLBACK, fmt("/code = the-queue-code"), OC_OK, OC_OK);
  queued = (size_t)slot_queue(q, &slots[0], NULL, NULL);
  {
    long long until = now_ms() + 10000L * time_scale();
    http_response resp;
    /* Until the listener is up (as test_async does: nothing to wait on but the port). */
    while (http_request(port, "GET", "/cb?code=the-queue-code&state=s", NULL, &resp) != 0 &&
           now_ms() < until) {
      http_response_free(&resp);
      sleep_ms(10);
    }
    CHECK_MSG(resp.status == 200, "the redirect was answered %d", resp.status);
    http_response_free(&resp);
  }
  CHECK(take_slots(q, slots, 1, queued) == queued);
  slot_check(&slots[0], "await_callback redirected");

  CHECK_STATUS(oc_cancel_new(&cancel), OC_OK);
  slot_init(&slots[0], "await_callback",
            fmt("{\"callbackUrl\":\"http://127.0.0.1:%d/cb\",\"expectedState\":\"s\",\"timeoutMs\":60000}",
                unused_port()),
            RESULT_CALLBACK, NULL, OC_ERR_CANCELLED, OC_ERR_CANCELLED);
  queued = (size_t)slot_queue(q, &slots[0], NULL, cancel);
  triggered = now_us();
  oc_cancel_trigger(cancel);
  CHECK(take_slots(q, slots, 1, queued) == queued);
  elapsed = now_us() - triggered;
  printf("   await_callback cancelled: completion %.1f ms after the trigger\n", (double)elapsed / 1000.0);
  CHECK_MSG(elapsed < CANCEL_BOUND_MS * 1000LL * time_scale(), "the cancelled wait took %.1f ms",
            (double)elapsed / 1000.0);
  slot_check(&slots[0], "await_callback cancelled");
  oc_cancel_free(cancel);

  CHECK(!readable(oc_queue_fd(q), 0));
  free(path);
  oc_queue_free(q);
}

/* ---- a queue and a client freed while their calls run ------------------------------------------------- */

static void test_freed(void) {
  static slot slots[20];
  slot first;
  oc_queue *q;
  oc_client *client;
  oc_cancel *cancel = NULL;
  int copy, before;
  size_t i, queued;
  long long t0;
  test_section("oc_queue_free with calls running and completions not taken; oc_client_free after queueing");

  /* A completion nobody took, and 10 calls held by the emulator until cancelled. */
  q = queue_new_checked();
  copy = dup_descriptor(oc_queue_fd(q));
  slot_init(&first, "parse_callback", fmt("{\"url\":\"?code=c2&state=s\",\"expectedState\":\"s\"}"),
            RESULT_CALLBACK, NULL, OC_OK, OC_OK);
  slot_queue(q, &first, NULL, NULL);
  CHECK_MSG(readable(oc_queue_fd(q), wait_limit_ms()), "the first call did not complete");
  emu_fault("{\"method\":\"GET\",\"pathPrefix\":\"/elements/api-v2/instances/\",\"count\":10,"
            "\"delayMs\":30000}");
  CHECK_STATUS(oc_cancel_new(&cancel), OC_OK);
  before = emu_count_requests("GET", "/elements/api-v2/instances/");
  for (i = 0; i < 10; i++) {
    slot_get(&slots[i]);
    slot_queue(q, &slots[i], g_client, cancel);
  }
  CHECK_MSG(emu_wait_requests("GET", "/elements/api-v2/instances/", before + 10, 10000L * time_scale()),
            "the emulator did not receive the calls");
  oc_queue_free(q);
  q = NULL;
  CHECK_MSG(!hung_up(copy, 0), "the descriptor closed while calls hold the queue");
  t0 = now_ms();
  oc_cancel_trigger(cancel);
  oc_cancel_free(cancel);
  CHECK_MSG(hung_up(copy, wait_limit_ms()), "the descriptor did not close after the last call ended");
  printf("   queue freed with 10 calls running and 1 completion not taken: closed %lld ms after the "
         "cancel\n",
         now_ms() - t0);
  close(copy);
  slots_release(&first, 1);
  slots_release(slots, 10);
  emu_clear_faults();

  /* Freed right after queueing, the calls not held: they complete with nobody to take them. */
  q = queue_new_checked();
  copy = dup_descriptor(oc_queue_fd(q));
  for (i = 0; i < 20; i++) {
    slot_mixed(&slots[i], (int)i);
    slot_queue(q, &slots[i], g_client, NULL);
  }
  oc_queue_free(q);
  CHECK_MSG(hung_up(copy, wait_limit_ms()), "the descriptor did not close after the calls ended");
  close(copy);
  slots_release(slots, 20);

  /* The client freed right after queueing: the calls still complete, with their documents. */
  client = emu_client("");
  q = queue_new_checked();
  emu_fault("{\"method\":\"GET\",\"pathPrefix\":\"/elements/api-v2/instances/\",\"count\":20,"
            "\"delayMs\":100}");
  queued = 0;
  for (i = 0; i < 20; i++) {
    slot_get(&slots[i]);
    queued += (size_t)slot_queue(q, &slots[i], client, NULL);
  }
  oc_client_free(client);
  CHECK(take_slots(q, slots, NELEMS(slots), queued) == queued);
  check_slots(slots, NELEMS(slots), "a call on a freed client");
  oc_queue_free(q);
  emu_clear_faults();

  /* Both freed right after queueing. */
  client = emu_client("");
  q = queue_new_checked();
  copy = dup_descriptor(oc_queue_fd(q));
  for (i = 0; i < 5; i++) {
    slot_mixed(&slots[i], (int)i);
    slot_queue(q, &slots[i], client, NULL);
  }
  oc_client_free(client);
  oc_queue_free(q);
  CHECK_MSG(hung_up(copy, wait_limit_ms()), "the descriptor did not close after the calls ended");
  close(copy);
  slots_release(slots, 5);
}

/* ---- 4 threads queueing while one takes ---------------------------------------------------------------- */

#define PRODUCERS 4

typedef struct producer {
  int index;
  const oc_queue *q;
  slot *slots; /* this producer's g_per_producer slots */
  int own_client; /* queues on a client of its own, freed right after its last call */
  int refused;    /* calls that were not queued */
  pthread_t thread;
} producer;

static void *producer_main(void *arg) {
  producer *p = (producer *)arg;
  oc_client *client = p->own_client ? emu_client("") : g_client;
  int i;
  for (i = 0; i < g_per_producer; i++) {
    slot *s = &p->slots[i];
    oc_cancel *cancel = NULL;
    slot_mixed(s, p->index * g_per_producer + i);
    if (i % 7 == 6) {
      /* Cancelled at once, the handle freed at once: it ends either way. */
      s->status_alt = OC_ERR_CANCELLED;
      CHECK_STATUS(oc_cancel_new(&cancel), OC_OK);
    }
    if (!slot_queue(p->q, s, client, cancel)) {
      pthread_mutex_lock(&g_lock);
      p->refused++;
      pthread_mutex_unlock(&g_lock);
    }
    oc_cancel_trigger(cancel);
    oc_cancel_free(cancel);
  }
  if (p->own_client) oc_client_free(client);
  return NULL;
}

static void test_mixing(void) {
  int total = PRODUCERS * g_per_producer, i, ep, fd;
  slot *slots = (slot *)calloc((size_t)total, sizeof(slot));
  producer producers[PRODUCERS];
  oc_queue *q = queue_new_checked();
  oc_completion batch[16];
  struct epoll_event ev;
  size_t taken = 0, takes = 0, empty_takes = 0, expected, right;
  long long t0 = now_ms(), deadline = now_ms() + wait_limit_ms();
  char *text = fmt("%d threads x %d mixed calls on one queue, taken by one thread meanwhile", PRODUCERS,
                   g_per_producer);
  test_section(text);
  free(text);
  emu_fault("{\"pathPrefix\":\"/elements/api-v2/\",\"count\":200,\"delayMs\":10}");
  fd = oc_queue_fd(q);
  ep = epoll_create1(EPOLL_CLOEXEC);
  CHECK(ep >= 0);
  memset(&ev, 0, sizeof ev);
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
  for (i = 0; i < PRODUCERS; i++) {
    memset(&producers[i], 0, sizeof producers[i]);
    producers[i].index = i;
    producers[i].q = q;
    producers[i].slots = slots + (size_t)i * (size_t)g_per_producer;
    producers[i].own_client = i == PRODUCERS - 1;
    CHECK(pthread_create(&producers[i].thread, NULL, producer_main, &producers[i]) == 0);
  }
  /* The producers may still be queueing: until they are done, take all that may come. */
  expected = (size_t)total;
  while (taken < expected) {
    struct epoll_event got;
    long long left = deadline - now_ms();
    int ready;
    size_t n;
    if (left <= 0) break;
    ready = epoll_wait(ep, &got, 1, left > 100 ? 100 : (int)left);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      /* Calls refused do not come: count them once the producers are done. */
      int refused = 0;
      pthread_mutex_lock(&g_lock);
      for (i = 0; i < PRODUCERS; i++) refused += producers[i].refused;
      pthread_mutex_unlock(&g_lock);
      expected = (size_t)(total - refused);
      continue;
    }
    if (!CHECK_MSG(ready == 1, "epoll_wait: %d", ready)) break;
    n = oc_queue_take(q, batch, NELEMS(batch), 0);
    if (n == 0) empty_takes++;
    takes++;
    taken += record_batch(slots, (size_t)total, batch, n);
  }
  for (i = 0; i < PRODUCERS; i++) pthread_join(producers[i].thread, NULL);
  printf("   %zu completions in %zu takes in %lld ms\n", taken, takes, now_ms() - t0);
  CHECK_MSG(taken == (size_t)total, "%zu of %d completions taken", taken, total);
  CHECK_MSG(empty_takes == 0, "%zu takes found nothing although the descriptor was readable", empty_takes);
  CHECK(!readable(fd, 0));
  CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL) == 0);
  close(ep);
  oc_queue_free(q);
  right = (size_t)check_slots(slots, (size_t)total, "mixed call");
  printf("   %zu of %d calls right\n", right, total);
  CHECK_MSG(right == (size_t)total, "%zu of %d calls right", right, total);
  free(slots);
  emu_clear_faults();
}

int main(void) {
  /* OC_STRESS_CALLS (default 1000) sizes the runs: 200 calls taken by 4 threads, 4 x 100
   * mixed calls. The 100 calls taken in batches stay 100 (more than the pool's 64 threads). */
  const char *calls = getenv("OC_STRESS_CALLS");
  if (calls != NULL && atoi(calls) >= 10) {
    int n = atoi(calls);
    g_shared = n / 5 < 40 ? 40 : n / 5;
    g_per_producer = n / 10 < 20 ? 20 : n / 10;
  }
  secret_add(USER_SECRET, SECRET_ALWAYS);
  secret_add(ORG_SECRET, SECRET_ALWAYS);
  secret_add(API_SECRET, SECRET_ALWAYS);
  emu_start();
  g_client = emu_client("");
  g_id = create_instance(g_client, "queue-instance", "[\"queue\"]", &g_token);
  if (g_id == 0 || g_token == NULL) {
    CHECK_MSG(0, "no instance to share");
  } else {
    test_null_rules();
    test_descriptor();
    test_refused();
    test_take_waits();
    /* These read the emulator's journal, which is shortest before the big runs. */
    test_cancel();
    test_freed();
    test_epoll_batches();
    test_many_takers();
    test_mixing();
  }
  oc_client_free(g_client);
  free(g_token);
  return test_summary();
}
