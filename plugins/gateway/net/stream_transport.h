// The Transport of a plain TCP or TLS connection: the handler sees the byte stream as it arrives.
#pragma once

#include <memory>

#include "net/connection.h"

namespace herald::gateway {

class StreamTransport final : public Transport, public StreamUser {
 public:
  // Creates the handler through the listener's factory; returns null if the factory refused.
  static std::unique_ptr<StreamUser> create(Connection& connection);
  ~StreamTransport() override;

  // Transport
  void send(std::string_view bytes) override { connection_.write(std::string(bytes)); }
  void close(bool flush) override { connection_.close(flush, CloseCause::kProtocolClosed); }
  const ConnectionInfo& info() const override { return connection_.info(); }
  size_t queued_bytes() const override { return connection_.queued_bytes(); }
  void set_reading(bool enabled) override { connection_.set_reading(enabled); }

  // StreamUser
  void on_stream_data(std::string_view bytes) override;
  void on_stream_writable() override;
  void on_stream_closed(CloseCause cause) override;

 private:
  explicit StreamTransport(Connection& connection) : connection_(connection) {}
  Connection& connection_;
  std::unique_ptr<ProtocolHandler> handler_;
  bool counted_ = false;
};

}  // namespace herald::gateway
