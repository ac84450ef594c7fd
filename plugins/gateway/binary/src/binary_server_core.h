// The state every binary connection of one BinaryServer shares: config, authenticator, router,
// observer, metrics and the per-loop connection lists used to drain. Shared-owned so a connection
// outliving the BinaryServer object (a late auth callback) still finds it.
#pragma once

#include <atomic>
#include <memory>
#include <unordered_set>
#include <vector>

#include "binary_metrics.h"
#include "herald/gateway/auth/authenticator.h"
#include "herald/gateway/auth/clock.h"
#include "herald/gateway/binary/binary_config.h"
#include "herald/gateway/binary/request_router.h"
#include "herald/gateway/binary/session_observer.h"
#include "herald/sdk.hpp"

namespace herald::gateway::binary {

class BinaryConnection;

class BinaryServerCore {
 public:
  BinaryServerCore(sdk::Host host_in, BinaryConfig config_in, std::shared_ptr<auth::Authenticator> auth_in,
                   auth::Clock& clock_in)
      : host(host_in), config(std::move(config_in)), authenticator(std::move(auth_in)), clock(clock_in),
        connections(std::max<uint32_t>(1, host_in.loop_count())) {
    metrics.register_all(host);
  }

  std::shared_ptr<BinaryRequestRouter> router() const { return router_.load(); }
  void set_router(std::shared_ptr<BinaryRequestRouter> r) { router_.store(std::move(r)); }

  const sdk::Host host;
  const BinaryConfig config;
  const std::shared_ptr<auth::Authenticator> authenticator;
  auth::Clock& clock;
  BinaryMetrics metrics;
  std::shared_ptr<BinarySessionObserver> observer;  // set before connections arrive
  // Per loop; each set touched only by its own loop thread.
  std::vector<std::unordered_set<BinaryConnection*>> connections;
  std::atomic<uint64_t> live{0};

 private:
  std::atomic<std::shared_ptr<BinaryRequestRouter>> router_;
};

}  // namespace herald::gateway::binary
