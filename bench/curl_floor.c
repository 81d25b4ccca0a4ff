/*
 * The floor for any libcurl-based DynamoDB client: one easy handle POSTing
 * a fixed small body to CDYN_TEST_ENDPOINT N times with the headers every
 * DynamoDB request carries (SigV4's Authorization and X-Amz-Date, Host,
 * Content-Type, X-Amz-Target, a User-Agent), precomputed once: no signing,
 * no JSON, no threads. Prints "floor <us>": CPU microseconds per request.
 * (libcurl formats each header line byte by byte, so the headers a client
 * must send are part of its floor.)
 */
#define _POSIX_C_SOURCE 200809L
#include <curl/curl.h>
#include "connectdynamo.h" /* CDYN_VERSION, for the User-Agent */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

static size_t discard(char *data, size_t size, size_t count, void *userdata) {
    (void)data;
    (void)userdata;
    return size * count;
}

static double cpu_seconds(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 300;
    CURL *handle = curl_easy_init();
    struct curl_slist *headers = NULL;
    double start;
    int i;
    headers = curl_slist_append(headers, "Content-Type: application/x-amz-json-1.0");
    headers = curl_slist_append(headers, "X-Amz-Target: DynamoDB_20120810.GetItem");
    headers = curl_slist_append(headers, "X-Amz-Date: 20261129T060000Z");
    headers = curl_slist_append(headers,
        "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261129/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    curl_easy_setopt(handle, CURLOPT_USERAGENT, "connect-dynamo/" CDYN_VERSION);
    curl_easy_setopt(handle, CURLOPT_URL, getenv("CDYN_TEST_ENDPOINT"));
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, "{\"TableName\":\"bench\",\"Key\":{\"id\":{\"S\":\"sess:x\"}}}");
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, discard);
    /* As the library does: no SIGPIPE juggling around every transfer. */
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    start = cpu_seconds();
    for (i = 0; i < n; i++) curl_easy_perform(handle);
    printf("floor %.1f\n", (cpu_seconds() - start) / n * 1e6);
    curl_slist_free_all(headers);
    curl_easy_cleanup(handle);
    return 0;
}
