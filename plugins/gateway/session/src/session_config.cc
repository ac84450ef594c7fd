// Parses the `sessions:` config section (keys and defaults: plugins/gateway/session/README.md).
#include "herald/gateway/session/session_config.h"

#include <optional>
#include <regex>

namespace herald::gateway::session {

const char* policy_name(MultiDevicePolicy policy) {
  switch (policy) {
    case MultiDevicePolicy::kAll: return "all";
    case MultiDevicePolicy::kOnePerPlatform: return "one_per_platform";
    case MultiDevicePolicy::kOne: return "one";
  }
  return "all";
}

SessionConfig parse_session_config(const YAML::Node& node, const std::string& path, ConfigErrors& errors) {
  SessionConfig c;
  sdk::ConfigSection r(node, path, auth::report_to(errors));
  if (!r.present()) return c;
  r.allow_keys({"multi_device", "presence_pipeline", "mqtt_platform_pattern"});
  r.choice("multi_device", c.multi_device,
           {{"all", MultiDevicePolicy::kAll},
            {"one_per_platform", MultiDevicePolicy::kOnePerPlatform},
            {"one", MultiDevicePolicy::kOne}});
  r.string("presence_pipeline", c.presence_pipeline);
  if (auto v = r.scalar("mqtt_platform_pattern")) {
    try {
      std::regex re(*v, std::regex::ECMAScript);
      if (re.mark_count() < 1)
        r.error("mqtt_platform_pattern", "needs one capture group naming the platform");
      else
        c.mqtt_platform_pattern = *v;
    } catch (const std::regex_error& e) {
      r.error("mqtt_platform_pattern", std::string("invalid regular expression: ") + e.what());
    }
  }
  return c;
}

}  // namespace herald::gateway::session
