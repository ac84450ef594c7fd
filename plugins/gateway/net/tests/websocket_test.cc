// WebSocket: the RFC 6455 handshake example, echo with a hand-written client (masking, fragments,
// ping, close handshake, violations and their close codes) and with an independent implementation
// (python3-websocket), over TCP and TLS.
#include <cstdio>

#include "herald/http/head.h"
#include "herald/websocket/frame.h"
#include "net/websocket_handshake.h"
#include "net_test_support.h"

using namespace herald::gateway;
using namespace herald::gateway::test;
namespace ws = herald::websocket;

namespace {

ListenerConfig ws_listener(const std::string& name) {
  auto c = tcp_listener(name);
  c.transport = ListenerTransport::kWebSocket;
  c.max_packet_size = 4096;
  return c;
}

std::string upgrade_request(const std::string& path, const std::string& proto) {
  return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
         "Sec-WebSocket-Protocol: " + proto + "\r\n\r\n";
}

// Reads one response head; returns it and leaves any following bytes in `rest`.
herald::http::ResponseHead read_head(int fd, std::string& rest) {
  std::string buf;
  herald::http::ResponseHead h;
  for (int i = 0; i < 1000; ++i) {
    auto r = herald::http::parse_response_head(buf, {}, h);
    if (r.status == herald::http::ParseStatus::kComplete) {
      rest = buf.substr(r.consumed);
      return h;
    }
    std::string more = recv_n(fd, 1, 5s);
    if (more.empty()) break;
    buf += more;
  }
  FAIL("no response head");
  return h;
}

ws::Event next_event(int fd, ws::Decoder& d) {
  for (;;) {
    ws::Event e = d.next();
    if (e.kind != ws::Event::Kind::kNeedMore) return e;
    std::string more = recv_n(fd, 1, 5s);
    if (more.empty()) return e;
    d.feed(more);
  }
}

const ws::MaskKey kKey{0x11, 0x22, 0x33, 0x44};

}  // namespace

TEST_CASE("Sec-WebSocket-Accept matches RFC 6455 1.3", "[websocket]") {
  CHECK(websocket_accept("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST_CASE("websocket echo, fragments, ping and close handshake", "[websocket]") {
  TestHost th(2);
  Observed seen;
  NetServer net(th.host(), {ws_listener("mqtt-ws")}, {{ListenerProtocol::kMqtt, echo_factory(seen)}});
  REQUIRE_FALSE(net.start());
  uint16_t port = port_of(net.status()[0].addresses[0]);
  int fd = tcp_connect(port);
  // The upgrade and the first frame in one write: the transport must keep the bytes after the head.
  send_all(fd, upgrade_request("/mqtt", "mqttv5, mqtt") + ws::encode_frame(ws::Opcode::kBinary, "first", true, kKey));
  std::string rest;
  auto head = read_head(fd, rest);
  REQUIRE(head.status == 101);
  CHECK(head.header("sec-websocket-accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  CHECK(head.header("sec-websocket-protocol") == "mqtt");
  ws::Decoder d({ws::Role::kClient, 1 << 20});
  d.feed(rest);
  auto e = next_event(fd, d);
  REQUIRE(e.kind == ws::Event::Kind::kMessage);
  CHECK(e.payload == "first");

  // A fragmented message with a ping in the middle: the pong comes first, then one whole message.
  send_all(fd, ws::encode_frame(ws::Opcode::kBinary, "ab", false, kKey) + ws::encode_frame(ws::Opcode::kPing, "p?", true, kKey) +
                   ws::encode_frame(ws::Opcode::kContinuation, "cd", true, kKey));
  e = next_event(fd, d);
  REQUIRE(e.kind == ws::Event::Kind::kPong);
  CHECK(e.payload == "p?");
  e = next_event(fd, d);
  REQUIRE(e.kind == ws::Event::Kind::kMessage);
  CHECK(e.payload == "abcd");
  REQUIRE(seen.wait([&] { return seen.messages.size() == 2; }));
  CHECK(seen.messages[1] == "abcd");  // the handler saw one whole message
  CHECK(seen.infos[0].transport == TransportKind::kWebSocket);

  send_all(fd, ws::encode_frame(ws::Opcode::kClose, ws::close_payload(1000, "bye"), true, kKey));
  e = next_event(fd, d);
  REQUIRE(e.kind == ws::Event::Kind::kClose);
  CHECK(e.close_code == 1000);
  CHECK(wait_closed(fd));
  REQUIRE(seen.wait([&] { return seen.closes.size() == 1; }));
  CHECK(seen.closes[0] == CloseCause::kPeerClosed);
  ::close(fd);
  net.stop();
}

TEST_CASE("websocket violations close with the RFC status codes", "[websocket]") {
  TestHost th(2);
  Observed seen;
  NetServer net(th.host(), {ws_listener("v")}, {{ListenerProtocol::kMqtt, echo_factory(seen)}});
  REQUIRE_FALSE(net.start());
  uint16_t port = port_of(net.status()[0].addresses[0]);
  struct Case {
    const char* name;
    std::string frame;
    uint16_t code;
  } cases[] = {
      {"unmasked", ws::encode_frame(ws::Opcode::kBinary, "x"), 1002},
      {"text", ws::encode_frame(ws::Opcode::kText, "hello", true, kKey), 1003},
      {"too big", ws::encode_frame(ws::Opcode::kBinary, std::string(5000, 'z'), true, kKey), 1009},
      {"reserved opcode", std::string("\x83\x80\x11\x22\x33\x44", 6), 1002},
  };
  for (auto& c : cases) {
    INFO(c.name);
    int fd = tcp_connect(port);
    send_all(fd, upgrade_request("/mqtt", "mqtt"));
    std::string rest;
    REQUIRE(read_head(fd, rest).status == 101);
    send_all(fd, c.frame);
    ws::Decoder d({ws::Role::kClient, 1 << 20});
    d.feed(rest);
    auto e = next_event(fd, d);
    REQUIRE(e.kind == ws::Event::Kind::kClose);
    CHECK(e.close_code == c.code);
    CHECK(wait_closed(fd));
    ::close(fd);
  }
  // Refused upgrades: wrong path, no acceptable subprotocol, wrong version.
  for (auto req : {upgrade_request("/other", "mqtt"), upgrade_request("/mqtt", "herald.v1"),
                   std::string("GET /mqtt HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n")}) {
    int fd = tcp_connect(port);
    send_all(fd, req);
    std::string rest;
    CHECK(read_head(fd, rest).status >= 400);
    CHECK(wait_closed(fd));
    ::close(fd);
  }
  CHECK(th.metric("herald_gateway_refused_total", {{"listener", "v"}, {"reason", "handshake"}}) == 3);
  net.stop();
}

namespace {
std::string run_python_client(const std::string& url, const std::string& proto, int count, int size) {
  std::string cmd = "/usr/bin/python3 " HERALD_NET_WS_CLIENT_PY " '" + url + "' " + proto + " " + std::to_string(count) +
                    " " + std::to_string(size) + " 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return "popen failed";
  char buf[512];
  while (fgets(buf, sizeof(buf), p)) out += buf;
  pclose(p);
  return out;
}
bool have_python_websocket() { return std::system("/usr/bin/python3 -c 'import websocket' >/dev/null 2>&1") == 0; }
}  // namespace

TEST_CASE("websocket interop with python3-websocket (independent client)", "[websocket][interop]") {
  if (!have_python_websocket()) {
    WARN("python3-websocket not installed (ops/deps.sh installs it); skipping");
    return;
  }
  TestHost th(2);
  Observed seen;
  auto cfg = ws_listener("binary-ws");
  cfg.protocol = ListenerProtocol::kBinary;
  cfg.max_packet_size = 1 << 20;
  NetServer net(th.host(), {cfg}, {{ListenerProtocol::kBinary, echo_factory(seen)}});
  REQUIRE_FALSE(net.start());
  std::string url = "ws://" + net.status()[0].addresses[0] + "/herald/v1/ws";
  std::string out = run_python_client(url, "herald.v1", 20, 70000);
  INFO(out);
  CHECK(out.rfind("OK", 0) == 0);
  REQUIRE(seen.wait([&] { return seen.closes.size() == 1; }));
  CHECK(seen.closes[0] == CloseCause::kPeerClosed);
  CHECK(seen.messages.size() == 20);
  net.stop();
}

TEST_CASE("websocket over tls", "[websocket][tls]") {
  TestPki pki;
  TestHost th(2);
  Observed seen;
  auto cfg = ws_listener("wss");
  cfg.tls.cert = pki.server_pem;
  cfg.tls.key = pki.server_key;
  NetServer net(th.host(), {cfg}, {{ListenerProtocol::kMqtt, echo_factory(seen)}});
  REQUIRE_FALSE(net.start());
  TlsClient c(port_of(net.status()[0].addresses[0]), pki.ca_pem);
  REQUIRE(c.connected());
  REQUIRE(c.write(upgrade_request("/mqtt", "mqtt") + ws::encode_frame(ws::Opcode::kBinary, "secure", true, kKey)));
  std::string got = c.read(1);
  herald::http::ResponseHead h;
  herald::http::ParseResult r;
  while ((r = herald::http::parse_response_head(got, {}, h)).status == herald::http::ParseStatus::kIncomplete) {
    std::string more = c.read(1);
    REQUIRE(!more.empty());
    got += more;
  }
  REQUIRE(h.status == 101);
  ws::Decoder d({ws::Role::kClient, 1 << 20});
  d.feed(got.substr(r.consumed));
  ws::Event e;
  while ((e = d.next()).kind == ws::Event::Kind::kNeedMore) d.feed(c.read(1));
  CHECK(e.payload == "secure");
  REQUIRE(seen.wait([&] { return seen.opened == 1; }));
  CHECK(seen.infos[0].transport == TransportKind::kWebSocketTls);
  net.stop();
}
