// A line echo server written with Berkeley sockets, the way a small game
// server is: socket, bind, listen, accept, recv, send, and poll() to serve
// every client from one thread. Each line a client sends comes back followed
// by " from the server", like `echo-server --suffix " from the server"`.
//
//   make && ./echo_server 7000            # listens on 127.0.0.1:7000
//   ./echo_server 7000 0.0.0.0            # every interface (think first)
//
// SIGINT/SIGTERM: stop accepting, close every client, exit 0.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr const char* kSuffix = " from the server";
// A client that sends this much without a newline is cut: one hostile client
// must not grow our memory without bound.
constexpr std::size_t kMaxLineBytes = 64 * 1024;
// Replies a slow reader has not taken yet; past this we stop reading from it
// (TCP backpressure does the rest) instead of buffering more.
constexpr std::size_t kMaxPendingOutBytes = 256 * 1024;
constexpr int kMaxClients = 1000;

volatile sig_atomic_t g_stop = 0;

void on_signal(int) { g_stop = 1; }

struct Client {
  int fd;
  std::string in;   // bytes received, not yet a whole line
  std::string out;  // bytes to send, not yet accepted by the kernel
  bool peer_done;   // the client sent FIN: flush replies, then close
};

bool set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL, 0);
  return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

// send() may take fewer bytes than asked (a partial write): keep the rest.
// Returns false when the connection is broken.
bool flush_out(Client& c) {
  while (!c.out.empty()) {
    ssize_t n = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n > 0) {
      c.out.erase(0, static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return true;  // the kernel buffer is full: poll() tells us when to go on
    } else {
      return false;
    }
  }
  return true;
}

// recv() returns whatever has arrived: half a line, or three lines at once.
// Only whole lines are answered; the tail waits for the next read.
// Returns false when the client should be closed.
bool read_lines(Client& c) {
  char buf[16 * 1024];
  for (;;) {
    ssize_t n = recv(c.fd, buf, sizeof buf, 0);
    if (n > 0) {
      c.in.append(buf, static_cast<std::size_t>(n));
      std::size_t start = 0;
      for (std::size_t nl; (nl = c.in.find('\n', start)) != std::string::npos; start = nl + 1) {
        std::size_t end = nl;
        if (end > start && c.in[end - 1] == '\r') --end;  // accept CRLF too
        c.out.append(c.in, start, end - start).append(kSuffix).append("\n");
      }
      c.in.erase(0, start);
      if (c.in.size() > kMaxLineBytes) {
        std::fprintf(stderr, "client %d: line longer than %zu bytes, closing\n", c.fd, kMaxLineBytes);
        return false;
      }
      if (c.out.size() > kMaxPendingOutBytes) return true;  // stop reading until it drains
    } else if (n == 0) {
      c.peer_done = true;  // FIN: answer what came, then close
      return true;
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return true;
    } else {
      return false;
    }
  }
}

int parse_port(const char* text) {
  char* end = nullptr;
  long port = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || port < 0 || port > 65535) return -1;
  return static_cast<int>(port);
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
  sigaction(SIGINT, &sa, nullptr);  // no SA_RESTART: poll() returns EINTR
  sigaction(SIGTERM, &sa, nullptr);

  int listener = socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0) {
    std::perror("socket");
    return 1;
  }
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
    std::fprintf(stderr, "invalid bind address \"%s\": expected an IPv4 address such as 127.0.0.1\n", host);
    return 2;
  }
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
    std::fprintf(stderr, "cannot listen on %s:%d: %s\n", host, port, std::strerror(errno));
    return 1;
  }
  if (listen(listener, 128) < 0 || !set_nonblocking(listener)) {
    std::perror("listen");
    return 1;
  }
  socklen_t len = sizeof addr;
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::printf("listening on %s:%d\n", host, ntohs(addr.sin_port));
  std::fflush(stdout);

  std::vector<Client> clients;
  std::vector<pollfd> fds;
  while (!g_stop) {
    fds.clear();
    fds.push_back({listener, static_cast<short>(clients.size() < kMaxClients ? POLLIN : 0), 0});
    for (const Client& c : clients) {
      short events = 0;
      if (!c.peer_done && c.out.size() <= kMaxPendingOutBytes) events |= POLLIN;
      if (!c.out.empty()) events |= POLLOUT;
      fds.push_back({c.fd, events, 0});
    }
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;  // a signal: the loop condition decides
      std::perror("poll");
      break;
    }
    if (fds[0].revents & POLLIN) {
      for (;;) {
        int fd = accept(listener, nullptr, nullptr);
        if (fd < 0) break;  // EAGAIN: no more waiting; other errors: try next round
        if (!set_nonblocking(fd) || clients.size() >= kMaxClients) {
          close(fd);
          continue;
        }
        clients.push_back({fd, {}, {}, false});
      }
    }
    // Walk the poll results against the clients that existed when poll() ran.
    std::vector<Client> alive;
    alive.reserve(clients.size());
    for (std::size_t i = 0; i < clients.size(); ++i) {
      Client& c = clients[i];
      short re = i + 1 < fds.size() ? fds[i + 1].revents : 0;
      bool ok = true;
      if (re & (POLLIN | POLLHUP | POLLERR)) ok = read_lines(c);
      if (ok) ok = flush_out(c);
      if (ok && c.peer_done && c.out.empty()) ok = false;  // all answered
      if (ok) {
        alive.push_back(std::move(c));
      } else {
        close(c.fd);
      }
    }
    clients.swap(alive);
  }
  for (Client& c : clients) close(c.fd);
  close(listener);
  std::printf("stopped\n");
  return 0;
}
