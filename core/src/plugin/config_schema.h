// Applies a plugin's declared config keys to its YAML: rejects unknown keys (listing the valid ones),
// missing required keys and wrong types, and fills in defaults. Then runs the plugin's own validator.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "config/config_issues.h"
#include "herald/plugin_abi.h"

namespace herald {

struct SchemaTarget {
  std::string owner;  // "plugin \"tag\"" or "stage \"tag\"", for messages
  std::string path;   // YAML path of the config node, e.g. "plugins[1].config"
  YAML::Node near;    // a node for line numbers when the config itself is absent
};

// Returns the config with defaults filled (a map), adding issues for every problem found.
YAML::Node apply_schema(const YAML::Node& config, const herald_config_key* keys, uint32_t key_count,
                        const SchemaTarget& target, ConfigIssues& issues);

// Runs a plugin-provided validator over `effective` and records its errors under target.path.
using ValidateFn = uint32_t (*)(herald_str, herald_error_sink*, herald_error_sink_fn);
void run_validator(ValidateFn validate, const YAML::Node& effective, const YAML::Node& original,
                   const SchemaTarget& target, ConfigIssues& issues);

}  // namespace herald
