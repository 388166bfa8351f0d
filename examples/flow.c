/*
 * The whole flow from C: authorization URL, consent in a browser, callback, instance,
 * a call through it, deletion. Configuration comes from the environment:
 *   OC_BASE_URL, OC_USER_SECRET, OC_ORGANIZATION_SECRET, OC_API_KEY, OC_API_SECRET,
 *   OC_CALLBACK_URL (loopback, e.g. http://127.0.0.1:8765/auth), OC_ELEMENT (optional).
 *
 * Build: cc flow.c $(pkg-config --cflags --libs openconnectors) -o flow
 *
 * Results are JSON text; a real program reads them with its JSON library. To stay free of
 * dependencies, this example uses json_member() below, enough for these documents.
 */
#include <openconnectors.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies the string or number member `name` of the top-level JSON object doc into out
 * (members of nested objects are skipped). Returns 1 when found. */
static int json_member(const char *doc, const char *name, char *out, size_t size) {
  size_t len = strlen(name), n = 0;
  int depth = 0;
  const char *p;
  for (p = doc; *p; p++) {
    if (*p == '{' || *p == '[') depth++;
    else if (*p == '}' || *p == ']') depth--;
    else if (*p == '"') {
      const char *start = ++p;
      while (*p && *p != '"') p += (*p == '\\' && p[1]) ? 2 : 1;
      if (!*p) return 0;
      if (depth == 1 && (size_t)(p - start) == len && strncmp(start, name, len) == 0 && p[1] == ':') {
        p += 2;
        if (*p == '"') {
          for (p++; *p && *p != '"' && n + 1 < size; p++) {
            if (*p == '\\' && p[1]) p++; /* the documents here hold no unicode escapes */
            out[n++] = *p;
          }
        } else {
          while (*p && *p != ',' && *p != '}' && n + 1 < size) out[n++] = *p++;
        }
        out[n] = '\0';
        return n > 0;
      }
    }
  }
  return 0;
}

/* Appends a JSON string literal of s (quoted and escaped) to buf. */
static void json_string(char *buf, size_t size, const char *s) {
  size_t n = strlen(buf);
  if (n + 1 < size) buf[n++] = '"';
  for (; *s && n + 7 < size; s++) {
    if (*s == '"' || *s == '\\') { buf[n++] = '\\'; buf[n++] = *s; }
    else if ((unsigned char)*s < 0x20) n += (size_t)snprintf(buf + n, size - n, "\\u%04x", *s);
    else buf[n++] = *s;
  }
  if (n + 1 < size) buf[n++] = '"';
  buf[n] = '\0';
}

static const char *env(const char *name) {
  const char *v = getenv(name);
  if (v == NULL || *v == '\0') { fprintf(stderr, "%s is not set\n", name); exit(2); }
  return v;
}

/* Prints a failed step's error document (it never holds a secret) and exits. */
static void check(oc_status status, char *json, const char *step) {
  if (status == OC_OK) return;
  fprintf(stderr, "%s failed: %s %s\n", step, oc_status_name(status), json);
  oc_string_free(json);
  exit(1);
}

int main(void) {
  const char *element = getenv("OC_ELEMENT") ? getenv("OC_ELEMENT") : "infusionsoftecommerce";
  const char *callback = env("OC_CALLBACK_URL");
  char req[4096], url[2048], state[128], code[512], id[32], token[512];
  char *out = NULL;
  oc_client *client = NULL;
  oc_status st;

  /* The client: one per configuration, shared by all threads. */
  strcpy(req, "{\"baseUrl\":");
  json_string(req, sizeof req, env("OC_BASE_URL"));
  strcat(req, ",\"userSecret\":");
  json_string(req, sizeof req, env("OC_USER_SECRET"));
  strcat(req, ",\"organizationSecret\":");
  json_string(req, sizeof req, env("OC_ORGANIZATION_SECRET"));
  strcat(req, "}");
  st = oc_client_new(req, &client, &out);
  check(st, out, "oc_client_new");
  printf("openconnectors %s\n", oc_version());

  /* Step 1: the provider's authorization URL; the library generates the state. */
  strcpy(req, "{\"element\":");
  json_string(req, sizeof req, element);
  strcat(req, ",\"apiKey\":");
  json_string(req, sizeof req, env("OC_API_KEY"));
  strcat(req, ",\"apiSecret\":");
  json_string(req, sizeof req, env("OC_API_SECRET"));
  strcat(req, ",\"callbackUrl\":");
  json_string(req, sizeof req, callback);
  strcat(req, "}");
  st = oc_oauth_url(client, req, &out);
  check(st, out, "oc_oauth_url");
  json_member(out, "oauthUrl", url, sizeof url);
  json_member(out, "state", state, sizeof state);
  oc_string_free(out);
  printf("Step 1: open this URL in a browser:\n%s\n", url);
  fflush(stdout);

  /* Step 2: wait for the provider's redirect on the loopback callback URL. */
  strcpy(req, "{\"callbackUrl\":");
  json_string(req, sizeof req, callback);
  strcat(req, ",\"expectedState\":");
  json_string(req, sizeof req, state);
  strcat(req, ",\"timeoutMs\":300000}");
  st = oc_await_callback(req, &out);
  check(st, out, "oc_await_callback");
  json_member(out, "code", code, sizeof code);
  oc_string_free(out);
  printf("Step 2: callback received, state checked\n");

  /* Step 3: provision the instance with the code. */
  strcpy(req, "{\"element\":{\"key\":");
  json_string(req, sizeof req, element);
  strcat(req, "},\"providerData\":{\"code\":");
  json_string(req, sizeof req, code);
  strcat(req, "},\"configuration\":{\"oauth.callback.url\":");
  json_string(req, sizeof req, callback);
  strcat(req, ",\"oauth.api.key\":");
  json_string(req, sizeof req, env("OC_API_KEY"));
  strcat(req, ",\"oauth.api.secret\":");
  json_string(req, sizeof req, env("OC_API_SECRET"));
  strcat(req, "},\"tags\":[\"c-example\"],\"name\":\"C example\"}");
  st = oc_create_instance(client, req, &out);
  check(st, out, "oc_create_instance");
  json_member(out, "id", id, sizeof id);
  json_member(out, "token", token, sizeof token);
  oc_string_free(out);
  printf("Step 3: instance %s created\n", id);

  /* A call to the connected service through the instance. */
  strcpy(req, "{\"method\":\"GET\",\"path\":\"/hubs/ecommerce/orders\","
              "\"query\":{\"pageSize\":\"2\"},\"elementToken\":");
  json_string(req, sizeof req, token);
  strcat(req, "}");
  st = oc_request(client, req, &out);
  check(st, out, "oc_request");
  printf("Call: GET /hubs/ecommerce/orders -> %.60s...\n", out);
  oc_string_free(out);

  /* Clean up: delete the instance, free the client. */
  snprintf(req, sizeof req, "{\"id\":%s}", id);
  st = oc_delete_instance(client, req, &out);
  check(st, out, "oc_delete_instance");
  printf("Deleted: %s\n", out);
  oc_string_free(out);
  oc_client_free(client);
  return 0;
}
