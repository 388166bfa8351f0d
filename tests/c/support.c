/* Test support: see support.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include "support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Distinctive values, made of characters that percent-encoding and JSON escaping keep as
 * they are, so that a leak is found in whatever form the library would write it. */
const char *const USER_SECRET = "usrSECRETa1b2c3d4";
const char *const ORG_SECRET = "orgSECRETe5f6a7b8";

/* ---- assertions ---------------------------------------------------------------------------- */

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static long g_passed;
static long g_failed;

int check_(int ok, const char *file, int line, const char *format, ...) {
  pthread_mutex_lock(&g_lock);
  if (ok) {
    g_passed++;
  } else {
    va_list args;
    g_failed++;
    printf("FAIL %s:%d: ", file, line);
    va_start(args, format);
    vprintf(format, args);
    va_end(args);
    printf("\n");
    fflush(stdout);
  }
  pthread_mutex_unlock(&g_lock);
  return ok;
}

int check_str_(const char *got, const char *want, const char *file, int line, const char *expr) {
  int ok = got != NULL && want != NULL && strcmp(got, want) == 0;
  return check_(ok, file, line, "%s: got %s%s%s, want \"%s\"", expr, got ? "\"" : "",
                got ? got : "NULL", got ? "\"" : "", want ? want : "NULL");
}

int check_status_(oc_status got, oc_status want, const char *file, int line, const char *expr) {
  return check_(got == want, file, line, "%s: got %s (%u), want %s (%u)", expr,
                oc_status_name((uint32_t)got), (unsigned)got, oc_status_name((uint32_t)want),
                (unsigned)want);
}

int test_summary(void) {
  long passed, failed;
  pthread_mutex_lock(&g_lock);
  passed = g_passed;
  failed = g_failed;
  pthread_mutex_unlock(&g_lock);
  printf("%ld passed, %ld failed\n", passed, failed);
  fflush(stdout);
  return failed > 0 ? 1 : 0;
}

void test_section(const char *name) {
  printf("-- %s\n", name);
  fflush(stdout);
}

/* ---- time ------------------------------------------------------------------------------------ */

long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int time_scale(void) {
  const char *s = getenv("OC_TIME_SCALE");
  int scale = s ? atoi(s) : 1;
  return scale > 0 ? scale : 1;
}

/* ---- waiting for threads ------------------------------------------------------------------------ */

void latch_init(latch *l, int count) {
  pthread_mutex_init(&l->lock, NULL);
  pthread_cond_init(&l->zero, NULL);
  l->count = count;
}

void latch_add(latch *l, int n) {
  pthread_mutex_lock(&l->lock);
  l->count += n;
  pthread_mutex_unlock(&l->lock);
}

void latch_count_down(latch *l) {
  pthread_mutex_lock(&l->lock);
  if (--l->count <= 0) pthread_cond_broadcast(&l->zero);
  pthread_mutex_unlock(&l->lock);
}

int latch_wait(latch *l, long timeout_ms) {
  struct timespec until;
  int reached;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += timeout_ms / 1000;
  until.tv_nsec += (timeout_ms % 1000) * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&l->lock);
  while (l->count > 0) {
    if (pthread_cond_timedwait(&l->zero, &l->lock, &until) == ETIMEDOUT) break;
  }
  reached = l->count <= 0;
  pthread_mutex_unlock(&l->lock);
  return reached;
}

void latch_destroy(latch *l) {
  pthread_cond_destroy(&l->zero);
  pthread_mutex_destroy(&l->lock);
}

void sleep_ms(long ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

mixed_call mixed_call_of(int i, const char *tag, long long id, const char *token) {
  mixed_call m;
  switch (i % 5) {
    case 0:
      m.operation = "get_instance";
      m.request = fmt("{\"id\":%lld}", id);
      m.kind = RESULT_INSTANCE;
      m.want = fmt("/name = %s-instance; /token = %s", tag, token);
      break;
    case 1:
      m.operation = "list_instances";
      m.request = fmt("{\"tags\":[\"%s\"],\"pageSize\":%d}", tag, 1 + i % 3);
      m.kind = RESULT_INSTANCE;
      m.want = fmt("/instances has 1; /nextPage is null");
      break;
    case 2:
      m.operation = "request";
      m.request = fmt("{\"method\":\"GET\",\"path\":\"/hubs/ecommerce/orders\","
                      "\"query\":{\"pageSize\":\"%d\"},\"elementToken\":\"%s\"}",
                      1 + i % 7, token);
      m.kind = RESULT_PLAIN;
      m.want = fmt("/body has %d", 1 + i % 7);
      break;
    case 3:
      m.operation = "parse_callback";
      m.request = fmt("{\"url\":\"?code=%s-code-%d&state=st%d\",\"expectedState\":\"st%d\"}", tag,
                      i, i, i);
      m.kind = RESULT_CALLBACK;
      m.want = fmt("/code = %s-code-%d; /state = st%d", tag, i, i);
      break;
    default:
      m.operation = "oauth_url";
      m.request = fmt("{\"element\":\"%s\",\"apiKey\":\"%s\",\"apiSecret\":\"%s\",\"callbackUrl\":\"%s\","
                      "\"state\":\"%s-state-%d\"}",
                      ELEMENT, API_KEY, API_SECRET, CALLBACK, tag, i);
      m.kind = RESULT_PLAIN;
      m.want = fmt("/state = %s-state-%d; has /oauthUrl", tag, i);
      break;
  }
  return m;
}

static char *vfmt(const char *format, va_list args) {
  va_list again;
  int n;
  char *s;
  va_copy(again, args);
  n = vsnprintf(NULL, 0, format, args);
  s = (char *)malloc((size_t)n + 1);
  if (s == NULL) abort();
  vsnprintf(s, (size_t)n + 1, format, again);
  va_end(again);
  return s;
}

char *fmt(const char *format, ...) {
  va_list args;
  char *s;
  va_start(args, format);
  s = vfmt(format, args);
  va_end(args);
  return s;
}

/* ---- the emulator ------------------------------------------------------------------------------ */

static pid_t g_emu_pid = -1;
static int g_emu_port;
static char g_emu_base[128];

static void emu_stop(void) {
  if (g_emu_pid > 0) {
    kill(g_emu_pid, SIGKILL);
    waitpid(g_emu_pid, NULL, 0);
    g_emu_pid = -1;
  }
}

void emu_start(void) {
  const char *path = getenv("OPENCONNECTORS_EMULATOR");
  int fds[2];
  char line[256];
  size_t used = 0;
  long long deadline;
  if (path == NULL || *path == '\0') path = "target/debug/openconnectors-emulator";
  if (pipe(fds) != 0) {
    perror("pipe");
    exit(2);
  }
  g_emu_pid = fork();
  if (g_emu_pid < 0) {
    perror("fork");
    exit(2);
  }
  if (g_emu_pid == 0) {
    int devnull = open("/dev/null", O_RDWR);
    /* The emulator must not outlive a test that crashes. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(fds[1], 1);
    if (devnull >= 0) {
      dup2(devnull, 0);
      dup2(devnull, 2);
    }
    close(fds[0]);
    close(fds[1]);
    execl(path, path, "--listen", "127.0.0.1:0", "--user-secret", USER_SECRET,
          "--organization-secret", ORG_SECRET, (char *)NULL);
    _exit(127);
  }
  close(fds[1]);
  atexit(emu_stop);
  deadline = now_ms() + 15000;
  while (used < sizeof line - 1 && memchr(line, '\n', used) == NULL) {
    struct pollfd pfd;
    ssize_t n;
    int left = (int)(deadline - now_ms());
    pfd.fd = fds[0];
    pfd.events = POLLIN;
    pfd.revents = 0;
    if (left <= 0 || poll(&pfd, 1, left) <= 0) break;
    n = read(fds[0], line + used, sizeof line - 1 - used);
    if (n <= 0) break;
    used += (size_t)n;
  }
  close(fds[0]);
  line[used] = '\0';
  {
    const char *prefix = "listening on http://127.0.0.1:";
    char *nl = strchr(line, '\n');
    if (nl == NULL || strncmp(line, prefix, strlen(prefix)) != 0) {
      fprintf(stderr, "cannot start the emulator %s (got \"%s\")\n", path, line);
      emu_stop();
      exit(2);
    }
    *nl = '\0';
    g_emu_port = atoi(line + strlen(prefix));
    snprintf(g_emu_base, sizeof g_emu_base, "%s", line + strlen("listening on "));
  }
}

int emu_port(void) { return g_emu_port; }
const char *emu_base_url(void) { return g_emu_base; }

static void emu_hook(const char *method, const char *path, const char *body) {
  http_response r;
  int rc = http_request(g_emu_port, method, path, body, &r);
  CHECK_MSG(rc == 0 && r.status == 200, "hook %s %s: status %d body %s", method, path, r.status,
            r.body ? r.body : "");
  http_response_free(&r);
}

void emu_reset(void) { emu_hook("POST", "/__emulator/reset", ""); }
void emu_fault(const char *spec_json) { emu_hook("POST", "/__emulator/faults", spec_json); }

void emu_faultf(const char *format, ...) {
  va_list args;
  char *spec;
  va_start(args, format);
  spec = vfmt(format, args);
  va_end(args);
  emu_fault(spec);
  free(spec);
}
void emu_clear_faults(void) { emu_hook("DELETE", "/__emulator/faults", NULL); }

char *emu_journal(void) {
  http_response r;
  char *body;
  int rc = http_request(g_emu_port, "GET", "/__emulator/requests", NULL, &r);
  CHECK_MSG(rc == 0 && r.status == 200 && json_valid(r.body), "journal: status %d", r.status);
  body = r.body;
  r.body = NULL;
  http_response_free(&r);
  return body ? body : strdup("[]");
}

int emu_count_requests(const char *method, const char *path_prefix) {
  char *journal = emu_journal();
  int count = 0, i, n = json_len(journal, "");
  for (i = 0; i < n; i++) {
    char *p = fmt("/%d/path", i), *m = fmt("/%d/method", i);
    char *path = json_str(journal, p), *meth = json_str(journal, m);
    if (path && meth && (method == NULL || strcmp(meth, method) == 0) &&
        strncmp(path, path_prefix, strlen(path_prefix)) == 0)
      count++;
    free(path);
    free(meth);
    free(p);
    free(m);
  }
  free(journal);
  return count;
}

int emu_journal_len(void) {
  char *j = emu_journal();
  int n = json_len(j, "");
  free(j);
  return n;
}

char *emu_journal_last(void) {
  char *j = emu_journal();
  int n = json_len(j, "");
  char *out = NULL;
  if (n > 0) {
    char *path = fmt("/%d", n - 1);
    const char *start = json_at(j, path);
    const char *end = start ? json_skip(start) : NULL;
    if (end) out = strndup(start, (size_t)(end - start));
    free(path);
  }
  free(j);
  return out ? out : strdup("{}");
}

int emu_wait_requests(const char *method, const char *path_prefix, int count, long timeout_ms) {
  long long until = now_ms() + timeout_ms;
  for (;;) {
    if (emu_count_requests(method, path_prefix) >= count) return 1;
    if (now_ms() >= until) return 0;
    sleep_ms(5);
  }
}

/* ---- raw HTTP ------------------------------------------------------------------------------------ */

int tcp_connect(const char *ip, int port) {
  struct sockaddr_storage addr;
  socklen_t len;
  struct timeval tv;
  int fd;
  memset(&addr, 0, sizeof addr);
  if (strchr(ip, ':') != NULL) {
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&addr;
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, ip, &a6->sin6_addr) != 1) return -1;
    len = sizeof *a6;
  } else {
    struct sockaddr_in *a4 = (struct sockaddr_in *)&addr;
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, ip, &a4->sin_addr) != 1) return -1;
    len = sizeof *a4;
  }
  fd = socket(addr.ss_family, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  tv.tv_sec = 20;
  tv.tv_usec = 0;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (connect(fd, (struct sockaddr *)&addr, len) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static int connect_loopback(int port) { return tcp_connect("127.0.0.1", port); }

static int send_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
    if (n <= 0) return -1;
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

static void response_clear(http_response *out) {
  out->status = 0;
  out->location = NULL;
  out->head = NULL;
  out->body = NULL;
}

/* Reads an answer until the server closes the connection, and closes fd. */
static int read_response(int fd, http_response *out) {
  char *buf = NULL, *sep, *line;
  size_t len = 0, cap = 0;
  for (;;) {
    ssize_t n;
    if (cap - len < 4096) {
      cap = cap ? cap * 2 : 8192;
      buf = (char *)realloc(buf, cap);
      if (buf == NULL) abort();
    }
    n = recv(fd, buf + len, cap - len - 1, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    len += (size_t)n;
  }
  close(fd);
  if (buf == NULL) return -1;
  buf[len] = '\0';
  sep = strstr(buf, "\r\n\r\n");
  if (sep == NULL || strncmp(buf, "HTTP/1.", 7) != 0) {
    free(buf);
    return -1;
  }
  *sep = '\0';
  out->status = atoi(buf + 9);
  out->head = strdup(buf);
  out->body = strdup(sep + 4);
  for (line = strstr(buf, "\r\n"); line != NULL; line = strstr(line + 2, "\r\n")) {
    if (strncasecmp(line + 2, "location:", 9) == 0) {
      const char *v = line + 11;
      const char *end = strstr(v, "\r\n");
      while (*v == ' ') v++;
      out->location = end ? strndup(v, (size_t)(end - v)) : strdup(v);
      break;
    }
  }
  free(buf);
  return 0;
}

int http_request(int port, const char *method, const char *path_and_query, const char *body,
                 http_response *out) {
  char *head;
  int fd;
  response_clear(out);
  fd = connect_loopback(port);
  if (fd < 0) return -1;
  head = fmt("%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n"
             "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
             method, path_and_query, port, body ? strlen(body) : (size_t)0);
  if (send_all(fd, head, strlen(head)) != 0 || (body && send_all(fd, body, strlen(body)) != 0)) {
    free(head);
    close(fd);
    return -1;
  }
  free(head);
  return read_response(fd, out);
}

int http_raw(const char *ip, int port, const char *bytes, size_t len, http_response *out) {
  int fd;
  response_clear(out);
  fd = tcp_connect(ip, port);
  if (fd < 0) return -1;
  /* A server may answer (431, say) and close before reading everything: what matters is the
   * answer, so a failed send still reads it. */
  send_all(fd, bytes, len);
  return read_response(fd, out);
}

int http_request_url(const char *method, const char *url, const char *body, http_response *out) {
  const char *prefix = "http://127.0.0.1:";
  const char *p;
  int port;
  if (strncmp(url, prefix, strlen(prefix)) != 0) {
    response_clear(out);
    return -1;
  }
  port = atoi(url + strlen(prefix));
  p = strchr(url + strlen(prefix), '/');
  return http_request(port, method, p ? p : "/", body, out);
}

void http_response_free(http_response *r) {
  free(r->location);
  free(r->head);
  free(r->body);
  r->location = NULL;
  r->head = NULL;
  r->body = NULL;
}

int unused_port(void) {
  struct sockaddr_in addr;
  socklen_t len = sizeof addr;
  int port, fd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
      getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
    perror("unused_port");
    exit(2);
  }
  port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

/* ---- JSON reading ---------------------------------------------------------------------------------- */

static const char *ws(const char *p) {
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
  return p;
}

static const char *skip_string(const char *p) {
  if (*p != '"') return NULL;
  for (p++; *p; p++) {
    if ((unsigned char)*p < 0x20) return NULL;
    if (*p == '\\') {
      p++;
      if (*p == 'u') {
        int i;
        for (i = 1; i <= 4; i++)
          if (!strchr("0123456789abcdefABCDEF", p[i]) || p[i] == '\0') return NULL;
        p += 4;
      } else if (!*p || !strchr("\"\\/bfnrt", *p)) {
        return NULL;
      }
    } else if (*p == '"') {
      return p + 1;
    }
  }
  return NULL;
}

/* The end of the value at p; depth bounds the recursion (threads call this at once, so the
 * depth is a parameter, not a static). */
static const char *skip_value(const char *p, int depth) {
  const char *r = NULL;
  p = ws(p);
  if (depth > 200) return NULL;
  if (*p == '"') {
    r = skip_string(p);
  } else if (*p == '{' || *p == '[') {
    char close = *p == '{' ? '}' : ']';
    int object = *p == '{';
    p = ws(p + 1);
    if (*p == close) {
      r = p + 1;
    } else {
      for (;;) {
        if (object) {
          p = skip_string(ws(p));
          if (p == NULL) break;
          p = ws(p);
          if (*p != ':') break;
          p++;
        }
        p = skip_value(p, depth + 1);
        if (p == NULL) break;
        p = ws(p);
        if (*p == ',') {
          p++;
          continue;
        }
        if (*p == close) r = p + 1;
        break;
      }
    }
  } else if (strncmp(p, "true", 4) == 0) {
    r = p + 4;
  } else if (strncmp(p, "false", 5) == 0) {
    r = p + 5;
  } else if (strncmp(p, "null", 4) == 0) {
    r = p + 4;
  } else if (*p == '-' || (*p >= '0' && *p <= '9')) {
    if (*p == '-') p++;
    if (!(*p >= '0' && *p <= '9')) {
      r = NULL;
    } else {
      while (*p >= '0' && *p <= '9') p++;
      if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') p++;
      }
      if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        while (*p >= '0' && *p <= '9') p++;
      }
      r = p;
    }
  }
  return r;
}

const char *json_skip(const char *p) { return skip_value(p, 0); }

int json_valid(const char *text) {
  const char *end;
  if (text == NULL) return 0;
  end = json_skip(text);
  return end != NULL && *ws(end) == '\0';
}

/* The member `name` (len bytes) of the object at p, or NULL. */
static const char *member(const char *p, const char *name, size_t len) {
  p = ws(p);
  if (*p != '{') return NULL;
  p = ws(p + 1);
  while (*p == '"') {
    const char *key = p + 1;
    const char *end = skip_string(p);
    if (end == NULL) return NULL;
    p = ws(end);
    if (*p != ':') return NULL;
    p = ws(p + 1);
    if ((size_t)(end - 1 - key) == len && strncmp(key, name, len) == 0) return p;
    p = json_skip(p);
    if (p == NULL) return NULL;
    p = ws(p);
    if (*p != ',') return NULL;
    p = ws(p + 1);
  }
  return NULL;
}

static const char *element(const char *p, long index) {
  p = ws(p);
  if (*p != '[') return NULL;
  p = ws(p + 1);
  if (*p == ']') return NULL;
  for (;;) {
    if (index-- == 0) return p;
    p = json_skip(p);
    if (p == NULL) return NULL;
    p = ws(p);
    if (*p != ',') return NULL;
    p = ws(p + 1);
  }
}

const char *json_at(const char *doc, const char *path) {
  const char *p;
  if (doc == NULL || path == NULL) return NULL;
  p = ws(doc);
  while (*path == '/') {
    const char *seg = path + 1;
    const char *end = strchr(seg, '/');
    size_t len = end ? (size_t)(end - seg) : strlen(seg);
    if (*p == '[') {
      char *num_end;
      long index = strtol(seg, &num_end, 10);
      if (num_end != seg + len || len == 0) return NULL;
      p = element(p, index);
    } else {
      p = member(p, seg, len);
    }
    if (p == NULL) return NULL;
    path = seg + len;
  }
  return p;
}

static void put_utf8(char **out, unsigned long cp) {
  char *o = *out;
  if (cp < 0x80) {
    *o++ = (char)cp;
  } else if (cp < 0x800) {
    *o++ = (char)(0xC0 | (cp >> 6));
    *o++ = (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *o++ = (char)(0xE0 | (cp >> 12));
    *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  } else {
    *o++ = (char)(0xF0 | (cp >> 18));
    *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
    *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  }
  *out = o;
}

char *json_str(const char *doc, const char *path) {
  const char *p = json_at(doc, path);
  const char *end;
  char *s, *o;
  if (p == NULL || *p != '"') return NULL;
  end = skip_string(p);
  if (end == NULL) return NULL;
  s = (char *)malloc((size_t)(end - p) + 1);
  if (s == NULL) abort();
  o = s;
  for (p++; p < end - 1; p++) {
    if (*p != '\\') {
      *o++ = *p;
      continue;
    }
    p++;
    switch (*p) {
      case 'b': *o++ = '\b'; break;
      case 'f': *o++ = '\f'; break;
      case 'n': *o++ = '\n'; break;
      case 'r': *o++ = '\r'; break;
      case 't': *o++ = '\t'; break;
      case 'u': {
        char hex[5];
        unsigned long cp;
        memcpy(hex, p + 1, 4);
        hex[4] = '\0';
        cp = strtoul(hex, NULL, 16);
        p += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && p[1] == '\\' && p[2] == 'u') {
          unsigned long lo;
          memcpy(hex, p + 3, 4);
          lo = strtoul(hex, NULL, 16);
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          p += 6;
        }
        put_utf8(&o, cp);
        break;
      }
      default: *o++ = *p; break;
    }
  }
  *o = '\0';
  return s;
}

int json_int(const char *doc, const char *path, long long *out) {
  const char *p = json_at(doc, path);
  char *end;
  long long v;
  if (p == NULL || !(*p == '-' || (*p >= '0' && *p <= '9'))) return 0;
  v = strtoll(p, &end, 10);
  if (*end == '.' || *end == 'e' || *end == 'E') return 0;
  *out = v;
  return 1;
}

int json_len(const char *doc, const char *path) {
  const char *p = json_at(doc, path);
  int n = 0;
  if (p == NULL || *p != '[') return -1;
  while (element(p, n) != NULL) n++;
  return n;
}

int json_is(const char *doc, const char *path, const char *literal) {
  const char *p = json_at(doc, path);
  const char *end;
  if (p == NULL) return 0;
  end = json_skip(p);
  return end != NULL && (size_t)(end - p) == strlen(literal) && strncmp(p, literal, strlen(literal)) == 0;
}

int json_str_eq(const char *doc, const char *path, const char *want) {
  char *s = json_str(doc, path);
  int eq = s != NULL && strcmp(s, want) == 0;
  free(s);
  return eq;
}

int json_array_has_str(const char *doc, const char *path, const char *want) {
  const char *arr = json_at(doc, path);
  long i;
  if (arr == NULL || *arr != '[') return 0;
  for (i = 0; element(arr, i) != NULL; i++) {
    char *idx = fmt("/%ld", i);
    int eq = json_str_eq(arr, idx, want);
    free(idx);
    if (eq) return 1;
  }
  return 0;
}

int json_array_has_obj(const char *doc, const char *path, const char *member_name,
                       const char *want) {
  const char *arr = json_at(doc, path);
  long i;
  if (arr == NULL || *arr != '[') return 0;
  for (i = 0; element(arr, i) != NULL; i++) {
    char *idx = fmt("/%ld/%s", i, member_name);
    int eq = json_str_eq(arr, idx, want);
    free(idx);
    if (eq) return 1;
  }
  return 0;
}

char *json_quote(const char *s) {
  size_t n = strlen(s);
  char *out = (char *)malloc(n * 6 + 3);
  char *o = out;
  if (out == NULL) abort();
  *o++ = '"';
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      *o++ = '\\';
      *o++ = (char)c;
    } else if (c < 0x20) {
      o += sprintf(o, "\\u%04x", c);
    } else {
      *o++ = (char)c;
    }
  }
  *o++ = '"';
  *o = '\0';
  return out;
}

/* ---- secrets ------------------------------------------------------------------------------------------ */

#define MAX_SECRETS 512
static struct {
  char *value;
  enum secret_kind kind;
} g_secrets[MAX_SECRETS];
static int g_secret_count;
static pthread_mutex_t g_secret_lock = PTHREAD_MUTEX_INITIALIZER;

static void free_secrets(void) {
  int i;
  for (i = 0; i < g_secret_count; i++) free(g_secrets[i].value);
  g_secret_count = 0;
}

void secret_add(const char *value, enum secret_kind kind) {
  static int registered;
  if (value == NULL || strlen(value) < 6) return;
  pthread_mutex_lock(&g_secret_lock);
  if (!registered) {
    registered = 1;
    atexit(free_secrets);
  }
  if (g_secret_count < MAX_SECRETS) {
    g_secrets[g_secret_count].value = strdup(value);
    g_secrets[g_secret_count].kind = kind;
    g_secret_count++;
  }
  pthread_mutex_unlock(&g_secret_lock);
}

int check_no_secrets_(const char *text, enum result_kind kind, const char *file, int line) {
  int i, clean = 1;
  if (text == NULL) return 1;
  pthread_mutex_lock(&g_secret_lock);
  for (i = 0; i < g_secret_count; i++) {
    enum secret_kind sk = g_secrets[i].kind;
    if (sk == SECRET_CODE && kind == RESULT_CALLBACK) continue;
    if (sk == SECRET_TOKEN && kind == RESULT_INSTANCE) continue;
    if (strstr(text, g_secrets[i].value) != NULL) {
      clean = 0;
      check_(0, file, line, "a secret (%s, kind %d) appears in a returned string: %s",
             g_secrets[i].value, (int)sk, text);
    }
  }
  pthread_mutex_unlock(&g_secret_lock);
  if (clean) check_(1, file, line, "no secrets");
  return clean;
}

/* ---- the library, checked ---------------------------------------------------------------------------- */

const char *kind_of(oc_status status) {
  switch (status) {
    case OC_OK: return NULL;
    case OC_ERR_INVALID_ARGUMENT: return "invalid_argument";
    case OC_ERR_VALIDATION: return "validation";
    case OC_ERR_OAUTH_DENIED: return "oauth_denied";
    case OC_ERR_STATE_MISMATCH: return "state_mismatch";
    case OC_ERR_API: return "api";
    case OC_ERR_TIMEOUT: return "timeout";
    case OC_ERR_TRANSPORT: return "transport";
    case OC_ERR_DECODE: return "decode";
    case OC_ERR_OUTCOME_UNKNOWN: return "outcome_unknown";
    case OC_ERR_CANCELLED: return "cancelled";
    case OC_ERR_SIGNATURE: return "signature";
    case OC_ERR_INTERNAL: return "internal";
    default: return "?";
  }
}

int check_error_doc_(const char *json, oc_status status, const char *file, int line) {
  char *kind = json_str(json, "/error/kind");
  char *message = json_str(json, "/error/message");
  const char *want = kind_of(status);
  long long http_status;
  int ok = 1;
  ok &= check_(json_at(json, "/error") != NULL && *json_at(json, "/error") == '{', file, line,
               "error document without an \"error\" object: %s", json);
  ok &= check_(kind != NULL && want != NULL && strcmp(kind, want) == 0, file, line,
               "error kind %s for status %s, want %s: %s", kind ? kind : "(absent)",
               oc_status_name((uint32_t)status), want ? want : "-", json);
  ok &= check_(message != NULL && *message != '\0', file, line, "error without a message: %s",
               json);
  if (status == OC_ERR_API)
    ok &= check_(json_int(json, "/error/status", &http_status), file, line,
                 "api error without status: %s", json);
  if (status == OC_ERR_VALIDATION)
    ok &= check_(json_len(json, "/error/missing") > 0 || json_len(json, "/error/invalid") > 0,
                 file, line, "validation error names no missing or invalid entry: %s", json);
  if (status == OC_ERR_OAUTH_DENIED)
    ok &= check_(json_at(json, "/error/oauthError") != NULL, file, line,
                 "oauth_denied without oauthError: %s", json);
  free(kind);
  free(message);
  return ok;
}

/* A pointer the library never hands out, to see whether the out-pointer was written. */
static char g_sentinel_storage;
#define SENTINEL (&g_sentinel_storage)

int check_result_(oc_status status, const char *json, enum result_kind kind, const char *file,
                  int line) {
  int ok;
  if (!check_(json != NULL, file, line, "no document (status %s)", oc_status_name((uint32_t)status)))
    return 0;
  if (!check_(json_valid(json), file, line, "not valid JSON: %s", json)) return 0;
  if (status != OC_OK) {
    ok = check_error_doc_(json, status, file, line);
    ok &= check_no_secrets_(json, RESULT_PLAIN, file, line);
  } else {
    ok = check_(json_at(json, "/error") == NULL, file, line, "OC_OK with an error member: %s", json);
    ok &= check_no_secrets_(json, kind, file, line);
  }
  return ok;
}

static call_result finish_call(oc_status status, char *out, enum result_kind kind, const char *file,
                           int line) {
  call_result c;
  c.status = status;
  c.json = NULL;
  if (!check_(out != SENTINEL && out != NULL, file, line,
              "the out-pointer was not written (status %s)", oc_status_name((uint32_t)status)))
    return c;
  c.json = out;
  check_result_(status, out, kind, file, line);
  return c;
}

call_result call_client_(client_fn f, const oc_client *client, const char *request,
                     enum result_kind kind, const char *file, int line) {
  char *out = SENTINEL;
  oc_status status = f(client, request, &out);
  return finish_call(status, out, kind, file, line);
}

call_result call_plain_(plain_fn f, const char *request, enum result_kind kind, const char *file,
                    int line) {
  char *out = SENTINEL;
  oc_status status = f(request, &out);
  return finish_call(status, out, kind, file, line);
}

const named_op NAMED_OPS[] = {
    {"oauth_url", oc_oauth_url, NULL, RESULT_PLAIN},
    {"create_instance", oc_create_instance, NULL, RESULT_INSTANCE},
    {"get_instance", oc_get_instance, NULL, RESULT_INSTANCE},
    {"list_instances", oc_list_instances, NULL, RESULT_INSTANCE},
    {"update_instance", oc_update_instance, NULL, RESULT_INSTANCE},
    {"delete_instance", oc_delete_instance, NULL, RESULT_PLAIN},
    {"request", oc_request, NULL, RESULT_PLAIN},
    {"parse_callback", NULL, oc_parse_callback, RESULT_CALLBACK},
    {"await_callback", NULL, oc_await_callback, RESULT_CALLBACK},
    {"verify_webhook", NULL, oc_verify_webhook, RESULT_PLAIN},
};
const size_t NAMED_OPS_COUNT = NELEMS(NAMED_OPS);

const named_op *named_op_find(const char *name) {
  size_t i;
  for (i = 0; i < NAMED_OPS_COUNT; i++)
    if (strcmp(NAMED_OPS[i].name, name) == 0) return &NAMED_OPS[i];
  fprintf(stderr, "no operation named %s in NAMED_OPS\n", name);
  exit(2);
}

call_result call_op_(const oc_client *client, const char *operation, const char *request,
                     const oc_cancel *cancel, enum result_kind kind, const char *file, int line) {
  char *out = SENTINEL;
  oc_status status = oc_call(client, operation, request, cancel, &out);
  return finish_call(status, out, kind, file, line);
}

call_result call_named_(const oc_client *client, const char *operation, const char *request,
                        const char *file, int line) {
  const named_op *op = named_op_find(operation);
  if (op->client_f != NULL) return call_client_(op->client_f, client, request, op->kind, file, line);
  return call_plain_(op->plain_f, request, op->kind, file, line);
}

/* ---- checks on documents ---------------------------------------------------------------------------- */

int check_missing_(const char *json, const char *pointer, const char *file, int line) {
  return check_(json != NULL && json_array_has_str(json, "/error/missing", pointer), file, line,
                "missing should name %s: %s", pointer, json ? json : "(null)");
}

int check_invalid_(const char *json, const char *pointer, const char *file, int line) {
  return check_(json != NULL && json_array_has_obj(json, "/error/invalid", "pointer", pointer),
                file, line, "invalid should name %s: %s", pointer, json ? json : "(null)");
}

int check_api_status_(const char *json, long long want, const char *file, int line) {
  long long got = -1;
  return check_(json != NULL && json_int(json, "/error/status", &got) && got == want, file, line,
                "error status %lld, want %lld: %s", got, want, json ? json : "(null)");
}

/* One clause of check_expect_ (NUL-terminated, without the separator). */
static int check_clause(const char *json, const char *clause, const char *what, const char *file,
                        int line) {
  const char *doc = json ? json : "(null)";
  const char *eq;
  char *path = NULL;
  int ok;
  long long n;
  if (strncmp(clause, "only missing ", 13) == 0) {
    ok = check_(json_len(json, "/error/missing") == 1 &&
                    json_array_has_str(json, "/error/missing", clause + 13),
                file, line, "%smissing should be exactly [%s]: %s", what, clause + 13, doc);
  } else if (strncmp(clause, "not missing ", 12) == 0) {
    ok = check_(json != NULL && !json_array_has_str(json, "/error/missing", clause + 12), file,
                line, "%smissing should not name %s: %s", what, clause + 12, doc);
  } else if (strncmp(clause, "missing ", 8) == 0) {
    ok = check_(json_array_has_str(json, "/error/missing", clause + 8), file, line,
                "%smissing should name %s: %s", what, clause + 8, doc);
  } else if (strncmp(clause, "invalid ", 8) == 0) {
    ok = check_(json_array_has_obj(json, "/error/invalid", "pointer", clause + 8), file, line,
                "%sinvalid should name %s: %s", what, clause + 8, doc);
  } else if (strncmp(clause, "status ", 7) == 0) {
    ok = check_(json_int(json, "/error/status", &n) && n == atoll(clause + 7), file, line,
                "%serror status should be %s: %s", what, clause + 7, doc);
  } else if (strncmp(clause, "has ", 4) == 0) {
    ok = check_(json_at(json, clause + 4) != NULL, file, line, "%s%s should be present: %s", what,
                clause + 4, doc);
  } else if (clause[0] == '/' && (eq = strstr(clause, " = ")) != NULL) {
    path = strndup(clause, (size_t)(eq - clause));
    ok = check_(json_str_eq(json, path, eq + 3), file, line, "%s%s should be \"%s\": %s", what,
                path, eq + 3, doc);
  } else if (clause[0] == '/' && (eq = strstr(clause, " is ")) != NULL) {
    path = strndup(clause, (size_t)(eq - clause));
    ok = check_(json_is(json, path, eq + 4), file, line, "%s%s should be %s: %s", what, path,
                eq + 4, doc);
  } else if (clause[0] == '/' && (eq = strstr(clause, " has ")) != NULL) {
    path = strndup(clause, (size_t)(eq - clause));
    ok = check_(json_len(json, path) == atoi(eq + 5), file, line,
                "%s%s should have %s entries: %s", what, path, eq + 5, doc);
  } else {
    ok = check_(0, file, line, "%sunreadable expectation \"%s\"", what, clause);
  }
  free(path);
  return ok;
}

int check_expect_(const char *json, const char *expect, const char *what, const char *file,
                  int line) {
  int ok = 1;
  const char *p = expect;
  while (p != NULL && *p != '\0') {
    const char *end = strstr(p, "; ");
    char *clause = end ? strndup(p, (size_t)(end - p)) : strdup(p);
    ok &= check_clause(json, clause, what, file, line);
    free(clause);
    p = end ? end + 2 : NULL;
  }
  return ok;
}

/* ---- tables --------------------------------------------------------------------------------------- */

void run_cases_(const oc_client *client, const call_case *cases, size_t count, const char *file,
                int line) {
  size_t i;
  for (i = 0; i < count; i++) {
    const call_case *c = &cases[i];
    const named_op *op = named_op_find(c->operation);
    char *what = fmt("case %zu (%s %s): ", i, c->operation, c->request ? c->request : "NULL");
    call_result named = call_named_(client, c->operation, c->request, file, line);
    call_result called = call_op_(op->client_f ? client : NULL, c->operation, c->request, NULL,
                                  op->kind, file, line);
    check_(named.status == c->status, file, line, "%sgot %s, want %s: %s", what,
           oc_status_name((uint32_t)named.status), oc_status_name((uint32_t)c->status),
           named.json ? named.json : "(null)");
    check_(named.status == called.status && named.json && called.json &&
               strcmp(named.json, called.json) == 0,
           file, line, "%sthe named function and oc_call differ: %s %s / %s %s", what,
           oc_status_name((uint32_t)named.status), named.json ? named.json : "(null)",
           oc_status_name((uint32_t)called.status), called.json ? called.json : "(null)");
    check_expect_(named.json, c->expect, what, file, line);
    result_free(&named);
    result_free(&called);
    free(what);
  }
}

void result_free(call_result *c) {
  oc_string_free(c->json);
  c->json = NULL;
}

oc_client *client_new_checked(const char *config_json) {
  oc_client *client = NULL;
  char *error = SENTINEL;
  oc_status status = oc_client_new(config_json, &client, &error);
  CHECK_MSG(status == OC_OK && client != NULL, "oc_client_new(%s): %s %s", config_json,
            oc_status_name((uint32_t)status), error && error != SENTINEL ? error : "");
  CHECK_MSG(error == NULL, "oc_client_new did not set error_json_out to NULL on success");
  if (error != SENTINEL) oc_string_free(error);
  if (client == NULL) {
    fprintf(stderr, "cannot go on without a client\n");
    test_summary();
    exit(1);
  }
  return client;
}

oc_client *emu_client(const char *extra_members) {
  char *config = fmt("{\"baseUrl\":\"%s\",\"userSecret\":\"%s\",\"organizationSecret\":\"%s\"%s}",
                     emu_base_url(), USER_SECRET, ORG_SECRET, extra_members);
  oc_client *client = client_new_checked(config);
  free(config);
  return client;
}

/* ---- the OAuth flow -------------------------------------------------------------------------------------- */

const char *const API_KEY = API_KEY_TEXT;
const char *const API_SECRET = API_SECRET_TEXT;
/* The provider only redirects there; nothing needs to listen. */
const char *const CALLBACK = CALLBACK_TEXT;
const char *const ELEMENT = ELEMENT_TEXT;

char *oauth_request(const char *state) {
  if (state == NULL)
    return fmt("{\"element\":\"%s\",\"apiKey\":\"%s\",\"apiSecret\":\"%s\",\"callbackUrl\":\"%s\"}",
               ELEMENT, API_KEY, API_SECRET, CALLBACK);
  return fmt("{\"element\":\"%s\",\"apiKey\":\"%s\",\"apiSecret\":\"%s\",\"callbackUrl\":\"%s\","
             "\"state\":\"%s\"}",
             ELEMENT, API_KEY, API_SECRET, CALLBACK, state);
}

/* Steps 1 and the provider's consent: answers the redirect's Location (malloc'd) or NULL. */
char *consent(const oc_client *client, const char *state, int deny) {
  char *request = oauth_request(state);
  call_result r = CALL(oc_oauth_url, client, request, RESULT_PLAIN);
  char *url, *location = NULL;
  free(request);
  CHECK_STATUS(r.status, OC_OK);
  url = json_str(r.json, "/oauthUrl");
  CHECK_MSG(url != NULL, "oauth_url result without oauthUrl: %s", r.json ? r.json : "");
  if (url != NULL) {
    http_response resp;
    char *full = deny ? fmt("%s&decision=deny", url) : fmt("%s", url);
    int rc = http_request_url("GET", full, NULL, &resp);
    CHECK_MSG(rc == 0 && resp.status == 302, "consent %s: rc %d status %d", full, rc, resp.status);
    CHECK_MSG(resp.location != NULL && strncmp(resp.location, CALLBACK, strlen(CALLBACK)) == 0,
              "consent Location %s", resp.location ? resp.location : "(none)");
    location = resp.location;
    resp.location = NULL;
    http_response_free(&resp);
    free(full);
  }
  free(url);
  result_free(&r);
  return location;
}

/* A fresh authorization code through steps 1 and 2 (malloc'd), registered as a secret. */
char *fresh_code(const oc_client *client) {
  static int counter; /* main thread only */
  char *state = fmt("state-%d-abcdefgh", ++counter);
  char *location = consent(client, state, 0);
  char *code = NULL;
  if (location != NULL) {
    char *url = json_quote(location);
    char *request = fmt("{\"url\":%s,\"expectedState\":\"%s\"}", url, state);
    call_result r;
    free(url);
    r = CALLP(oc_parse_callback, request, RESULT_CALLBACK);
    CHECK_STATUS(r.status, OC_OK);
    code = json_str(r.json, "/code");
    CHECK(code != NULL);
    CHECK(json_str_eq(r.json, "/state", state));
    secret_add(code, SECRET_CODE);
    result_free(&r);
    free(request);
    free(location);
  }
  free(state);
  return code ? code : strdup("no-code");
}

char *create_body(const char *code, const char *name, const char *tags_json) {
  return fmt("{\"element\":{\"key\":\"%s\"},\"providerData\":{\"code\":\"%s\"},"
             "\"configuration\":{\"oauth.callback.url\":\"%s\",\"oauth.api.key\":\"%s\","
             "\"oauth.api.secret\":\"%s\"},\"tags\":%s,\"name\":\"%s\"}",
             ELEMENT, code, CALLBACK, API_KEY, API_SECRET, tags_json, name);
}

/* Creates an instance through the full flow; answers its id (0 on failure), token in *token. */
long long create_instance(const oc_client *client, const char *name, const char *tags_json,
                                 char **token) {
  char *code = fresh_code(client);
  char *body = create_body(code, name, tags_json);
  call_result r = CALL(oc_create_instance, client, body, RESULT_INSTANCE);
  long long id = 0;
  CHECK_STATUS(r.status, OC_OK);
  CHECK(json_int(r.json, "/id", &id));
  CHECK(json_str_eq(r.json, "/name", name));
  if (token != NULL) *token = json_str(r.json, "/token");
  if (token != NULL) {
    CHECK(*token != NULL);
    secret_add(*token, SECRET_TOKEN);
  }
  result_free(&r);
  free(body);
  free(code);
  return id;
}


int has_instance(const char *list_json, long long id) {
  int i, n = json_len(list_json, "/instances");
  for (i = 0; i < n; i++) {
    char *path = fmt("/instances/%d/id", i);
    long long got = 0;
    int ok = json_int(list_json, path, &got) && got == id;
    free(path);
    if (ok) return 1;
  }
  return 0;
}

