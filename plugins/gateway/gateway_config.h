// GatewayConfig: the gateway plugin's whole config, parsed once into the typed structs of its parts
// (listeners, auth, ACL, MQTT broker), with every error reported by its YAML path.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <vector>

#include "herald/gateway/auth/acl_rules.h"
#include "herald/gateway/auth/auth_config.h"
#include "herald/gateway/binary/binary_config.h"
#include "herald/gateway/im/im_adapter.h"
#include "herald/gateway/session/session_config.h"
#include "herald/gateway/mqtt/broker.h"
#include "net/net_config.h"

namespace herald::gateway {

struct GatewayConfig {
  std::vector<ListenerConfig> listeners;
  auth::AuthConfig auth;
  auth::AclConfig acl;
  mqtt::BrokerConfig broker;
  binary::BinaryConfig binary;
  session::SessionConfig sessions;
  im::ImConfig im;
};

// A problem with its path relative to the plugin's config node, e.g. "listeners[1].bind".
using PathError = auth::ConfigError;

// `data_dir` gives the broker's default storage path (<data_dir>/mqtt.db).
GatewayConfig parse_gateway_config(const YAML::Node& node, std::string_view data_dir, std::vector<PathError>& errors);

// Reads the `mqtt` map into the broker's config.
mqtt::BrokerConfig parse_broker_config(const YAML::Node& node, std::vector<PathError>& errors,
                                       std::string_view path = "mqtt");

}  // namespace herald::gateway
