// What every connection of one listener shares across loops: its config, handler factory, TLS
// context, metric handles (registered once on the control thread) and live counters.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <string>

#include "herald/sdk.hpp"
#include "net/net_config.h"
#include "net/tls_context.h"
#include "net/transport.h"

namespace herald::gateway {

// A process-wide unique connection id (ConnectionInfo::id). Any thread.
uint64_t next_connection_id();

struct ListenerMetrics {
  sdk::Metric accepted;
  sdk::Metric refused_max_connections;
  sdk::Metric refused_connection_rate;  // connection_rate or connection_rate_per_ip
  sdk::Metric refused_handshake;  // WebSocket upgrade or HTTP request refused before a transport opened
  sdk::Metric bytes_received;
  sdk::Metric bytes_sent;
  sdk::Metric tls_handshake_failures;
  std::array<sdk::Metric, 5> connections;  // gauge, indexed by TransportKind
  std::array<sdk::Metric, 5> closed;       // counter, indexed by CloseCause

  // Control thread: registers every series of the listener once.
  static ListenerMetrics create(const sdk::Host& host, const ListenerConfig& config);
};

struct ListenerRuntime {
  ListenerConfig config;
  HandlerFactory factory;
  std::shared_ptr<TlsContext> tls;  // null: plain text
  ListenerMetrics metrics;
  std::atomic<uint32_t> sockets{0};     // open sockets, bounded by max_connections
  std::atomic<uint32_t> transports{0};  // handler-visible connections (incl. tunnel sessions)

  sdk::Metric& connections_gauge(TransportKind k) { return metrics.connections[static_cast<size_t>(k)]; }
  sdk::Metric& closed_counter(CloseCause c) { return metrics.closed[static_cast<size_t>(c)]; }
  // Bookkeeping for one handler-visible connection (Transport) opening and closing.
  void transport_opened(TransportKind k) {
    transports.fetch_add(1, std::memory_order_relaxed);
    connections_gauge(k).add(1);
  }
  void transport_closed(TransportKind k, CloseCause c) {
    transports.fetch_sub(1, std::memory_order_relaxed);
    connections_gauge(k).add(-1);
    closed_counter(c).add(1);
  }
};

}  // namespace herald::gateway
