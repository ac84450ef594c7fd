// BinaryServer: construction, hooks, the handler factory and drain (see binary_server.h).
#include "herald/gateway/binary/binary_server.h"

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "binary_handler.h"

namespace herald::gateway::binary {

BinaryServer::BinaryServer(sdk::Host host, BinaryConfig config, std::shared_ptr<auth::Authenticator> authenticator,
                           auth::Clock& clock)
    : core_(std::make_shared<BinaryServerCore>(host, std::move(config), std::move(authenticator), clock)) {}

BinaryServer::~BinaryServer() = default;

void BinaryServer::set_router(std::shared_ptr<BinaryRequestRouter> router) { core_->set_router(std::move(router)); }

void BinaryServer::set_session_observer(std::shared_ptr<BinarySessionObserver> observer) {
  core_->observer = std::move(observer);
}

HandlerFactory BinaryServer::handler_factory() {
  return [core = core_](Transport& t) -> std::unique_ptr<ProtocolHandler> {
    return std::make_unique<BinaryHandler>(core, t);
  };
}

std::unique_ptr<ProtocolHandler> BinaryServer::make_handler(Transport& transport) {
  return std::make_unique<BinaryHandler>(core_, transport);
}

void BinaryServer::kick_all(herald_reason reason, std::string text, std::string redirect, uint32_t timeout_ms) {
  struct Latch {
    std::mutex mu;
    std::condition_variable cv;
    uint32_t left = 0;
  };
  auto latch = std::make_shared<Latch>();
  const uint32_t loops = static_cast<uint32_t>(core_->connections.size());
  latch->left = loops;
  for (uint32_t l = 0; l < loops; ++l) {
    const bool posted = core_->host.post(l, [core = core_, l, reason, text, redirect, latch] {
      // Copy first: a kick may close synchronously in a test transport and erase from the set.
      std::vector<BinaryConnection*> conns(core->connections[l].begin(), core->connections[l].end());
      for (auto* c : conns)
        if (core->connections[l].count(c)) c->drain(reason, text, redirect);
      std::lock_guard lock(latch->mu);
      if (--latch->left == 0) latch->cv.notify_all();
    });
    if (!posted) {
      std::lock_guard lock(latch->mu);
      --latch->left;
    }
  }
  std::unique_lock lock(latch->mu);
  latch->cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return latch->left == 0; });
}

uint64_t BinaryServer::connection_count() const { return core_->live.load(std::memory_order_relaxed); }
const BinaryConfig& BinaryServer::config() const { return core_->config; }

}  // namespace herald::gateway::binary
