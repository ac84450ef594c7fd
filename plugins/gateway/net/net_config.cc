// Reads listener settings from YAML with defaults, collecting every error instead of stopping at the
// first, so `herald check-config` can print them all.
#include "net/net_config.h"

#include <set>

#include "herald/config_values.hpp"

namespace herald::gateway {
namespace {

template <class T>
void read_scalar(const YAML::Node& node, const char* key, const std::string& where, std::vector<std::string>& errors,
                 T& out) {
  auto n = node[key];
  if (!n.IsDefined() || n.IsNull()) return;
  try {
    out = n.as<T>();
  } catch (const YAML::Exception&) {
    errors.push_back(where + key + ": expected a " + (std::is_same_v<T, bool> ? "boolean" : std::is_integral_v<T> ? "number" : "string"));
  }
}

template <class T>
void read_duration(const YAML::Node& node, const char* key, const std::string& where, std::vector<std::string>& errors,
                   T& out) {
  auto n = node[key];
  if (!n.IsDefined() || n.IsNull()) return;
  auto v = n.IsScalar() ? config_values::parse_duration_ms(n.Scalar()) : std::nullopt;
  if (!v || *v > UINT32_MAX) {
    errors.push_back(where + key + ": expected a duration like \"10s\"");
    return;
  }
  out = static_cast<T>(*v);
}

template <class T>
void read_size(const YAML::Node& node, const char* key, const std::string& where, std::vector<std::string>& errors,
               T& out) {
  auto n = node[key];
  if (!n.IsDefined() || n.IsNull()) return;
  auto v = n.IsScalar() ? config_values::parse_size_bytes(n.Scalar()) : std::nullopt;
  if (!v || *v > std::numeric_limits<T>::max()) {
    errors.push_back(where + key + ": expected a size like \"1MiB\"");
    return;
  }
  out = static_cast<T>(*v);
}

void read_list(const YAML::Node& node, const char* key, const std::string& where, std::vector<std::string>& errors,
               std::vector<std::string>& out) {
  auto n = node[key];
  if (!n.IsDefined() || n.IsNull()) return;
  if (n.IsScalar()) {
    out = {n.Scalar()};
    return;
  }
  if (!n.IsSequence()) {
    errors.push_back(where + key + ": expected a list of strings");
    return;
  }
  out.clear();
  for (const auto& item : n) {
    if (!item.IsScalar()) {
      errors.push_back(where + key + ": expected a list of strings");
      return;
    }
    out.push_back(item.Scalar());
  }
}

void check_keys(const YAML::Node& node, const std::set<std::string>& known, const std::string& where,
                std::vector<std::string>& errors) {
  for (const auto& kv : node) {
    auto k = kv.first.as<std::string>();
    if (!known.count(k)) {
      std::string list;
      for (const auto& s : known) list += (list.empty() ? "" : ", ") + s;
      errors.push_back(where + k + ": unknown key (valid: " + list + ")");
    }
  }
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

ListenerConfig parse_listener_config(const YAML::Node& node, std::vector<std::string>& errors,
                                     std::string_view path) {
  ListenerConfig c;
  std::string w = std::string(path) + ".";
  if (!node.IsMap()) {
    errors.push_back(std::string(path) + ": expected a map");
    return c;
  }
  read_scalar(node, "name", w, errors, c.name);
  check_keys(node,
             {"name", "protocol", "transport", "bind", "tls", "max_connections", "max_packet_size", "max_write_queue",
              "handshake_timeout", "websocket", "tunnel", "allow_anonymous"},
             w, errors);
  if (c.name.empty()) errors.push_back(w + "name: missing required key");
  std::string protocol = "mqtt", transport = "tcp";
  read_scalar(node, "protocol", w, errors, protocol);
  if (protocol == "mqtt") c.protocol = ListenerProtocol::kMqtt;
  else if (protocol == "binary") c.protocol = ListenerProtocol::kBinary;
  else errors.push_back(w + "protocol: expected mqtt or binary, got \"" + protocol + "\"");
  read_scalar(node, "transport", w, errors, transport);
  if (transport == "tcp") c.transport = ListenerTransport::kTcp;
  else if (transport == "websocket") c.transport = ListenerTransport::kWebSocket;
  else if (transport == "http-tunnel") c.transport = ListenerTransport::kHttpTunnel;
  else errors.push_back(w + "transport: expected tcp, websocket or http-tunnel, got \"" + transport + "\"");
  read_list(node, "bind", w, errors, c.bind);
  read_scalar(node, "max_connections", w, errors, c.max_connections);
  read_size(node, "max_packet_size", w, errors, c.max_packet_size);
  read_size(node, "max_write_queue", w, errors, c.max_write_queue);
  read_duration(node, "handshake_timeout", w, errors, c.handshake_timeout_ms);
  read_scalar(node, "allow_anonymous", w, errors, c.allow_anonymous);
  if (auto tls = node["tls"]; tls.IsDefined() && !tls.IsNull()) {
    std::string tw = w + "tls.";
    if (!tls.IsMap()) {
      errors.push_back(w + "tls: expected a map");
    } else {
      check_keys(tls, {"cert", "key", "client_ca", "require_client_cert"}, tw, errors);
      read_scalar(tls, "cert", tw, errors, c.tls.cert);
      read_scalar(tls, "key", tw, errors, c.tls.key);
      read_scalar(tls, "client_ca", tw, errors, c.tls.client_ca);
      read_scalar(tls, "require_client_cert", tw, errors, c.tls.require_client_cert);
    }
  }
  if (auto ws = node["websocket"]; ws.IsDefined() && !ws.IsNull()) {
    std::string ww = w + "websocket.";
    if (!ws.IsMap()) {
      errors.push_back(w + "websocket: expected a map");
    } else {
      check_keys(ws, {"path", "subprotocols"}, ww, errors);
      read_scalar(ws, "path", ww, errors, c.websocket.path);
      read_list(ws, "subprotocols", ww, errors, c.websocket.subprotocols);
    }
  }
  if (auto t = node["tunnel"]; t.IsDefined() && !t.IsNull()) {
    std::string tw = w + "tunnel.";
    if (!t.IsMap()) {
      errors.push_back(w + "tunnel: expected a map");
    } else {
      check_keys(t, {"path", "poll_timeout", "max_poll_timeout", "idle_timeout", "max_buffered"}, tw, errors);
      read_scalar(t, "path", tw, errors, c.tunnel.path);
      read_duration(t, "poll_timeout", tw, errors, c.tunnel.poll_timeout_ms);
      read_duration(t, "max_poll_timeout", tw, errors, c.tunnel.max_poll_timeout_ms);
      read_duration(t, "idle_timeout", tw, errors, c.tunnel.idle_timeout_ms);
      read_size(t, "max_buffered", tw, errors, c.tunnel.max_buffered);
    }
  }
  return c;
}

void validate_listener_configs(const std::vector<ListenerConfig>& listeners, std::vector<std::string>& errors) {
  std::set<std::string> names;
  for (size_t i = 0; i < listeners.size(); ++i) {
    const auto& c = listeners[i];
    std::string w = "listeners[" + std::to_string(i) + "].";
    if (!names.insert(c.name).second) errors.push_back(w + "name: duplicate listener name");
    if (c.bind.empty()) errors.push_back(w + "bind: at least one address is required");
    if (c.tls.enabled() && c.tls.key.empty()) errors.push_back(w + "tls.key: required with tls.cert");
    if (!c.tls.enabled() && (!c.tls.key.empty() || !c.tls.client_ca.empty()))
      errors.push_back(w + "tls.cert: required with tls.key / tls.client_ca");
    if (c.tls.require_client_cert && c.tls.client_ca.empty())
      errors.push_back(w + "tls.require_client_cert: needs tls.client_ca");
    if (c.max_connections == 0) errors.push_back(w + "max_connections: must be at least 1");
    if (c.max_packet_size < 16) errors.push_back(w + "max_packet_size: must be at least 16 bytes");
    if (c.max_write_queue < 1024) errors.push_back(w + "max_write_queue: must be at least 1KiB");
    if (c.transport != ListenerTransport::kTcp && c.ws_path().empty() == false && c.ws_path()[0] != '/')
      errors.push_back(w + "websocket.path: must start with /");
    if (c.transport == ListenerTransport::kHttpTunnel) {
      if (c.tunnel.path.empty() || c.tunnel.path[0] != '/') errors.push_back(w + "tunnel.path: must start with /");
      if (c.tunnel.poll_timeout_ms == 0 || c.tunnel.poll_timeout_ms > c.tunnel.max_poll_timeout_ms)
        errors.push_back(w + "tunnel.poll_timeout: must be > 0 and <= max_poll_timeout");
      if (c.tunnel.idle_timeout_ms <= c.tunnel.max_poll_timeout_ms)
        errors.push_back(w + "tunnel.idle_timeout: must exceed max_poll_timeout");
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
