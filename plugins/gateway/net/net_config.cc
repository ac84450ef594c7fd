// Reads listener settings from YAML with defaults, collecting every error instead of stopping at the
// first, so `herald check-config` can print them all.
#include "net/net_config.h"

#include <set>

#include <chrono>

#include "herald/config_section.hpp"

namespace herald::gateway {
namespace {

// A string or a list of strings (a single address may be written without brackets).
void read_list(const sdk::ConfigSection& r, std::string_view key, std::vector<std::string>& out) {
  YAML::Node n = r.node()[std::string(key)];
  if (!n.IsDefined() || n.IsNull()) return;
  if (n.IsScalar()) {
    out = {n.Scalar()};
    return;
  }
  std::vector<std::string> items;
  bool ok = n.IsSequence();
  for (size_t i = 0; ok && i < n.size(); ++i) {
    ok = n[i].IsScalar();
    if (ok) items.push_back(n[i].Scalar());
  }
  if (!ok) return r.error(key, "expected a list of strings");
  out = std::move(items);
}

// Durations the net layer keeps as 32-bit milliseconds.
void read_milliseconds(const sdk::ConfigSection& r, std::string_view key, uint32_t& out) {
  std::chrono::milliseconds d{out};
  if (!r.duration(key, d)) return;
  if (d.count() > 0xFFFFFFFFll) return r.error(key, "must be at most 49 days");
  out = static_cast<uint32_t>(d.count());
}

}  // namespace

std::string ListenerConfig::ws_path() const {
  if (!websocket.path.empty()) return websocket.path;
  return protocol == ListenerProtocol::kMqtt ? "/mqtt" : "/herald/v1/ws";
}

std::vector<std::string> ListenerConfig::ws_subprotocols() const {
  if (!websocket.subprotocols.empty()) return websocket.subprotocols;
  return {protocol == ListenerProtocol::kMqtt ? "mqtt" : "herald.v1"};
}

ListenerConfig parse_listener_config(const YAML::Node& node, std::string_view path,
                                     const sdk::ConfigSection::Report& report) {
  ListenerConfig c;
  sdk::ConfigSection r(node, std::string(path), report);
  if (!r.present()) {
    if (!node.IsDefined() || node.IsNull()) report(std::string(path), "expected a map");
    return c;
  }
  r.allow_keys({"name", "protocol", "transport", "bind", "tls", "max_connections", "max_packet_size",
                "max_write_queue", "handshake_timeout", "websocket", "tunnel", "allow_anonymous", "connection_rate",
                "connection_burst", "connection_rate_per_ip", "connection_burst_per_ip"});
  r.string("name", c.name);
  if (c.name.empty()) r.error("name", "missing required key");
  r.choice("protocol", c.protocol, {{"mqtt", ListenerProtocol::kMqtt}, {"binary", ListenerProtocol::kBinary}});
  r.choice("transport", c.transport,
           {{"tcp", ListenerTransport::kTcp},
            {"websocket", ListenerTransport::kWebSocket},
            {"http-tunnel", ListenerTransport::kHttpTunnel}});
  read_list(r, "bind", c.bind);
  r.integer("max_connections", c.max_connections, 0, 0xFFFFFFFFu);
  r.size("max_packet_size", c.max_packet_size, 0, 0xFFFFFFFFu);
  r.size("max_write_queue", c.max_write_queue, 0, UINT64_MAX);
  read_milliseconds(r, "handshake_timeout", c.handshake_timeout_ms);
  r.boolean("allow_anonymous", c.allow_anonymous);
  r.rate("connection_rate", c.connection_rate);
  r.integer("connection_burst", c.connection_burst, 1, 1000000);
  r.rate("connection_rate_per_ip", c.connection_rate_per_ip);
  r.integer("connection_burst_per_ip", c.connection_burst_per_ip, 1, 1000000);
  if (auto tls = r.child("tls"); tls.present()) {
    tls.allow_keys({"cert", "key", "client_ca", "require_client_cert"});
    tls.string("cert", c.tls.cert);
    tls.string("key", c.tls.key);
    tls.string("client_ca", c.tls.client_ca);
    tls.boolean("require_client_cert", c.tls.require_client_cert);
  }
  if (auto ws = r.child("websocket"); ws.present()) {
    ws.allow_keys({"path", "subprotocols"});
    ws.string("path", c.websocket.path);
    read_list(ws, "subprotocols", c.websocket.subprotocols);
  }
  if (auto t = r.child("tunnel"); t.present()) {
    t.allow_keys({"path", "poll_timeout", "max_poll_timeout", "idle_timeout", "max_buffered"});
    t.string("path", c.tunnel.path);
    read_milliseconds(t, "poll_timeout", c.tunnel.poll_timeout_ms);
    read_milliseconds(t, "max_poll_timeout", c.tunnel.max_poll_timeout_ms);
    read_milliseconds(t, "idle_timeout", c.tunnel.idle_timeout_ms);
    t.size("max_buffered", c.tunnel.max_buffered, 0, UINT64_MAX);
  }
  return c;
}

void validate_listener_configs(const std::vector<ListenerConfig>& listeners,
                               const sdk::ConfigSection::Report& report) {
  std::set<std::string> names;
  for (size_t i = 0; i < listeners.size(); ++i) {
    const auto& c = listeners[i];
    const std::string w = "listeners[" + std::to_string(i) + "].";
    auto error = [&](const char* key, const char* message) { report(w + key, message); };
    if (!names.insert(c.name).second) error("name", "duplicate listener name");
    if (c.bind.empty()) error("bind", "at least one address is required");
    if (c.tls.enabled() && c.tls.key.empty()) error("tls.key", "required with tls.cert");
    if (!c.tls.enabled() && (!c.tls.key.empty() || !c.tls.client_ca.empty()))
      error("tls.cert", "required with tls.key / tls.client_ca");
    if (c.tls.require_client_cert && c.tls.client_ca.empty())
      error("tls.require_client_cert", "needs tls.client_ca");
    if (c.max_connections == 0) error("max_connections", "must be at least 1");
    if (c.max_packet_size < 16) error("max_packet_size", "must be at least 16 bytes");
    if (c.max_write_queue < 1024) error("max_write_queue", "must be at least 1KiB");
    if (c.transport != ListenerTransport::kTcp && c.ws_path().empty() == false && c.ws_path()[0] != '/')
      error("websocket.path", "must start with /");
    if (c.transport == ListenerTransport::kHttpTunnel) {
      if (c.tunnel.path.empty() || c.tunnel.path[0] != '/') error("tunnel.path", "must start with /");
      if (c.tunnel.poll_timeout_ms == 0 || c.tunnel.poll_timeout_ms > c.tunnel.max_poll_timeout_ms)
        error("tunnel.poll_timeout", "must be > 0 and <= max_poll_timeout");
      if (c.tunnel.idle_timeout_ms <= c.tunnel.max_poll_timeout_ms)
        error("tunnel.idle_timeout", "must exceed max_poll_timeout");
    }
  }
}

std::string_view to_string(ListenerProtocol protocol) {
  return protocol == ListenerProtocol::kMqtt ? "mqtt" : "binary";
}

std::string_view to_string(ListenerTransport transport) {
  switch (transport) {
    case ListenerTransport::kTcp: return "tcp";
    case ListenerTransport::kWebSocket: return "websocket";
    case ListenerTransport::kHttpTunnel: return "http-tunnel";
  }
  return "tcp";
}

std::string_view to_string(TransportKind kind) {
  switch (kind) {
    case TransportKind::kTcp: return "tcp";
    case TransportKind::kTls: return "tls";
    case TransportKind::kWebSocket: return "websocket";
    case TransportKind::kWebSocketTls: return "websocket-tls";
    case TransportKind::kHttpTunnel: return "http-tunnel";
  }
  return "tcp";
}

std::string_view to_string(CloseCause cause) {
  switch (cause) {
    case CloseCause::kPeerClosed: return "peer_closed";
    case CloseCause::kNetworkError: return "network_error";
    case CloseCause::kProtocolClosed: return "protocol_closed";
    case CloseCause::kTooSlow: return "too_slow";
    case CloseCause::kShutdown: return "shutdown";
  }
  return "unknown";
}

}  // namespace herald::gateway
