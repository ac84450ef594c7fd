// Parses the gateway plugin's config sections and gathers their errors under one path scheme.
#include "gateway_config.h"

namespace herald::gateway {
namespace {

// "listeners[0].bind: message" -> {path, message}; text without a path prefix stays whole.
PathError split_error(const std::string& text, std::string_view fallback_path) {
  auto colon = text.find(": ");
  if (colon == std::string::npos || text.find(' ') < colon) return {std::string(fallback_path), text};
  return {text.substr(0, colon), text.substr(colon + 2)};
}

}  // namespace

GatewayConfig parse_gateway_config(const YAML::Node& node, std::string_view data_dir, std::vector<PathError>& errors) {
  GatewayConfig config;
  std::vector<std::string> net_errors;
  YAML::Node listeners = node["listeners"];
  if (listeners.IsDefined() && !listeners.IsNull()) {
    if (!listeners.IsSequence()) {
      errors.push_back({"listeners", "expected a list of listeners"});
    } else {
      for (size_t i = 0; i < listeners.size(); ++i)
        config.listeners.push_back(
            parse_listener_config(listeners[i], net_errors, "listeners[" + std::to_string(i) + "]"));
      validate_listener_configs(config.listeners, net_errors);
    }
  }
  for (const auto& e : net_errors) errors.push_back(split_error(e, "listeners"));

  auth::ConfigErrors auth_errors;
  config.auth = auth::parse_auth_config(node["auth"], auth_errors, "auth");
  config.acl = auth::parse_acl_config(node["acl"], auth_errors, "acl");
  config.binary = binary::parse_binary_config(node["binary"], "binary", auth_errors);
  config.sessions = session::parse_session_config(node["sessions"], "sessions", auth_errors);
  for (auto& e : auth_errors) errors.push_back({std::move(e.path), std::move(e.message)});

  config.broker = parse_broker_config(node["mqtt"], errors, "mqtt");
  if (config.broker.storage_path.empty() && !data_dir.empty())
    config.broker.storage_path = std::string(data_dir) + "/mqtt.db";
  if (config.broker.storage_path == ":memory:") config.broker.storage_path.clear();
  return config;
}

}  // namespace herald::gateway
