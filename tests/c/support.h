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

#include <stddef.h>
#include <stdint.h>

#include "openconnectors.h"

#ifdef __cplusplus
extern "C" {
#endif

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
void sleep_ms(long ms);

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
void emu_clear_faults(void);
char *emu_journal(void); /* malloc'd JSON array; free() it */
/* Journal entries with this method whose path starts with path_prefix. */
int emu_count_requests(const char *method, const char *path_prefix);

/* ---- raw HTTP ---------------------------------------------------------------------------- */

typedef struct http_response {
  int status;     /* 0 when the request failed */
  char *location; /* malloc'd, or NULL */
  char *body;     /* malloc'd, NUL-terminated (may be empty) */
} http_response;

/* One request on a new connection (Connection: close) to 127.0.0.1:port. Answers 0 on success. */
int http_request(int port, const char *method, const char *path_and_query, const char *body,
                 http_response *out);
/* Same for an absolute http://127.0.0.1:PORT/... URL. */
int http_request_url(const char *method, const char *url, const char *body, http_response *out);
void http_response_free(http_response *r);
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
/* The error kind of a status ("api", ...) or NULL for OC_OK. */
const char *kind_of(oc_status status);

/* Creates a client from a JSON config; fails the test when that fails. */
oc_client *client_new_checked(const char *config_json);
/* A client of the running emulator with both secrets and extra members (may be "") appended,
 * e.g. ",\"timeoutMs\":300". */
oc_client *emu_client(const char *extra_members);

/* ---- the OAuth flow against the emulator ------------------------------------------------------------ */

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
