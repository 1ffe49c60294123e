/*
 * latency_floor: the closed-loop round-trip latency this machine's loopback allows, without any protocol.
 *
 *   latency_floor server PORT                 epoll echo server on 127.0.0.1:PORT, one thread
 *   latency_floor client PORT CLIENTS SECS    CLIENTS connections, one 32-byte message in flight each
 *   latency_floor sio-client PORT CLIENTS SECS
 *       the same closed loop against a Socket.IO server (`switchboard bench-server`): each connection opens
 *       a WebSocket to /socket.io/, joins the main namespace, then keeps one `echo` emit with an ack in flight
 *
 * The clients print round trips per second and latency percentiles (µs). `client` is the floor that
 * `switchboard bench echo --clients C --inflight 1` is compared with: same shape (closed loop, one in
 * flight per connection), no WebSocket, Engine.IO or Socket.IO work. `sio-client` is a minimal, one-thread
 * load generator for the same server, to tell the server's latency from the bench tool's. See
 * scripts/latency-floor.
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

/* Reads from blocking `fd` until `buffer` holds a complete server text frame whose payload starts with
 * `prefix`, skipping the HTTP response head and other frames. Returns 0 on success. */
static int await_frame(int fd, const char *prefix) {
    char buffer[8192];
    size_t have = 0, prefix_length = strlen(prefix);
    for (;;) {
        ssize_t got = read(fd, buffer + have, sizeof buffer - have);
        if (got <= 0) return -1;
        have += (size_t)got;
        size_t at = 0;
        char *head_end = memmem(buffer, have, "\r\n\r\n", 4);
        if (head_end) at = (size_t)(head_end - buffer) + 4;
        while (at + 2 <= have) {
            size_t length = (unsigned char)buffer[at + 1] & 0x7f, header = 2;
            if (length == 126) {
                if (at + 4 > have) break;
                length = ((size_t)(unsigned char)buffer[at + 2] << 8) | (unsigned char)buffer[at + 3];
                header = 4;
            }
            if (at + header + length > have) break;
            if (length >= prefix_length && memcmp(buffer + at + header, prefix, prefix_length) == 0) return 0;
            at += header + length;
        }
        if (have == sizeof buffer) return -1;
    }
}

/* A masked client text frame (mask key 0, so the payload goes unchanged) into `frame`; returns its length. */
static size_t client_frame(char *frame, const char *payload) {
    size_t length = strlen(payload);
    frame[0] = (char)0x81;
    frame[1] = (char)(0x80 | length);
    memset(frame + 2, 0, 4);
    memcpy(frame + 6, payload, length);
    return length + 6;
}

/* Opens the WebSocket and joins the main namespace on blocking `fd`. Returns 0 on success. */
static int socketio_handshake(int fd) {
    static const char request[] =
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    char frame[64];
    if (write(fd, request, sizeof request - 1) != (ssize_t)(sizeof request - 1) || await_frame(fd, "0{")) return -1;
    size_t length = client_frame(frame, "40");
    if (write(fd, frame, length) != (ssize_t)length) return -1;
    return await_frame(fd, "40{");
}

static int run_clients(int port, int clients, int seconds, int socketio) {
    int poller = epoll_create1(0);
    int *fds = calloc((size_t)clients, sizeof *fds);
    long *sent_at = calloc((size_t)clients, sizeof *sent_at);
    long capacity = 100000000L / 8, samples = 0;
    long *latency = malloc((size_t)capacity * sizeof *latency);
    char message[128], buffer[4096];
    size_t message_length = MESSAGE_BYTES;
    memset(message, 'x', MESSAGE_BYTES);
    if (socketio) message_length = client_frame(message, "421[\"echo\",\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"]");
    for (int i = 0; i < clients; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in address = loopback(port);
        if (connect(fds[i], (struct sockaddr *)&address, sizeof address)) {
            perror("connect");
            return 1;
        }
        no_delay(fds[i]);
        if (socketio && socketio_handshake(fds[i])) {
            fprintf(stderr, "Socket.IO handshake failed on connection %d\n", i);
            return 1;
        }
        struct epoll_event readable = {.events = EPOLLIN, .data.u32 = (unsigned)i};
        epoll_ctl(poller, EPOLL_CTL_ADD, fds[i], &readable);
    }
    long start = monotonic_ns(), end = start + seconds * 1000000000L;
    for (int i = 0; i < clients; i++) {
        sent_at[i] = monotonic_ns();
        if (write(fds[i], message, message_length) != (ssize_t)message_length) return 1;
    }
    struct epoll_event ready[MAX_EVENTS];
    while (monotonic_ns() < end) {
        int count = epoll_wait(poller, ready, MAX_EVENTS, 1000);
        for (int k = 0; k < count; k++) {
            int i = (int)ready[k].data.u32;
            ssize_t got = read(fds[i], buffer, sizeof buffer);
            if (got <= 0) return 1;
            /* One message in flight: a read holds its answer (the ack frame `431[...]` for Socket.IO). */
            if (socketio && (got < 4 || buffer[2] != '4' || buffer[3] != '3')) continue;
            long now = monotonic_ns();
            if (samples < capacity) latency[samples++] = now - sent_at[i];
            sent_at[i] = now;
            if (write(fds[i], message, message_length) != (ssize_t)message_length) return 1;
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
    if (argc == 5 && strcmp(argv[1], "client") == 0) return run_clients(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), 0);
    if (argc == 5 && strcmp(argv[1], "sio-client") == 0)
        return run_clients(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), 1);
    fprintf(stderr, "usage: %s server PORT | client PORT CLIENTS SECONDS | sio-client PORT CLIENTS SECONDS\n", argv[0]);
    return 2;
}
