// Reads herald.yaml into a HeraldConfig, collecting every error of the host's own sections.
#pragma once

#include <optional>
#include <string>

#include "config/config_issues.h"
#include "config/herald_config.h"

namespace herald {

struct ConfigLoad {
  HeraldConfig config;
  ConfigIssues issues;
  bool parsed = false;  // false: the file could not be read or is not YAML
};

ConfigLoad load_config_file(const std::string& file);
ConfigLoad load_config_text(const std::string& text, const std::string& file_label);

}  // namespace herald
