// The seam between the network layer (TCP, TLS, WebSocket, HTTP tunnel) and the protocol handlers
// (MQTT, Herald binary): a handler sees one ordered byte stream per client and a way to answer, no
// matter how the bytes travelled. Everything here is loop-affine: every call on the connection's loop.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace herald::gateway {

enum class ListenerProtocol { kMqtt, kBinary };  // what the bytes inside the transport are

enum class TransportKind { kTcp, kTls, kWebSocket, kWebSocketTls, kHttpTunnel };

struct ConnectionInfo {
  uint64_t id = 0;             // unique per process
  uint32_t loop = 0;           // the host loop that owns the connection
  std::string listener;        // listener name from config
  std::string peer;            // "ip:port" of the client
  std::string peer_ip;         // for per-IP limits
  TransportKind transport = TransportKind::kTcp;
  ListenerProtocol protocol = ListenerProtocol::kMqtt;
  uint32_t max_packet_size = 1 << 20;  // the listener's frame/packet limit
  bool allow_anonymous = false;
  std::string tls_client_subject;  // verified client certificate subject, when TLS asked for one
};

enum class CloseCause {
  kPeerClosed,      // orderly close by the client
  kNetworkError,    // reset, timeout at TCP/TLS level
  kProtocolClosed,  // the handler asked for the close
  kTooSlow,         // the write queue exceeded its bound (a client not reading)
  kShutdown,        // herald is stopping or draining
};

// One client connection as a protocol handler sees it.
class Transport {
 public:
  virtual ~Transport() = default;
  // Queues bytes for the client. Sends within one loop iteration are coalesced into one write.
  // For message transports (WebSocket) each call is one binary message.
  virtual void send(std::string_view bytes) = 0;
  // Closes the connection: after flushing what is queued when `flush`, else at once. The handler's
  // on_close runs later on the loop (never inside this call).
  virtual void close(bool flush = true) = 0;
  virtual const ConnectionInfo& info() const = 0;
  virtual size_t queued_bytes() const = 0;
  // Backpressure: stop or resume reading from the client.
  virtual void set_reading(bool enabled) = 0;
};

// A protocol's per-connection state machine, fed by a Transport.
class ProtocolHandler {
 public:
  virtual ~ProtocolHandler() = default;
  // Bytes in arrival order: a stream chunk (TCP/TLS/tunnel) or one whole message (WebSocket). The
  // handler keeps partial packets itself.
  virtual void on_data(std::span<const uint8_t> bytes) = 0;
  // The write queue drained (after set_reading(false) for backpressure, for instance).
  virtual void on_writable() {}
  // The connection is gone; the Transport must not be used after this returns.
  virtual void on_close(CloseCause cause) = 0;
};

// Creates the handler for a new connection (on the connection's loop).
using HandlerFactory = std::function<std::unique_ptr<ProtocolHandler>(Transport& transport)>;

}  // namespace herald::gateway
