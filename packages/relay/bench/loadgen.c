/*
 * The bench's load generator: plain TCP or WebSocket (RFC 6455 client: masked
 * frames, Sec-WebSocket-Accept checked), one epoll thread, written in C so the
 * client is never what limits a figure. Every byte echoed back is checked
 * against the pattern that was sent.
 *
 *   loadgen MODE --port N [--ws] [options]
 *
 *   throughput --size BYTES --total BYTES [--window BYTES]
 *       one connection sends TOTAL bytes in SIZE-byte messages and reads the
 *       echo; at most WINDOW bytes in flight
 *   latency --size BYTES --count N
 *       N sequential round trips of one SIZE-byte message (after a warm-up)
 *   conns --count N --seconds S --size BYTES
 *       opens N connections at once, each echoes one message (time to open
 *       all), then all ping-pong SIZE-byte messages for S seconds
 *   idle --count N [--concurrency M]
 *       opens N connections (at most M opening at a time), each echoes once,
 *       prints a line, then waits on
 *       stdin: "extra" opens one more and reports how it ended; "quit" exits
 *   slow --hold-ms MS --expect BYTES
 *       connects, reads nothing for MS, prints {"mode":"held"}, waits for a
 *       line on stdin, then reads EXPECT bytes until EOF
 *
 * Prints one JSON line per result on stdout; exits 1 when the bytes were not
 * intact, a connection failed or the time limit (--timeout-ms) passed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PATTERN_PERIOD 65521 /* must match echo-target.c */
#define READ_BUFFER_BYTES (256 * 1024)
#define BATCH_BYTES (256 * 1024) /* frames are written in batches of about this size */
#define MAX_SAMPLES (8 * 1024 * 1024)

enum state { CONNECTING, HANDSHAKING, OPEN, CLOSED, FAILED };

typedef struct conn {
  int fd;
  enum state state;
  char key[32];
  char hs[2048];
  size_t hs_len;
  /* frame parser for server-to-client frames */
  uint8_t hdr[14];
  size_t hdr_have;
  uint64_t payload_left;
  int opcode;
  int in_payload;
  uint8_t ctrl[128];
  size_t ctrl_len;
  /* bytes */
  uint64_t tx, rx; /* payload bytes sent and received */
  uint8_t *out;
  size_t out_len, out_pos, out_cap;
  int close_code;
  char close_reason[128];
  char failure[160];
  double sent_at;
  int ready; /* echoed its first message */
  int writable_wanted;
} conn;

static uint8_t pattern[PATTERN_PERIOD];
/* The pattern repeated past one period, so plain TCP writes a batch straight from it. */
static uint8_t stream_pattern[PATTERN_PERIOD + BATCH_BYTES];
static int use_ws, port, ep;
static const char *mode;
static uint64_t msg_size = 64, total, window = 8u << 20, expect;
static long count = 1, hold_ms, timeout_ms = 60000, concurrency, opened;
static double seconds_opt = 2;
static int bad_bytes, reading_paused;
static long long first_bad = -1; /* stream offset of the first byte that differed */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t next_random(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

/* ---------- SHA-1 and base64, for Sec-WebSocket-Accept (RFC 6455 section 4.2.2) ---------- */

static uint32_t rol(uint32_t v, int n) { return (v << n) | (v >> (32 - n)); }

static void sha1(const uint8_t *msg, size_t len, uint8_t out[20]) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  size_t padded = ((len + 8) / 64 + 1) * 64;
  uint8_t *m = calloc(padded, 1);
  memcpy(m, msg, len);
  m[len] = 0x80;
  uint64_t bits = (uint64_t)len * 8;
  for (int i = 0; i < 8; i++) m[padded - 1 - i] = (uint8_t)(bits >> (8 * i));
  for (size_t off = 0; off < padded; off += 64) {
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
      w[i] = (uint32_t)m[off + 4 * i] << 24 | (uint32_t)m[off + 4 * i + 1] << 16 |
             (uint32_t)m[off + 4 * i + 2] << 8 | m[off + 4 * i + 3];
    for (int i = 16; i < 80; i++) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; i++) {
      uint32_t f, k;
      if (i < 20) f = (b & c) | (~b & d), k = 0x5A827999;
      else if (i < 40) f = b ^ c ^ d, k = 0x6ED9EBA1;
      else if (i < 60) f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
      else f = b ^ c ^ d, k = 0xCA62C1D6;
      uint32_t t = rol(a, 5) + f + e + k + w[i];
      e = d, d = c, c = rol(b, 30), b = a, a = t;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
  }
  free(m);
  for (int i = 0; i < 5; i++)
    for (int j = 0; j < 4; j++) out[4 * i + j] = (uint8_t)(h[i] >> (24 - 8 * j));
}

static void base64(const uint8_t *in, size_t len, char *out) {
  static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t o = 0;
  for (size_t i = 0; i < len; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0) |
                 (i + 2 < len ? in[i + 2] : 0);
    out[o++] = t[v >> 18 & 63];
    out[o++] = t[v >> 12 & 63];
    out[o++] = i + 1 < len ? t[v >> 6 & 63] : '=';
    out[o++] = i + 2 < len ? t[v & 63] : '=';
  }
  out[o] = 0;
}

/* ---------- output buffer and frames ---------- */

static void reserve(conn *c, size_t more) {
  if (c->out_len + more <= c->out_cap) return;
  if (c->out_pos > 0) {
    memmove(c->out, c->out + c->out_pos, c->out_len - c->out_pos);
    c->out_len -= c->out_pos;
    c->out_pos = 0;
    if (c->out_len + more <= c->out_cap) return;
  }
  c->out_cap = (c->out_len + more) * 2;
  c->out = realloc(c->out, c->out_cap);
}

/* Appends one message of `len` pattern bytes starting at stream offset c->tx. */
static void append_message(conn *c, uint64_t len, int opcode) {
  reserve(c, len + 14);
  uint8_t *p = c->out + c->out_len;
  uint64_t off = c->tx % PATTERN_PERIOD;
  if (!use_ws) {
    for (uint64_t done = 0; done < len;) {
      uint64_t k = PATTERN_PERIOD - off < len - done ? PATTERN_PERIOD - off : len - done;
      memcpy(p + done, pattern + off, k);
      done += k, off = 0;
    }
    c->out_len += len;
    c->tx += len;
    return;
  }
  size_t h = 0;
  p[h++] = (uint8_t)(0x80 | opcode);
  if (len < 126) {
    p[h++] = (uint8_t)(0x80 | len);
  } else if (len < 65536) {
    p[h++] = 0x80 | 126;
    p[h++] = (uint8_t)(len >> 8);
    p[h++] = (uint8_t)len;
  } else {
    p[h++] = 0x80 | 127;
    for (int i = 7; i >= 0; i--) p[h++] = (uint8_t)(len >> (8 * i));
  }
  uint32_t key = (uint32_t)next_random();
  memcpy(p + h, &key, 4);
  h += 4;
  uint8_t *payload = p + h;
  for (uint64_t done = 0; done < len;) {
    uint64_t k = PATTERN_PERIOD - off < len - done ? PATTERN_PERIOD - off : len - done;
    memcpy(payload + done, pattern + off, k);
    done += k, off = 0;
  }
  /* Mask 8 bytes at a time; the key repeats every 4 bytes from the payload's start. */
  uint64_t key8 = (uint64_t)key | (uint64_t)key << 32;
  uint64_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t v;
    memcpy(&v, payload + i, 8);
    v ^= key8;
    memcpy(payload + i, &v, 8);
  }
  const uint8_t *kb = (const uint8_t *)&key;
  for (; i < len; i++) payload[i] ^= kb[i & 3];
  c->out_len += h + len;
  c->tx += len;
}

static void append_control(conn *c, int opcode, const uint8_t *data, size_t len) {
  reserve(c, len + 6);
  uint8_t *p = c->out + c->out_len;
  uint32_t key = (uint32_t)next_random();
  const uint8_t *kb = (const uint8_t *)&key;
  p[0] = (uint8_t)(0x80 | opcode);
  p[1] = (uint8_t)(0x80 | len);
  memcpy(p + 2, &key, 4);
  for (size_t i = 0; i < len; i++) p[6 + i] = data[i] ^ kb[i & 3];
  c->out_len += 6 + len;
}

static void want_writable(conn *c, int want);

static void fail(conn *c, const char *why) {
  if (c->state == FAILED || c->state == CLOSED) return;
  snprintf(c->failure, sizeof c->failure, "%s", why);
  c->state = FAILED;
}

/* Writes what is buffered; asks epoll for EPOLLOUT only while something is left. */
static void flush(conn *c) {
  while (c->out_pos < c->out_len) {
    ssize_t n = write(c->fd, c->out + c->out_pos, c->out_len - c->out_pos);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      char why[96];
      snprintf(why, sizeof why, "write: %s", strerror(errno));
      fail(c, why);
      return;
    }
    c->out_pos += (size_t)n;
  }
  if (c->out_pos == c->out_len) c->out_pos = c->out_len = 0;
  want_writable(c, c->out_len > 0);
}

/* ---------- receiving ---------- */

static void verify(conn *c, const uint8_t *p, size_t len) {
  uint64_t off = c->rx % PATTERN_PERIOD;
  for (size_t done = 0; done < len;) {
    size_t k = PATTERN_PERIOD - off < len - done ? PATTERN_PERIOD - off : len - done;
    if (memcmp(p + done, pattern + off, k) != 0) {
      if (!bad_bytes) {
        size_t j = 0;
        while (j < k && p[done + j] == pattern[off + j]) j++;
        first_bad = (long long)(c->rx + done + j);
        fprintf(stderr, "loadgen: byte %lld differs from what was sent; got", first_bad);
        for (size_t q = j; q < k && q < j + 12; q++) fprintf(stderr, " %02x", p[done + q]);
        fprintf(stderr, ", expected");
        for (size_t q = j; q < k && q < j + 12; q++) fprintf(stderr, " %02x", pattern[(off + q) % PATTERN_PERIOD]);
        fprintf(stderr, " (frame payload left %llu)\n", (unsigned long long)c->payload_left);
      }
      bad_bytes = 1;
    }
    done += k, off = 0;
  }
  c->rx += len;
}

static void on_control(conn *c) {
  if (c->opcode == 8) {
    c->close_code = c->ctrl_len >= 2 ? c->ctrl[0] << 8 | c->ctrl[1] : 1005;
    size_t rl = c->ctrl_len > 2 ? c->ctrl_len - 2 : 0;
    if (rl >= sizeof c->close_reason) rl = sizeof c->close_reason - 1;
    memcpy(c->close_reason, c->ctrl + 2, rl);
    c->close_reason[rl] = 0;
    c->state = CLOSED;
  } else if (c->opcode == 9) {
    append_control(c, 10, c->ctrl, c->ctrl_len);
    flush(c);
  }
}

/* Feeds server-to-client WebSocket bytes through the frame parser. */
static void parse_frames(conn *c, const uint8_t *p, size_t len) {
  while (len > 0 && c->state == OPEN) {
    if (c->in_payload) {
      size_t k = c->payload_left < len ? (size_t)c->payload_left : len;
      if (c->opcode >= 8) {
        if (c->ctrl_len + k > sizeof c->ctrl) return fail(c, "control frame too long");
        memcpy(c->ctrl + c->ctrl_len, p, k);
        c->ctrl_len += k;
      } else {
        verify(c, p, k);
      }
      p += k, len -= k, c->payload_left -= k;
      if (c->payload_left == 0) {
        c->in_payload = 0;
        if (c->opcode >= 8) on_control(c);
      }
      continue;
    }
    c->hdr[c->hdr_have++] = *p++;
    len--;
    if (c->hdr_have < 2) continue;
    if (c->hdr[1] & 0x80) return fail(c, "server sent a masked frame");
    size_t need = 2;
    uint64_t plen = c->hdr[1] & 0x7f;
    if (plen == 126) need = 4;
    if (plen == 127) need = 10;
    if (c->hdr_have < need) continue;
    if (plen == 126) plen = (uint64_t)c->hdr[2] << 8 | c->hdr[3];
    if (plen == 127) {
      plen = 0;
      for (int i = 2; i < 10; i++) plen = plen << 8 | c->hdr[i];
    }
    int op = c->hdr[0] & 0x0f;
    if (op != 0) c->opcode = op; /* continuation frames keep the data opcode */
    if (op >= 8) c->opcode = op;
    c->hdr_have = 0;
    c->ctrl_len = 0;
    c->payload_left = plen;
    c->in_payload = plen > 0;
    if (plen == 0 && op >= 8) on_control(c);
  }
}

/* Checks the 101 response; returns bytes after the header, or -1 while incomplete. */
static long handshake_done(conn *c) {
  char *end = memmem(c->hs, c->hs_len, "\r\n\r\n", 4);
  if (end == NULL) {
    if (c->hs_len == sizeof c->hs) fail(c, "handshake response over 2 KiB");
    return -1;
  }
  *end = 0;
  int status = 0;
  sscanf(c->hs, "HTTP/1.1 %d", &status);
  if (status != 101) {
    char why[96];
    snprintf(why, sizeof why, "http %d", status);
    fail(c, why);
    return -1;
  }
  char expected[64], joined[96];
  uint8_t digest[20];
  snprintf(joined, sizeof joined, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", c->key);
  sha1((const uint8_t *)joined, strlen(joined), digest);
  base64(digest, 20, expected);
  char *h = strcasestr(c->hs, "\r\nsec-websocket-accept:");
  if (h == NULL) {
    fail(c, "no Sec-WebSocket-Accept");
    return -1;
  }
  h += strlen("\r\nsec-websocket-accept:");
  while (*h == ' ') h++;
  if (strncmp(h, expected, strlen(expected)) != 0) {
    fail(c, "wrong Sec-WebSocket-Accept");
    return -1;
  }
  return (long)((end + 4) - c->hs);
}

static void on_open(conn *c);
static void on_progress(conn *c);

static void on_readable(conn *c) {
  static uint8_t buf[READ_BUFFER_BYTES];
  for (;;) {
    if (c->state == HANDSHAKING) {
      ssize_t n = read(c->fd, c->hs + c->hs_len, sizeof c->hs - c->hs_len);
      if (n == 0) return fail(c, "closed during handshake");
      if (n < 0) {
        if (errno != EAGAIN) fail(c, strerror(errno));
        return;
      }
      c->hs_len += (size_t)n;
      long body = handshake_done(c);
      if (body < 0) {
        if (c->state == FAILED) return;
        continue;
      }
      c->state = OPEN;
      size_t rest = c->hs_len - (size_t)body;
      on_open(c);
      if (rest > 0) parse_frames(c, (uint8_t *)c->hs + body, rest);
      on_progress(c);
      continue;
    }
    if (c->state != OPEN || reading_paused) return;
    ssize_t n = read(c->fd, buf, sizeof buf);
    if (n == 0) {
      c->state = CLOSED;
      if (c->close_code == 0) c->close_code = use_ws ? 1006 : 0;
      on_progress(c);
      return;
    }
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK) fail(c, strerror(errno));
      return;
    }
    if (use_ws) parse_frames(c, buf, (size_t)n);
    else verify(c, buf, (size_t)n);
    on_progress(c);
    if ((size_t)n < sizeof buf) return;
  }
}

static void on_connected(conn *c) {
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) return fail(c, strerror(err));
  if (!use_ws) {
    c->state = OPEN;
    on_open(c);
    return;
  }
  uint8_t raw[16];
  for (int i = 0; i < 16; i++) raw[i] = (uint8_t)next_random();
  base64(raw, 16, c->key);
  char req[512];
  int n = snprintf(req, sizeof req,
                   "GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
                   port, c->key);
  reserve(c, (size_t)n);
  memcpy(c->out + c->out_len, req, (size_t)n);
  c->out_len += (size_t)n;
  c->state = HANDSHAKING;
  flush(c);
}

static conn *open_conn(void) {
  conn *c = calloc(1, sizeof *c);
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) {
    fail(c, strerror(errno));
    return c;
  }
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  c->state = CONNECTING;
  c->writable_wanted = 1;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
  if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS)
    fail(c, strerror(errno));
  return c;
}

static void close_conn(conn *c) {
  if (c->fd >= 0) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
  }
}

/* Runs the event loop until *done or the deadline; returns 0 on timeout. */
static int run_until(volatile int *done, double deadline, int watch_stdin) {
  struct epoll_event events[512];
  while (!*done) {
    double left = deadline - now();
    if (left <= 0) return 0;
    int n = epoll_wait(ep, events, 512, left > 0.05 ? 50 : (int)(left * 1000) + 1);
    for (int i = 0; i < n; i++) {
      conn *c = events[i].data.ptr;
      if (c == NULL) {
        if (watch_stdin) *done = 1;
        continue;
      }
      if (c->state == CONNECTING) {
        if (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_connected(c);
        if (c->state == FAILED) on_progress(c);
        continue;
      }
      if (events[i].events & EPOLLOUT) {
        flush(c);
        on_progress(c);
      }
      if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(c);
      if (c->state == FAILED) on_progress(c);
    }
  }
  return 1;
}

/* ---------- modes ---------- */

static conn **conns;
static long open_count, ready_count, failed_count, rounds;
static volatile int finished;
static double *samples;
static long sample_count;
static int pingpong, latency_warmup;
static long target_rounds;
static double started_at;

static void record(double seconds) {
  if (sample_count < MAX_SAMPLES) samples[sample_count++] = seconds * 1e6;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of the sorted samples, in microseconds. */
static double percentile(double q) {
  if (sample_count == 0) return 0;
  long rank = (long)(q * (double)sample_count + 0.999999);
  if (rank < 1) rank = 1;
  if (rank > sample_count) rank = sample_count;
  return samples[rank - 1];
}

static void send_ping(conn *c) {
  c->sent_at = now();
  append_message(c, msg_size, 2);
  flush(c);
}

static void want_writable(conn *c, int want) {
  if (want == c->writable_wanted) return;
  c->writable_wanted = want;
  struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Plain TCP throughput: write batches straight from the pattern, no copy, so
 * the reference is as fast as this machine's loopback allows. */
static void pump_plain(conn *c) {
  while (c->state == OPEN && c->tx < total && c->tx - c->rx < window) {
    uint64_t len = BATCH_BYTES;
    if (len > total - c->tx) len = total - c->tx;
    if (len > window - (c->tx - c->rx)) len = window - (c->tx - c->rx);
    ssize_t n = write(c->fd, stream_pattern + c->tx % PATTERN_PERIOD, len);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return want_writable(c, 1);
      return fail(c, strerror(errno));
    }
    c->tx += (uint64_t)n;
  }
  want_writable(c, 0);
}

/* Throughput: keep the pipe full up to the window. */
static void pump(conn *c) {
  if (!use_ws) return pump_plain(c);
  while (c->state == OPEN && c->tx < total && c->tx - c->rx < window && c->out_len - c->out_pos < BATCH_BYTES) {
    uint64_t len = total - c->tx < msg_size ? total - c->tx : msg_size;
    append_message(c, len, 2);
  }
  if (c->out_len > c->out_pos) flush(c);
}

static void on_open(conn *c) {
  open_count++;
  if (strcmp(mode, "throughput") == 0) {
    started_at = now();
    pump(c);
  } else if (strcmp(mode, "slow") == 0) {
    started_at = now();
  } else {
    send_ping(c);
  }
}

static int is_mode(const char *m) { return strcmp(mode, m) == 0; }

static conn *open_conn(void);

/* conns/idle: keep at most `concurrency` connections opening at a time. */
static void open_next(void) {
  if ((is_mode("conns") || is_mode("idle")) && opened < count) {
    conns[opened] = open_conn();
    opened++;
  }
}

/* Called after anything happened on a connection: decides what it does next. */
static void on_progress(conn *c) {
  if (c->state == FAILED || c->state == CLOSED) {
    if (c->fd < 0) return; /* already handled */
    close_conn(c);
    if (!c->ready) {
      failed_count++;
      if (conns[count] != c) open_next();
    }
    if (is_mode("throughput") || is_mode("slow") || is_mode("latency")) finished = 1;
    else if (conns[count] == c) finished = 1; /* idle: the extra connection's fate is known */
    else if (!c->ready && ready_count + failed_count >= count) finished = 1;
        return;
  }
  if (is_mode("throughput")) {
    if (c->rx >= total) finished = 1;
    else pump(c);
    return;
  }
  if (is_mode("slow")) {
    if (c->rx >= expect) finished = 1;
    return;
  }
  if (c->sent_at == 0 || c->rx < c->tx) return; /* the echo is not all back yet */
  double rtt = now() - c->sent_at;
  c->sent_at = 0;
  if (!c->ready) {
    c->ready = 1;
    ready_count++;
    if (conns[count] != c) open_next();
    if (is_mode("latency")) send_ping(c);
    else if (conns[count] == c || ready_count + failed_count >= count) finished = 1;
    return;
  }
  if (is_mode("latency")) {
    if (latency_warmup > 0) latency_warmup--;
    else {
      record(rtt);
      rounds++;
    }
    if (rounds >= target_rounds) finished = 1;
    else send_ping(c);
    return;
  }
  if (pingpong) {
    record(rtt);
    rounds++;
    send_ping(c);
  }
}

static void print_failures(void) {
  for (long i = 0; i <= count && conns != NULL; i++) {
    if (conns[i] && conns[i]->failure[0]) {
      fprintf(stderr, "loadgen: connection %ld: %s\n", i, conns[i]->failure);
      return;
    }
  }
}

static void usage(const char *why) {
  fprintf(stderr, "loadgen: %s\nusage: loadgen throughput|latency|conns|idle|slow --port N [--ws] ...\n", why);
  exit(2);
}

int main(int argc, char **argv) {
  if (argc < 2) usage("missing mode");
  mode = argv[1];
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--ws") == 0) use_ws = 1;
    else if (v == NULL) usage(a);
    else if (strcmp(a, "--port") == 0) port = atoi(v), i++;
    else if (strcmp(a, "--size") == 0) msg_size = strtoull(v, NULL, 10), i++;
    else if (strcmp(a, "--total") == 0) total = strtoull(v, NULL, 10), i++;
    else if (strcmp(a, "--window") == 0) window = strtoull(v, NULL, 10), i++;
    else if (strcmp(a, "--expect") == 0) expect = strtoull(v, NULL, 10), i++;
    else if (strcmp(a, "--count") == 0) count = atol(v), i++;
    else if (strcmp(a, "--seconds") == 0) seconds_opt = atof(v), i++;
    else if (strcmp(a, "--hold-ms") == 0) hold_ms = atol(v), i++;
    else if (strcmp(a, "--timeout-ms") == 0) timeout_ms = atol(v), i++;
    else if (strcmp(a, "--concurrency") == 0) concurrency = atol(v), i++;
    else usage(a);
  }
  if (port <= 0 || port > 65535) usage("--port must be 1-65535");
  if (msg_size == 0 || count < 1) usage("--size and --count must be positive");
  signal(SIGPIPE, SIG_IGN);
  for (int i = 0; i < PATTERN_PERIOD; i++) pattern[i] = (uint8_t)((i * 131u + (i >> 7)) & 0xff);
  for (size_t i = 0; i < sizeof stream_pattern; i++) stream_pattern[i] = pattern[i % PATTERN_PERIOD];
  rng ^= (uint64_t)getpid() << 32 ^ (uint64_t)(now() * 1e9);
  ep = epoll_create1(EPOLL_CLOEXEC);
  double deadline = now() + timeout_ms / 1000.0;
  double cpu0 = cpu_seconds();
  int ok = 1;

  if (strcmp(mode, "throughput") == 0) {
    if (total == 0) usage("throughput needs --total");
    conns = calloc(2, sizeof *conns);
    conn *c = conns[0] = open_conn();
    count = 1;
    int in_time = run_until(&finished, deadline, 0);
    double secs = now() - started_at;
    ok = in_time && c->rx == total && !bad_bytes;
    if (!ok) print_failures();
    printf("{\"mode\":\"throughput\",\"ok\":%s,\"bytes\":%llu,\"seconds\":%.6f,\"mbPerSecond\":%.1f,"
           "\"cpuSeconds\":%.3f,\"intact\":%s}\n",
           ok ? "true" : "false", (unsigned long long)c->rx, secs, (double)c->rx / 1e6 / secs,
           cpu_seconds() - cpu0, bad_bytes ? "false" : "true");
  } else if (strcmp(mode, "latency") == 0) {
    samples = malloc(sizeof(double) * (size_t)count);
    latency_warmup = (int)(count / 10 < 1000 ? count / 10 : 1000);
    conns = calloc(2, sizeof *conns);
    conn *c = conns[0] = open_conn();
    target_rounds = count;
    count = 1; /* one connection */
    int in_time = run_until(&finished, deadline, 0);
    ok = in_time && c->state == OPEN && !bad_bytes && sample_count > 0;
    if (!ok) print_failures();
    qsort(samples, (size_t)sample_count, sizeof *samples, by_value);
    printf("{\"mode\":\"latency\",\"ok\":%s,\"roundTrips\":%ld,\"p50Us\":%.2f,\"p99Us\":%.2f,\"p999Us\":%.2f,"
           "\"intact\":%s}\n",
           ok ? "true" : "false", sample_count, percentile(0.5), percentile(0.99), percentile(0.999),
           bad_bytes ? "false" : "true");
  } else if (strcmp(mode, "conns") == 0 || strcmp(mode, "idle") == 0) {
    int idle = strcmp(mode, "idle") == 0;
    conns = calloc((size_t)count + 1, sizeof *conns);
    samples = malloc(sizeof(double) * MAX_SAMPLES);
    double t0 = now();
    if (concurrency <= 0 || concurrency > count) concurrency = count;
    opened = 0;
    for (long i = 0; i < concurrency; i++) open_next();
    int in_time = run_until(&finished, deadline, 0);
    double open_seconds = now() - t0;
    ok = in_time && ready_count == count && !bad_bytes;
    if (!ok) print_failures();
    if (!idle) {
      double rate = 0, p99 = 0, p50 = 0;
      if (ok) {
        pingpong = 1;
        finished = 0;
        double p0 = now();
        for (long i = 0; i < count; i++) send_ping(conns[i]);
        double until = p0 + seconds_opt;
        run_until(&finished, until < deadline ? until : deadline, 0);
        double secs = now() - p0;
        rate = (double)rounds / secs;
        qsort(samples, (size_t)sample_count, sizeof *samples, by_value);
        p50 = percentile(0.5), p99 = percentile(0.99);
        for (long i = 0; i < count; i++)
          if (conns[i]->state != OPEN) ok = 0;
        ok = ok && !bad_bytes && rounds > 0;
      }
      printf("{\"mode\":\"conns\",\"ok\":%s,\"connections\":%ld,\"ready\":%ld,\"openSeconds\":%.4f,"
             "\"roundTripsPerSecond\":%.0f,\"p50Us\":%.1f,\"p99Us\":%.1f,\"intact\":%s}\n",
             ok ? "true" : "false", count, ready_count, open_seconds, rate, p50, p99,
             bad_bytes ? "false" : "true");
    } else {
      printf("{\"mode\":\"idle\",\"ok\":%s,\"connections\":%ld,\"ready\":%ld,\"openSeconds\":%.4f}\n",
             ok ? "true" : "false", count, ready_count, open_seconds);
      fflush(stdout);
      /* Hold the connections (answering pings) until the bench says what next. */
      struct epoll_event sev = {.events = EPOLLIN, .data.ptr = NULL};
      epoll_ctl(ep, EPOLL_CTL_ADD, 0, &sev);
      char line[64];
      for (;;) {
        int got = 0;
        run_until(&got, now() + 600, 1);
        ssize_t ln = read(0, line, sizeof line - 1);
        if (ln <= 0) break;
        line[ln] = 0;
        if (strncmp(line, "quit", 4) == 0) break;
        if (strncmp(line, "extra", 5) == 0) {
          finished = 0;
          conn *x = conns[count] = open_conn();
          double xd = now() + 5;
          run_until(&finished, xd, 0);
          const char *outcome = x->ready ? "open" : x->close_code ? "closed" : x->failure[0] ? "failed" : "timeout";
          printf("{\"mode\":\"extra\",\"outcome\":\"%s\",\"closeCode\":%d,\"reason\":\"", outcome, x->close_code);
          const char *text = x->close_code ? x->close_reason : x->failure;
          for (const char *p = text; *p; p++)
            if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20) putchar(*p);
          printf("\"}\n");
          fflush(stdout);
        }
      }
    }
  } else if (strcmp(mode, "slow") == 0) {
    conns = calloc(2, sizeof *conns);
    reading_paused = 1;
    conn *c = conns[0] = open_conn();
    count = 1;
    /* Connect and finish the handshake, then stop reading for hold_ms. */
    while (c->state == CONNECTING || c->state == HANDSHAKING) {
      int dummy = 0;
      run_until(&dummy, now() + 0.01, 0);
      if (now() > deadline) break;
    }
    if (c->state == OPEN) {
      struct timespec ts = {.tv_sec = hold_ms / 1000, .tv_nsec = (hold_ms % 1000) * 1000000L};
      nanosleep(&ts, NULL);
      /* Tell the bench the hold is over and wait for it to sample the relay's memory. */
      printf("{\"mode\":\"held\"}\n");
      fflush(stdout);
      char go[16];
      if (read(0, go, sizeof go) < 0) perror("loadgen: stdin");
      reading_paused = 0;
      started_at = now();
      on_readable(c);
      run_until(&finished, deadline, 0);
    }
    ok = c->rx == expect && !bad_bytes;
    if (!ok) print_failures();
    printf("{\"mode\":\"slow\",\"ok\":%s,\"bytes\":%llu,\"readSeconds\":%.3f,\"closeCode\":%d,\"intact\":%s}\n",
           ok ? "true" : "false", (unsigned long long)c->rx, now() - started_at, c->close_code,
           bad_bytes ? "false" : "true");
  } else {
    usage("unknown mode");
  }
  fflush(stdout);
  return ok ? 0 : 1;
}
