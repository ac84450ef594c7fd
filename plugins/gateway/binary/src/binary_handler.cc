// The net layer's ProtocolHandler for one binary connection (see binary_handler.h).
#include "binary_handler.h"

namespace herald::gateway::binary {

BinaryHandler::BinaryHandler(std::shared_ptr<BinaryServerCore> core, Transport& transport)
    : conn_(std::make_shared<BinaryConnection>(core, transport)) {
  core->connections[transport.info().loop % core->connections.size()].insert(conn_.get());
  conn_->start();
}

BinaryHandler::~BinaryHandler() { conn_->abandon(); }

}  // namespace herald::gateway::binary
