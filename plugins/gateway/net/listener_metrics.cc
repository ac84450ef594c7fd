// Registers a listener's metric series (docs in README.md) once, at start, on the control thread.
#include "net/listener_runtime.h"

namespace herald::gateway {

ListenerMetrics ListenerMetrics::create(const sdk::Host& host, const ListenerConfig& config) {
  const std::string& l = config.name;
  ListenerMetrics m;
  m.accepted = host.counter("herald_gateway_accepted_total", "Client sockets accepted", {{"listener", l}});
  m.refused_max_connections = host.counter("herald_gateway_refused_total", "Client sockets or requests refused",
                                           {{"listener", l}, {"reason", "max_connections"}});
  m.refused_connection_rate = host.counter("herald_gateway_refused_total", "Client sockets or requests refused",
                                           {{"listener", l}, {"reason", "connection_rate"}});
  m.refused_handshake = host.counter("herald_gateway_refused_total", "Client sockets or requests refused",
                                     {{"listener", l}, {"reason", "handshake"}});
  m.bytes_received = host.counter("herald_gateway_bytes_received_total", "Bytes read from clients (after TLS)",
                                  {{"listener", l}});
  m.bytes_sent = host.counter("herald_gateway_bytes_sent_total", "Bytes written to clients (before TLS)",
                              {{"listener", l}});
  m.tls_handshake_failures = host.counter("herald_gateway_tls_handshake_failures_total",
                                          "TLS handshakes that failed or timed out", {{"listener", l}});
  for (TransportKind k : {TransportKind::kTcp, TransportKind::kTls, TransportKind::kWebSocket,
                          TransportKind::kWebSocketTls, TransportKind::kHttpTunnel}) {
    bool possible = false;
    switch (config.transport) {
      case ListenerTransport::kTcp: possible = k == (config.tls.enabled() ? TransportKind::kTls : TransportKind::kTcp); break;
      case ListenerTransport::kWebSocket:
        possible = k == (config.tls.enabled() ? TransportKind::kWebSocketTls : TransportKind::kWebSocket);
        break;
      case ListenerTransport::kHttpTunnel:
        possible = k == TransportKind::kHttpTunnel ||
                   k == (config.tls.enabled() ? TransportKind::kWebSocketTls : TransportKind::kWebSocket);
        break;
    }
    // Only series this listener can move are exported, so dashboards do not show permanent zeros.
    if (possible)
      m.connections[static_cast<size_t>(k)] =
          host.gauge("herald_gateway_connections", "Open client connections",
                     {{"listener", l}, {"transport", std::string(to_string(k))}});
  }
  for (CloseCause c : {CloseCause::kPeerClosed, CloseCause::kNetworkError, CloseCause::kProtocolClosed,
                       CloseCause::kTooSlow, CloseCause::kShutdown})
    m.closed[static_cast<size_t>(c)] = host.counter("herald_gateway_closed_total", "Client connections closed",
                                                    {{"listener", l}, {"cause", std::string(to_string(c))}});
  return m;
}

}  // namespace herald::gateway
