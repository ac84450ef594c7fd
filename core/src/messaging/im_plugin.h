// The messaging core as core's built-in plugin "im": stages im.store and im.route, and the service
// "herald.im.v1" that fronts (the gateway) use to reach it.
#pragma once

#include <herald/sdk.hpp>

#include <memory>

#include "messaging/im_service.h"

namespace herald::messaging {

class ImPlugin : public sdk::Plugin {
 public:
  ImPlugin(sdk::Host host, const sdk::Config& config);
  ~ImPlugin() override;
  static void validate(const sdk::Config& config, sdk::Errors& errors);
  void stop() override;
  ImService& service() { return *service_; }

 private:
  std::unique_ptr<ImService> service_;
};

// Registers "im" with the plugin catalog. Call once from main() before any config is loaded
// (repeated calls are ignored).
void register_builtin();

// The running instance's service table, or nullptr: for in-process tests and tools.
const herald_im_service_v1* running_service();

}  // namespace herald::messaging
