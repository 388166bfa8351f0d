/*
 * oc_call, the one entry point, against the emulator: every operation by name does what the
 * function of that name does (the same document for the same request); operations that need
 * no client take NULL; an unknown or NULL operation is OC_ERR_INVALID_ARGUMENT naming
 * /operation. And webhook verification (oc_verify_webhook, and verify_webhook through oc_call)
 * with signatures computed outside the library:
 *
 *   python3 -c 'import hmac, hashlib, base64; print(base64.b64encode(hmac.new(KEY, BODY,
 *               hashlib.sha256).digest()).decode())'
 *
 * for the key and bodies below (sha1 for the sha1= case). The key never appears in any output.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* ---- every operation by name ------------------------------------------------------------------------ */

/* For a deterministic operation, the named function and oc_call give the same document. */
static void check_same(const oc_client *client, const char *operation, const char *request,
                       oc_status want) {
  call_result named = CALL_NAMED(client, operation, request);
  call_result called = CALL_OP(named_op_find(operation)->client_f ? client : NULL, operation, request,
                               NULL, named_op_find(operation)->kind);
  CHECK_MSG(named.status == want, "oc_%s: %s, want %s: %s", operation,
            oc_status_name((uint32_t)named.status), oc_status_name((uint32_t)want),
            named.json ? named.json : "");
  CHECK_MSG(named.status == called.status && named.json && called.json &&
                strcmp(named.json, called.json) == 0,
            "%s: oc_%s gave %s, oc_call %s", operation, operation, named.json ? named.json : "(null)",
            called.json ? called.json : "(null)");
  result_free(&named);
  result_free(&called);
}

typedef struct browser {
  int port;
  int status;
  pthread_t thread;
} browser;

static void *browser_main(void *arg) {
  browser *b = (browser *)arg;
  long long until = now_ms() + 10000L * time_scale();
  http_response resp;
  while (http_request(b->port, "GET", "/cb?code=by-name-code&state=s", NULL, &resp) != 0 &&
         now_ms() < until)
    sleep_ms(10);
  b->status = resp.status;
  http_response_free(&resp);
  return NULL;
}

static void test_every_operation(void) {
  oc_client *client = emu_client("");
  call_result r;
  char *request, *code;
  long long id = 0, got = 0;
  test_section("every operation through oc_call");
  emu_reset();

  request = oauth_request("by-name-state");
  r = CALL_OP(client, "oauth_url", request, NULL, RESULT_PLAIN);
  CHECK_STATUS(r.status, OC_OK);
  CHECK_EXPECT(r, "/state = by-name-state; has /oauthUrl");
  result_free(&r);
  free(request);

  code = fresh_code(client);
  request = create_body(code, "by-name", "[\"by-name\"]");
  r = CALL_OP(client, "create_instance", request, NULL, RESULT_INSTANCE);
  CHECK_STATUS(r.status, OC_OK);
  CHECK(json_int(r.json, "/id", &id));
  CHECK_EXPECT(r, "/name = by-name; has /token");
  {
    char *token = json_str(r.json, "/token");
    secret_add(token, SECRET_TOKEN);
    free(token);
  }
  result_free(&r);
  free(request);
  free(code);

  request = fmt("{\"id\":%lld}", id);
  check_same(client, "get_instance", request, OC_OK);
  free(request);
  check_same(client, "list_instances", "{\"tags\":[\"by-name\"]}", OC_OK);

  request = fmt("{\"id\":%lld,\"partial\":true,\"instance\":{\"name\":\"renamed-by-name\"}}", id);
  r = CALL_OP(client, "update_instance", request, NULL, RESULT_INSTANCE);
  CHECK_STATUS(r.status, OC_OK);
  CHECK_EXPECT(r, "/name = renamed-by-name");
  result_free(&r);
  free(request);

  r = CALL_OP(client, "request", "{\"method\":\"GET\",\"path\":\"/hubs/ecommerce/orders\"}", NULL,
              RESULT_PLAIN);
  CHECK_STATUS(r.status, OC_ERR_API); /* no element token: the hub answers 401 */
  CHECK_API_STATUS(r, 401);
  result_free(&r);

  check_same(NULL, "parse_callback", "{\"url\":\"?code=c9&state=s\",\"expectedState\":\"s\"}", OC_OK);

  {
    browser b;
    b.port = unused_port();
    b.status = 0;
    request = fmt("{\"callbackUrl\":\"http://127.0.0.1:%d/cb\",\"expectedState\":\"s\",\"timeoutMs\":10000}",
                  b.port);
    CHECK(pthread_create(&b.thread, NULL, browser_main, &b) == 0);
    r = CALL_OP(NULL, "await_callback", request, NULL, RESULT_CALLBACK);
    pthread_join(b.thread, NULL);
    CHECK_STATUS(r.status, OC_OK);
    CHECK_EXPECT(r, "/code = by-name-code");
    CHECK_MSG(b.status == 200, "the browser got %d", b.status);
    result_free(&r);
    free(request);
  }

  request = fmt("{\"id\":%lld}", id);
  r = CALL_OP(client, "delete_instance", request, NULL, RESULT_PLAIN);
  CHECK_STATUS(r.status, OC_OK);
  CHECK(json_int(r.json, "/id", &got) && got == id);
  CHECK_EXPECT(r, "/deleted is true");
  result_free(&r);
  r = CALL_OP(client, "get_instance", request, NULL, RESULT_PLAIN);
  CHECK_STATUS(r.status, OC_ERR_API);
  CHECK_API_STATUS(r, 404);
  result_free(&r);
  free(request);
  oc_client_free(client);
}

/* ---- NULL, unknown and misspelt operations ----------------------------------------------------------- */

static void test_operation_names(void) {
  static const char *const unknown[] = {"nope",          "",           "GET_INSTANCE", "get_instance ",
                                        " get_instance", "getInstance", "oc_get_instance",
                                        "get-instance",  "verify_webhooks"};
  oc_client *client = emu_client("");
  size_t i;
  char *out;
  test_section("oc_call: operation names and the NULL client");
  emu_reset();
  for (i = 0; i < NELEMS(unknown); i++) {
    call_result r = CALL_OP(client, unknown[i], "{\"id\":1}", NULL, RESULT_PLAIN);
    CHECK_MSG(r.status == OC_ERR_INVALID_ARGUMENT, "operation \"%s\": %s", unknown[i],
              oc_status_name((uint32_t)r.status));
    CHECK_INVALID(r, "/operation");
    result_free(&r);
    /* The name is checked first: a NULL client or request does not change the answer. */
    r = CALL_OP(NULL, unknown[i], NULL, NULL, RESULT_PLAIN);
    CHECK_STATUS(r.status, OC_ERR_INVALID_ARGUMENT);
    CHECK_INVALID(r, "/operation");
    result_free(&r);
  }
  {
    call_result r = CALL_OP(client, NULL, "{\"id\":1}", NULL, RESULT_PLAIN);
    CHECK_STATUS(r.status, OC_ERR_INVALID_ARGUMENT);
    result_free(&r);
  }
  /* A NULL out-pointer: nothing written, whatever else is wrong. */
  out = (char *)&client;
  CHECK_STATUS(oc_call(client, "get_instance", "{\"id\":1}", NULL, NULL), OC_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(oc_call(NULL, NULL, NULL, NULL, NULL), OC_ERR_INVALID_ARGUMENT);
  CHECK(out == (char *)&client);

  /* Operations that need a client refuse NULL; the others take it. */
  for (i = 0; i < NAMED_OPS_COUNT; i++) {
    const named_op *op = &NAMED_OPS[i];
    call_result r;
    if (op->client_f == NULL) continue;
    r = CALL_OP(NULL, op->name, "{\"id\":1}", NULL, RESULT_PLAIN);
    CHECK_MSG(r.status == OC_ERR_INVALID_ARGUMENT, "%s without a client: %s", op->name,
              oc_status_name((uint32_t)r.status));
    result_free(&r);
    r = CALL_OP(client, op->name, NULL, NULL, RESULT_PLAIN);
    CHECK_MSG(r.status == OC_ERR_INVALID_ARGUMENT, "%s with a NULL request: %s", op->name,
              oc_status_name((uint32_t)r.status));
    result_free(&r);
  }
  {
    call_result r = CALL_OP(NULL, "parse_callback", "{\"url\":\"code=x\"}", NULL, RESULT_CALLBACK);
    CHECK_STATUS(r.status, OC_OK);
    result_free(&r);
    /* A client given to one that needs none changes nothing. */
    r = CALL_OP(client, "parse_callback", "{\"url\":\"code=x\"}", NULL, RESULT_CALLBACK);
    CHECK_STATUS(r.status, OC_OK);
    CHECK_EXPECT(r, "/code = x");
    result_free(&r);
  }
  CHECK_MSG(emu_journal_len() == 0, "refused operations sent %d requests", emu_journal_len());
  oc_client_free(client);
}

/* ---- webhooks ------------------------------------------------------------------------------------------ */

#define WEBHOOK_KEY "whsecKEY-9f8e7d6c5b4a"
#define WRONG_KEY "whsecWRONG-0a1b2c3d"
/* The body as received, and as a JSON string member. */
#define EVENT_BODY_JSON                                                                      \
  "{\\\"message\\\":{\\\"events\\\":[{\\\"objectId\\\":\\\"42\\\",\\\"eventType\\\":\\\"CREATED\\\"," \
  "\\\"elementKey\\\":\\\"infusionsoftecommerce\\\"}]}}"
#define EVENT_BODY_B64                                                                        \
  "eyJtZXNzYWdlIjp7ImV2ZW50cyI6W3sib2JqZWN0SWQiOiI0MiIsImV2ZW50VHlwZSI6IkNSRUFURUQiLCJlbGVtZW50" \
  "S2V5IjoiaW5mdXNpb25zb2Z0ZWNvbW1lcmNlIn1dfX0="
/* HMAC-SHA256(WEBHOOK_KEY, body). */
#define EVENT_SIGNATURE "fOlTSYhuHR+xLWRTyPD6wS1W7I3p8iifzlabCuOtD5s="
/* The same body with objectId 43, and what its signature would be. */
#define TAMPERED_BODY_JSON                                                                   \
  "{\\\"message\\\":{\\\"events\\\":[{\\\"objectId\\\":\\\"43\\\",\\\"eventType\\\":\\\"CREATED\\\"," \
  "\\\"elementKey\\\":\\\"infusionsoftecommerce\\\"}]}}"
#define TAMPERED_SIGNATURE "X6XtqJLyXSSm8ekduOUEE4rtPE2gSVZqGW8/dIM7RwM="
/* HMAC-SHA256(WRONG_KEY, body). */
#define WRONG_KEY_SIGNATURE "TVGDbrf00PMWZDkFcTAvVuQsivFIsfujMrYctgrrfls="
/* HMAC-SHA1(WEBHOOK_KEY, body): an older scheme, refused. */
#define SHA1_SIGNATURE "T68SbyY2zssJyiAnYOwCOnGZF3U="
/* Events under response.events, and a body without events. */
#define RESPONSE_BODY_JSON                                                                     \
  "{\\\"response\\\":{\\\"events\\\":[{\\\"objectId\\\":\\\"7\\\",\\\"eventType\\\":\\\"UPDATED\\\"}," \
  "{\\\"objectId\\\":\\\"8\\\",\\\"eventType\\\":\\\"DELETED\\\"}]}}"
#define RESPONSE_SIGNATURE "pwJUFteyqAGaFtNiJs5VXsXA8On73+lgUggn6DVdjI0="
#define NO_EVENTS_BODY_JSON "{\\\"message\\\":{\\\"note\\\":\\\"no events here\\\"}}"
#define NO_EVENTS_SIGNATURE "svlXvOMy6SUS31CjjUuxfAj/TIPNVw/NhcIm/jYBhf0="
/* A body that is not JSON. */
#define NOT_JSON_BODY "event: created, not JSON"
#define NOT_JSON_SIGNATURE "+9F4faZhCMnVnWdHtFpmJgfeClZp5lHq6HgAJ1RVzyw="
/* {"x":"\xff\xfe\x80"}: bytes that are not UTF-8, signed as bytes, and as the text a lossy
 * UTF-8 decoding would make of them (which must not verify). */
#define RAW_BODY_B64 "eyJ4Ijoi//6AIn0="
#define RAW_SIGNATURE "GB507x0wawRFNiCwQcOn91ihBmmPh2K/wyrTSrWV4RU="
#define RAW_LOSSY_SIGNATURE "w6kfkght7AwRlDllPr/0osCGpwg8NN3SZUvzNsTDrXI="

#define WEBHOOK(headers, body_member)                                                    \
  "{\"signatureKey\":\"" WEBHOOK_KEY "\",\"headers\":{" headers "}," body_member "}"
#define SIGNED(signature) "\"Elements-Webhook-Signature\":\"sha256=" signature "\""
#define WEBHOOK_ID "\"Elements-Webhook-Id\":\"evt-3c1d\""
#define BODY(text) "\"body\":\"" text "\""
#define BODY_B64(text) "\"bodyBase64\":\"" text "\""

static const call_case WEBHOOKS[] = {
    {"verify_webhook", WEBHOOK(SIGNED(EVENT_SIGNATURE) "," WEBHOOK_ID, BODY(EVENT_BODY_JSON)), OC_OK,
     "/webhookId = evt-3c1d; /events has 1; /events/0/objectId = 42; /events/0/eventType = CREATED; "
     "/event/message/events/0/elementKey = infusionsoftecommerce"},
    /* Header names in any case. */
    {"verify_webhook",
     WEBHOOK("\"elements-webhook-signature\":\"sha256=" EVENT_SIGNATURE "\",\"ELEMENTS-WEBHOOK-ID\":\"evt-3c1d\"",
             BODY(EVENT_BODY_JSON)),
     OC_OK, "/webhookId = evt-3c1d; /events has 1"},
    /* The same bytes as base64. */
    {"verify_webhook", WEBHOOK(SIGNED(EVENT_SIGNATURE), BODY_B64(EVENT_BODY_B64)), OC_OK,
     "/webhookId is null; /events/0/objectId = 42"},
    {"verify_webhook", WEBHOOK(SIGNED(RESPONSE_SIGNATURE), BODY(RESPONSE_BODY_JSON)), OC_OK,
     "/events has 2; /events/1/eventType = DELETED"},
    {"verify_webhook", WEBHOOK(SIGNED(NO_EVENTS_SIGNATURE), BODY(NO_EVENTS_BODY_JSON)), OC_OK,
     "/events has 0; /event/message/note = no events here"},
    /* Refused signatures. */
    {"verify_webhook", WEBHOOK(SIGNED(EVENT_SIGNATURE), BODY(TAMPERED_BODY_JSON)), OC_ERR_SIGNATURE, NULL},
    {"verify_webhook",
     "{\"signatureKey\":\"" WRONG_KEY "\",\"headers\":{" SIGNED(EVENT_SIGNATURE) "}," BODY(EVENT_BODY_JSON) "}",
     OC_ERR_SIGNATURE, NULL},
    {"verify_webhook", WEBHOOK("\"Elements-Webhook-Signature\":\"sha1=" SHA1_SIGNATURE "\"", BODY(EVENT_BODY_JSON)),
     OC_ERR_SIGNATURE, NULL},
    {"verify_webhook", WEBHOOK("\"Elements-Webhook-Signature\":\"" EVENT_SIGNATURE "\"", BODY(EVENT_BODY_JSON)),
     OC_ERR_SIGNATURE, NULL}, /* no scheme */
    {"verify_webhook", WEBHOOK("\"Elements-Webhook-Signature\":\"SHA256=" EVENT_SIGNATURE "\"", BODY(EVENT_BODY_JSON)),
     OC_ERR_SIGNATURE, NULL},
    {"verify_webhook", WEBHOOK(WEBHOOK_ID, BODY(EVENT_BODY_JSON)), OC_ERR_SIGNATURE, NULL}, /* no header */
    {"verify_webhook", WEBHOOK("", BODY(EVENT_BODY_JSON)), OC_ERR_SIGNATURE, NULL},
    {"verify_webhook", "{\"signatureKey\":\"" WEBHOOK_KEY "\"," BODY(EVENT_BODY_JSON) "}", OC_ERR_SIGNATURE, NULL},
    {"verify_webhook", WEBHOOK("\"Elements-Webhook-Signature\":\"\"", BODY(EVENT_BODY_JSON)), OC_ERR_SIGNATURE, NULL},
    /* Padding is part of the value. */
    {"verify_webhook",
     WEBHOOK("\"Elements-Webhook-Signature\":\"sha256=fOlTSYhuHR+xLWRTyPD6wS1W7I3p8iifzlabCuOtD5s\"",
             BODY(EVENT_BODY_JSON)),
     OC_ERR_SIGNATURE, NULL},
    /* Bytes that are not UTF-8: signed as bytes, so the signature holds, and then they are not
     * JSON. Signed as their lossy decoding, they do not verify. */
    {"verify_webhook", WEBHOOK(SIGNED(RAW_SIGNATURE), BODY_B64(RAW_BODY_B64)), OC_ERR_DECODE, NULL},
    {"verify_webhook", WEBHOOK(SIGNED(RAW_LOSSY_SIGNATURE), BODY_B64(RAW_BODY_B64)), OC_ERR_SIGNATURE, NULL},
    /* A good signature over a body that is not JSON. */
    {"verify_webhook", WEBHOOK(SIGNED(NOT_JSON_SIGNATURE), BODY(NOT_JSON_BODY)), OC_ERR_DECODE, NULL},
    /* What is checked before the signature. */
    {"verify_webhook", "{\"headers\":{" SIGNED(EVENT_SIGNATURE) "}," BODY(EVENT_BODY_JSON) "}",
     OC_ERR_VALIDATION, "missing /signatureKey"},
    {"verify_webhook", "{\"signatureKey\":\"\",\"headers\":{" SIGNED(EVENT_SIGNATURE) "}," BODY(EVENT_BODY_JSON) "}",
     OC_ERR_VALIDATION, "missing /signatureKey"},
    {"verify_webhook", WEBHOOK(SIGNED(EVENT_SIGNATURE), "\"note\":1"), OC_ERR_VALIDATION, "missing /body"},
    {"verify_webhook", WEBHOOK(SIGNED(EVENT_SIGNATURE), BODY(EVENT_BODY_JSON) "," BODY_B64(EVENT_BODY_B64)),
     OC_ERR_VALIDATION, "invalid /bodyBase64"},
    {"verify_webhook", WEBHOOK(SIGNED(EVENT_SIGNATURE), BODY_B64("not base64!")), OC_ERR_VALIDATION,
     "invalid /bodyBase64"},
    {"verify_webhook", WEBHOOK(SIGNED(EVENT_SIGNATURE), "\"body\":{\"a\":1}"), OC_ERR_INVALID_ARGUMENT,
     "invalid /body"},
    {"verify_webhook", "{\"signatureKey\":\"" WEBHOOK_KEY "\",\"headers\":[]," BODY(EVENT_BODY_JSON) "}",
     OC_ERR_INVALID_ARGUMENT, "invalid /headers"},
};

static void test_webhooks(void) {
  call_result r;
  test_section("oc_verify_webhook and verify_webhook through oc_call");
  /* The key, and every signature the library would compute for a refused case, must never
   * appear in what comes back. */
  secret_add(WEBHOOK_KEY, SECRET_ALWAYS);
  secret_add(WRONG_KEY, SECRET_ALWAYS);
  secret_add(TAMPERED_SIGNATURE, SECRET_ALWAYS);
  secret_add(WRONG_KEY_SIGNATURE, SECRET_ALWAYS);
  secret_add(RAW_SIGNATURE, SECRET_ALWAYS);
  RUN_CASES(NULL, WEBHOOKS);
  /* The event comes back as JSON (members in any order: JSON objects are unordered). */
  r = CALLP(oc_verify_webhook, WEBHOOK(SIGNED(EVENT_SIGNATURE), BODY(EVENT_BODY_JSON)), RESULT_PLAIN);
  CHECK_STATUS(r.status, OC_OK);
  CHECK_EXPECT(r, "/event/message/events has 1; /event/message/events/0/objectId = 42; "
                  "/event/message/events/0/eventType = CREATED");
  result_free(&r);
  /* Two headers that differ only in case are ambiguous: refused, never one of them picked. */
  r = CALLP(oc_verify_webhook,
            WEBHOOK(SIGNED(WRONG_KEY_SIGNATURE) ",\"elements-webhook-signature\":\"sha256=" EVENT_SIGNATURE "\"",
                    BODY(EVENT_BODY_JSON)),
            RESULT_PLAIN);
  CHECK_MSG(r.status != OC_OK, "two signature headers: %s", oc_status_name((uint32_t)r.status));
  result_free(&r);
}

int main(void) {
  secret_add(USER_SECRET, SECRET_ALWAYS);
  secret_add(ORG_SECRET, SECRET_ALWAYS);
  secret_add(API_SECRET, SECRET_ALWAYS);
  test_webhooks();
  emu_start();
  test_operation_names();
  test_every_operation();
  return test_summary();
}
