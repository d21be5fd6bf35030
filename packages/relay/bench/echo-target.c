/*
 * The bench's TCP target: an epoll echo server (or, with --flood BYTES, a
 * server that sends BYTES of the bench pattern to every connection and then
 * shuts its side down). Written in C so the target is never the bottleneck.
 *
 *   echo-target [--flood BYTES]
 *
 * Listens on 127.0.0.1 port 0 and prints {"port":N} on stdout. Runs until
 * SIGTERM/SIGINT. Single-threaded: one connection's bytes are echoed as fast
 * as the peer reads them; a peer that stops reading stops being read.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define PATTERN_PERIOD 65521 /* prime, so message sizes never line up with it */
#define READ_BUFFER_BYTES (256 * 1024)

typedef struct conn {
  int fd;
  uint8_t *pending; /* echo bytes the peer has not taken yet */
  size_t pending_len, pending_pos;
  uint64_t flood_sent;
} conn;

static uint8_t pattern[PATTERN_PERIOD];
static uint64_t flood_bytes;
static int is_flood;
static volatile sig_atomic_t stopping;

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

static void fill_pattern(void) {
  for (int i = 0; i < PATTERN_PERIOD; i++) pattern[i] = (uint8_t)((i * 131u + (i >> 7)) & 0xff);
}

static void set_events(int ep, conn *c, uint32_t events) {
  struct epoll_event ev = {.events = events, .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void drop(int ep, conn *c) {
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  free(c->pending);
  free(c);
}

/* Returns 0 when everything pending went out, 1 when the socket is full, -1 on error. */
static int flush_pending(conn *c) {
  while (c->pending_pos < c->pending_len) {
    ssize_t n = write(c->fd, c->pending + c->pending_pos, c->pending_len - c->pending_pos);
    if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 1 : -1;
    c->pending_pos += (size_t)n;
  }
  c->pending_len = c->pending_pos = 0;
  return 0;
}

static int flood(conn *c) {
  while (c->flood_sent < flood_bytes) {
    size_t offset = c->flood_sent % PATTERN_PERIOD;
    size_t len = PATTERN_PERIOD - offset;
    if (len > flood_bytes - c->flood_sent) len = (size_t)(flood_bytes - c->flood_sent);
    ssize_t n = write(c->fd, pattern + offset, len);
    if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 1 : -1;
    c->flood_sent += (uint64_t)n;
  }
  shutdown(c->fd, SHUT_WR);
  return 0;
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--flood") == 0 && i + 1 < argc) {
      is_flood = 1;
      flood_bytes = strtoull(argv[++i], NULL, 10);
    } else {
      fprintf(stderr, "echo-target: unknown argument %s (usage: echo-target [--flood BYTES])\n", argv[i]);
      return 2;
    }
  }
  fill_pattern();
  signal(SIGPIPE, SIG_IGN);
  struct sigaction sa = {.sa_handler = on_signal};
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lfd, 65535) < 0) {
    perror("echo-target: listen on 127.0.0.1:0");
    return 1;
  }
  socklen_t alen = sizeof addr;
  getsockname(lfd, (struct sockaddr *)&addr, &alen);
  printf("{\"port\":%d}\n", ntohs(addr.sin_port));
  fflush(stdout);

  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
  static uint8_t buf[READ_BUFFER_BYTES];
  struct epoll_event events[256];

  while (!stopping) {
    int n = epoll_wait(ep, events, 256, 1000);
    if (n < 0 && errno != EINTR) {
      perror("echo-target: epoll_wait");
      return 1;
    }
    for (int i = 0; i < n; i++) {
      conn *c = events[i].data.ptr;
      if (c == NULL) {
        for (;;) {
          int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) break;
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          conn *nc = calloc(1, sizeof *nc);
          nc->fd = fd;
          struct epoll_event ev = {.events = EPOLLIN | (is_flood ? EPOLLOUT : 0), .data.ptr = nc};
          epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        }
        continue;
      }
      uint32_t ev = events[i].events;
      if (is_flood) {
        if (ev & EPOLLIN) {
          ssize_t r = read(c->fd, buf, sizeof buf);
          if (r == 0 || (r < 0 && errno != EAGAIN)) {
            drop(ep, c);
            continue;
          }
        }
        if ((ev & EPOLLOUT) && c->flood_sent < flood_bytes) {
          int f = flood(c);
          if (f < 0) drop(ep, c);
          else if (f == 0) set_events(ep, c, EPOLLIN);
        } else if (ev & (EPOLLERR | EPOLLHUP)) {
          drop(ep, c);
        }
        continue;
      }
      if (ev & EPOLLOUT) {
        int f = flush_pending(c);
        if (f < 0) {
          drop(ep, c);
          continue;
        }
        if (f == 0) set_events(ep, c, EPOLLIN);
        continue;
      }
      if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        int dead = 0;
        for (;;) {
          ssize_t r = read(c->fd, buf, sizeof buf);
          if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
            dead = 1;
            break;
          }
          if (r < 0) break;
          size_t off = 0;
          while (off < (size_t)r) {
            ssize_t w = write(c->fd, buf + off, (size_t)r - off);
            if (w < 0) break;
            off += (size_t)w;
          }
          if (off < (size_t)r) {
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
              dead = 1;
              break;
            }
            /* The peer is not reading: keep the rest and stop reading until it drains. */
            c->pending = realloc(c->pending, (size_t)r - off);
            memcpy(c->pending, buf + off, (size_t)r - off);
            c->pending_len = (size_t)r - off;
            c->pending_pos = 0;
            set_events(ep, c, EPOLLOUT);
            break;
          }
          if ((size_t)r < sizeof buf) break;
        }
        if (dead) drop(ep, c);
      }
    }
  }
  return 0;
}
