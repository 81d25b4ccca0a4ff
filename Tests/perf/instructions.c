/*
 * A short fixed workload for `make test-instructions`: blocking sets, then
 * blocking gets, of one session against CDYN_TEST_ENDPOINT (a canned
 * keep-alive stand-in), under valgrind --tool=callgrind --collect-atstart=no.
 * Only the measured loops are collected (after a warm-up that opens the
 * connection and fills the caches), and each is dumped under its own name,
 * so scripts/check-instructions.py reads instructions per call for each.
 */
#include "connectdynamo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/callgrind.h>

#define WARMUP 20

static int run_sets(cdyn_store *s, const char *json, int n) {
    for (int i = 0; i < n; i++)
        if (cdyn_set(s, "instructions-session", json, strlen(json), 0, CDYN_SET_DEFAULT) != CDYN_OK) return 0;
    return 1;
}

static int run_gets(cdyn_store *s, int n) {
    for (int i = 0; i < n; i++) {
        cdyn_buf out = {0};
        int rc = cdyn_get(&out, NULL, s, "instructions-session");
        cdyn_buf_dispose(&out);
        if (rc != CDYN_OK) return 0;
    }
    return 1;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 200;
    const char *json = "{\"cookie\":{\"originalMaxAge\":3600000,\"httpOnly\":true,\"path\":\"/\"},\"user\":\"ada\"}";
    cdyn_store_options o;
    cdyn_store *s;

    cdyn_store_options_init(&o, CDYN_STORE_OPTIONS_VERSION);
    o.endpoint = getenv("CDYN_TEST_ENDPOINT");
    o.table = "instructions";
    o.access_key_id = "instructions";
    o.secret_access_key = "instructions";
    o.create_table = 0;
    if (n < 1 || cdyn_store_open(&s, &o) != CDYN_OK) {
        fprintf(stderr, "instructions: %s\n", n < 1 ? "usage: instructions [CALLS]" : cdyn_last_error());
        return 1;
    }
    if (!run_sets(s, json, WARMUP) || !run_gets(s, WARMUP)) goto failed;

    CALLGRIND_TOGGLE_COLLECT;
    if (!run_sets(s, json, n)) goto failed;
    CALLGRIND_DUMP_STATS_AT("set");
    if (!run_gets(s, n)) goto failed;
    CALLGRIND_DUMP_STATS_AT("get");
    CALLGRIND_TOGGLE_COLLECT;

    cdyn_store_free(s);
    printf("%d sets, %d gets\n", n, n);
    return 0;
failed:
    fprintf(stderr, "instructions: %s\n", cdyn_last_error());
    cdyn_store_free(s);
    return 1;
}
