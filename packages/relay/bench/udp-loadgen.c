/*
 * The bench's direct UDP reference: what the loopback does for datagrams
 * with no relay in the way, measured like loadgen.c measures a WebSocket.
 * Every datagram echoed back is checked against the pattern that was sent.
 *
 *   udp-loadgen throughput --port N --size BYTES --total BYTES --window N
 *       sends TOTAL bytes in SIZE-byte datagrams, at most WINDOW datagrams
 *       unanswered at a time, and reads every echo (in order, whole)
 *   udp-loadgen latency --port N --size BYTES --count N
 *       N sequential round trips of one SIZE-byte datagram (after a warm-up)
 *
 * One connected UDP socket, as the relay uses. Prints one JSON line, shaped
 * as loadgen's; exits 1 when a datagram was lost, changed or late past
 * --timeout-ms.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PATTERN_PERIOD 65521 /* as loadgen.c and echo-target.c */

static uint8_t pattern[2 * PATTERN_PERIOD];

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double percentile(double *sorted, long n, double q) {
  long rank = (long)(q * (double)n + 0.999999);
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  return sorted[rank - 1];
}

static void usage(const char *why) {
  fprintf(stderr, "udp-loadgen: %s\nusage: udp-loadgen throughput|latency --port N --size BYTES [--total BYTES --window N | --count N]\n", why);
  exit(2);
}

/* Waits up to `ms` for the socket to be readable; 0 on timeout. */
static int readable(int fd, int ms) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  return poll(&p, 1, ms) > 0;
}

int main(int argc, char **argv) {
  if (argc < 2) usage("missing mode");
  const char *mode = argv[1];
  int port = 0;
  uint64_t size = 64, total = 0;
  long count = 1, window = 64, timeout_ms = 60000;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (v == NULL) usage(a);
    else if (strcmp(a, "--port") == 0) port = atoi(v), i++;
    else if (strcmp(a, "--size") == 0) size = strtoull(v, NULL, 10), i++;
    else if (strcmp(a, "--total") == 0) total = strtoull(v, NULL, 10), i++;
    else if (strcmp(a, "--window") == 0) window = atol(v), i++;
    else if (strcmp(a, "--count") == 0) count = atol(v), i++;
    else if (strcmp(a, "--timeout-ms") == 0) timeout_ms = atol(v), i++;
    else usage(a);
  }
  if (port <= 0 || port > 65535) usage("--port must be 1-65535");
  if (size == 0 || size > 65507 || count < 1 || window < 1) usage("--size must be 1-65507, --count and --window positive");
  for (int i = 0; i < 2 * PATTERN_PERIOD; i++) pattern[i] = (uint8_t)(((i % PATTERN_PERIOD) * 131u + ((i % PATTERN_PERIOD) >> 7)) & 0xff);

  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int buffer = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) return perror("udp-loadgen: connect"), 1;

  static uint8_t buf[65536];
  double cpu0 = cpu_seconds();
  int intact = 1, in_time = 1;
  if (strcmp(mode, "throughput") == 0) {
    if (total == 0) usage("throughput needs --total");
    uint64_t datagrams = (total + size - 1) / size, sent = 0, got = 0, rx = 0;
    double started = now();
    while (got < datagrams && in_time && intact) {
      while (sent < datagrams && (long)(sent - got) < window) {
        uint64_t len = total - sent * size < size ? total - sent * size : size;
        if (send(fd, pattern + (sent * size) % PATTERN_PERIOD, len, 0) < 0) return perror("udp-loadgen: send"), 1;
        sent++;
      }
      /* A datagram lost on the way stalls the window: say so rather than wait forever. */
      if (!readable(fd, 1000)) {
        in_time = 0;
        break;
      }
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n < 0) return perror("udp-loadgen: recv"), 1;
      if (memcmp(buf, pattern + (got * size) % PATTERN_PERIOD, (size_t)n) != 0) intact = 0;
      rx += (uint64_t)n;
      got++;
    }
    double secs = now() - started;
    int ok = in_time && intact && rx == total;
    printf("{\"mode\":\"throughput\",\"ok\":%s,\"bytes\":%llu,\"datagrams\":%llu,\"seconds\":%.6f,"
           "\"mbPerSecond\":%.1f,\"datagramsPerSecond\":%.0f,\"cpuSeconds\":%.3f,\"intact\":%s}\n",
           ok ? "true" : "false", (unsigned long long)rx, (unsigned long long)got, secs, (double)rx / 1e6 / secs,
           (double)got / secs, cpu_seconds() - cpu0, intact ? "true" : "false");
    return ok ? 0 : 1;
  }
  if (strcmp(mode, "latency") == 0) {
    long warmup = count / 10 < 1000 ? count / 10 : 1000;
    double *samples = malloc(sizeof(double) * (size_t)count);
    long n_samples = 0;
    double deadline = now() + timeout_ms / 1000.0;
    for (long i = 0; i < count + warmup && in_time && intact; i++) {
      double t0 = now();
      if (send(fd, pattern + ((uint64_t)i * size) % PATTERN_PERIOD, size, 0) < 0) return perror("udp-loadgen: send"), 1;
      if (!readable(fd, 1000) || now() > deadline) {
        in_time = 0;
        break;
      }
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      double rtt = now() - t0;
      if (n != (ssize_t)size || memcmp(buf, pattern + ((uint64_t)i * size) % PATTERN_PERIOD, size) != 0) intact = 0;
      if (i >= warmup) samples[n_samples++] = rtt;
    }
    int ok = in_time && intact && n_samples > 0;
    qsort(samples, (size_t)n_samples, sizeof *samples, by_value);
    printf("{\"mode\":\"latency\",\"ok\":%s,\"roundTrips\":%ld,\"p50Us\":%.2f,\"p99Us\":%.2f,\"p999Us\":%.2f,"
           "\"intact\":%s}\n",
           ok ? "true" : "false", n_samples, n_samples ? percentile(samples, n_samples, 0.5) * 1e6 : 0,
           n_samples ? percentile(samples, n_samples, 0.99) * 1e6 : 0,
           n_samples ? percentile(samples, n_samples, 0.999) * 1e6 : 0, intact ? "true" : "false");
    return ok ? 0 : 1;
  }
  usage("unknown mode");
  return 2;
}
