// `herald plugins -c FILE`: what each configured plugin is and provides, with its config reference.
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "config/config_loader.h"
#include "config/value_check.h"
#include "herald/version.h"
#include "plugin/plugin_catalog.h"
#include "herald/str.hpp"

namespace herald::cli {
namespace {
std::string str(herald_str s) { return std::string(sdk::view(s)); }

void print_keys(const herald_config_key* keys, uint32_t count, const char* indent) {
  if (count == 0) {
    std::printf("%s(no config keys)\n", indent);
    return;
  }
  for (uint32_t i = 0; i < count; ++i) {
    const auto& k = keys[i];
    std::string def = k.required ? "required" : "default " + (k.default_yaml.size ? str(k.default_yaml) : "none");
    std::printf("%s%-22s %-9s %-24s %s\n", indent, str(k.name).c_str(),
                config_type_name(static_cast<herald_config_type>(k.type)), def.c_str(), str(k.description).c_str());
  }
}
}  // namespace

int plugins(const Args& args) {
  std::string file = config_arg(args);
  if (file.empty()) {
    std::fputs("usage: herald plugins -c FILE\n", stderr);
    return 2;
  }
  auto load = load_config_file(file);
  auto catalog = build_catalog(load.config, load.issues);
  for (const auto& p : catalog.plugins) {
    const auto& d = p.library->descriptor();
    std::printf("%s %s  (ABI %u)  %s\n  %s\n", p.entry.name.c_str(), str(d.version).c_str(), p.library->abi_version(),
                p.library->file().c_str(), str(d.description).c_str());
    std::printf("  config keys:\n");
    print_keys(d.config_keys, d.config_key_count, "    ");
    for (uint32_t s = 0; s < d.stage_count; ++s) {
      std::printf("  stage %s: %s\n", str(d.stages[s].name).c_str(), str(d.stages[s].description).c_str());
      print_keys(d.stages[s].config_keys, d.stages[s].config_key_count, "    ");
    }
    for (uint32_t l = 0; l < d.listener_count; ++l)
      std::printf("  listener %s: %s\n", str(d.listeners[l].name).c_str(), str(d.listeners[l].description).c_str());
    if (HERALD_STRUCT_HAS(&d, herald_plugin_v1, command_count)) {
      for (uint32_t c = 0; c < d.command_count; ++c)
        std::printf("  command herald %s -c FILE %s: %s\n", str(d.commands[c].name).c_str(),
                    str(d.commands[c].usage).c_str(), str(d.commands[c].description).c_str());
    }
    for (uint32_t r = 0; r < d.route_count; ++r)
      std::printf("  route %s: %s\n", str(d.routes[r].name).c_str(), str(d.routes[r].description).c_str());
  }
  if (!load.issues.empty()) {
    std::fputs(load.issues.format(file).c_str(), stderr);
    return 1;
  }
  return 0;
}

int version(const Args&) {
  std::printf("herald %s (plugin ABI 1)\n", HERALD_VERSION);
  return 0;
}

}  // namespace herald::cli
