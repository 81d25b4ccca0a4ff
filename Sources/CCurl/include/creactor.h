/* An epoll reactor for a libcurl multi handle driven by
 * curl_multi_socket_action: libcurl names the sockets it waits on and when
 * its next timeout is due, and one epoll_wait reports only the sockets that
 * are ready. (curl_multi_poll and curl_multi_perform instead walk every
 * socket and every transfer on each wake-up: at hundreds of calls in
 * flight that walk is most of the loop's time.) An eventfd in the same
 * epoll set wakes the loop from other threads. */
#ifndef CREACTOR_H
#define CREACTOR_H

#include <curl/curl.h>
#include <stdint.h>

typedef struct creactor {
    int epoll_fd;
    int wake_fd;
    /* libcurl's next timeout, CLOCK_MONOTONIC milliseconds; -1: none. */
    int64_t curl_deadline_ms;
    /* Per socket, the epoll events it is registered with (0: not in the
     * set). A socket libcurl stops watching (a kept-alive connection back
     * in its cache) stays registered, marked parked, so that the next call
     * on it costs one EPOLL_CTL_MOD rather than a DEL and an ADD; parked
     * sockets that turn ready (the server closed them) are dropped from
     * the set then. */
    uint32_t *registered;
    int registered_count;
} creactor;

/* Opens the epoll set and the eventfd and hands libcurl the socket and
 * timer callbacks. Returns 0, or -1 (errno set) with nothing left open. */
int creactor_open(creactor *reactor, CURLM *multi);
/* Closes the epoll set and the eventfd (after curl_multi_cleanup). */
void creactor_close(creactor *reactor);
/* Wakes a thread in creactor_wait; safe from any thread. */
void creactor_wake(creactor *reactor);
/* Waits up to timeout_ms for sockets or a wake-up, and has libcurl act on
 * every ready socket. Returns how many sockets it acted on. */
int creactor_wait(creactor *reactor, CURLM *multi, int timeout_ms);
/* Has libcurl act on its due timeouts (and on transfers just added). */
void creactor_run_timeouts(creactor *reactor, CURLM *multi);

#endif
