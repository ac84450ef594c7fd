// Plain TCP: echo over many connections on 2 loops, large payloads, a non-reading client closed as
// too slow while others are unaffected, max_connections, handler close with flush, shutdown, drain.
#include <set>

#include "net_test_support.h"

using namespace herald::gateway;
using namespace herald::gateway::test;

TEST_CASE("tcp echo over many connections spread across loops", "[tcp]") {
  TestHost th(2);
  Observed seen;
  NetServer net(th.host(), {tcp_listener("mqtt-tcp")}, {{ListenerProtocol::kMqtt, echo_factory(seen)}});
  REQUIRE_FALSE(net.start());
  uint16_t port = port_of(net.status()[0].addresses[0]);
  REQUIRE(port != 0);

  constexpr int kClients = 50;
  std::vector<int> fds;
  for (int i = 0; i < kClients; ++i) fds.push_back(tcp_connect(port));
  for (int i = 0; i < kClients; ++i) send_all(fds[i], "hello " + std::to_string(i));
  for (int i = 0; i < kClients; ++i) CHECK(recv_n(fds[i], 6 + std::to_string(i).size()) == "hello " + std::to_string(i));
  REQUIRE(seen.wait([&] { return seen.opened == kClients; }));
  std::set<uint32_t> loops;
  for (auto& info : seen.infos) {
    loops.insert(info.loop);
    CHECK(info.listener == "mqtt-tcp");
    CHECK(info.transport == TransportKind::kTcp);
    CHECK(info.peer_ip == "127.0.0.1");
  }
  CHECK(loops.size() == 2);
  CHECK(th.metric("herald_gateway_connections", {{"listener", "mqtt-tcp"}, {"transport", "tcp"}}) == kClients);
  CHECK(th.metric("herald_gateway_accepted_total", {{"listener", "mqtt-tcp"}}) == kClients);

  for (int fd : fds) ::close(fd);
  REQUIRE(seen.wait([&] { return seen.closes.size() == kClients; }));
  CHECK(seen.count_closes(CloseCause::kPeerClosed) == kClients);
  CHECK(th.metric("herald_gateway_closed_total", {{"listener", "mqtt-tcp"}, {"cause", "peer_closed"}}) == kClients);
  net.stop();
  CHECK(th.metric("herald_gateway_connections", {{"listener", "mqtt-tcp"}, {"transport", "tcp"}}) == 0);
}

TEST_CASE("tcp large payload round trip and a slow reader closed as too slow", "[tcp]") {
  TestHost th(2);
  Observed seen;
  auto cfg = tcp_listener("big");
  cfg.max_write_queue = 1 << 20;
  NetServer net(th.host(), {cfg}, {{ListenerProtocol::kMqtt, echo_factory(seen)}});
  REQUIRE_FALSE(net.start());
  uint16_t port = port_of(net.status()[0].addresses[0]);

  // A client that asks for a flood and never reads: the queue passes 1 MiB after the kernel's
  // buffers fill, and the connection is closed as too slow.
  int slow = tcp_connect(port);
  int rcv = 4096;
  setsockopt(slow, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
  send_all(slow, "FLOOD:256");  // 16 MiB
  REQUIRE(seen.wait([&] { return seen.count_closes(CloseCause::kTooSlow) == 1; }));
  CHECK(th.metric("herald_gateway_closed_total", {{"listener", "big"}, {"cause", "too_slow"}}) == 1);

  // Meanwhile a reading client moves 3 MiB both ways unharmed (sent in pieces the echo returns).
  int fast = tcp_connect(port);
  std::string payload(3 << 20, '\0');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 131 + 7);
  std::string got;
  for (size_t off = 0; off < payload.size(); off += 256 * 1024) {
    auto piece = payload.substr(off, 256 * 1024);
    send_all(fast, piece);
    got += recv_n(fast, piece.size());
  }
  CHECK(got.size() == payload.size());
  CHECK(got == payload);
  ::close(slow);
  ::close(fast);
  net.stop();
}

TEST_CASE("tcp connection_rate_per_ip closes an address's sockets beyond its burst, other addresses pass", "[tcp]") {
  TestHost th(2);
  Observed seen;
  auto cfg = tcp_listener("rated");
  cfg.bind = {"0.0.0.0:0"};                 // reachable from 127.0.0.1 and 127.0.0.2
  cfg.connection_rate_per_ip = 5.0 / 3600;  // 5 per hour: no refill within the test
  cfg.connection_burst_per_ip = 5;
  NetServer net(th.host(), {cfg}, {{ListenerProtocol::kMqtt, echo_factory(seen)}});
  REQUIRE_FALSE(net.start());
  uint16_t port = port_of(net.status()[0].addresses[0]);
  std::vector<int> fds;
  for (int i = 0; i < 8; ++i) fds.push_back(tcp_connect(port));
  // Accepted in connect order: the three beyond the burst are closed at accept (counted before the close).
  for (int i = 5; i < 8; ++i) CHECK(wait_closed(fds[i]));
  CHECK(th.metric("herald_gateway_refused_total", {{"listener", "rated"}, {"reason", "connection_rate"}}) == 3);
  CHECK(seen.wait([&] { return seen.opened == 5; }));
  // Another address has its own bucket.
  int other = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  from.sin_addr.s_addr = htonl(0x7F000002);  // 127.0.0.2
  REQUIRE(bind(other, reinterpret_cast<sockaddr*>(&from), sizeof(from)) == 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(other, reinterpret_cast<sockaddr*>(&to), sizeof(to)) == 0);
  send_all(other, "y");
  CHECK(recv_n(other, 1) == "y");
  CHECK(seen.wait([&] { return seen.opened == 6; }));
  for (int fd : fds) ::close(fd);
  ::close(other);
  net.stop();
}

TEST_CASE("tcp connection_rate bounds the whole listener", "[tcp]") {
  TestHost th(1);
  Observed seen;
  auto cfg = tcp_listener("storm");
  cfg.connection_rate = 3.0 / 3600;
  cfg.connection_burst = 3;
  NetServer net(th.host(), {cfg}, {{ListenerProtocol::kMqtt, echo_factory(seen)}});
  REQUIRE_FALSE(net.start());
  uint16_t port = port_of(net.status()[0].addresses[0]);
  std::vector<int> fds;
  for (int i = 0; i < 5; ++i) fds.push_back(tcp_connect(port));
  for (int i = 3; i < 5; ++i) CHECK(wait_closed(fds[i]));
  CHECK(th.metric("herald_gateway_refused_total", {{"listener", "storm"}, {"reason", "connection_rate"}}) == 2);
  CHECK(seen.wait([&] { return seen.opened == 3; }));
  for (int fd : fds) ::close(fd);
  net.stop();
}

TEST_CASE("tcp max_connections refuses beyond the bound", "[tcp]") {
  TestHost th(2);
  Observed seen;
  auto cfg = tcp_listener("small");
  cfg.max_connections = 3;
  NetServer net(th.host(), {cfg}, {{ListenerProtocol::kMqtt, echo_factory(seen)}});
  REQUIRE_FALSE(net.start());
  uint16_t port = port_of(net.status()[0].addresses[0]);
  std::vector<int> ok;
  for (int i = 0; i < 3; ++i) {
    ok.push_back(tcp_connect(port));
    send_all(ok.back(), "x");
    REQUIRE(recv_n(ok.back(), 1) == "x");  // accepted and served before the next connects
  }
  int refused = tcp_connect(port);
  CHECK(wait_closed(refused));
  CHECK(th.metric("herald_gateway_refused_total", {{"listener", "small"}, {"reason", "max_connections"}}) == 1);
  // A slot frees when one leaves.
  ::close(ok[0]);
  REQUIRE(seen.wait([&] { return seen.closes.size() == 1; }));
  int again = tcp_connect(port);
  send_all(again, "y");
  CHECK(recv_n(again, 1) == "y");
  for (int fd : {ok[1], ok[2], refused, again}) ::close(fd);
  net.stop();
}

TEST_CASE("handler close flushes queued bytes first, stop closes with kShutdown", "[tcp]") {
  TestHost th(2);
  Observed seen;
  NetServer net(th.host(), {tcp_listener("c")}, {{ListenerProtocol::kMqtt, echo_factory(seen)}});
  REQUIRE_FALSE(net.start());
  uint16_t port = port_of(net.status()[0].addresses[0]);
  int a = tcp_connect(port);
  send_all(a, "CLOSE");
  CHECK(recv_n(a, 3) == "BYE");
  CHECK(wait_closed(a));
  REQUIRE(seen.wait([&] { return seen.count_closes(CloseCause::kProtocolClosed) == 1; }));

  std::vector<int> open;
  for (int i = 0; i < 4; ++i) {
    open.push_back(tcp_connect(port));
    send_all(open.back(), "p");
    REQUIRE(recv_n(open.back(), 1) == "p");
  }
  auto report = net.drain();
  CHECK(report.connections == 4);
  CHECK_FALSE(report.listeners[0].accepting);
  net.stop();
  CHECK(seen.count_closes(CloseCause::kShutdown) == 4);
  for (int fd : open) {
    CHECK(wait_closed(fd));
    ::close(fd);
  }
  ::close(a);
}

TEST_CASE("sends within one loop iteration are coalesced into one write", "[tcp]") {
  TestHost th(1);
  Observed seen;
  // A handler that answers one request with 100 small sends.
  struct Burst : ProtocolHandler {
    Transport& t;
    explicit Burst(Transport& tr) : t(tr) {}
    void on_data(std::span<const uint8_t>) override {
      for (int i = 0; i < 100; ++i) t.send("0123456789");
      queued = t.queued_bytes();
    }
    void on_close(CloseCause) override {}
    size_t queued = 0;
  };
  std::atomic<size_t> queued_after_sends{0};
  HandlerFactory f = [&](Transport& t) {
    struct Probe : Burst {
      std::atomic<size_t>& out;
      Probe(Transport& tr, std::atomic<size_t>& o) : Burst(tr), out(o) {}
      void on_data(std::span<const uint8_t> b) override {
        Burst::on_data(b);
        out = queued;
      }
    };
    return std::make_unique<Probe>(t, queued_after_sends);
  };
  NetServer net(th.host(), {tcp_listener("burst")}, {{ListenerProtocol::kMqtt, f}});
  REQUIRE_FALSE(net.start());
  int fd = tcp_connect(port_of(net.status()[0].addresses[0]));
  send_all(fd, "go");
  CHECK(recv_n(fd, 1000).size() == 1000);
  // Nothing was written during the handler's call: all 100 sends were still queued when it returned.
  CHECK(queued_after_sends == 1000);
  ::close(fd);
  net.stop();
}

TEST_CASE("start fails cleanly on a bad address and on a port in use", "[tcp]") {
  TestHost th(1);
  Observed seen;
  auto bad = tcp_listener("bad");
  bad.bind = {"127.0.0.1:notaport"};
  NetServer n1(th.host(), {bad}, {{ListenerProtocol::kMqtt, echo_factory(seen)}});
  auto err = n1.start();
  REQUIRE(err);
  CHECK(err->find("bad") != std::string::npos);

  NetServer n2(th.host(), {tcp_listener("first")}, {{ListenerProtocol::kMqtt, echo_factory(seen)}});
  REQUIRE_FALSE(n2.start());
  auto taken = tcp_listener("second");
  taken.bind = {"127.0.0.1:0", n2.status()[0].addresses[0]};
  NetServer n3(th.host(), {taken}, {{ListenerProtocol::kMqtt, echo_factory(seen)}});
  err = n3.start();
  REQUIRE(err);
  CHECK(err->find("second") != std::string::npos);
  n2.stop();

  auto v6 = tcp_listener("v6");
  v6.bind = {"[::1]:0"};
  NetServer n4(th.host(), {v6}, {{ListenerProtocol::kMqtt, echo_factory(seen)}});
  if (!n4.start()) CHECK(n4.status()[0].addresses[0].rfind("[::1]:", 0) == 0);  // hosts without IPv6 skip
}
