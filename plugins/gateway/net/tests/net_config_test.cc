// Listener config parsing: defaults, every key, errors collected with their paths.
#include <catch2/catch.hpp>

#include <algorithm>

#include "net/net_config.h"

using namespace herald::gateway;

namespace {
// Collects reports as "<path>: <message>" lines.
herald::sdk::ConfigSection::Report into(std::vector<std::string>& lines) {
  return [&lines](std::string path, std::string message) { lines.push_back(path + ": " + message); };
}
}  // namespace

TEST_CASE("listener config defaults and keys", "[config]") {
  std::vector<std::string> errors;
  auto c = parse_listener_config(YAML::Load(R"(
name: mqtt-ws
protocol: mqtt
transport: websocket
bind: ["0.0.0.0:8083", "[::]:8083"]
max_connections: 5000
max_packet_size: 256KiB
handshake_timeout: 5s
websocket: {path: /ws, subprotocols: [mqtt, mqttv3.1]}
tls: {cert: a.pem, key: a.key, client_ca: ca.pem, require_client_cert: true}
allow_anonymous: true
)"),
                                 "listener", into(errors));
  REQUIRE(errors.empty());
  CHECK(c.transport == ListenerTransport::kWebSocket);
  CHECK(c.bind.size() == 2);
  CHECK(c.max_connections == 5000);
  CHECK(c.max_packet_size == 256 * 1024);
  CHECK(c.handshake_timeout_ms == 5000);
  CHECK(c.ws_path() == "/ws");
  CHECK(c.ws_subprotocols() == std::vector<std::string>{"mqtt", "mqttv3.1"});
  CHECK(c.tls.require_client_cert);
  CHECK(c.allow_anonymous);
  validate_listener_configs({c}, into(errors));
  CHECK(errors.empty());

  auto d = parse_listener_config(YAML::Load("{name: t, protocol: binary, transport: http-tunnel, bind: \"127.0.0.1:14000\"}"), "listener",
                                 into(errors));
  REQUIRE(errors.empty());
  CHECK(d.ws_path() == "/herald/v1/ws");
  CHECK(d.ws_subprotocols() == std::vector<std::string>{"herald.v1"});
  CHECK(d.tunnel.path == "/herald/v1/tunnel");
  CHECK(d.tunnel.poll_timeout_ms == 25000);
  CHECK(d.tunnel.max_buffered == 4u << 20);
}

TEST_CASE("listener config errors are collected", "[config]") {
  std::vector<std::string> errors;
  auto c = parse_listener_config(YAML::Load(R"(
name: x
protocol: xmpp
transport: carrier-pigeon
max_packet_size: lots
tunnel: {idle_timeout: soon, bogus: 1}
colour: blue
)"),
                                 "listeners[3]", into(errors));
  CHECK(errors.size() == 6);
  auto has = [](const std::vector<std::string>& v, const std::string& text) {
    return std::find(v.begin(), v.end(), text) != v.end();
  };
  CHECK(has(errors, "listeners[3].protocol: expected mqtt or binary, got \"xmpp\""));
  std::vector<std::string> more;
  ListenerConfig a = c, b = c;
  a.bind = {};
  b.tls.require_client_cert = true;
  validate_listener_configs({a, b}, into(more));
  CHECK(more.size() >= 3);  // duplicate name, empty bind, client cert without CA
  CHECK(has(more, "listeners[0].bind: at least one address is required"));
  CHECK(has(more, "listeners[1].name: duplicate listener name"));
}
