/*
 * Times loading the library in a fresh process: dlopen(RTLD_NOW) + dlsym + one call of
 * oc_version(). bench/run runs it many times and reports the median. Prints microseconds.
 *
 *   load PATH
 */
#include <dlfcn.h>
#include <stdio.h>
#include <time.h>

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "load: %s\n", dlerror());
        return 1;
    }
    const char *(*version)(void) = (const char *(*)(void))dlsym(lib, "oc_version");
    if (!version || !version()) return 1;
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%.1f\n", (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3);
    return 0;
}
