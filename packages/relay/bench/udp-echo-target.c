/*
 * The bench's UDP target: every datagram goes back to its sender, unchanged.
 * Written in C so the target is never the bottleneck.
 *
 *   udp-echo-target
 *
 * Binds 127.0.0.1 port 0 and prints {"port":N} on stdout. Runs until
 * SIGTERM/SIGINT.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

int main(void) {
  struct sigaction sa = {0};
  sa.sa_handler = on_signal; /* no SA_RESTART: recvfrom returns EINTR */
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return perror("socket"), 1;
  /* Room for a burst while this one thread answers the last one. */
  int buffer = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  struct sockaddr_in addr = {.sin_family = AF_INET};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) return perror("bind"), 1;
  getsockname(fd, (struct sockaddr *)&addr, &len);
  printf("{\"port\":%d}\n", ntohs(addr.sin_port));
  fflush(stdout);
  static char buf[65536];
  while (!stopping) {
    struct sockaddr_in from;
    socklen_t from_len = sizeof from;
    ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &from_len);
    if (n < 0) {
      /* EINTR: a signal; ECONNREFUSED: an ICMP answer to an echo whose sender left. */
      if (errno == EINTR || errno == ECONNREFUSED) continue;
      perror("recvfrom");
      return 1;
    }
    sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, from_len);
  }
  close(fd);
  return 0;
}
