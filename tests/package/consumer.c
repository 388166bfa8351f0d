/* A C program as an SDK user writes it: built by check.sh through CMake (shared and static
 * targets) and through pkg-config. It checks that the header it was compiled with belongs to
 * the library it runs with, and makes one call. */
#include <openconnectors.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  const char *version = oc_version();
  if (strcmp(version, OC_VERSION) != 0) {
    fprintf(stderr, "consumer: the header is %s but oc_version() is %s\n", OC_VERSION, version);
    return 1;
  }
  char *out = NULL;
  oc_status status = oc_parse_callback(
      "{\"url\": \"http://127.0.0.1:8765/auth?code=c0de&state=st4te\", \"expectedState\": \"st4te\"}",
      &out);
  if (status != OC_OK || out == NULL || strstr(out, "\"state\":\"st4te\"") == NULL) {
    fprintf(stderr, "consumer: oc_parse_callback: %s: %s\n", oc_status_name(status),
            out ? out : "(no document)");
    oc_string_free(out);
    return 1;
  }
  oc_string_free(out);
  printf("consumer: OC_VERSION %s == oc_version() %s; oc_parse_callback ok\n", OC_VERSION, version);
  return 0;
}
