/*
 * Every function of the C API (docs/c-api.md), called from C against the emulator: the OAuth
 * flow and the instance lifecycle end to end, the callback listener, the static functions,
 * and every status reached for real (OC_ERR_INTERNAL excepted: no input reaches a panic from
 * C without a test hook in the library; the panic boundary is tested in Rust).
 *
 * Every call goes through CALL/CALLP (support.c), which checks the out-pointer, the JSON,
 * the error document's kind and message, and that no secret appears where it may not.
 * Repeated call-and-check runs are tables of call_case rows run by RUN_CASES, which also runs
 * each row through oc_call and checks that both give the same document.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* ---- static functions ------------------------------------------------------------------------------ */

static void test_static(void) {
  static const struct {
    uint32_t status;
    const char *name;
  } names[] = {
      {OC_OK, "OC_OK"},
      {OC_ERR_INVALID_ARGUMENT, "OC_ERR_INVALID_ARGUMENT"},
      {OC_ERR_VALIDATION, "OC_ERR_VALIDATION"},
      {OC_ERR_OAUTH_DENIED, "OC_ERR_OAUTH_DENIED"},
      {OC_ERR_STATE_MISMATCH, "OC_ERR_STATE_MISMATCH"},
      {OC_ERR_API, "OC_ERR_API"},
      {OC_ERR_TIMEOUT, "OC_ERR_TIMEOUT"},
      {OC_ERR_TRANSPORT, "OC_ERR_TRANSPORT"},
      {OC_ERR_DECODE, "OC_ERR_DECODE"},
      {OC_ERR_OUTCOME_UNKNOWN, "OC_ERR_OUTCOME_UNKNOWN"},
      {OC_ERR_CANCELLED, "OC_ERR_CANCELLED"},
      {OC_ERR_SIGNATURE, "OC_ERR_SIGNATURE"},
      {OC_ERR_INTERNAL, "OC_ERR_INTERNAL"},
      {12, "OC_ERR_UNKNOWN"},
      {42, "OC_ERR_UNKNOWN"},
      {98, "OC_ERR_UNKNOWN"},
      {100, "OC_ERR_UNKNOWN"},
      {UINT32_MAX, "OC_ERR_UNKNOWN"},
  };
  size_t i;
  test_section("static functions");
  /* The header's version is the library's (a program built against one header and run with
   * another library can tell), and the macros agree with each other. */
  CHECK_STR(oc_version(), OC_VERSION);
  {
    char *parts = fmt("%d.%d.%d", OC_VERSION_MAJOR, OC_VERSION_MINOR, OC_VERSION_PATCH);
    CHECK_STR(parts, OC_VERSION);
    free(parts);
  }
  CHECK(oc_version() == oc_version());
  /* The numbers are fixed by the contract. */
  CHECK(OC_OK == 0 && OC_ERR_INVALID_ARGUMENT == 1 && OC_ERR_VALIDATION == 2 &&
        OC_ERR_OAUTH_DENIED == 3 && OC_ERR_STATE_MISMATCH == 4 && OC_ERR_API == 5 &&
        OC_ERR_TIMEOUT == 6 && OC_ERR_TRANSPORT == 7 && OC_ERR_DECODE == 8 &&
        OC_ERR_OUTCOME_UNKNOWN == 9 && OC_ERR_CANCELLED == 10 && OC_ERR_SIGNATURE == 11 &&
        OC_ERR_INTERNAL == 99);
  CHECK(sizeof(oc_status) == sizeof(uint32_t));
  for (i = 0; i < NELEMS(names); i++) CHECK_STR(oc_status_name(names[i].status), names[i].name);
  oc_string_free(NULL);
  oc_client_free(NULL);
  CHECK_MSG(1, "oc_string_free(NULL) and oc_client_free(NULL) are no-ops");
}

/* ---- oc_client_new ------------------------------------------------------------------------------------ */

/* A configuration oc_client_new refuses, and how. */
typedef struct refused_config {
  const char *config;
  oc_status status;
  const char *missing; /* a pointer error.missing must name, or NULL */
  const char *invalid; /* a pointer error.invalid must name, or NULL */
} refused_config;

static const char BAD_UTF8_CONFIG[] = {'{', '"', 'u', 's', 'e', 'r', 'A', 'g', 'e', 'n', 't', '"',
                                       ':', '"', (char)0xC3, (char)0x28, '"', '}', '\0'};

static const refused_config REFUSED_CONFIGS[] = {
    {"{\"userSecret\":\"lonelySecret77\"}", OC_ERR_VALIDATION, "/organizationSecret", NULL},
    {"{\"organizationSecret\":\"lonelySecret77\"}", OC_ERR_VALIDATION, "/userSecret", NULL},
    {"{\"userSecret\":\"\",\"organizationSecret\":\"lonelySecret77\"}", OC_ERR_VALIDATION,
     "/userSecret", NULL},
    {"{\"userSecret\":\"abc\\r\\nSecretXYZcrlf\",\"organizationSecret\":\"o12345\"}",
     OC_ERR_VALIDATION, NULL, "/userSecret"},
    {"{\"userSecret\":\"u12345\",\"organizationSecret\":\"SecretXYZctrl\\n\"}", OC_ERR_VALIDATION,
     NULL, "/organizationSecret"},
    {"{\"userSecret\":\"u12345\",\"organizationSecret\":\"a\\u0007SecretXYZctrl\"}",
     OC_ERR_VALIDATION, NULL, "/organizationSecret"},
    {"{\"baseUrl\":\"http://example.com/elements/api-v2\"}", OC_ERR_VALIDATION, NULL, "/baseUrl"},
    {"{\"baseUrl\":\"ftp://127.0.0.1/elements/api-v2\"}", OC_ERR_VALIDATION, NULL, "/baseUrl"},
    {"{\"baseUrl\":\"/elements/api-v2\"}", OC_ERR_VALIDATION, NULL, "/baseUrl"},
    {"{\"timeoutMs\":0}", OC_ERR_VALIDATION, NULL, "/timeoutMs"},
    {"{\"timeoutMs\":\"soon\"}", OC_ERR_INVALID_ARGUMENT, NULL, "/timeoutMs"},
    {"{\"allowInsecureHttp\":\"yes\"}", OC_ERR_INVALID_ARGUMENT, NULL, "/allowInsecureHttp"},
    {"{\"deadlineMs\":0}", OC_ERR_VALIDATION, NULL, "/deadlineMs"},
    {"{\"deadlineMs\":\"soon\"}", OC_ERR_INVALID_ARGUMENT, NULL, "/deadlineMs"},
    {"{\"timeoutMs\":5000,\"timeoutMs\":1}", OC_ERR_INVALID_ARGUMENT, NULL, "/timeoutMs"},
    {"not json", OC_ERR_INVALID_ARGUMENT, NULL, NULL},
    {"[]", OC_ERR_INVALID_ARGUMENT, NULL, NULL},
    {BAD_UTF8_CONFIG, OC_ERR_INVALID_ARGUMENT, NULL, NULL},
};

/* oc_client_new must refuse the row's configuration with the row's status, set *client_out to
 * NULL, and write an error document naming what the row names; the same with error_json_out
 * NULL (same status, no document). */
static void check_refused_config(const refused_config *row) {
  const char *config = row->config;
  oc_client *client = (oc_client *)&client; /* a sentinel that must become NULL */
  char *error = NULL;
  oc_status status = oc_client_new(config, &client, &error);
  CHECK_MSG(status == row->status, "oc_client_new(%s): got %s, want %s: %s", config,
            oc_status_name((uint32_t)status), oc_status_name((uint32_t)row->status),
            error ? error : "");
  CHECK_MSG(client == NULL, "oc_client_new(%s) failed but *client_out is not NULL", config);
  CHECK_MSG(error != NULL && json_valid(error), "no JSON error document for %s", config);
  if (error != NULL) {
    check_error_doc_(error, status, __FILE__, __LINE__);
    check_no_secrets_(error, RESULT_PLAIN, __FILE__, __LINE__);
    if (row->missing) check_missing_(error, row->missing, __FILE__, __LINE__);
    if (row->invalid) check_invalid_(error, row->invalid, __FILE__, __LINE__);
  }
  oc_string_free(error);
  client = (oc_client *)&client;
  status = oc_client_new(config, &client, NULL);
  CHECK_MSG(status == row->status && client == NULL, "oc_client_new(%s, &c, NULL): got %s, client %p",
            config, oc_status_name((uint32_t)status), (void *)client);
  if (status == OC_OK) oc_client_free(client);
}

static void test_client_new(void) {
  oc_client *client = NULL;
  char *error = (char *)&client;
  oc_status status;
  char *config;
  size_t i;
  test_section("oc_client_new");

  /* Success: error_json_out is set to NULL, or may itself be NULL. */
  status = oc_client_new("{}", &client, &error);
  CHECK_STATUS(status, OC_OK);
  CHECK(client != NULL);
  CHECK(error == NULL);
  oc_client_free(client);
  client = NULL;
  status = oc_client_new("{\"futureOption\":{\"x\":1}}", &client, NULL);
  CHECK_STATUS(status, OC_OK); /* unknown members are ignored */
  oc_client_free(client);

  config = fmt("{\"baseUrl\":\"%s\",\"userSecret\":\"%s\",\"organizationSecret\":\"%s\","
               "\"timeoutMs\":5000,\"connectTimeoutMs\":1000,\"maxRetries\":0,\"deadlineMs\":9000,"
               "\"maxResponseBytes\":1024,\"userAgent\":\"c-tests/1\",\"allowInsecureHttp\":false}",
               emu_base_url(), USER_SECRET, ORG_SECRET);
  client = client_new_checked(config);
  oc_client_free(client);
  free(config);
  client = client_new_checked("{\"baseUrl\":\"http://example.com/elements/api-v2\","
                              "\"allowInsecureHttp\":true}");
  oc_client_free(client);
  client = client_new_checked("{\"baseUrl\":\"http://localhost:1/elements/api-v2\"}");
  oc_client_free(client);
  client = client_new_checked("{\"baseUrl\":\"http://[::1]:1/elements/api-v2\"}");
  oc_client_free(client);

  /* A NULL client_out: OC_ERR_INVALID_ARGUMENT and nothing written. */
  error = (char *)&client;
  status = oc_client_new("{}", NULL, &error);
  CHECK_STATUS(status, OC_ERR_INVALID_ARGUMENT);
  CHECK_MSG(error == (char *)&client, "oc_client_new(NULL client_out) wrote error_json_out");
  status = oc_client_new("{}", NULL, NULL);
  CHECK_STATUS(status, OC_ERR_INVALID_ARGUMENT);

  /* NULL config: the header makes it OC_ERR_INVALID_ARGUMENT ("pass {} for the defaults");
   * either way it must not crash, and must be consistent with the out-pointers. */
  client = (oc_client *)&client;
  error = NULL;
  status = oc_client_new(NULL, &client, &error);
  printf("   note: oc_client_new(NULL config) -> %s\n", oc_status_name((uint32_t)status));
  CHECK(status == OC_OK || status == OC_ERR_INVALID_ARGUMENT);
  if (status == OC_OK) {
    CHECK(client != NULL && error == NULL);
    oc_client_free(client);
  } else {
    CHECK(client == NULL && error != NULL);
    if (error) check_error_doc_(error, status, __FILE__, __LINE__);
    oc_string_free(error);
  }

  secret_add("SecretXYZcrlf", SECRET_ALWAYS);
  secret_add("SecretXYZctrl", SECRET_ALWAYS);
  secret_add("lonelySecret77", SECRET_ALWAYS);
  for (i = 0; i < NELEMS(REFUSED_CONFIGS); i++) check_refused_config(&REFUSED_CONFIGS[i]);
}

/* ---- OC_ERR_INVALID_ARGUMENT ------------------------------------------------------------------------- */

static const char BAD_UTF8_REQUEST[] = {'{', '"', 'i', 'd', '"', ':', '1', ',', '"', 'n', '"', ':',
                                        '"', (char)0xFF, (char)0xFE, '"', '}', '\0'};

#define OAUTH_WITH(members)                                                                  \
  "{\"element\":\"" ELEMENT_TEXT "\",\"apiSecret\":\"" API_SECRET_TEXT "\"," \
  "\"callbackUrl\":\"http://127.0.0.1:9/cb\"," members "}"

static const call_case NOT_REQUESTS[] = {
    /* Not a JSON object, or not JSON at all. */
    {"get_instance", "not json", OC_ERR_INVALID_ARGUMENT, NULL},
    {"get_instance", "", OC_ERR_INVALID_ARGUMENT, NULL},
    {"get_instance", "[]", OC_ERR_INVALID_ARGUMENT, NULL},
    {"get_instance", "null", OC_ERR_INVALID_ARGUMENT, NULL},
    {"get_instance", "42", OC_ERR_INVALID_ARGUMENT, NULL},
    {"get_instance", "\"x\"", OC_ERR_INVALID_ARGUMENT, NULL},
    {"get_instance", "{\"id\":1", OC_ERR_INVALID_ARGUMENT, NULL},
    {"get_instance", "{\"id\":1}}", OC_ERR_INVALID_ARGUMENT, NULL},
    {"parse_callback", "not json", OC_ERR_INVALID_ARGUMENT, NULL},
    {"parse_callback", "", OC_ERR_INVALID_ARGUMENT, NULL},
    {"parse_callback", "[]", OC_ERR_INVALID_ARGUMENT, NULL},
    {"parse_callback", "null", OC_ERR_INVALID_ARGUMENT, NULL},
    {"parse_callback", "42", OC_ERR_INVALID_ARGUMENT, NULL},
    {"parse_callback", "\"x\"", OC_ERR_INVALID_ARGUMENT, NULL},
    {"parse_callback", "{\"id\":1", OC_ERR_INVALID_ARGUMENT, NULL},
    {"parse_callback", "{\"id\":1}}", OC_ERR_INVALID_ARGUMENT, NULL},
    {"parse_callback", NULL, OC_ERR_INVALID_ARGUMENT, NULL},
    {"await_callback", NULL, OC_ERR_INVALID_ARGUMENT, NULL},
    {"verify_webhook", NULL, OC_ERR_INVALID_ARGUMENT, NULL},
    {"parse_callback", BAD_UTF8_REQUEST, OC_ERR_INVALID_ARGUMENT, NULL},
    {"verify_webhook", BAD_UTF8_REQUEST, OC_ERR_INVALID_ARGUMENT, NULL},
};

/* A member of the wrong type is named in invalid[].pointer. */
static const call_case WRONG_TYPES[] = {
    {"get_instance", "{\"id\":\"x\"}", OC_ERR_INVALID_ARGUMENT, "invalid /id"},
    {"get_instance", "{\"id\":true}", OC_ERR_INVALID_ARGUMENT, "invalid /id"},
    {"delete_instance", "{\"id\":[1]}", OC_ERR_INVALID_ARGUMENT, "invalid /id"},
    {"oauth_url", OAUTH_WITH("\"apiKey\":5"), OC_ERR_INVALID_ARGUMENT, "invalid /apiKey"},
    {"oauth_url", OAUTH_WITH("\"apiKey\":\"k\",\"params\":[\"x\"]"), OC_ERR_INVALID_ARGUMENT,
     "invalid /params"},
    {"list_instances", "{\"tags\":\"t\"}", OC_ERR_INVALID_ARGUMENT, "invalid /tags"},
    {"list_instances", "{\"pageSize\":\"ten\"}", OC_ERR_INVALID_ARGUMENT, "invalid /pageSize"},
    {"update_instance", "{\"id\":1,\"instance\":[]}", OC_ERR_INVALID_ARGUMENT, "invalid /instance"},
    {"update_instance", "{\"id\":1,\"instance\":{},\"partial\":\"yes\"}", OC_ERR_INVALID_ARGUMENT,
     "invalid /partial"},
    {"request", "{\"method\":\"GET\",\"path\":5}", OC_ERR_INVALID_ARGUMENT, "invalid /path"},
    {"request", "{\"method\":\"GET\",\"path\":\"/ping\",\"headers\":[]}", OC_ERR_INVALID_ARGUMENT,
     "invalid /headers"},
    {"create_instance", "{\"element\":{\"key\":\"" ELEMENT_TEXT "\"},\"name\":5,\"tags\":[]}",
     OC_ERR_INVALID_ARGUMENT, "invalid /name"},
    {"parse_callback", "{\"url\":5}", OC_ERR_INVALID_ARGUMENT, "invalid /url"},
    {"await_callback", "{\"callbackUrl\":\"http://127.0.0.1:1/cb\",\"timeoutMs\":\"x\"}",
     OC_ERR_INVALID_ARGUMENT, "invalid /timeoutMs"},
    {"verify_webhook", "{\"signatureKey\":7,\"body\":\"{}\"}", OC_ERR_INVALID_ARGUMENT,
     "invalid /signatureKey"},
};

/* A member named twice, at any depth, is refused naming it: never resolved last-wins. */
static const call_case DUPLICATE_MEMBERS[] = {
    {"get_instance", "{\"id\":1,\"id\":2}", OC_ERR_INVALID_ARGUMENT, "invalid /id"},
    {"delete_instance", "{\"id\":1,\"id\":1}", OC_ERR_INVALID_ARGUMENT, "invalid /id"},
    {"create_instance",
     "{\"element\":{\"key\":\"" ELEMENT_TEXT "\",\"key\":\"infusionsoftcrm\"},"
     "\"providerData\":{\"code\":\"c0de0000\"},\"configuration\":{\"oauth.callback.url\":\"" CALLBACK_TEXT
     "\",\"oauth.api.key\":\"" API_KEY_TEXT "\",\"oauth.api.secret\":\"" API_SECRET_TEXT "\"},"
     "\"name\":\"dup\"}",
     OC_ERR_INVALID_ARGUMENT, "invalid /element/key"},
    {"create_instance",
     "{\"element\":{\"key\":\"" ELEMENT_TEXT "\"},\"providerData\":{\"code\":\"c0de0000\"},"
     "\"configuration\":{\"oauth.callback.url\":\"" CALLBACK_TEXT "\",\"oauth.api.key\":\"" API_KEY_TEXT
     "\",\"oauth.api.key\":\"evil\",\"oauth.api.secret\":\"" API_SECRET_TEXT "\"},\"name\":\"dup\"}",
     OC_ERR_INVALID_ARGUMENT, "invalid /configuration/oauth.api.key"},
    {"list_instances", "{\"tags\":[\"a\"],\"future\":[{\"k\":1},{\"k/~\":1,\"k/~\":2}]}",
     OC_ERR_INVALID_ARGUMENT, "invalid /future/1/k~1~0"},
    {"request", "{\"method\":\"GET\",\"path\":\"/ok\",\"path\":\"//evil/x\"}",
     OC_ERR_INVALID_ARGUMENT, "invalid /path"},
    {"parse_callback", "{\"url\":\"?code=a&state=s\",\"url\":\"?code=b&state=s\"}",
     OC_ERR_INVALID_ARGUMENT, "invalid /url"},
    {"verify_webhook",
     "{\"signatureKey\":\"whKEYdup123\",\"headers\":{\"Elements-Webhook-Signature\":\"sha256=a\","
     "\"Elements-Webhook-Signature\":\"sha256=b\"},\"body\":\"{}\"}",
     OC_ERR_INVALID_ARGUMENT, "invalid /headers/Elements-Webhook-Signature"},
};

static void test_invalid_argument(void) {
  oc_client *client = emu_client("");
  size_t i;
  test_section("OC_ERR_INVALID_ARGUMENT");
  emu_reset();

  /* NULL client, request and out-pointer, and bytes that are not UTF-8, for every named
   * function. */
  for (i = 0; i < NAMED_OPS_COUNT; i++) {
    const named_op *op = &NAMED_OPS[i];
    oc_status status;
    call_result r;
    if (op->client_f != NULL) {
      r = CALL(op->client_f, NULL, "{\"id\":1}", RESULT_PLAIN);
      CHECK_MSG(r.status == OC_ERR_INVALID_ARGUMENT, "oc_%s(NULL client): %s", op->name,
                oc_status_name((uint32_t)r.status));
      result_free(&r);
      r = CALL(op->client_f, client, NULL, RESULT_PLAIN);
      CHECK_MSG(r.status == OC_ERR_INVALID_ARGUMENT, "oc_%s(NULL request): %s", op->name,
                oc_status_name((uint32_t)r.status));
      result_free(&r);
      status = op->client_f(client, "{\"id\":1}", NULL);
      CHECK_MSG(status == OC_ERR_INVALID_ARGUMENT, "oc_%s(NULL out): %s", op->name,
                oc_status_name((uint32_t)status));
      /* NULL client and NULL out together: still nothing written, nothing crashes. */
      status = op->client_f(NULL, NULL, NULL);
      CHECK_STATUS(status, OC_ERR_INVALID_ARGUMENT);
      r = CALL(op->client_f, client, BAD_UTF8_REQUEST, RESULT_PLAIN);
      CHECK_MSG(r.status == OC_ERR_INVALID_ARGUMENT, "oc_%s(invalid UTF-8): %s", op->name,
                oc_status_name((uint32_t)r.status));
      result_free(&r);
    } else {
      status = op->plain_f("{\"url\":\"code=a\",\"callbackUrl\":\"http://127.0.0.1:1/cb\"}", NULL);
      CHECK_MSG(status == OC_ERR_INVALID_ARGUMENT, "oc_%s(NULL out): %s", op->name,
                oc_status_name((uint32_t)status));
      status = op->plain_f(NULL, NULL);
      CHECK_STATUS(status, OC_ERR_INVALID_ARGUMENT);
    }
  }
  RUN_CASES(client, NOT_REQUESTS);
  RUN_CASES(client, WRONG_TYPES);
  RUN_CASES(client, DUPLICATE_MEMBERS);
  CHECK_MSG(emu_journal_len() == 0, "invalid arguments sent %d requests", emu_journal_len());
  oc_client_free(client);
}

/* ---- OC_ERR_VALIDATION -------------------------------------------------------------------------------- */

#define INSTANCE_CONFIGURATION                                                            \
  "\"configuration\":{\"oauth.callback.url\":\"" CALLBACK_TEXT "\",\"oauth.api.key\":\"" \
  API_KEY_TEXT "\",\"oauth.api.secret\":\"" API_SECRET_TEXT "\""

static const call_case VALIDATION[] = {
    {"oauth_url",
     "{\"element\":\"" ELEMENT_TEXT "\",\"apiKey\":\"k1\",\"apiSecret\":\"" API_SECRET_TEXT "\"}",
     OC_ERR_VALIDATION, "missing /callbackUrl"},
    {"oauth_url", "{}", OC_ERR_VALIDATION,
     "missing /element; missing /apiKey; missing /apiSecret; missing /callbackUrl"},
    {"oauth_url",
     "{\"element\":\"" ELEMENT_TEXT "\",\"apiKey\":\"\",\"apiSecret\":null,"
     "\"callbackUrl\":\"http://127.0.0.1:9/cb\"}",
     OC_ERR_VALIDATION, "missing /apiKey; missing /apiSecret"},
    {"oauth_url",
     "{\"element\":\"" ELEMENT_TEXT "\",\"apiKey\":\"k1\",\"apiSecret\":\"" API_SECRET_TEXT "\","
     "\"callbackUrl\":\"not a url\"}",
     OC_ERR_VALIDATION, "invalid /callbackUrl"},
    /* create: every problem at once. */
    {"create_instance", "{}", OC_ERR_VALIDATION, "missing /element/key; missing /name"},
    {"create_instance",
     "{\"element\":{\"key\":\"" ELEMENT_TEXT "\"},\"providerData\":{\"code\":\"codeSECRETunsent1\"},"
     "\"configuration\":{\"oauth.callback.url\":\"" CALLBACK_TEXT "\",\"oauth.api.secret\":\"" API_SECRET_TEXT
     "\"},\"name\":\"n\"}",
     OC_ERR_VALIDATION, "only missing /configuration/oauth.api.key"},
    {"create_instance",
     "{\"element\":{\"key\":\"" ELEMENT_TEXT "\"},\"providerData\":{},"
     "\"configuration\":{\"event.vendor.type\":\"carrier-pigeon\","
     "\"event.poller.refresh_interval\":\"-5\",\"oauth.callback.url\":\"nope\","
     "\"event.notification.enabled\":\"maybe\"}}",
     OC_ERR_VALIDATION,
     "missing /name; missing /providerData/code; missing /configuration/oauth.api.key; "
     "missing /configuration/oauth.api.secret; invalid /configuration/event.vendor.type; "
     "invalid /configuration/event.poller.refresh_interval; "
     "invalid /configuration/oauth.callback.url; invalid /configuration/event.notification.enabled"},
    {"create_instance",
     "{\"element\":{\"key\":\"infusionsoftcrm\"},\"providerData\":{\"code\":\"c0de0000\"},"
     INSTANCE_CONFIGURATION ",\"infusionsoft.server\":\"\"},\"name\":\"crm\"}",
     OC_ERR_VALIDATION,
     "missing /configuration/infusionsoft.server; missing /configuration/infusionsoft.private.key"},
    /* externalAuthentication "initial" needs no code. */
    {"create_instance",
     "{\"element\":{\"key\":\"" ELEMENT_TEXT "\"},\"externalAuthentication\":\"initial\","
     "\"providerData\":{},\"configuration\":{\"oauth.callback.url\":\"" CALLBACK_TEXT "\"},"
     "\"name\":\"n\"}",
     OC_ERR_VALIDATION, "not missing /providerData/code"},
    {"get_instance", "{}", OC_ERR_VALIDATION, "missing /id"},
    {"delete_instance", "{\"id\":null}", OC_ERR_VALIDATION, "missing /id"},
    {"update_instance", "{\"id\":1}", OC_ERR_VALIDATION, "missing /instance"},
    {"request", "{\"path\":\"/ping\"}", OC_ERR_VALIDATION, "missing /method"},
    /* Methods, paths and headers oc_request refuses. */
    {"request", "{\"method\":\"TRACE\",\"path\":\"/ping\"}", OC_ERR_VALIDATION, NULL},
    {"request", "{\"method\":\"GET\",\"path\":\"ping\"}", OC_ERR_VALIDATION, NULL},
    {"request", "{\"method\":\"GET\",\"path\":\"/hubs/../instances\"}", OC_ERR_VALIDATION, NULL},
    {"request", "{\"method\":\"GET\",\"path\":\"/hubs/%2e%2E/instances\"}", OC_ERR_VALIDATION, NULL},
    {"request", "{\"method\":\"GET\",\"path\":\"/ping?x=1\"}", OC_ERR_VALIDATION, NULL},
    {"request", "{\"method\":\"GET\",\"path\":\"/ping#x\"}", OC_ERR_VALIDATION, NULL},
    {"request", "{\"method\":\"GET\",\"path\":\"/pi\\nng\"}", OC_ERR_VALIDATION, NULL},
    {"request", "{\"method\":\"GET\",\"path\":\"/ping\",\"headers\":{\"Authorization\":\"User x\"}}",
     OC_ERR_VALIDATION, NULL},
    {"request", "{\"method\":\"GET\",\"path\":\"/ping\",\"headers\":{\"host\":\"evil\"}}",
     OC_ERR_VALIDATION, NULL},
    {"request", "{\"method\":\"GET\",\"path\":\"/ping\",\"headers\":{\"Content-Length\":\"5\"}}",
     OC_ERR_VALIDATION, NULL},
};

/* A client without secrets: every call but oc_oauth_url fails before sending. */
static const call_case WITHOUT_SECRETS[] = {
    {"get_instance", "{\"id\":1}", OC_ERR_VALIDATION, "missing /userSecret; missing /organizationSecret"},
    {"list_instances", "{}", OC_ERR_VALIDATION, "missing /userSecret"},
    {"request", "{\"method\":\"GET\",\"path\":\"/ping\"}", OC_ERR_VALIDATION, "missing /userSecret"},
};

static void test_validation(void) {
  oc_client *client = emu_client("");
  oc_client *no_secrets;
  call_result r;
  char *config, *request;
  test_section("OC_ERR_VALIDATION");
  emu_reset();
  secret_add("codeSECRETunsent1", SECRET_CODE);
  RUN_CASES(client, VALIDATION);

  config = fmt("{\"baseUrl\":\"%s\"}", emu_base_url());
  no_secrets = client_new_checked(config);
  free(config);
  RUN_CASES(no_secrets, WITHOUT_SECRETS);
  CHECK_MSG(emu_journal_len() == 0, "validation errors sent %d requests", emu_journal_len());

  /* ... and oc_oauth_url works without them, sending no Authorization header. */
  request = oauth_request("nosecrets-state");
  r = CALL(oc_oauth_url, no_secrets, request, RESULT_PLAIN);
  CHECK_STATUS(r.status, OC_OK);
  result_free(&r);
  free(request);
  {
    char *last = emu_journal_last();
    CHECK_MSG(json_at(last, "/headers/authorization") == NULL,
              "oauth_url without secrets sent Authorization: %s", last);
    free(last);
  }
  oc_client_free(no_secrets);
  oc_client_free(client);
}

/* ---- oc_parse_callback (no I/O) ------------------------------------------------------------------------ */

static const call_case PARSE_CALLBACK[] = {
    {"parse_callback",
     "{\"url\":\"https://app.example/auth?code=codeSECRETzz99&state=s1&extra=a%2Bb+c\","
     "\"expectedState\":\"s1\"}",
     OC_OK, "/code = codeSECRETzz99; /state = s1; /params/extra = a+b c; /params/code = codeSECRETzz99"},
    {"parse_callback", "{\"url\":\"?code=a%20b+c&state=s1\",\"expectedState\":\"s1\"}", OC_OK,
     "/code = a b c"},
    {"parse_callback", "{\"url\":\"code=xyz&state=s1\",\"futureMember\":true}", OC_OK, "/code = xyz"},
    /* No expectedState: no state needed. */
    {"parse_callback", "{\"url\":\"code=xyz\"}", OC_OK, "/code = xyz"},
    {"parse_callback",
     "{\"url\":\"https://app.example/auth?code=codeSECRETzz99&state=s2\",\"expectedState\":\"s1\"}",
     OC_ERR_STATE_MISMATCH, NULL},
    {"parse_callback", "{\"url\":\"code=codeSECRETzz99\",\"expectedState\":\"s1\"}",
     OC_ERR_STATE_MISMATCH, NULL},
    /* The state is checked before the error. */
    {"parse_callback", "{\"url\":\"error=access_denied&state=s2\",\"expectedState\":\"s1\"}",
     OC_ERR_STATE_MISMATCH, NULL},
    {"parse_callback",
     "{\"url\":\"?error=access_denied&error_description=The+user+said+no&state=s1\","
     "\"expectedState\":\"s1\"}",
     OC_ERR_OAUTH_DENIED,
     "/error/oauthError = access_denied; /error/oauthErrorDescription = The user said no"},
    {"parse_callback", "{\"url\":\"?state=s1\",\"expectedState\":\"s1\"}", OC_ERR_VALIDATION,
     "missing /code"},
    {"parse_callback", "{\"url\":\"?code=&state=s1\",\"expectedState\":\"s1\"}", OC_ERR_VALIDATION,
     "missing /code"},
    /* Ambiguous callbacks. */
    {"parse_callback", "{\"url\":\"?code=a&code=b&state=s1\",\"expectedState\":\"s1\"}",
     OC_ERR_VALIDATION, NULL},
    {"parse_callback", "{\"url\":\"?code=a&state=s1&state=s1\",\"expectedState\":\"s1\"}",
     OC_ERR_VALIDATION, NULL},
    {"parse_callback", "{\"url\":\"?code=a&error=x&error=y&state=s1\"}", OC_ERR_VALIDATION, NULL},
    {"parse_callback", "{}", OC_ERR_VALIDATION, "missing /url"},
    /* A value holding :// does not make the query string a URL. */
    {"parse_callback", "{\"url\":\"code=abc&state=s1&iss=https://idp.example\",\"expectedState\":\"s1\"}",
     OC_OK, "/code = abc; /params/iss = https://idp.example"},
};

static void test_parse_callback(void) {
  test_section("oc_parse_callback");
  secret_add("codeSECRETzz99", SECRET_CODE);
  RUN_CASES(NULL, PARSE_CALLBACK);
}

/* ---- the flow and the lifecycle ------------------------------------------------------------------------ */

static void test_flow(void) {
  oc_client *client = emu_client("");
  call_result r, r2;
  char *request, *location, *code, *token = NULL, *state, *last;
  long long id = 0, got = 0;
  long long page_ids[3];
  int i;
  test_section("the flow: oauth_url, consent, parse_callback, create, request, lifecycle");
  emu_reset();

  /* Step 1 with a state of ours. */
  request = oauth_request("flow-state-1");
  r = CALL(oc_oauth_url, client, request, RESULT_PLAIN);
  free(request);
  CHECK_STATUS(r.status, OC_OK);
  CHECK(json_str_eq(r.json, "/state", "flow-state-1"));
  CHECK(json_str_eq(r.json, "/element", ELEMENT));
  {
    char *url = json_str(r.json, "/oauthUrl");
    char *prefix = fmt("http://127.0.0.1:%d/oauth/authorize?", emu_port());
    CHECK_MSG(url && strncmp(url, prefix, strlen(prefix)) == 0, "oauthUrl %s", url ? url : "");
    CHECK_MSG(url && strstr(url, "state=flow-state-1"), "oauthUrl carries the state: %s",
              url ? url : "");
    free(prefix);
    free(url);
  }
  result_free(&r);
  last = emu_journal_last();
  {
    char *path = fmt("/elements/api-v2/elements/%s/oauth/url", ELEMENT);
    CHECK(json_str_eq(last, "/method", "GET"));
    CHECK(json_str_eq(last, "/path", path));
    CHECK(json_str_eq(last, "/headers/authorization", "User, Organization"));
    CHECK_MSG(strstr(last, "[\"state\",\"flow-state-1\"]") && strstr(last, "[\"apiKey\",\"apiKEYkey12345\"]") &&
                  strstr(last, "[\"callbackUrl\",\"http://127.0.0.1:9/auth/callback\"]"),
              "oauth/url query: %s", last);
    free(path);
  }
  free(last);

  /* Without a state, the library makes one: >= 128 bits, URL-safe, different each time. */
  request = oauth_request(NULL);
  r = CALL(oc_oauth_url, client, request, RESULT_PLAIN);
  r2 = CALL(oc_oauth_url, client, request, RESULT_PLAIN);
  free(request);
  CHECK_STATUS(r.status, OC_OK);
  CHECK_STATUS(r2.status, OC_OK);
  {
    char *s1 = json_str(r.json, "/state"), *s2 = json_str(r2.json, "/state");
    CHECK_MSG(s1 && strlen(s1) >= 22 && strspn(s1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == strlen(s1),
              "generated state %s", s1 ? s1 : "(none)");
    CHECK(s1 && s2 && strcmp(s1, s2) != 0);
    free(s1);
    free(s2);
  }
  result_free(&r);
  result_free(&r2);
  /* The element may be given by numeric id, as a number or a string (6138 in the catalog). */
  r = CALL(oc_oauth_url, client,
           "{\"element\":6138,\"apiKey\":\"k\",\"apiSecret\":\"apiSECRETc0ffee99\","
           "\"callbackUrl\":\"http://127.0.0.1:9/cb\",\"scope\":\"full\",\"params\":{\"x\":\"y\"}}",
           RESULT_PLAIN);
  CHECK_STATUS(r.status, OC_OK);
  CHECK(json_str_eq(r.json, "/element", ELEMENT));
  result_free(&r);
  last = emu_journal_last();
  CHECK_MSG(strstr(last, "[\"x\",\"y\"]") && strstr(last, "[\"scope\",\"full\"]"), "params: %s", last);
  free(last);
  r = CALL(oc_oauth_url, client,
           "{\"element\":\"6138\",\"apiKey\":\"k\",\"apiSecret\":\"apiSECRETc0ffee99\","
           "\"callbackUrl\":\"http://127.0.0.1:9/cb\"}",
           RESULT_PLAIN);
  CHECK_STATUS(r.status, OC_OK);
  result_free(&r);

  /* Consent, then step 2 with the real redirect. */
  location = consent(client, "flow-state-2", 0);
  CHECK(location != NULL);
  {
    char *url = json_quote(location ? location : "");
    request = fmt("{\"url\":%s,\"expectedState\":\"flow-state-2\"}", url);
    free(url);
  }
  r = CALLP(oc_parse_callback, request, RESULT_CALLBACK);
  free(request);
  free(location);
  CHECK_STATUS(r.status, OC_OK);
  code = json_str(r.json, "/code");
  CHECK(code != NULL && strlen(code) >= 16);
  secret_add(code, SECRET_CODE);
  CHECK(json_str_eq(r.json, "/state", "flow-state-2"));
  CHECK(code && json_str_eq(r.json, "/params/code", code));
  result_free(&r);

  /* Step 3. */
  request = create_body(code ? code : "x", "flow-instance", "[\"flow\",\"t\"]");
  r = CALL(oc_create_instance, client, request, RESULT_INSTANCE);
  free(request);
  CHECK_STATUS(r.status, OC_OK);
  CHECK(json_int(r.json, "/id", &id));
  token = json_str(r.json, "/token");
  CHECK(token != NULL);
  secret_add(token, SECRET_TOKEN);
  CHECK(json_str_eq(r.json, "/name", "flow-instance"));
  CHECK(json_array_has_str(r.json, "/tags", "flow"));
  result_free(&r);
  last = emu_journal_last();
  CHECK(json_str_eq(last, "/method", "POST"));
  CHECK(json_str_eq(last, "/path", "/elements/api-v2/instances"));
  CHECK(json_str_eq(last, "/headers/authorization", "User, Organization"));
  free(last);
  /* The code is single-use. */
  request = create_body(code ? code : "x", "again", "[]");
  r = CALL(oc_create_instance, client, request, RESULT_PLAIN);
  CHECK_STATUS(r.status, OC_ERR_API);
  CHECK_API_STATUS(r, 400);
  CHECK(json_str_eq(r.json, "/error/providerMessage", "invalid_grant"));
  CHECK(json_at(r.json, "/error/platformMessage") != NULL);
  {
    char *rid = json_str(r.json, "/error/requestId");
    CHECK_MSG(rid && strlen(rid) == 24, "requestId %s", rid ? rid : "(none)");
    free(rid);
  }
  result_free(&r);
  free(request);
  free(code);

  /* Through the instance. */
  request = fmt("{\"method\":\"GET\",\"path\":\"/hubs/ecommerce/orders\",\"query\":{\"pageSize\":\"2\"},"
                "\"elementToken\":\"%s\",\"headers\":{\"Accept\":\"application/json\"}}",
                token ? token : "");
  r = CALL(oc_request, client, request, RESULT_PLAIN);
  free(request);
  CHECK_STATUS(r.status, OC_OK);
  CHECK(json_int(r.json, "/status", &got) && got == 200);
  CHECK_MSG(json_len(r.json, "/body") == 2, "two orders: %s", r.json);
  CHECK(json_at(r.json, "/headers") != NULL && *json_at(r.json, "/headers") == '{');
  CHECK_MSG(json_at(r.json, "/headers/elements-request-id") != NULL, "lower-case headers: %s",
            r.json);
  result_free(&r);
  last = emu_journal_last();
  CHECK(json_str_eq(last, "/path", "/elements/api-v2/hubs/ecommerce/orders"));
  CHECK(json_str_eq(last, "/headers/authorization", "User, Organization, Element"));
  CHECK(json_str_eq(last, "/headers/accept", "application/json"));
  CHECK_MSG(strstr(last, "[\"pageSize\",\"2\"]") != NULL, "query: %s", last);
  free(last);
  request = fmt("{\"method\":\"post\",\"path\":\"/hubs/ecommerce/orders\",\"body\":{\"total\":5},"
                "\"elementToken\":\"%s\"}",
                token ? token : "");
  r = CALL(oc_request, client, request, RESULT_PLAIN);
  free(request);
  CHECK_STATUS(r.status, OC_OK);
  CHECK(json_int(r.json, "/body/total", &got) && got == 5);
  result_free(&r);
  last = emu_journal_last();
  CHECK(json_str_eq(last, "/method", "POST"));
  {
    char *type = json_str(last, "/headers/content-type");
    CHECK_MSG(type && strncmp(type, "application/json", 16) == 0, "POST with a JSON body: %s", last);
    CHECK(json_str_eq(last, "/body", "{\"total\":5}"));
    free(type);
  }
  free(last);
  /* Without the token, the hub refuses: 401. */
  r = CALL(oc_request, client, "{\"method\":\"GET\",\"path\":\"/hubs/ecommerce/orders\"}",
           RESULT_PLAIN);
  CHECK_STATUS(r.status, OC_ERR_API);
  CHECK_API_STATUS(r, 401);
  result_free(&r);

  /* get */
  request = fmt("{\"id\":%lld,\"futureMember\":[1,2]}", id);
  r = CALL(oc_get_instance, client, request, RESULT_INSTANCE);
  free(request);
  CHECK_STATUS(r.status, OC_OK);
  CHECK(json_int(r.json, "/id", &got) && got == id);
  CHECK(token && json_str_eq(r.json, "/token", token));
  CHECK(json_str_eq(r.json, "/name", "flow-instance"));
  result_free(&r);

  /* list */
  r = CALL(oc_list_instances, client, "{}", RESULT_INSTANCE);
  CHECK_STATUS(r.status, OC_OK);
  CHECK(has_instance(r.json, id));
  CHECK(json_is(r.json, "/nextPage", "null"));
  result_free(&r);
  r = CALL(oc_list_instances, client, "{\"tags\":[\"flow\",\"t\"]}", RESULT_INSTANCE);
  CHECK_STATUS(r.status, OC_OK);
  CHECK(json_len(r.json, "/instances") == 1 && has_instance(r.json, id));
  result_free(&r);
  r = CALL(oc_list_instances, client, "{\"searchText\":\"FLOW-inst\"}", RESULT_INSTANCE);
  CHECK_STATUS(r.status, OC_OK);
  CHECK(json_len(r.json, "/instances") == 1 && has_instance(r.json, id));
  result_free(&r);
  r = CALL(oc_list_instances, client, "{\"searchText\":\"zzz-matches-nothing\"}", RESULT_INSTANCE);
  CHECK_STATUS(r.status, OC_OK);
  CHECK_MSG(json_len(r.json, "/instances") == 0, "empty list: %s", r.json ? r.json : "");
  CHECK(json_is(r.json, "/nextPage", "null"));
  result_free(&r);
  r = CALL(oc_list_instances, client, "{\"tags\":[\"no-such-tag\"]}", RESULT_INSTANCE);
  CHECK_STATUS(r.status, OC_OK);
  CHECK(json_len(r.json, "/instances") == 0);
  result_free(&r);

  /* Paging over several instances. */
  for (i = 0; i < 3; i++) {
    char *name = fmt("page-%d", i);
    char *page_token = NULL;
    page_ids[i] = create_instance(client, name, "[\"page\"]", &page_token);
    free(page_token);
    free(name);
  }
  r = CALL(oc_list_instances, client, "{\"tags\":[\"page\"],\"pageSize\":2}", RESULT_INSTANCE);
  CHECK_STATUS(r.status, OC_OK);
  CHECK(json_len(r.json, "/instances") == 2);
  {
    char *next = json_str(r.json, "/nextPage");
    int seen = 0;
    CHECK_MSG(next != NULL, "nextPage after a full page: %s", r.json ? r.json : "");
    for (i = 0; i < 3; i++) seen += has_instance(r.json, page_ids[i]);
    if (next != NULL) {
      request = fmt("{\"tags\":[\"page\"],\"pageSize\":2,\"nextPage\":\"%s\"}", next);
      r2 = CALL(oc_list_instances, client, request, RESULT_INSTANCE);
      free(request);
      CHECK_STATUS(r2.status, OC_OK);
      CHECK(json_len(r2.json, "/instances") == 1);
      CHECK(json_is(r2.json, "/nextPage", "null"));
      for (i = 0; i < 3; i++) seen += has_instance(r2.json, page_ids[i]);
      result_free(&r2);
    }
    CHECK_MSG(seen == 3, "the pages hold the 3 instances once each (%d)", seen);
    free(next);
  }
  result_free(&r);
  last = emu_journal_last();
  CHECK_MSG(strstr(last, "[\"tags[]\",\"page\"]") && strstr(last, "[\"pageSize\",\"2\"]"),
            "list query: %s", last);
  free(last);

  /* update: PUT, PATCH, and re-authentication keeping the id. */
  request = fmt("{\"id\":%lld,\"instance\":{\"name\":\"renamed\",\"tags\":[\"flow\",\"t2\"]}}", id);
  r = CALL(oc_update_instance, client, request, RESULT_INSTANCE);
  free(request);
  CHECK_STATUS(r.status, OC_OK);
  CHECK(json_int(r.json, "/id", &got) && got == id);
  CHECK(json_str_eq(r.json, "/name", "renamed"));
  CHECK(json_array_has_str(r.json, "/tags", "t2"));
  result_free(&r);
  last = emu_journal_last();
  CHECK(json_str_eq(last, "/method", "PUT"));
  free(last);
  request = fmt("{\"id\":%lld,\"partial\":true,\"instance\":{\"name\":\"patched\"}}", id);
  r = CALL(oc_update_instance, client, request, RESULT_INSTANCE);
  free(request);
  CHECK_STATUS(r.status, OC_OK);
  CHECK(json_str_eq(r.json, "/name", "patched"));
  CHECK(json_array_has_str(r.json, "/tags", "t2"));
  result_free(&r);
  last = emu_journal_last();
  CHECK(json_str_eq(last, "/method", "PATCH"));
  free(last);
  code = fresh_code(client);
  request = fmt("{\"id\":%lld,\"instance\":{\"providerData\":{\"code\":\"%s\"},"
                "\"configuration\":{\"oauth.callback.url\":\"%s\",\"oauth.api.key\":\"%s\","
                "\"oauth.api.secret\":\"%s\"}}}",
                id, code, CALLBACK, API_KEY, API_SECRET);
  r = CALL(oc_update_instance, client, request, RESULT_INSTANCE);
  CHECK_STATUS(r.status, OC_OK);
  CHECK(json_int(r.json, "/id", &got) && got == id);
  CHECK(token && json_str_eq(r.json, "/token", token));
  result_free(&r);
  /* The same code again: the platform refuses it (and the PUT is not retried). */
  r = CALL(oc_update_instance, client, request, RESULT_PLAIN);
  CHECK_STATUS(r.status, OC_ERR_API);
  CHECK_API_STATUS(r, 400);
  result_free(&r);
  free(request);
  free(code);

  /* A disabled instance gets 403 on hub calls. */
  request = fmt("{\"method\":\"DELETE\",\"path\":\"/instances/%lld/enabled\"}", page_ids[0]);
  r = CALL(oc_request, client, request, RESULT_INSTANCE);
  free(request);
  CHECK_STATUS(r.status, OC_OK);
  CHECK(json_is(r.json, "/body/disabled", "true"));
  result_free(&r);
  {
    long long pid = page_ids[0];
    request = fmt("{\"id\":%lld}", pid);
    r = CALL(oc_get_instance, client, request, RESULT_INSTANCE);
    free(request);
    CHECK_STATUS(r.status, OC_OK);
    state = json_str(r.json, "/token");
    result_free(&r);
    request = fmt("{\"method\":\"GET\",\"path\":\"/hubs/ecommerce/orders\",\"elementToken\":\"%s\"}",
                  state ? state : "");
    r = CALL(oc_request, client, request, RESULT_PLAIN);
    free(request);
    CHECK_STATUS(r.status, OC_ERR_API);
    CHECK_API_STATUS(r, 403);
    result_free(&r);
    free(state);
  }

  /* delete, then the instance is gone. */
  request = fmt("{\"id\":%lld}", id);
  r = CALL(oc_delete_instance, client, request, RESULT_PLAIN);
  CHECK_STATUS(r.status, OC_OK);
  CHECK(json_int(r.json, "/id", &got) && got == id);
  CHECK(json_is(r.json, "/deleted", "true"));
  result_free(&r);
  r = CALL(oc_get_instance, client, request, RESULT_PLAIN);
  CHECK_STATUS(r.status, OC_ERR_API);
  CHECK_API_STATUS(r, 404);
  result_free(&r);
  r = CALL(oc_delete_instance, client, request, RESULT_PLAIN);
  CHECK_STATUS(r.status, OC_ERR_API);
  CHECK_API_STATUS(r, 404);
  result_free(&r);
  free(request);
  request = fmt("{\"method\":\"GET\",\"path\":\"/hubs/ecommerce/orders\",\"elementToken\":\"%s\"}",
                token ? token : "");
  r = CALL(oc_request, client, request, RESULT_PLAIN);
  free(request);
  CHECK_STATUS(r.status, OC_ERR_API);
  CHECK_API_STATUS(r, 401);
  result_free(&r);
  /* An id never issued. */
  r = CALL(oc_get_instance, client, "{\"id\":1}", RESULT_PLAIN);
  CHECK_STATUS(r.status, OC_ERR_API);
  CHECK_API_STATUS(r, 404);
  result_free(&r);

  free(token);
  oc_client_free(client);
}

/* ---- OAuth errors through the provider -------------------------------------------------------------------- */

static void test_oauth_errors(void) {
  oc_client *client = emu_client("");
  char *location, *url, *request;
  call_result r;
  test_section("OC_ERR_OAUTH_DENIED and OC_ERR_STATE_MISMATCH from the provider's redirect");
  emu_reset();
  location = consent(client, "deny-state", 1);
  url = json_quote(location ? location : "");
  CHECK_MSG(location && strstr(location, "error=access_denied"), "Location %s",
            location ? location : "");
  request = fmt("{\"url\":%s,\"expectedState\":\"deny-state\"}", url);
  r = CALLP(oc_parse_callback, request, RESULT_PLAIN);
  CHECK_STATUS(r.status, OC_ERR_OAUTH_DENIED);
  CHECK(json_str_eq(r.json, "/error/oauthError", "access_denied"));
  CHECK(json_at(r.json, "/error/oauthErrorDescription") != NULL);
  result_free(&r);
  free(request);
  free(url);
  free(location);

  location = consent(client, "real-state", 0);
  url = json_quote(location ? location : "");
  request = fmt("{\"url\":%s,\"expectedState\":\"forged-state\"}", url);
  r = CALLP(oc_parse_callback, request, RESULT_PLAIN);
  CHECK_STATUS(r.status, OC_ERR_STATE_MISMATCH);
  result_free(&r);
  free(request);
  free(url);
  {
    /* The code in that redirect must not leak from the error document. */
    const char *c = location ? strstr(location, "code=") : NULL;
    if (c) {
      char *code = strndup(c + 5, strcspn(c + 5, "&"));
      secret_add(code, SECRET_CODE);
      free(code);
    }
  }
  free(location);
  oc_client_free(client);
}

/* ---- API errors, retries, timeouts, transport, decode, outcome unknown -------------------------------------- */

static void test_api_errors(void) {
  oc_client *client = emu_client("");
  char *code, *request;
  int before;
  long long id;
  call_result r;
  test_section("OC_ERR_API: a 503 on POST is not retried");
  emu_reset();
  code = fresh_code(client);
  request = create_body(code, "after-503", "[\"after503\"]");
  emu_fault("{\"method\":\"POST\",\"pathPrefix\":\"/elements/api-v2/instances\",\"count\":1,"
            "\"status\":503,\"retryAfter\":1}");
  before = emu_count_requests("POST", "/elements/api-v2/instances");
  r = CALL(oc_create_instance, client, request, RESULT_PLAIN);
  CHECK_STATUS(r.status, OC_ERR_API);
  CHECK_API_STATUS(r, 503);
  CHECK(json_at(r.json, "/error/requestId") != NULL);
  CHECK(json_at(r.json, "/error/platformMessage") != NULL);
  result_free(&r);
  CHECK_MSG(emu_count_requests("POST", "/elements/api-v2/instances") - before == 1,
            "a POST answered 503 was sent %d times",
            emu_count_requests("POST", "/elements/api-v2/instances") - before);
  emu_clear_faults();
  /* The fault answered without processing: the code is still good. */
  r = CALL(oc_create_instance, client, request, RESULT_INSTANCE);
  CHECK_STATUS(r.status, OC_OK);
  CHECK(json_int(r.json, "/id", &id));
  result_free(&r);
  free(request);
  free(code);

  test_section("retries: GET with 503 x2 succeeds after 3 attempts; x3 fails; maxRetries 0");
  {
    char *path = fmt("/elements/api-v2/instances/%lld", id);
    char *fault = fmt("{\"method\":\"GET\",\"pathPrefix\":\"%s\",\"count\":2,\"status\":503}", path);
    oc_client *no_retry = emu_client(",\"maxRetries\":0");
    long long t0;
    request = fmt("{\"id\":%lld}", id);
    emu_fault(fault);
    before = emu_count_requests("GET", path);
    t0 = now_ms();
    r = CALL(oc_get_instance, client, request, RESULT_INSTANCE);
    printf("   two retries took %lld ms\n", now_ms() - t0);
    CHECK_STATUS(r.status, OC_OK);
    result_free(&r);
    CHECK_MSG(emu_count_requests("GET", path) - before == 3, "GETs sent: %d, want 3",
              emu_count_requests("GET", path) - before);
    free(fault);
    fault = fmt("{\"method\":\"GET\",\"pathPrefix\":\"%s\",\"count\":3,\"status\":503,\"retryAfter\":0}",
                path);
    emu_fault(fault);
    before = emu_count_requests("GET", path);
    r = CALL(oc_get_instance, client, request, RESULT_PLAIN);
    CHECK_STATUS(r.status, OC_ERR_API);
    CHECK_API_STATUS(r, 503);
    result_free(&r);
    CHECK_MSG(emu_count_requests("GET", path) - before == 3, "GETs sent: %d, want 3 (1 + maxRetries 2)",
              emu_count_requests("GET", path) - before);
    emu_clear_faults();
    free(fault);
    fault = fmt("{\"method\":\"GET\",\"pathPrefix\":\"%s\",\"count\":1,\"status\":502}", path);
    emu_fault(fault);
    before = emu_count_requests("GET", path);
    r = CALL(oc_get_instance, no_retry, request, RESULT_PLAIN);
    CHECK_STATUS(r.status, OC_ERR_API);
    CHECK_API_STATUS(r, 502);
    result_free(&r);
    CHECK(emu_count_requests("GET", path) - before == 1);
    emu_clear_faults();
    free(fault);
    free(path);
    free(request);
    oc_client_free(no_retry);
  }

  test_section("OC_ERR_TIMEOUT: a delayed GET beyond timeoutMs 300");
  {
    oc_client *quick = emu_client(",\"timeoutMs\":300");
    long long t0, elapsed;
    char *new_code;
    request = fmt("{\"id\":%lld}", id);
    emu_fault("{\"method\":\"GET\",\"pathPrefix\":\"/elements/api-v2/instances\",\"count\":3,"
              "\"delayMs\":2000}");
    t0 = now_ms();
    r = CALL(oc_get_instance, quick, request, RESULT_PLAIN);
    elapsed = now_ms() - t0;
    printf("   timed out after %lld ms\n", elapsed);
    CHECK_STATUS(r.status, OC_ERR_TIMEOUT);
    CHECK_MSG(elapsed < 1500, "the timeout of 300 ms took %lld ms", elapsed);
    result_free(&r);
    emu_clear_faults();
    r = CALL(oc_get_instance, quick, request, RESULT_INSTANCE);
    CHECK_STATUS(r.status, OC_OK); /* the client is still good */
    result_free(&r);
    free(request);

    /* A POST that times out after it was sent: the outcome is unknown. */
    new_code = fresh_code(client);
    request = create_body(new_code, "slow-create", "[\"slow\"]");
    emu_fault("{\"method\":\"POST\",\"pathPrefix\":\"/elements/api-v2/instances\",\"count\":1,"
              "\"delayMs\":2000}");
    before = emu_count_requests("POST", "/elements/api-v2/instances");
    t0 = now_ms();
    r = CALL(oc_create_instance, quick, request, RESULT_PLAIN);
    elapsed = now_ms() - t0;
    CHECK_STATUS(r.status, OC_ERR_OUTCOME_UNKNOWN);
    CHECK_MSG(elapsed < 1500, "the timeout of 300 ms took %lld ms", elapsed);
    result_free(&r);
    CHECK(emu_count_requests("POST", "/elements/api-v2/instances") - before == 1);
    emu_clear_faults();
    free(request);
    free(new_code);
    oc_client_free(quick);
  }

  test_section("OC_ERR_TRANSPORT: nothing listens");
  {
    int port = unused_port();
    char *config = fmt("{\"baseUrl\":\"http://127.0.0.1:%d/elements/api-v2\",\"userSecret\":\"%s\","
                       "\"organizationSecret\":\"%s\"}",
                       port, USER_SECRET, ORG_SECRET);
    oc_client *nowhere = client_new_checked(config);
    char *oauth = oauth_request("transport-state");
    r = CALL(oc_get_instance, nowhere, "{\"id\":1}", RESULT_PLAIN);
    CHECK_STATUS(r.status, OC_ERR_TRANSPORT);
    result_free(&r);
    r = CALL(oc_oauth_url, nowhere, oauth, RESULT_PLAIN);
    CHECK_STATUS(r.status, OC_ERR_TRANSPORT);
    result_free(&r);
    /* Never sent, so a POST is a plain transport error, not an unknown outcome. */
    request = create_body("codeSECRETunsent1", "nowhere", "[]");
    r = CALL(oc_create_instance, nowhere, request, RESULT_PLAIN);
    CHECK_STATUS(r.status, OC_ERR_TRANSPORT);
    result_free(&r);
    free(request);
    free(oauth);
    free(config);
    oc_client_free(nowhere);
  }

  test_section("OC_ERR_DECODE: HTML on a 2xx; a body over maxResponseBytes");
  {
    oc_client *small = emu_client(",\"maxResponseBytes\":65536");
    char *path = fmt("/elements/api-v2/instances/%lld", id);
    char *fault = fmt("{\"method\":\"GET\",\"pathPrefix\":\"%s\",\"count\":1,\"nonJson\":true}", path);
    char *oauth = oauth_request("decode-state");
    request = fmt("{\"id\":%lld}", id);
    emu_fault(fault);
    r = CALL(oc_get_instance, client, request, RESULT_PLAIN);
    CHECK_STATUS(r.status, OC_ERR_DECODE);
    result_free(&r);
    free(fault);
    fault = fmt("{\"method\":\"GET\",\"pathPrefix\":\"%s\",\"count\":1,\"oversizedMb\":1}", path);
    emu_fault(fault);
    r = CALL(oc_get_instance, small, request, RESULT_PLAIN);
    CHECK_STATUS(r.status, OC_ERR_DECODE);
    result_free(&r);
    emu_clear_faults();
    r = CALL(oc_get_instance, small, request, RESULT_INSTANCE);
    CHECK_STATUS(r.status, OC_OK); /* a small body still fits */
    result_free(&r);
    /* oauth/url answering 2xx without a string oauthUrl. */
    emu_fault("{\"method\":\"GET\",\"pathPrefix\":\"/elements/api-v2/elements/\",\"count\":1,"
              "\"nonJson\":true}");
    r = CALL(oc_oauth_url, client, oauth, RESULT_PLAIN);
    CHECK_STATUS(r.status, OC_ERR_DECODE);
    result_free(&r);
    /* oc_request passes a non-JSON body on as a string. */
    emu_fault("{\"method\":\"GET\",\"pathPrefix\":\"/elements/api-v2/hubs/\",\"count\":1,"
              "\"nonJson\":true}");
    r = CALL(oc_request, client, "{\"method\":\"GET\",\"path\":\"/hubs/ecommerce/orders\"}",
             RESULT_PLAIN);
    CHECK_STATUS(r.status, OC_OK);
    {
      char *body = json_str(r.json, "/body");
      CHECK_MSG(body && strstr(body, "<html>"), "non-JSON body as a string: %s", r.json ? r.json : "");
      free(body);
    }
    result_free(&r);
    emu_clear_faults();
    free(oauth);
    free(fault);
    free(path);
    free(request);
    oc_client_free(small);
  }

  test_section("OC_ERR_OUTCOME_UNKNOWN: connection dropped after POST /instances");
  {
    char *new_code = fresh_code(client);
    request = create_body(new_code, "dropped", "[\"dropped\"]");
    emu_fault("{\"method\":\"POST\",\"pathPrefix\":\"/elements/api-v2/instances\",\"count\":1,"
              "\"drop\":\"before_response\"}");
    before = emu_count_requests("POST", "/elements/api-v2/instances");
    r = CALL(oc_create_instance, client, request, RESULT_PLAIN);
    CHECK_STATUS(r.status, OC_ERR_OUTCOME_UNKNOWN);
    result_free(&r);
    CHECK_MSG(emu_count_requests("POST", "/elements/api-v2/instances") - before == 1,
              "the dropped POST was sent %d times",
              emu_count_requests("POST", "/elements/api-v2/instances") - before);
    emu_clear_faults();
    /* It did take effect. */
    r = CALL(oc_list_instances, client, "{\"tags\":[\"dropped\"]}", RESULT_INSTANCE);
    CHECK_STATUS(r.status, OC_OK);
    CHECK(json_len(r.json, "/instances") == 1);
    result_free(&r);
    /* A connection dropped on a GET is retried and succeeds. */
    {
      char *path = fmt("/elements/api-v2/instances/%lld", id);
      char *fault = fmt("{\"method\":\"GET\",\"pathPrefix\":\"%s\",\"count\":1,"
                        "\"drop\":\"before_response\"}", path);
      char *get = fmt("{\"id\":%lld}", id);
      emu_fault(fault);
      r = CALL(oc_get_instance, client, get, RESULT_INSTANCE);
      CHECK_STATUS(r.status, OC_OK);
      result_free(&r);
      emu_clear_faults();
      free(get);
      free(fault);
      free(path);
    }
    free(request);
    free(new_code);
  }
  oc_client_free(client);
}

/* ---- oc_await_callback ---------------------------------------------------------------------------------- */

struct browser {
  int port;
  const char *redirect; /* path and query */
  int favicon_status;
  int redirect_status;
  char *page;
};

static void *browser_main(void *arg) {
  struct browser *b = (struct browser *)arg;
  http_response resp;
  long long deadline = now_ms() + 5000;
  sleep_ms(200);
  /* The listener may not be up yet: retry the connection. */
  while (http_request(b->port, "GET", "/favicon.ico", NULL, &resp) != 0 && now_ms() < deadline)
    sleep_ms(20);
  b->favicon_status = resp.status;
  http_response_free(&resp);
  if (http_request(b->port, "GET", b->redirect, NULL, &resp) == 0) {
    b->redirect_status = resp.status;
    b->page = resp.body;
    resp.body = NULL;
  }
  http_response_free(&resp);
  return NULL;
}

/* Runs oc_await_callback on a fresh port while a browser thread first asks for /favicon.ico,
 * then follows `redirect` (path and query) to the listener. */
static call_result await_with_browser(struct browser *b, const char *redirect, enum result_kind kind) {
  pthread_t thread;
  char *request;
  call_result r;
  memset(b, 0, sizeof *b);
  b->port = unused_port();
  b->redirect = redirect;
  request = fmt("{\"callbackUrl\":\"http://127.0.0.1:%d/cb\",\"expectedState\":\"s\",\"timeoutMs\":10000}",
                b->port);
  CHECK(pthread_create(&thread, NULL, browser_main, b) == 0);
  r = CALLP(oc_await_callback, request, kind);
  pthread_join(thread, NULL);
  CHECK_MSG(b->favicon_status == 404, "/favicon.ico answered %d, want 404", b->favicon_status);
  free(request);
  return r;
}

/* Requests the listener refuses before listening. */
static const call_case AWAIT_REFUSED[] = {
    {"await_callback", "{\"callbackUrl\":\"http://example.com:8765/cb\",\"timeoutMs\":300}",
     OC_ERR_VALIDATION, "invalid /callbackUrl; missing /expectedState"},
    {"await_callback",
     "{\"callbackUrl\":\"http://example.com:8765/cb\",\"expectedState\":\"s\",\"timeoutMs\":300}",
     OC_ERR_VALIDATION, "invalid /callbackUrl"},
    {"await_callback", "{\"callbackUrl\":\"http://evil.localhost:8765/cb\",\"expectedState\":\"s\"}",
     OC_ERR_VALIDATION, "invalid /callbackUrl"},
    {"await_callback", "{\"callbackUrl\":\"https://127.0.0.1:8765/cb\",\"expectedState\":\"s\"}",
     OC_ERR_VALIDATION, "invalid /callbackUrl"},
    {"await_callback", "{\"timeoutMs\":300}", OC_ERR_VALIDATION,
     "missing /callbackUrl; missing /expectedState"},
    /* The listener must check the state: without an expected one it does not listen. */
    {"await_callback", "{\"callbackUrl\":\"http://127.0.0.1:8765/cb\",\"timeoutMs\":300}",
     OC_ERR_VALIDATION, "only missing /expectedState"},
    {"await_callback", "{\"callbackUrl\":\"http://127.0.0.1:8765/cb\",\"expectedState\":\"\"}",
     OC_ERR_VALIDATION, "only missing /expectedState"},
    {"await_callback", "{\"callbackUrl\":\"http://127.0.0.1:8765/cb\",\"expectedState\":\"s\",\"timeoutMs\":0}",
     OC_ERR_VALIDATION, "invalid /timeoutMs"},
};

static void test_await_callback(void) {
  struct browser b;
  char *request;
  call_result r;
  long long t0, elapsed;
  test_section("oc_await_callback");

  r = await_with_browser(&b, "/cb?code=x&state=s", RESULT_CALLBACK);
  CHECK_STATUS(r.status, OC_OK);
  CHECK(json_str_eq(r.json, "/code", "x"));
  CHECK(json_str_eq(r.json, "/state", "s"));
  CHECK(json_str_eq(r.json, "/params/code", "x"));
  CHECK_MSG(b.redirect_status == 200, "the redirect answered %d", b.redirect_status);
  CHECK_MSG(b.page && strlen(b.page) > 0, "a page for the browser");
  free(b.page);
  result_free(&r);

  /* A denial through the listener. */
  r = await_with_browser(&b, "/cb?error=access_denied&error_description=no&state=s", RESULT_PLAIN);
  CHECK_STATUS(r.status, OC_ERR_OAUTH_DENIED);
  CHECK(json_str_eq(r.json, "/error/oauthError", "access_denied"));
  CHECK_MSG(b.redirect_status != 0 && b.page != NULL, "the browser got an answer");
  free(b.page);
  result_free(&r);

  /* Nobody comes. */
  request = fmt("{\"callbackUrl\":\"http://127.0.0.1:%d/cb\",\"expectedState\":\"s\",\"timeoutMs\":300}",
                unused_port());
  t0 = now_ms();
  r = CALLP(oc_await_callback, request, RESULT_PLAIN);
  elapsed = now_ms() - t0;
  CHECK_STATUS(r.status, OC_ERR_TIMEOUT);
  CHECK_MSG(elapsed >= 250 && elapsed < 2000, "await timeout of 300 ms took %lld ms", elapsed);
  result_free(&r);
  free(request);

  RUN_CASES(NULL, AWAIT_REFUSED);
}

int main(void) {
  secret_add(USER_SECRET, SECRET_ALWAYS);
  secret_add(ORG_SECRET, SECRET_ALWAYS);
  secret_add(API_SECRET, SECRET_ALWAYS);
  test_static();
  test_parse_callback();
  emu_start();
  test_client_new();
  test_invalid_argument();
  test_validation();
  test_flow();
  test_oauth_errors();
  test_api_errors();
  test_await_callback();
  /* OC_ERR_INTERNAL is not reachable from C: only a panic inside the library returns it and no
   * input reaches one without a test hook; the panic boundary of every export is tested in Rust. */
  return test_summary();
}
