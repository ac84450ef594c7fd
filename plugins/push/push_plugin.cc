// push: offline push bridge. Attached to the messaging core as a sink with deliver_offline
// (herald/im_service.h), it turns each PUSH that reached a user whose devices with push tokens are
// offline into one notification per device (title/body from per-kind templates, badge = the user's
// total unread from the PUSH frame, conversation and msg_id as custom data, a collapse id per
// conversation; recall/read/delete as silent pushes) and hands it to the provider's dispatcher
// (bounded queue, worker thread, retries, breaker). Dead tokens are removed through the core.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <curl/curl.h>

#include <herald/binary/codec.h>
#include <herald/im_service.h>
#include <herald/sdk.hpp>

#include "dispatcher.h"
#include "notification_builder.h"
#include "providers.h"
#include "push_config.h"

namespace herald::push {
namespace {

namespace bin = herald::binary;
using sdk::Config;

std::string_view view(herald_str s) { return {s.data, s.size}; }

PushConfig parse_or_throw(const Config& config) {
  return sdk::parse_config_or_throw("push", config.node(), parse_push_config);
}

class PushPlugin : public sdk::Plugin {
 public:
  PushPlugin(sdk::Host host, const Config& config) : Plugin(host), config_(parse_or_throw(config)) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    for (const auto& pc : config_.providers) {
      std::unique_ptr<Provider> provider;
      try {
        provider = make_provider(pc);
      } catch (const std::exception& e) {
        throw sdk::PluginError("push: provider \"" + pc.name + "\": " + e.what(), HERALD_REASON_INVALID_REQUEST);
      }
      dispatchers_.push_back(std::make_unique<Dispatcher>(
          pc, std::move(provider), DispatcherMetrics::create(host, pc.name),
          sdk::CircuitBreakerMetrics::create(host, "push:" + pc.name),
          [this](const Notification& n) { remove_token(n); }, [this](const std::string& line) { this->host().warn(line); }));
    }
  }
  ~PushPlugin() override {
    stop();
    dispatchers_.clear();
    curl_global_cleanup();
  }

  static void validate(const Config& config, sdk::Errors& errors) {
    parse_push_config(config.node(), [&](std::string path, std::string message) { errors.add(path, message); });
  }

  void start() override {
    const herald_host_v1* api = host().api();
    im_ = static_cast<const herald_im_service_v1*>(
        HERALD_STRUCT_HAS(api, herald_host_v1, service_lookup)
            ? api->service_lookup(host().ctx(), sdk::to_str(HERALD_IM_SERVICE_V1))
            : nullptr);
    if (!im_ || im_->struct_size < sizeof(herald_im_service_v1))
      throw sdk::PluginError("push: the messaging core's " HERALD_IM_SERVICE_V1 " service is missing (the im plugin)");
    sink_.struct_size = sizeof(sink_);
    sink_.arg = this;
    sink_.deliver = [](void*, herald_str, herald_str, herald_str) {};  // connected devices are the fronts'
    sink_.deliver_room = [](void*, uint32_t, herald_str, herald_str) {};
    sink_.deliver_offline = [](void* arg, herald_str user, herald_str frame, const herald_im_push_target* targets,
                               uint32_t count) {
      sdk::detail::guard_callback([&] { static_cast<PushPlugin*>(arg)->offline(user, frame, targets, count); });
    };
    im_->attach_sink(im_->self, &sink_);
    attached_ = true;
  }

  void stop() override {
    if (attached_) im_->detach_sink(im_->self, &sink_);
    attached_ = false;
    for (auto& d : dispatchers_) d->stop();
  }

 private:
  Dispatcher* dispatcher_for(uint32_t provider, std::string_view app_id) {
    for (auto& d : dispatchers_) {
      const auto& c = d->config();
      if (static_cast<uint32_t>(c.type) != provider) continue;
      if (c.app_ids.empty() || std::find(c.app_ids.begin(), c.app_ids.end(), app_id) != c.app_ids.end()) return d.get();
    }
    return nullptr;
  }

  // Messaging thread (after the commit): must not block; submit() only queues.
  void offline(herald_str user_s, herald_str frame, const herald_im_push_target* targets, uint32_t count) {
    // The core's own frame: accept whatever size it encoded (a 64 KiB text plus envelope).
    auto decoded = bin::decode_frame(std::span(reinterpret_cast<const uint8_t*>(frame.data), frame.size),
                                     {bin::kMaxFrameSizeCeiling, 1024, false});
    if (decoded.status != bin::DecodeStatus::kOk) return;
    const auto* push = std::get_if<bin::PushFrame>(&decoded.frame.body);
    if (!push) return;
    for (const Notification& n : notifications_for(config_, std::string(view(user_s)), *push)) {
      for (uint32_t i = 0; i < count; ++i) {
        const auto& t = targets[i];
        Dispatcher* d = dispatcher_for(t.provider, view(t.app_id));
        if (!d) continue;  // no credentials configured for this provider/app
        if (n.silent && !d->takes_silent()) continue;  // the vendor has no background pushes
        Notification copy = n;
        copy.device = std::string(view(t.device));
        copy.provider = t.provider;
        copy.app_id = std::string(view(t.app_id));
        copy.token = std::string(view(t.token));
        copy.sandbox = t.sandbox != 0;
        d->submit(std::move(copy));
      }
    }
  }

  // Worker thread: the provider said the token is dead. Remove exactly that token (a newer one the
  // device registered meanwhile stays), through the core's PUSH_TOKEN with remove set.
  void remove_token(const Notification& n) {
    if (!im_) return;
    host().info("push: provider reports the token of " + n.user + "/" + n.device + " invalid; removing it");
    bin::Frame f;
    f.body = bin::PushTokenFrame{static_cast<bin::PushProvider>(n.provider), n.app_id, n.token, n.sandbox, true};
    std::vector<uint8_t> bytes;
    if (bin::encode_frame(f, bytes) != bin::EncodeStatus::kOk) return;
    herald_im_session s{};
    s.struct_size = sizeof(s);
    s.user = sdk::to_str(n.user);
    s.device = sdk::to_str(n.device);
    s.protocol = sdk::to_str("push");
    s.listener = sdk::to_str("");
    s.peer = sdk::to_str("");
    s.loop = UINT32_MAX;
    im_->request(im_->self, &s, herald_str{reinterpret_cast<const char*>(bytes.data()), bytes.size()},
                 [](void*, herald_str) {}, nullptr);
  }

  PushConfig config_;
  std::vector<std::unique_ptr<Dispatcher>> dispatchers_;
  const herald_im_service_v1* im_ = nullptr;
  herald_im_sink_v1 sink_{};
  bool attached_ = false;
};

sdk::PluginSpec<PushPlugin> spec() {
  using sdk::key;
  return sdk::PluginSpec<PushPlugin>("push", "1.0.0",
                                     "Offline push: APNs (HTTP/2, token auth), FCM HTTP v1, Huawei, Xiaomi, OPPO, vivo, Honor")
      .keys({sdk::required_key("providers", HERALD_CONFIG_LIST, "provider endpoints and credentials (see README)"),
             key("templates", HERALD_CONFIG_MAP, "{}", "title and per-kind body templates"),
             key("privacy", HERALD_CONFIG_ANY, "false", "hide sender and content: true/false or {enabled, title, body}"),
             key("silent_signals", HERALD_CONFIG_BOOLEAN, "true", "recall/read/delete as silent background pushes"),
             key("collapse", HERALD_CONFIG_BOOLEAN, "true", "collapse notifications per conversation"),
             key("collapse_window", HERALD_CONFIG_DURATION, "0s",
                 "> 0: hold a notification this long; a burst per device and conversation sends once")});
}

}  // namespace
}  // namespace herald::push

HERALD_PLUGIN(herald::push::PushPlugin, herald::push::spec)
