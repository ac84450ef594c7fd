// Shared option parsing for sub-commands that take a config file.
#include "cli/commands.h"

namespace herald::cli {

std::string config_arg(const Args& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    if ((args[i] == "-c" || args[i] == "--config") && i + 1 < args.size()) return args[i + 1];
    if (args[i].rfind("--config=", 0) == 0) return args[i].substr(9);
  }
  return {};
}

}  // namespace herald::cli
