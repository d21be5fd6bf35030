// The UDP twin of echo_server.cpp, the way a game server's socket is:
// socket(SOCK_DGRAM), bind, then recvfrom and sendto on that one socket for
// every client. There is no accept and no connection: each datagram says who
// sent it, and the answer goes back to that address. Each line in a datagram
// comes back followed by " from the server", the last line too when it has
// no newline, all in one answering datagram (a datagram is a whole message).
//
//   make && ./udp_echo_server 27015            # 127.0.0.1:27015
//   ./udp_echo_server 27015 0.0.0.0            # every interface (think first)
//
// SIGINT/SIGTERM: close the socket, print "stopped", exit 0.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

constexpr const char* kSuffix = " from the server";
// The largest UDP payload over IPv4: 65,535 less the IP (20) and UDP (8)
// headers. A datagram is never longer; an answer longer than this cannot be
// sent, and is dropped with a message, as the kernel would refuse it.
constexpr std::size_t kMaxDatagramBytes = 65507;

volatile sig_atomic_t g_stop = 0;

void on_signal(int) { g_stop = 1; }

int parse_port(const char* text) {
  char* end = nullptr;
  long port = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || port < 0 || port > 65535) return -1;
  return static_cast<int>(port);
}

// One datagram in, one datagram out: each line with the suffix (LF or CRLF
// in, LF out), and a last line without a newline answered without one.
std::string answer(const char* data, std::size_t size) {
  std::string in(data, size);
  std::string out;
  std::size_t start = 0;
  for (std::size_t nl; (nl = in.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::size_t end = nl;
    if (end > start && in[end - 1] == '\r') --end;
    out.append(in, start, end - start).append(kSuffix).append("\n");
  }
  if (start < in.size() || size == 0) out.append(in, start, std::string::npos).append(kSuffix);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s PORT [BIND_ADDRESS]   (default address 127.0.0.1; port 0 picks one)\n", argv[0]);
    return 2;
  }
  int port = parse_port(argv[1]);
  if (port < 0) {
    std::fprintf(stderr, "invalid port \"%s\": expected 0 to 65535\n", argv[1]);
    return 2;
  }
  const char* host = argc == 3 ? argv[2] : "127.0.0.1";

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);  // no SA_RESTART: recvfrom() returns EINTR
  sigaction(SIGTERM, &sa, nullptr);

  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) {
    std::perror("socket");
    return 1;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
    std::fprintf(stderr, "invalid bind address \"%s\": expected an IPv4 address such as 127.0.0.1\n", host);
    return 2;
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
    std::fprintf(stderr, "cannot bind udp %s:%d: %s\n", host, port, std::strerror(errno));
    return 1;
  }
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::printf("listening on udp %s:%d\n", host, ntohs(addr.sin_port));
  std::fflush(stdout);

  static char buf[kMaxDatagramBytes + 1];
  while (!g_stop) {
    sockaddr_in from{};
    socklen_t from_len = sizeof from;
    // One call, one whole datagram (or the part that fits buf: never here,
    // as no datagram is longer than kMaxDatagramBytes).
    ssize_t n = recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) {
      if (errno == EINTR) continue;  // a signal: the loop condition decides
      // An ICMP error for an earlier answer (its sender went away): not ours to stop for.
      if (errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH) continue;
      std::perror("recvfrom");
      break;
    }
    std::string out = answer(buf, static_cast<std::size_t>(n));
    if (out.size() > kMaxDatagramBytes) {
      std::fprintf(stderr, "answer of %zu bytes is over one datagram; dropped\n", out.size());
      continue;
    }
    // sendto() sends the whole datagram or nothing: no partial writes in UDP.
    if (sendto(fd, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&from), from_len) < 0 && errno != EINTR) {
      std::fprintf(stderr, "sendto: %s\n", std::strerror(errno));
    }
  }
  close(fd);
  std::printf("stopped\n");
  return 0;
}
