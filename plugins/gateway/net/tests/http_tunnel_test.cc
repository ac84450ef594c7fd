// HTTP tunnel (docs/protocol.md 13.3): open, upload with idempotent seq, long-poll answered when data
// arrives, a poll lost mid-way resent exactly once after resuming with the last id, DELETE, idle
// expiry, bad bodies, and a WebSocket upgrade on the same listener.
#include "herald/http/head.h"
#include "herald/websocket/frame.h"
#include "net_test_support.h"

using namespace herald::gateway;
using namespace herald::gateway::test;

namespace {

struct Response {
  int status = 0;
  herald::http::ResponseHead head;
  std::string body;
};

std::string request_text(const std::string& method, const std::string& target, const std::string& body) {
  return method + " " + target + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

Response read_response(int fd, std::chrono::milliseconds timeout = 10s) {
  Response r;
  std::string buf;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto pr = herald::http::parse_response_head(buf, {}, r.head);
    if (pr.status == herald::http::ParseStatus::kComplete) {
      r.status = r.head.status;
      r.body = buf.substr(pr.consumed);
      size_t want = static_cast<size_t>(r.head.content_length);
      if (r.body.size() < want) r.body += recv_n(fd, want - r.body.size(), timeout);
      return r;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return r;
    std::string more = recv_n(fd, 1, left);
    if (more.empty()) return r;
    buf += more;
  }
}

Response call(int fd, const std::string& method, const std::string& target, const std::string& body = {}) {
  send_all(fd, request_text(method, target, body));
  return read_response(fd);
}

// A Herald binary frame: varint length, then type, flags, request id and body.
std::string frame(uint8_t type, uint8_t request_id, const std::string& body = {}) {
  std::string inner;
  inner.push_back(static_cast<char>(type));
  inner.push_back(0);
  inner.push_back(static_cast<char>(request_id));
  inner += body;
  std::string out;
  out.push_back(static_cast<char>(inner.size()));  // < 128 in these tests
  return out + inner;
}

ListenerConfig tunnel_listener(const std::string& name) {
  ListenerConfig c;
  c.name = name;
  c.protocol = ListenerProtocol::kBinary;
  c.transport = ListenerTransport::kHttpTunnel;
  c.bind = {"127.0.0.1:0"};
  c.max_packet_size = 64 * 1024;
  return c;
}

}  // namespace

TEST_CASE("tunnel: open, upload, long-poll, lost poll resent once, seq idempotency, close", "[tunnel]") {
  TestHost th(2);
  Observed seen;
  NetServer net(th.host(), {tunnel_listener("tunnel")}, {{ListenerProtocol::kBinary, echo_factory(seen)}});
  REQUIRE_FALSE(net.start());
  uint16_t port = port_of(net.status()[0].addresses[0]);
  const std::string base = "/herald/v1/tunnel";

  int a = tcp_connect(port);
  auto open = call(a, "POST", base, frame(0x01, 1, "connect"));
  REQUIRE(open.status == 200);
  CHECK(open.head.header("cache-control") == "no-store");
  std::string id(*open.head.header("herald-tunnel"));
  REQUIRE(id.size() <= 64);
  CHECK(id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos);
  REQUIRE(seen.wait([&] { return seen.messages.size() == 1; }));
  CHECK(seen.infos[0].transport == TransportKind::kHttpTunnel);
  CHECK(seen.infos[0].protocol == ListenerProtocol::kBinary);

  // The echo of the open body is frame 1.
  auto down = call(a, "GET", base + "/" + id + "/down?after=0&wait=5");
  REQUIRE(down.status == 200);
  CHECK(down.body == frame(0x01, 1, "connect"));
  CHECK(down.head.header("herald-first-frame") == "1");
  CHECK(down.head.header("herald-last-frame") == "1");
  CHECK(down.head.header("content-type") == "application/x-herald-frames");

  // A long-poll parks until data arrives; the upload comes on another connection (maybe another loop).
  int b = tcp_connect(port);
  send_all(a, request_text("GET", base + "/" + id + "/down?after=1&wait=20", ""));
  CHECK(recv_n(a, 1, 300ms).empty());  // still parked
  auto up = call(b, "POST", base + "/" + id + "/up?seq=1", frame(0x03, 2) + frame(0x03, 3));
  CHECK(up.status == 204);
  down = read_response(a);
  REQUIRE(down.status == 200);
  CHECK(down.body == frame(0x03, 2) + frame(0x03, 3));  // one echo send = two numbered frames
  CHECK(down.head.header("herald-first-frame") == "2");
  CHECK(down.head.header("herald-last-frame") == "3");

  // A retried POST (same seq) is acknowledged but not applied; a gap is 409.
  CHECK(call(b, "POST", base + "/" + id + "/up?seq=1", frame(0x03, 2) + frame(0x03, 3)).status == 204);
  CHECK(call(b, "POST", base + "/" + id + "/up?seq=3", frame(0x03, 9)).status == 409);
  REQUIRE(seen.wait([&] { return seen.messages.size() == 2; }));

  // A poll lost mid-way: the response carrying frame 4 is written to a client that drops the socket
  // unread. Resuming with the last id received (3) gets frame 4 again, and only once.
  int c = tcp_connect(port);
  send_all(c, request_text("GET", base + "/" + id + "/down?after=3&wait=20", ""));
  CHECK(recv_n(c, 1, 200ms).empty());
  CHECK(call(b, "POST", base + "/" + id + "/up?seq=2", frame(0x03, 4)).status == 204);
  ::close(c);  // the response (frame 4) is lost with it
  down = call(a, "GET", base + "/" + id + "/down?after=3&wait=5");
  REQUIRE(down.status == 200);
  CHECK(down.body == frame(0x03, 4));
  CHECK(down.head.header("herald-first-frame") == "4");
  down = call(a, "GET", base + "/" + id + "/down?after=4&wait=1");
  CHECK(down.status == 204);  // acknowledged: nothing is sent twice
  CHECK(call(a, "GET", base + "/" + id + "/down?after=9&wait=1").status == 400);

  // Bad bodies: not whole frames (400), a frame over max_packet_size... (its length prefix says so: 413).
  CHECK(call(b, "POST", base + "/" + id + "/up?seq=3", std::string("\x05\x03\x00", 3)).status == 400);
  CHECK(call(b, "POST", base + "/" + id + "/up", std::string("\xff\xff\x7f", 3)).status == 413);
  CHECK(call(b, "GET", base + "/nosuch-id/down").status == 404);
  CHECK(call(b, "GET", base + "/0-unknown/down").status == 404);
  CHECK(call(b, "PUT", base).status == 405);

  CHECK(call(b, "DELETE", base + "/" + id).status == 204);
  REQUIRE(seen.wait([&] { return seen.closes.size() == 1; }));
  CHECK(seen.closes[0] == CloseCause::kPeerClosed);
  CHECK(call(b, "GET", base + "/" + id + "/down?after=4&wait=1").status == 404);
  CHECK(th.metric("herald_gateway_closed_total", {{"listener", "tunnel"}, {"cause", "peer_closed"}}) == 1);
  ::close(a);
  ::close(b);
  net.stop();
}

TEST_CASE("tunnel: idle sessions expire, a handler close drains first", "[tunnel]") {
  TestHost th(2);
  Observed seen;
  auto cfg = tunnel_listener("idle");
  cfg.tunnel.poll_timeout_ms = 100;
  cfg.tunnel.max_poll_timeout_ms = 200;
  cfg.tunnel.idle_timeout_ms = 400;
  NetServer net(th.host(), {cfg}, {{ListenerProtocol::kBinary, echo_factory(seen)}});
  REQUIRE_FALSE(net.start());
  uint16_t port = port_of(net.status()[0].addresses[0]);
  const std::string base = "/herald/v1/tunnel";
  int a = tcp_connect(port);
  auto open = call(a, "POST", base);
  REQUIRE(open.status == 200);
  std::string id(*open.head.header("herald-tunnel"));
  // A poll with `wait` above the cap is cut to max_poll_timeout and answered 204.
  CHECK(call(a, "GET", base + "/" + id + "/down?after=0&wait=50").status == 204);
  REQUIRE(seen.wait([&] { return seen.closes.size() == 1; }, 5s));
  CHECK(seen.closes[0] == CloseCause::kNetworkError);
  ::close(a);

  // The handler closing with flush: the session lives until the client acknowledged the last frame.
  int b = tcp_connect(port);
  open = call(b, "POST", base, frame(0x05, 1, "CLOSE") );
  REQUIRE(open.status == 200);
  id = std::string(*open.head.header("herald-tunnel"));
  auto down = call(b, "GET", base + "/" + id + "/down?after=0&wait=1");
  REQUIRE(down.status == 200);
  CHECK(down.body == frame(0x05, 1, "CLOSE"));
  CHECK(seen.closes.size() == 1);  // still open: frame 1 is not acknowledged yet
  CHECK(call(b, "GET", base + "/" + id + "/down?after=1&wait=1").status == 410);
  REQUIRE(seen.wait([&] { return seen.closes.size() == 2; }));
  CHECK(seen.closes[1] == CloseCause::kProtocolClosed);
  CHECK(call(b, "GET", base + "/" + id + "/down?after=1&wait=1").status == 410);  // gone, not unknown
  net.stop();
  ::close(b);
}

TEST_CASE("tunnel listener also upgrades to WebSocket on the WebSocket path", "[tunnel][websocket]") {
  TestHost th(2);
  Observed seen;
  NetServer net(th.host(), {tunnel_listener("t14000")}, {{ListenerProtocol::kBinary, echo_factory(seen)}});
  REQUIRE_FALSE(net.start());
  int fd = tcp_connect(port_of(net.status()[0].addresses[0]));
  // A tunnel request first, then an upgrade on the same keep-alive connection.
  auto open = call(fd, "POST", "/herald/v1/tunnel");
  REQUIRE(open.status == 200);
  send_all(fd,
           "GET /herald/v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
           "Sec-WebSocket-Protocol: herald.v1\r\n\r\n" +
               herald::websocket::encode_frame(herald::websocket::Opcode::kBinary, frame(0x03, 7), true,
                                               herald::websocket::MaskKey{1, 2, 3, 4}));
  auto r = read_response(fd);
  REQUIRE(r.status == 101);
  herald::websocket::Decoder d({herald::websocket::Role::kClient, 1 << 20});
  d.feed(r.body);
  herald::websocket::Event e;
  while ((e = d.next()).kind == herald::websocket::Event::Kind::kNeedMore) {
    std::string more = recv_n(fd, 1, 5s);
    REQUIRE(!more.empty());
    d.feed(more);
  }
  CHECK(e.payload == frame(0x03, 7));
  REQUIRE(seen.wait([&] { return seen.opened == 2; }));
  CHECK(seen.infos[1].transport == TransportKind::kWebSocket);
  ::close(fd);
  net.stop();
  CHECK(seen.closes.size() == 2);
}
