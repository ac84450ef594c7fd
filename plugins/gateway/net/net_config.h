// Listener settings the gateway wiring fills from YAML (plugins/gateway/net/README.md lists every key
// with its default), and the parser that does so with every error collected.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "herald/config_section.hpp"

#include "net/transport.h"

namespace herald::gateway {

enum class ListenerTransport { kTcp, kWebSocket, kHttpTunnel };

struct TlsConfig {
  std::string cert;       // PEM certificate chain; empty: no TLS on this listener
  std::string key;        // PEM private key
  std::string client_ca;  // PEM CA bundle to verify client certificates; empty: none asked
  bool require_client_cert = false;
  bool enabled() const { return !cert.empty(); }
};

struct WebSocketConfig {
  std::string path;                       // empty: "/mqtt" for mqtt, "/herald/v1/ws" for binary
  std::vector<std::string> subprotocols;  // empty: ["mqtt"] for mqtt, ["herald.v1"] for binary
};

struct TunnelConfig {
  std::string path = "/herald/v1/tunnel";  // docs/protocol.md 13.3
  uint32_t poll_timeout_ms = 25000;        // default long-poll wait when the GET has no `wait`
  uint32_t max_poll_timeout_ms = 55000;    // cap on `wait` (below common proxy timeouts)
  uint32_t idle_timeout_ms = 90000;        // no pending GET and no POST for this long: session closed
  uint64_t max_buffered = 4 << 20;         // unacknowledged downstream bytes kept for resends
};

struct ListenerConfig {
  std::string name;  // unique; the `listener` label of every metric
  ListenerProtocol protocol = ListenerProtocol::kMqtt;
  ListenerTransport transport = ListenerTransport::kTcp;
  std::vector<std::string> bind;  // "0.0.0.0:1883", "[::1]:1883"; port 0 picks one
  TlsConfig tls;
  uint32_t max_connections = 100000;     // sockets per listener; beyond: closed at once, counted
  uint32_t max_packet_size = 1 << 20;    // frame / WebSocket message / tunnel body bound
  uint64_t max_write_queue = 4 << 20;    // queued outbound bytes beyond this after a flush: kTooSlow
  uint32_t handshake_timeout_ms = 10000; // TLS handshake, WebSocket upgrade, first HTTP request
  WebSocketConfig websocket;
  TunnelConfig tunnel;
  bool allow_anonymous = false;  // passed to the handler in ConnectionInfo
  // New sockets per second (token buckets; 0: unlimited), for the whole listener and per client IP.
  // Beyond them a socket is closed at accept, before any TLS or protocol work (reconnect storms, floods).
  double connection_rate = 0;
  uint32_t connection_burst = 0;  // 0: max(1, rate per second)
  double connection_rate_per_ip = 0;
  uint32_t connection_burst_per_ip = 0;

  // The effective WebSocket path and subprotocols (protocol-specific defaults applied).
  std::string ws_path() const;
  std::vector<std::string> ws_subprotocols() const;
};

// Parses one listener node (a YAML map; see README.md for the keys). Reports each problem with its
// path (e.g. "listeners[2].bind") and returns what it could read.
// Errors read "<path>.<key>: <message>"; `path` is the listener's YAML path, e.g. "listeners[2]".
ListenerConfig parse_listener_config(const YAML::Node& node, std::string_view path,
                                     const sdk::ConfigSection::Report& report);
// Checks a parsed set: unique names, non-empty binds, TLS pairs, sane limits. Errors read
// "listeners[<index>].<key>: <message>".
void validate_listener_configs(const std::vector<ListenerConfig>& listeners,
                               const sdk::ConfigSection::Report& report);

std::string_view to_string(ListenerProtocol protocol);
std::string_view to_string(ListenerTransport transport);
std::string_view to_string(TransportKind kind);
std::string_view to_string(CloseCause cause);

}  // namespace herald::gateway
