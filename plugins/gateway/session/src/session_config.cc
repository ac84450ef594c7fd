// Parses the `sessions:` config section (keys and defaults: plugins/gateway/session/README.md).
#include "herald/gateway/session/session_config.h"

#include <algorithm>
#include <optional>
#include <regex>

namespace herald::gateway::session {
namespace {
std::string join(const std::string& base, std::string_view key) {
  return base.empty() ? std::string(key) : base + "." + std::string(key);
}
}  // namespace

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
  if (!node || node.IsNull()) return c;
  if (!node.IsMap()) {
    errors.push_back({path, "expected a map"});
    return c;
  }
  static constexpr std::string_view kKeys[] = {"multi_device", "presence_pipeline", "mqtt_platform_pattern"};
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>("");
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys))
      errors.push_back({join(path, key), "unknown key (valid: multi_device, presence_pipeline, mqtt_platform_pattern)"});
  }
  auto scalar = [&](std::string_view key) -> std::optional<std::string> {
    const YAML::Node n = node[std::string(key)];
    if (!n || n.IsNull()) return std::nullopt;
    if (!n.IsScalar()) {
      errors.push_back({join(path, key), "expected a scalar"});
      return std::nullopt;
    }
    return n.Scalar();
  };
  if (auto v = scalar("multi_device")) {
    if (*v == "all") c.multi_device = MultiDevicePolicy::kAll;
    else if (*v == "one_per_platform") c.multi_device = MultiDevicePolicy::kOnePerPlatform;
    else if (*v == "one") c.multi_device = MultiDevicePolicy::kOne;
    else errors.push_back({join(path, "multi_device"), "expected all, one_per_platform or one, got \"" + *v + "\""});
  }
  if (auto v = scalar("presence_pipeline")) c.presence_pipeline = *v;
  if (auto v = scalar("mqtt_platform_pattern")) {
    try {
      std::regex re(*v, std::regex::ECMAScript);
      if (re.mark_count() < 1)
        errors.push_back({join(path, "mqtt_platform_pattern"), "needs one capture group naming the platform"});
      else
        c.mqtt_platform_pattern = *v;
    } catch (const std::regex_error& e) {
      errors.push_back({join(path, "mqtt_platform_pattern"), std::string("invalid regular expression: ") + e.what()});
    }
  }
  return c;
}

}  // namespace herald::gateway::session
