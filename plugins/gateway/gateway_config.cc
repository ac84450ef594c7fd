// Parses the gateway plugin's config sections and gathers their errors under one path scheme.
#include "gateway_config.h"

namespace herald::gateway {

GatewayConfig parse_gateway_config(const YAML::Node& node, std::string_view data_dir, std::vector<PathError>& errors) {
  GatewayConfig config;
  auto report = auth::report_to(errors);
  YAML::Node listeners = node["listeners"];
  if (listeners.IsDefined() && !listeners.IsNull()) {
    if (!listeners.IsSequence()) {
      errors.push_back({"listeners", "expected a list of listeners"});
    } else {
      for (size_t i = 0; i < listeners.size(); ++i)
        config.listeners.push_back(parse_listener_config(listeners[i], "listeners[" + std::to_string(i) + "]", report));
      validate_listener_configs(config.listeners, report);
    }
  }

  config.auth = auth::parse_auth_config(node["auth"], errors, "auth");
  config.acl = auth::parse_acl_config(node["acl"], errors, "acl");
  config.binary = binary::parse_binary_config(node["binary"], "binary", errors);
  config.sessions = session::parse_session_config(node["sessions"], "sessions", errors);
  config.im = im::parse_im_config(node["im"], "im", errors);

  config.broker = parse_broker_config(node["mqtt"], errors, "mqtt");
  if (config.broker.storage_path.empty() && !data_dir.empty())
    config.broker.storage_path = std::string(data_dir) + "/mqtt.db";
  if (config.broker.storage_path == ":memory:") config.broker.storage_path.clear();
  return config;
}

}  // namespace herald::gateway
