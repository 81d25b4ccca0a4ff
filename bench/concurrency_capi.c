/*
 * The C API's side of the concurrency benchmark: K cdyn_get_async calls
 * kept in flight against bench/slow_server.c (each completion starts the
 * next) for SECONDS, with a pool as large as the calls in flight
 * (max_connections = max(K, the default)), as the raw client has one
 * connection per call.
 *
 *   concurrency_capi URL INFLIGHT SECONDS
 *
 * Prints "ops N seconds S cpu_us_per_op C errors E" (CPU: getrusage of the
 * whole process, every thread: the I/O thread does the work).
 */
#define _POSIX_C_SOURCE 200809L
#include "connectdynamo.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static cdyn_store *store;
static double deadline;
static long long ops, errors;
static int outstanding;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t finished = PTHREAD_COND_INITIALIZER;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu_seconds(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

static void chain_ends(void) {
    pthread_mutex_lock(&lock);
    if (--outstanding == 0) pthread_cond_signal(&finished);
    pthread_mutex_unlock(&lock);
}

/* Runs on the I/O thread only: ops and errors need no lock. */
static void on_get(cdyn_result *result, void *userdata) {
    (void)userdata;
    ops++;
    if (result->status != CDYN_OK && errors++ == 0) fprintf(stderr, "concurrency_capi: %s\n", result->message);
    cdyn_result_free(result);
    if (now() < deadline && cdyn_get_async(store, "bench", on_get, NULL) == CDYN_OK) return;
    chain_ends();
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: concurrency_capi URL INFLIGHT SECONDS\n");
        return 2;
    }
    int inflight = atoi(argv[2]);
    cdyn_store_options o;
    cdyn_store_options_init(&o, CDYN_STORE_OPTIONS_VERSION);
    o.endpoint = argv[1];
    o.table = "bench";
    o.access_key_id = "bench";
    o.secret_access_key = "bench";
    o.region = "us-east-1";
    o.create_table = 0;
    if (inflight > o.max_connections) o.max_connections = inflight;
    if (cdyn_store_open(&store, &o) != CDYN_OK) {
        fprintf(stderr, "concurrency_capi: %s\n", cdyn_last_error());
        return 1;
    }
    cdyn_buf warm = {0};
    cdyn_get(&warm, NULL, store, "bench");  /* the table check, one connection */
    cdyn_buf_dispose(&warm);

    double start_cpu = cpu_seconds(), start = now();
    deadline = start + atof(argv[3]);
    pthread_mutex_lock(&lock);
    outstanding = inflight;
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < inflight; i++)
        if (cdyn_get_async(store, "bench", on_get, NULL) != CDYN_OK) chain_ends();
    pthread_mutex_lock(&lock);
    while (outstanding > 0) pthread_cond_wait(&finished, &lock);
    pthread_mutex_unlock(&lock);
    double elapsed = now() - start, cpu = cpu_seconds() - start_cpu;
    printf("ops %lld seconds %.3f cpu_us_per_op %.2f errors %lld\n", ops, elapsed,
           ops ? cpu / (double)ops * 1e6 : 0.0, errors);
    cdyn_store_free(store);
    return errors ? 1 : 0;
}
