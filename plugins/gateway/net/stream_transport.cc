// StreamTransport: forwards stream bytes to the handler and keeps the per-listener connection gauge.
#include "net/stream_transport.h"

namespace herald::gateway {

std::unique_ptr<StreamUser> StreamTransport::create(Connection& connection) {
  connection.info().transport = connection.listener().tls ? TransportKind::kTls : TransportKind::kTcp;
  std::unique_ptr<StreamTransport> t(new StreamTransport(connection));
  t->handler_ = connection.listener().factory(*t);
  if (!t->handler_) return nullptr;
  connection.listener().transport_opened(connection.info().transport);
  t->counted_ = true;
  return t;
}

StreamTransport::~StreamTransport() = default;

void StreamTransport::on_stream_data(std::string_view bytes) {
  handler_->on_data(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

void StreamTransport::on_stream_writable() { handler_->on_writable(); }

void StreamTransport::on_stream_closed(CloseCause cause) {
  if (counted_) connection_.listener().transport_closed(connection_.info().transport, cause);
  counted_ = false;
  handler_->on_close(cause);
}

}  // namespace herald::gateway
