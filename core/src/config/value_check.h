// Checks one YAML value against a declared herald_config_type; shared by the host's own sections and
// plugin schemas so every type error reads the same way.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>

#include "herald/plugin_abi.h"

namespace herald {

const char* config_type_name(herald_config_type type);
// nullopt when the value fits; otherwise a message like: expected integer, got "many".
std::optional<std::string> check_value(const YAML::Node& value, herald_config_type type);
// The value as written, quoted, for messages.
std::string describe_value(const YAML::Node& value);

}  // namespace herald
