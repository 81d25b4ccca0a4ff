/*
 * Client CPU per operation through the C API: N sets then N gets of one
 * session against CDYN_TEST_ENDPOINT. Prints "set <us> get <us>": CPU
 * microseconds (user + system, all threads of this process) per call.
 */
#define _POSIX_C_SOURCE 200809L
#include "connectdynamo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static double cpu_seconds(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 300;
    const char *json = argc > 2 ? argv[2] : "{\"cookie\":{}}";
    cdyn_store_options o;
    cdyn_store *s;
    cdyn_buf out = {0};
    double start, set_cpu, get_cpu;
    int i;

    cdyn_store_options_init(&o, CDYN_STORE_OPTIONS_VERSION);
    o.endpoint = getenv("CDYN_TEST_ENDPOINT");
    o.table = "bench";
    o.access_key_id = "bench";
    o.secret_access_key = "bench";
    if (cdyn_store_open(&s, &o) != CDYN_OK || cdyn_store_ensure_table(s) != CDYN_OK) {
        fprintf(stderr, "bench: %s\n", cdyn_last_error());
        return 1;
    }
    start = cpu_seconds();
    for (i = 0; i < n; i++)
        if (cdyn_set(s, "bench-session", json, strlen(json), 0, 0) != CDYN_OK) return 1;
    set_cpu = cpu_seconds() - start;
    start = cpu_seconds();
    for (i = 0; i < n; i++) {
        if (cdyn_get(&out, NULL, s, "bench-session") != CDYN_OK) return 1;
        cdyn_buf_dispose(&out);
    }
    get_cpu = cpu_seconds() - start;
    printf("set %.1f get %.1f\n", set_cpu / n * 1e6, get_cpu / n * 1e6);
    cdyn_store_free(s);
    return 0;
}
