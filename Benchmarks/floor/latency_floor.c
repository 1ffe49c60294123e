/*
 * latency_floor: the closed-loop round-trip latency this machine's loopback allows, without any protocol.
 *
 *   latency_floor server PORT                 epoll echo server on 127.0.0.1:PORT, one thread
 *   latency_floor client PORT CLIENTS SECS    CLIENTS connections, one 32-byte message in flight each
 *
 * The client prints round trips per second and latency percentiles (µs). It is the floor that
 * `switchboard bench echo --clients C --inflight 1` is compared with: same shape (closed loop, one in
 * flight per connection), no WebSocket, Engine.IO or Socket.IO work. See scripts/latency-floor.
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { MESSAGE_BYTES = 32, MAX_EVENTS = 64 };

static long monotonic_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static struct sockaddr_in loopback(int port) {
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_port = htons((unsigned short)port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

static void no_delay(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int serve(int port) {
    int listener = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = loopback(port);
    if (bind(listener, (struct sockaddr *)&address, sizeof address) || listen(listener, 1024)) {
        perror("listen");
        return 1;
    }
    int poller = epoll_create1(0);
    struct epoll_event event = {.events = EPOLLIN, .data.fd = listener};
    epoll_ctl(poller, EPOLL_CTL_ADD, listener, &event);
    printf("LISTENING %d %d\n", port, (int)getpid());
    fflush(stdout);
    struct epoll_event ready[MAX_EVENTS];
    char buffer[4096];
    for (;;) {
        int count = epoll_wait(poller, ready, MAX_EVENTS, -1);
        for (int i = 0; i < count; i++) {
            int fd = ready[i].data.fd;
            if (fd == listener) {
                int connection = accept4(listener, NULL, NULL, SOCK_NONBLOCK);
                if (connection < 0) continue;
                no_delay(connection);
                struct epoll_event readable = {.events = EPOLLIN, .data.fd = connection};
                epoll_ctl(poller, EPOLL_CTL_ADD, connection, &readable);
                continue;
            }
            ssize_t got = read(fd, buffer, sizeof buffer);
            if (got <= 0) {
                close(fd);
                continue;
            }
            if (write(fd, buffer, (size_t)got) != got) close(fd);
        }
    }
}

static int by_value(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

static int run_clients(int port, int clients, int seconds) {
    int poller = epoll_create1(0);
    int *fds = calloc((size_t)clients, sizeof *fds);
    long *sent_at = calloc((size_t)clients, sizeof *sent_at);
    long capacity = 100000000L / 8, samples = 0;
    long *latency = malloc((size_t)capacity * sizeof *latency);
    char message[MESSAGE_BYTES], buffer[4096];
    memset(message, 'x', sizeof message);
    for (int i = 0; i < clients; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in address = loopback(port);
        if (connect(fds[i], (struct sockaddr *)&address, sizeof address)) {
            perror("connect");
            return 1;
        }
        no_delay(fds[i]);
        struct epoll_event readable = {.events = EPOLLIN, .data.u32 = (unsigned)i};
        epoll_ctl(poller, EPOLL_CTL_ADD, fds[i], &readable);
    }
    long start = monotonic_ns(), end = start + seconds * 1000000000L;
    for (int i = 0; i < clients; i++) {
        sent_at[i] = monotonic_ns();
        if (write(fds[i], message, sizeof message) != (ssize_t)sizeof message) return 1;
    }
    struct epoll_event ready[MAX_EVENTS];
    while (monotonic_ns() < end) {
        int count = epoll_wait(poller, ready, MAX_EVENTS, 1000);
        for (int k = 0; k < count; k++) {
            int i = (int)ready[k].data.u32;
            if (read(fds[i], buffer, sizeof buffer) <= 0) return 1;
            long now = monotonic_ns();
            if (samples < capacity) latency[samples++] = now - sent_at[i];
            sent_at[i] = now;
            if (write(fds[i], message, sizeof message) != (ssize_t)sizeof message) return 1;
        }
    }
    if (samples == 0) return 1;
    qsort(latency, (size_t)samples, sizeof *latency, by_value);
    printf("{\"clients\": %d, \"roundTripsPerSecond\": %.0f, \"p50\": %ld, \"p90\": %ld, \"p99\": %ld, "
           "\"p999\": %ld, \"max\": %ld}\n",
           clients, samples / (double)seconds, latency[samples / 2] / 1000, latency[samples * 9 / 10] / 1000,
           latency[samples * 99 / 100] / 1000, latency[samples * 999 / 1000] / 1000, latency[samples - 1] / 1000);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "server") == 0) return serve(atoi(argv[2]));
    if (argc == 5 && strcmp(argv[1], "client") == 0) return run_clients(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
    fprintf(stderr, "usage: %s server PORT | client PORT CLIENTS SECONDS\n", argv[0]);
    return 2;
}
