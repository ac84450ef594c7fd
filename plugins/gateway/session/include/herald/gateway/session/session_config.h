// Settings of the session registry (the `sessions:` section of the gateway config) and their parser.
// Keys and defaults: plugins/gateway/session/README.md.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "herald/gateway/auth/config_errors.h"

namespace herald::gateway::session {

using ConfigErrors = auth::ConfigErrors;

enum class MultiDevicePolicy : uint8_t {
  kAll,             // every device of a user may be online at once
  kOnePerPlatform,  // a new device kicks the user's other devices of the same platform
  kOne,             // a new device kicks all the user's other devices
};

struct SessionConfig {
  MultiDevicePolicy multi_device = MultiDevicePolicy::kAll;
  // Pipeline that receives presence envelopes; empty: no presence events.
  std::string presence_pipeline;
  // ECMAScript regex with one capture group applied to MQTT client ids to find the platform (e.g.
  // "^(ios|android|web)-"); empty, or no match: the platform is "mqtt".
  std::string mqtt_platform_pattern;
};

// Parses the `sessions:` map (absent/null = defaults). `path` is the YAML path of `node` ("sessions").
SessionConfig parse_session_config(const YAML::Node& node, const std::string& path, ConfigErrors& errors);

const char* policy_name(MultiDevicePolicy policy);

}  // namespace herald::gateway::session
