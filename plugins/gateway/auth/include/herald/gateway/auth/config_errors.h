// Config problems as values: each names the YAML path relative to the plugin's config node
// ("auth.jwt.secrets[0]") and what is wrong; the plugin forwards them to sdk::Errors.
#pragma once

#include <string>
#include <vector>

namespace herald::gateway::auth {

struct ConfigError {
  std::string path;
  std::string message;
};
using ConfigErrors = std::vector<ConfigError>;

}  // namespace herald::gateway::auth
