#include "messaging/im_plugin.h"

#include <atomic>

#include "messaging/admin_routes.h"
#include "messaging/store_stage.h"
#include "plugin/plugin_library.h"

namespace herald::messaging {

namespace {
std::atomic<const herald_im_service_v1*> g_running{nullptr};

ImConfig parse_or_throw(const sdk::Config& config) {
  std::vector<std::string> errors;
  ImConfig parsed = parse_im_config(config.node(), errors);
  if (!errors.empty()) {
    std::string all;
    for (auto& e : errors) all += (all.empty() ? "" : "; ") + e;
    throw sdk::PluginError("im config: " + all, HERALD_REASON_INVALID_REQUEST);
  }
  return parsed;
}

sdk::PluginSpec<ImPlugin> spec() {
  return sdk::PluginSpec<ImPlugin>("im", "1.0.0",
                                   "messaging core: conversations, durable messages, sync timelines, groups, rooms")
      .keys(im_config_keys())
      .stage<StoreStage>("im.store", "stores a SEND (durable, group commit) and sets :msg_id, :seq, :version ...")
      .stage<RouteStage>("im.route", "delivers a stored SEND to the recipients' devices through the attached sinks");
}

const void* negotiate(const uint32_t* versions, uint32_t count, uint32_t* chosen) {
  try {
    return sdk::detail::negotiate<ImPlugin>(&spec, versions, count, chosen);
  } catch (...) {
    return nullptr;
  }
}
}  // namespace

ImPlugin::ImPlugin(sdk::Host host, const sdk::Config& config)
    : Plugin(host), service_(std::make_unique<ImService>(host, parse_or_throw(config))) {
  const herald_host_v1* api = host.api();
  if (!HERALD_STRUCT_HAS(api, herald_host_v1, service_register))
    throw sdk::PluginError("host does not offer services (too old for the messaging core)");
  uint32_t rc = api->service_register(host.ctx(), sdk::to_str(HERALD_IM_SERVICE_V1), service_->table());
  if (rc != 0) throw sdk::PluginError("service " HERALD_IM_SERVICE_V1 " is already registered");
  rc = api->service_register(host.ctx(), sdk::to_str(HERALD_IM_STORE_SERVICE_V1), service_->store_table());
  if (rc != 0) throw sdk::PluginError("service " HERALD_IM_STORE_SERVICE_V1 " is already registered");
  g_running = service_->table();
  add_admin_routes(host, *service_);
}

ImPlugin::~ImPlugin() {
  const herald_im_service_v1* mine = service_->table();
  g_running.compare_exchange_strong(mine, nullptr);
}

void ImPlugin::validate(const sdk::Config& config, sdk::Errors& errors) {
  std::vector<std::string> problems;
  parse_im_config(config.node(), problems);
  for (auto& p : problems) errors.add("", p);
}

void ImPlugin::stop() { service_->stop(); }

void register_builtin() {
  static bool registered = false;
  if (registered) return;
  registered = true;
  register_builtin_plugin(BuiltinPlugin{"im", &negotiate});
}

const herald_im_service_v1* running_service() { return g_running.load(); }

}  // namespace herald::messaging
