// The ProtocolHandler the net layer owns for one binary connection; forwards to the shared
// connection state (which async callbacks reach through weak_ptrs).
#pragma once

#include <memory>

#include "binary_connection.h"

namespace herald::gateway::binary {

class BinaryHandler final : public ProtocolHandler {
 public:
  BinaryHandler(std::shared_ptr<BinaryServerCore> core, Transport& transport);
  ~BinaryHandler() override;
  void on_data(std::span<const uint8_t> bytes) override { conn_->on_data(bytes); }
  void on_close(CloseCause cause) override { conn_->on_close(cause); }

 private:
  std::shared_ptr<BinaryConnection> conn_;
};

}  // namespace herald::gateway::binary
