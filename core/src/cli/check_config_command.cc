// `herald check-config FILE`: every error of the file and its plugins' configs, in one pass.
#include <cstdio>

#include "cli/commands.h"
#include "config/config_loader.h"
#include "plugin/plugin_catalog.h"

namespace herald::cli {

int check_config(const Args& args) {
  std::string file = config_arg(args);
  if (file.empty() && !args.empty()) file = args[0];
  if (file.empty()) {
    std::fputs("usage: herald check-config FILE\n", stderr);
    return 2;
  }
  auto load = load_config_file(file);
  ConfigIssues& issues = load.issues;
  size_t plugins = 0, pipelines = 0;
  if (load.parsed) {
    // Plugins are loaded (not initialised) so their schemas check their sections too.
    auto catalog = build_catalog(load.config, issues);
    plugins = catalog.plugins.size();
    pipelines = catalog.pipelines.size();
  }
  if (!issues.empty()) {
    std::fputs(issues.format(file).c_str(), stderr);
    std::fprintf(stderr, "%s: %zu error%s\n", file.c_str(), issues.size(), issues.size() == 1 ? "" : "s");
    return 1;
  }
  std::printf("%s: ok (%zu plugin%s, %zu pipeline%s)\n", file.c_str(), plugins, plugins == 1 ? "" : "s", pipelines,
              pipelines == 1 ? "" : "s");
  return 0;
}

}  // namespace herald::cli
