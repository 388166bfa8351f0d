/*
 * Test support for the C tests of the C ABI: the emulator as a child process, a minimal
 * HTTP/1.1 client for its hooks and the provider's consent page, a small JSON reader,
 * assertions that count, and the one call wrapper every library call goes through (it checks
 * the out-pointer, the JSON, the error document and that no secret leaks).
 *
 * Compiles as C11 and as C++17.
 */
#ifndef OC_TEST_SUPPORT_H
#define OC_TEST_SUPPORT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "openconnectors.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- assertions ---------------------------------------------------------------------- */

/* Thread-safe; each check counts as one pass or one failure. */
int check_(int ok, const char *file, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
#define CHECK(cond) check_(!!(cond), __FILE__, __LINE__, "%s", #cond)
#define CHECK_MSG(cond, ...) check_(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
/* Compares two strings (either may be NULL, which never equals anything). */
#define CHECK_STR(got, want) check_str_((got), (want), __FILE__, __LINE__, #got)
int check_str_(const char *got, const char *want, const char *file, int line, const char *expr);
#define CHECK_STATUS(got, want) check_status_((got), (want), __FILE__, __LINE__, #got)
int check_status_(oc_status got, oc_status want, const char *file, int line, const char *expr);

/* Prints "N passed, M failed" alone on a line; answers the process exit status. */
int test_summary(void);
/* Prints a section header (to follow the output). */
void test_section(const char *name);

/* ---- time ------------------------------------------------------------------------------ */
long long now_ms(void);
long long now_us(void); /* monotonic, in microseconds */
void sleep_ms(long ms);
/* How much slower than a plain run this one is (OC_TIME_SCALE, set by run.sh: 1 plain, more
 * under sanitizers and valgrind). Upper bounds of timing checks are multiplied by it; the
 * figures printed for the release notes come from plain runs. */
int time_scale(void);

/* ---- waiting for threads ------------------------------------------------------------------ */

/* A count-down latch: threads count down, one thread waits for zero. */
typedef struct latch {
  pthread_mutex_t lock;
  pthread_cond_t zero;
  int count;
} latch;
void latch_init(latch *l, int count);
void latch_add(latch *l, int n); /* more to wait for */
void latch_count_down(latch *l);
/* Waits until the count is zero or timeout_ms passed; answers 1 when it reached zero. */
int latch_wait(latch *l, long timeout_ms);
void latch_destroy(latch *l);

/* ---- the emulator ---------------------------------------------------------------------- */

extern const char *const USER_SECRET;
extern const char *const ORG_SECRET;

/* Starts the emulator (OPENCONNECTORS_EMULATOR or target/debug/openconnectors-emulator) with
 * USER_SECRET/ORG_SECRET; exits the process when it cannot. It is killed at exit. */
void emu_start(void);
int emu_port(void);
const char *emu_base_url(void); /* http://127.0.0.1:PORT/elements/api-v2 */
void emu_reset(void);
void emu_fault(const char *spec_json); /* arms one fault; a refused spec fails the test */
/* emu_fault of a formatted spec, e.g. emu_faultf("{\"pathPrefix\":\"%s\",\"count\":1}", path). */
void emu_faultf(const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
void emu_clear_faults(void);
char *emu_journal(void); /* malloc'd JSON array; free() it */
/* Journal entries with this method (NULL: any) whose path starts with path_prefix. */
int emu_count_requests(const char *method, const char *path_prefix);
/* The journal's number of entries (every request the library sent since the last reset). */
int emu_journal_len(void);
/* The last journal entry as a malloc'd JSON text ("{}" when there is none). */
char *emu_journal_last(void);
/* Waits (polling the emulator, which cannot signal) until at least `count` requests match;
 * answers 1 when they did within timeout_ms. */
int emu_wait_requests(const char *method, const char *path_prefix, int count, long timeout_ms);

/* ---- raw HTTP ---------------------------------------------------------------------------- */

typedef struct http_response {
  int status;     /* 0 when the request failed */
  char *location; /* malloc'd, or NULL */
  char *head;     /* malloc'd: the status line and headers, or NULL */
  char *body;     /* malloc'd, NUL-terminated (may be empty) */
} http_response;

/* One request on a new connection (Connection: close) to 127.0.0.1:port. Answers 0 on success. */
int http_request(int port, const char *method, const char *path_and_query, const char *body,
                 http_response *out);
/* Same for an absolute http://127.0.0.1:PORT/... URL. */
int http_request_url(const char *method, const char *url, const char *body, http_response *out);
void http_response_free(http_response *r);
/* Sends these bytes as they are on a new connection to ip ("127.0.0.1" or "::1") and port,
 * then reads the answer until the server closes the connection. Answers 0 when an HTTP
 * answer came back. */
int http_raw(const char *ip, int port, const char *bytes, size_t len, http_response *out);
/* A connected TCP socket to ip:port with 20 s send/receive timeouts, or -1. */
int tcp_connect(const char *ip, int port);
/* A loopback port on which nothing listens (bound, read, closed). */
int unused_port(void);

/* ---- JSON reading ------------------------------------------------------------------------ */

/* Answers the end of the JSON value starting at p (after leading white space), or NULL when
 * it is not valid JSON. */
const char *json_skip(const char *p);
/* 1 when the whole text is one valid JSON value. */
int json_valid(const char *text);
/* The value at a JSON-Pointer-like path ("/error/kind", "/instances/0/id", "" for the root);
 * member names may contain '.' but not '/'. NULL when absent. */
const char *json_at(const char *doc, const char *path);
/* The string at path, decoded, malloc'd (free() it); NULL when absent or not a string. */
char *json_str(const char *doc, const char *path);
/* 1 and *out when the value at path is an integer. */
int json_int(const char *doc, const char *path, long long *out);
/* Array length at path, or -1. */
int json_len(const char *doc, const char *path);
/* 1 when the value at path is exactly this literal (null, true, false). */
int json_is(const char *doc, const char *path, const char *literal);
/* 1 when the string at path equals want. */
int json_str_eq(const char *doc, const char *path, const char *want);
/* 1 when the array at path holds the string want. */
int json_array_has_str(const char *doc, const char *path, const char *want);
/* 1 when the array at path holds an object whose member `member` is the string want. */
int json_array_has_obj(const char *doc, const char *path, const char *member, const char *want);
/* Escapes s as a JSON string with its quotes, into a malloc'd string. */
char *json_quote(const char *s);

/* ---- the library, checked ------------------------------------------------------------------ */

/* Secret kinds: where a value may legitimately appear in a result. */
enum secret_kind { SECRET_ALWAYS = 0, SECRET_CODE = 1, SECRET_TOKEN = 2 };
/* Registers a value that must not appear in results (thread-safe; values < 6 bytes ignored). */
void secret_add(const char *value, enum secret_kind kind);

/* What a successful result is: decides which secrets it may hold. */
enum result_kind { RESULT_PLAIN = 0, RESULT_CALLBACK = 1, RESULT_INSTANCE = 2 };

typedef oc_status (*client_fn)(const oc_client *, const char *, char **);
typedef oc_status (*plain_fn)(const char *, char **);

/* A call's outcome: status and the returned document (free with result_free). */
typedef struct call_result {
  oc_status status;
  char *json;
} call_result;

/* Every library call of the tests goes through these: they check that the out-pointer was
 * written with valid JSON, that an error document has the kind matching the status and a
 * message, and that no registered secret appears (per result kind). */
call_result call_client_(client_fn f, const oc_client *client, const char *request,
                     enum result_kind kind, const char *file, int line);
call_result call_plain_(plain_fn f, const char *request, enum result_kind kind, const char *file,
                    int line);
#define CALL(f, client, request, kind) call_client_((f), (client), (request), (kind), __FILE__, __LINE__)
#define CALLP(f, request, kind) call_plain_((f), (request), (kind), __FILE__, __LINE__)
void result_free(call_result *c);
/* Checks a returned string (any result or error document) for secrets; answers 1 when clean. */
int check_no_secrets_(const char *text, enum result_kind kind, const char *file, int line);
/* Checks an error document's kind and message for this status. */
int check_error_doc_(const char *json, oc_status status, const char *file, int line);
/* What CALL checks, for a status and document the library handed over some other way (an
 * oc_call_async callback): valid JSON, the error document or no error member, no secret. */
int check_result_(oc_status status, const char *json, enum result_kind kind, const char *file,
                  int line);
#define CHECK_RESULT(status, json, kind) check_result_((status), (json), (kind), __FILE__, __LINE__)
/* The error kind of a status ("api", ...) or NULL for OC_OK. */
const char *kind_of(oc_status status);

/* Every operation by name, with its named function and what its result may hold. */
typedef struct named_op {
  const char *name;       /* as oc_call takes it */
  client_fn client_f;     /* the named function of an operation that needs a client */
  plain_fn plain_f;       /* or of one that needs none */
  enum result_kind kind;  /* what a successful result is */
} named_op;
extern const named_op NAMED_OPS[];
extern const size_t NAMED_OPS_COUNT;
/* The row of an operation name; exits the test on an unknown one (a typo in a test). */
const named_op *named_op_find(const char *name);

/* An operation through oc_call, checked as CALL checks. */
call_result call_op_(const oc_client *client, const char *operation, const char *request,
                     const oc_cancel *cancel, enum result_kind kind, const char *file, int line);
#define CALL_OP(client, op, request, cancel, kind) \
  call_op_((client), (op), (request), (cancel), (kind), __FILE__, __LINE__)
/* An operation through its named function (what result kind it has comes from NAMED_OPS). */
call_result call_named_(const oc_client *client, const char *operation, const char *request,
                        const char *file, int line);
#define CALL_NAMED(client, op, request) call_named_((client), (op), (request), __FILE__, __LINE__)

/* ---- checks on documents ---------------------------------------------------------------------- */

/* error.missing names pointer. */
int check_missing_(const char *json, const char *pointer, const char *file, int line);
#define CHECK_MISSING(r, ptr) check_missing_((r).json, (ptr), __FILE__, __LINE__)
/* error.invalid holds an entry whose pointer is this one. */
int check_invalid_(const char *json, const char *pointer, const char *file, int line);
#define CHECK_INVALID(r, ptr) check_invalid_((r).json, (ptr), __FILE__, __LINE__)
/* error.status is this HTTP status. */
int check_api_status_(const char *json, long long want, const char *file, int line);
#define CHECK_API_STATUS(r, want) check_api_status_((r).json, (want), __FILE__, __LINE__)

/* Checks a document against expectations written as "; "-separated clauses:
 *   missing /p           error.missing names /p
 *   only missing /p      error.missing is exactly [/p]
 *   not missing /p       error.missing does not name /p
 *   invalid /p           error.invalid names /p
 *   status N             error.status is N
 *   has /p               the document has a value at /p
 *   /p is null           the value at /p is null (also true, false)
 *   /p = text            the string at /p is text (the rest of the clause, spaces included)
 *   /p has N             the array at /p has N entries
 * A clause it cannot read fails the test. */
int check_expect_(const char *json, const char *expect, const char *what, const char *file,
                  int line);
#define CHECK_EXPECT(r, expect) check_expect_((r).json, (expect), "", __FILE__, __LINE__)

/* ---- tables --------------------------------------------------------------------------------- */

/* One row of a table-driven test: an operation by name, its request, what must come back. */
typedef struct call_case {
  const char *operation; /* "get_instance", ...: the named function of that name is called */
  const char *request;   /* may be NULL */
  oc_status status;
  const char *expect; /* clauses for check_expect_, or NULL */
} call_case;

/* Runs every row twice, through the named function and through oc_call (with the client, or
 * NULL for an operation that needs none), checks both as CALL does, checks that they give
 * the same status and the same document, then the row's status and expectations. Rows must
 * have no effect on the platform (validation, parsing), since each runs twice. */
void run_cases_(const oc_client *client, const call_case *cases, size_t count, const char *file,
                int line);
#define RUN_CASES(client, table) \
  run_cases_((client), (table), sizeof(table) / sizeof((table)[0]), __FILE__, __LINE__)

/* Creates a client from a JSON config; fails the test when that fails. */
oc_client *client_new_checked(const char *config_json);
/* A client of the running emulator with both secrets and extra members (may be "") appended,
 * e.g. ",\"timeoutMs\":300". */
oc_client *emu_client(const char *extra_members);

/* ---- the OAuth flow against the emulator ------------------------------------------------------------ */

/* As literals too, for tables of requests. */
#define API_KEY_TEXT "apiKEYkey12345"
#define API_SECRET_TEXT "apiSECRETc0ffee99"
#define CALLBACK_TEXT "http://127.0.0.1:9/auth/callback"
#define ELEMENT_TEXT "infusionsoftecommerce"
extern const char *const API_KEY;
extern const char *const API_SECRET; /* registered as a secret by the tests */
extern const char *const CALLBACK;   /* the provider only redirects there; nothing listens */
extern const char *const ELEMENT;    /* infusionsoftecommerce */

/* An oc_oauth_url request for ELEMENT; state may be NULL (malloc'd). */
char *oauth_request(const char *state);
/* Step 1 and the provider's consent: answers the redirect's Location (malloc'd) or NULL. */
char *consent(const oc_client *client, const char *state, int deny);
/* A fresh authorization code through steps 1 and 2 (malloc'd), registered as a secret.
 * Main thread only. */
char *fresh_code(const oc_client *client);
/* The create document of an ELEMENT instance (malloc'd). */
char *create_body(const char *code, const char *name, const char *tags_json);
/* Creates an instance through the full flow; answers its id (0 on failure) and, when token is
 * not NULL, its token (malloc'd, registered as a token). */
long long create_instance(const oc_client *client, const char *name, const char *tags_json,
                          char **token);
/* 1 when the list result holds the instance with this id. */
int has_instance(const char *list_json, long long id);

/* One call of the mix the asynchronous tests run, by number i: get_instance, list_instances,
 * request through the instance, parse_callback, oauth_url (i % 5); with what its result must
 * hold. The instance is `id`, named "<tag>-instance" with the one tag "<tag>", its token
 * `token`; codes and states carry the tag too. request and want are malloc'd. */
typedef struct mixed_call {
  const char *operation;
  char *request;
  enum result_kind kind;
  char *want; /* check_expect_ clauses */
} mixed_call;
mixed_call mixed_call_of(int i, const char *tag, long long id, const char *token);

/* A formatted, malloc'd string. */
char *fmt(const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#ifdef __cplusplus
}
#endif

#endif
