// Config problems as values: each names the YAML path relative to the plugin's config node
// ("auth.jwt.secrets[0]") and what is wrong; the plugin forwards them to sdk::Errors.
#pragma once

#include <string>
#include <vector>

#include "herald/config_section.hpp"

namespace herald::gateway::auth {

struct ConfigError {
  std::string path;
  std::string message;
};
using ConfigErrors = std::vector<ConfigError>;

// Collects a ConfigSection's reports into `errors` (which must outlive the section).
inline sdk::ConfigSection::Report report_to(ConfigErrors& errors) {
  return [&errors](std::string path, std::string message) { errors.push_back({std::move(path), std::move(message)}); };
}

}  // namespace herald::gateway::auth
