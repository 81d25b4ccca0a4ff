/*
 * The trivial raw-socket client of the concurrency benchmark: what any
 * client can reach against bench/slow_server.c with K calls in flight.
 * One thread, one epoll, K kept-alive connections, each sending a fixed,
 * precomputed GetItem request (the headers a DynamoDB request carries,
 * signed once) and reading the answer by its Content-Length, again and
 * again: no signing, no JSON, no HTTP library.
 *
 *   raw_client URL INFLIGHT SECONDS
 *
 * Prints "ops N seconds S cpu_us_per_op C" (CPU: getrusage, user+system).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    int fd;
    char in[8192];
    size_t len;
} connection;

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

/* Bytes of one complete answer at the start of c->in, or 0. */
static size_t complete_answer(const connection *c) {
    const char *end = memmem(c->in, c->len, "\r\n\r\n", 4);
    if (!end) return 0;
    size_t head = (size_t)(end - c->in) + 4, body = 0;
    for (const char *line = c->in; line < end;) {
        const char *next = memmem(line, (size_t)(end + 2 - line), "\r\n", 2);
        if (!next) break;
        if (next - line > 15 && strncasecmp(line, "Content-Length:", 15) == 0) body = strtoul(line + 15, NULL, 10);
        line = next + 2;
    }
    return c->len >= head + body ? head + body : 0;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: raw_client URL INFLIGHT SECONDS\n");
        return 2;
    }
    int port = 0;
    if (sscanf(argv[1], "http://127.0.0.1:%d", &port) != 1) {
        fprintf(stderr, "raw_client: URL must be http://127.0.0.1:PORT\n");
        return 2;
    }
    int inflight = atoi(argv[2]);
    double seconds = atof(argv[3]);
    struct rlimit files;
    if (getrlimit(RLIMIT_NOFILE, &files) == 0) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }
    static const char body[] = "{\"TableName\":\"bench\",\"Key\":{\"id\":{\"S\":\"sess:bench\"}},\"ConsistentRead\":false}";
    char request[1024];
    int request_len = snprintf(request, sizeof request,
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: connect-dynamo\r\nAccept: */*\r\n"
        "Content-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.GetItem\r\n"
        "X-Amz-Date: 20261129T060000Z\r\n"
        "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261129/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31\r\n"
        "Content-Length: %zu\r\n\r\n%s",
        port, sizeof body - 1, body);

    connection *conns = calloc((size_t)inflight, sizeof *conns);
    int epfd = epoll_create1(0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    double start_cpu = cpu_seconds(), start = now(), deadline = start + seconds;
    for (int i = 0; i < inflight; i++) {
        int one = 1;
        conns[i].fd = socket(AF_INET, SOCK_STREAM, 0);
        if (conns[i].fd < 0 || connect(conns[i].fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
            perror("raw_client: connect");
            return 1;
        }
        setsockopt(conns[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (unsigned)i};
        epoll_ctl(epfd, EPOLL_CTL_ADD, conns[i].fd, &ev);
        if (send(conns[i].fd, request, (size_t)request_len, MSG_NOSIGNAL) != request_len) return 1;
    }
    long long ops = 0;
    int outstanding = inflight;
    struct epoll_event events[256];
    while (outstanding > 0) {
        int n = epoll_wait(epfd, events, 256, 1000);
        double t = now();
        for (int e = 0; e < n; e++) {
            connection *c = &conns[events[e].data.u32];
            ssize_t got = recv(c->fd, c->in + c->len, sizeof c->in - c->len, 0);
            if (got <= 0) {
                if (got < 0 && errno == EAGAIN) continue;
                fprintf(stderr, "raw_client: connection lost\n");
                return 1;
            }
            c->len += (size_t)got;
            size_t used = complete_answer(c);
            if (!used) continue;
            memmove(c->in, c->in + used, c->len - used);
            c->len -= used;
            ops++;
            if (t < deadline) {
                if (send(c->fd, request, (size_t)request_len, MSG_NOSIGNAL) != request_len) return 1;
            } else {
                outstanding--;
            }
        }
    }
    double elapsed = now() - start, cpu = cpu_seconds() - start_cpu;
    printf("ops %lld seconds %.3f cpu_us_per_op %.2f\n", ops, elapsed, cpu / (double)ops * 1e6);
    return 0;
}
