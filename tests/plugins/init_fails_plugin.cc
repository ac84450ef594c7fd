// A plugin whose init fails with its own reason, as one whose backing service is down would.
#include <herald/sdk.hpp>

namespace {
class InitFails : public herald::sdk::Plugin {
 public:
  InitFails(herald::sdk::Host host, const herald::sdk::Config& config) : Plugin(host) {
    throw herald::sdk::PluginError("cannot reach " + config.string("endpoint"), HERALD_REASON_SERVER_UNAVAILABLE);
  }
};
herald::sdk::PluginSpec<InitFails> spec() {
  return herald::sdk::PluginSpec<InitFails>("init_fails", "0.0.1", "fails in init on purpose")
      .keys({herald::sdk::key("endpoint", HERALD_CONFIG_STRING, "\"license.example:443\"", "what it pretends to reach")});
}
}  // namespace
HERALD_PLUGIN(InitFails, spec)
