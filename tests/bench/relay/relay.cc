// herald-relay: a minimal TCP relay, the physical limit for the binary p2p benchmark. A client sends
// an 8-byte hello ("HRLY" + pair id, big endian); once both members of a pair arrived the relay
// answers each one byte 'P' and from then on copies bytes from one socket to the other with no
// parsing, no storage and one read + one write per chunk. One epoll loop per thread, pairs spread
// over threads; back-pressure by not reading a side whose peer still has bytes queued.
//
//   herald-relay --listen 127.0.0.1:7200 [--threads N]
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

constexpr std::size_t kHelloSize = 8;
constexpr std::size_t kChunk = 64 * 1024;

struct Side {
  int fd = -1;
  Side* peer = nullptr;
  std::vector<char> pending;  // bytes read from `peer` not yet written to this side
  std::size_t pending_off = 0;
  bool reading = true;
};

class RelayLoop {
 public:
  RelayLoop() : epfd_(epoll_create1(EPOLL_CLOEXEC)), wake_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = nullptr;
    epoll_ctl(epfd_, EPOLL_CTL_ADD, wake_, &ev);
  }
  void hand_over(int a, int b) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      incoming_.emplace_back(a, b);
    }
    std::uint64_t one = 1;
    if (write(wake_, &one, sizeof one) < 0) std::perror("eventfd");
  }
  void run() {
    std::vector<epoll_event> events(512);
    std::vector<char> buf(kChunk);
    for (;;) {
      int n = epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), -1);
      for (int i = 0; i < n; ++i) {
        auto* side = static_cast<Side*>(events[static_cast<std::size_t>(i)].data.ptr);
        if (side == nullptr) {
          adopt();
          continue;
        }
        if (side->fd < 0) continue;  // closed earlier in this batch
        std::uint32_t e = events[static_cast<std::size_t>(i)].events;
        if (e & EPOLLOUT) drain(side);
        if (side->fd >= 0 && (e & (EPOLLIN | EPOLLHUP | EPOLLERR))) forward(side, buf);
      }
      for (Side* s : graveyard_) delete s;
      graveyard_.clear();
    }
  }

 private:
  void adopt() {
    std::uint64_t v;
    if (read(wake_, &v, sizeof v) < 0 && errno != EAGAIN) std::perror("eventfd");
    std::vector<std::pair<int, int>> take;
    {
      std::lock_guard<std::mutex> lock(mu_);
      take.swap(incoming_);
    }
    for (auto [a, b] : take) {
      auto* sa = new Side;
      auto* sb = new Side;
      sa->fd = a;
      sb->fd = b;
      sa->peer = sb;
      sb->peer = sa;
      for (Side* s : {sa, sb}) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = s;
        epoll_ctl(epfd_, EPOLL_CTL_ADD, s->fd, &ev);
      }
    }
  }
  void set_events(Side* s) {
    epoll_event ev{};
    ev.events = (s->reading ? EPOLLIN : 0u) | (s->pending_off < s->pending.size() ? EPOLLOUT : 0u);
    ev.data.ptr = s;
    epoll_ctl(epfd_, EPOLL_CTL_MOD, s->fd, &ev);
  }
  void close_pair(Side* s) {
    for (Side* x : {s, s->peer}) {
      if (x->fd >= 0) {
        close(x->fd);
        x->fd = -1;
        graveyard_.push_back(x);
      }
    }
  }
  // Writes what `to` has pending; false when the pair was closed.
  bool write_pending(Side* to) {
    while (to->pending_off < to->pending.size()) {
      ssize_t w = send(to->fd, to->pending.data() + to->pending_off, to->pending.size() - to->pending_off, MSG_NOSIGNAL);
      if (w < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return true;
        close_pair(to);
        return false;
      }
      to->pending_off += static_cast<std::size_t>(w);
    }
    to->pending.clear();
    to->pending_off = 0;
    return true;
  }
  void drain(Side* to) {
    if (!write_pending(to)) return;
    if (to->pending.empty() && !to->peer->reading) {
      to->peer->reading = true;  // back-pressure released: read the source again
      set_events(to->peer);
    }
    set_events(to);
  }
  void forward(Side* from, std::vector<char>& buf) {
    Side* to = from->peer;
    if (!to->pending.empty()) return;  // paused (an EPOLLHUP/ERR still reports): the write side resumes us
    ssize_t r = recv(from->fd, buf.data(), buf.size(), 0);
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) return close_pair(from);
    if (r < 0) return;
    std::size_t off = 0, len = static_cast<std::size_t>(r);
    while (off < len) {
      ssize_t w = send(to->fd, buf.data() + off, len - off, MSG_NOSIGNAL);
      if (w < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) break;
        return close_pair(from);
      }
      off += static_cast<std::size_t>(w);
    }
    if (off < len) {  // the peer is slow: queue the rest, stop reading until it is written
      to->pending.assign(buf.data() + off, buf.data() + len);
      to->pending_off = 0;
      from->reading = false;
      set_events(from);
      set_events(to);
    }
  }

  int epfd_;
  int wake_;
  std::mutex mu_;
  std::vector<std::pair<int, int>> incoming_;
  std::vector<Side*> graveyard_;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "herald-relay: %s\nusage: herald-relay --listen 127.0.0.1:PORT [--threads N]\n", why);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen_at;
  int threads = static_cast<int>(std::thread::hardware_concurrency());
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--listen") listen_at = argv[i + 1];
    else if (k == "--threads") threads = std::atoi(argv[i + 1]);
    else usage(("unknown option " + k).c_str());
  }
  auto colon = listen_at.rfind(':');
  if (colon == std::string::npos || threads < 1) usage("--listen HOST:PORT is required");
  std::signal(SIGPIPE, SIG_IGN);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(std::atoi(listen_at.c_str() + colon + 1)));
  if (inet_pton(AF_INET, listen_at.substr(0, colon).c_str(), &addr.sin_addr) != 1) usage("bad IPv4 address");
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(lfd, 4096) != 0) {
    std::perror("herald-relay: bind/listen");
    return 1;
  }
  std::vector<RelayLoop*> loops;
  for (int i = 0; i < threads; ++i) {
    loops.push_back(new RelayLoop);
    std::thread([l = loops.back()] { l->run(); }).detach();
  }
  std::fprintf(stderr, "herald-relay listening on %s with %d threads\n", listen_at.c_str(), threads);

  // Accept and pair on this thread: read each hello (it may arrive in pieces), then hand the pair over.
  int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event lev{};
  lev.events = EPOLLIN;
  lev.data.fd = lfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
  std::map<int, std::string> hellos;         // fd -> hello bytes so far
  std::map<std::uint32_t, int> waiting;      // pair id -> first member's fd
  std::vector<epoll_event> events(256);
  for (;;) {
    int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), -1);
    for (int i = 0; i < n; ++i) {
      int fd = events[static_cast<std::size_t>(i)].data.fd;
      if (fd == lfd) {
        for (;;) {
          int c = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (c < 0) break;
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event ev{};
          ev.events = EPOLLIN;
          ev.data.fd = c;
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
          hellos[c];
        }
        continue;
      }
      std::string& h = hellos[fd];
      char buf[kHelloSize];
      ssize_t r = recv(fd, buf, kHelloSize - h.size(), 0);  // never past the hello
      if (r <= 0) {
        if (r < 0 && errno == EAGAIN) continue;
        epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
        close(fd);
        hellos.erase(fd);
        continue;
      }
      h.append(buf, static_cast<std::size_t>(r));
      if (h.size() < kHelloSize) continue;
      epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
      if (h.compare(0, 4, "HRLY") != 0) {
        close(fd);
        hellos.erase(fd);
        continue;
      }
      std::uint32_t id;
      std::memcpy(&id, h.data() + 4, 4);
      id = ntohl(id);
      hellos.erase(fd);
      auto it = waiting.find(id);
      if (it == waiting.end()) {
        waiting[id] = fd;
        continue;
      }
      int peer = it->second;
      waiting.erase(it);
      char p = 'P';
      if (send(peer, &p, 1, MSG_NOSIGNAL) != 1 || send(fd, &p, 1, MSG_NOSIGNAL) != 1) {
        close(peer);
        close(fd);
        continue;
      }
      loops[id % loops.size()]->hand_over(peer, fd);
    }
  }
}
