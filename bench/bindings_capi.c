/*
 * The C API's side of bench/bindings.py: against CDYN_TEST_ENDPOINT, N
 * sets, N gets, then N request cycles (cdyn_get_versioned, then cdyn_save
 * of the same session with what was read: express-session's read and save)
 * of one session. Prints "set <us> get <us> cycle <us>": CPU microseconds
 * (user + system, every thread of this process) per set, get and cycle.
 *   bindings_capi N SESSION_JSON
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

static int fail(const char *what) {
    fprintf(stderr, "bindings_capi: %s: %s\n", what, cdyn_last_error());
    return 1;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 300;
    const char *json = argc > 2 ? argv[2] : "{\"cookie\":{}}";
    const char *sid = "bench-c";
    cdyn_store_options o;
    cdyn_store *s;
    cdyn_buf out = {0};
    int64_t expires, version;
    double start, set_cpu, get_cpu, cycle_cpu;
    int i;

    if (n <= 0) return 2;
    cdyn_store_options_init(&o, CDYN_STORE_OPTIONS_VERSION);
    o.endpoint = getenv("CDYN_TEST_ENDPOINT");
    o.table = "bench";
    o.access_key_id = "bench";
    o.secret_access_key = "bench";
    if (cdyn_store_open(&s, &o) != CDYN_OK || cdyn_store_ensure_table(s) != CDYN_OK) return fail("open");
    if (cdyn_set(s, sid, json, strlen(json), 0, 0) != CDYN_OK) return fail("warm-up");
    start = cpu_seconds();
    for (i = 0; i < n; i++)
        if (cdyn_set(s, sid, json, strlen(json), 0, 0) != CDYN_OK) return fail("set");
    set_cpu = cpu_seconds() - start;
    start = cpu_seconds();
    for (i = 0; i < n; i++) {
        if (cdyn_get(&out, NULL, s, sid) != CDYN_OK) return fail("get");
        cdyn_buf_dispose(&out);
    }
    get_cpu = cpu_seconds() - start;
    start = cpu_seconds();
    for (i = 0; i < n; i++) {
        if (cdyn_get_versioned(&out, &expires, &version, s, sid) != CDYN_OK) return fail("cycle read");
        if (cdyn_save(s, sid, json, strlen(json), 0, out.ptr, out.size, version) != CDYN_OK) return fail("cycle save");
        cdyn_buf_dispose(&out);
    }
    cycle_cpu = cpu_seconds() - start;
    printf("set %.1f get %.1f cycle %.1f\n", set_cpu / n * 1e6, get_cpu / n * 1e6, cycle_cpu / n * 1e6);
    cdyn_store_free(s);
    return 0;
}
