// `herald <command> -c FILE ...` for commands that plugins provide (e.g. the gateway's `token`): the
// core finds the plugin declaring the command and runs it with that plugin's checked config.
#include <cstdio>
#include <cstring>

#include "cli/commands.h"
#include "config/config_loader.h"
#include "plugin/plugin_catalog.h"

namespace herald::cli {
namespace {
void write_to(void* ctx, herald_str text) { std::fwrite(text.data, 1, text.size, static_cast<FILE*>(ctx)); }

const herald_command_decl* find_command(const herald_plugin_v1& d, const std::string& name) {
  if (!HERALD_STRUCT_HAS(&d, herald_plugin_v1, command_count)) return nullptr;
  for (uint32_t i = 0; i < d.command_count; ++i) {
    if (std::string(d.commands[i].name.data, d.commands[i].name.size) == name) return &d.commands[i];
  }
  return nullptr;
}
}  // namespace

int plugin_command(const std::string& name, const Args& args) {
  std::string file = config_arg(args);
  if (file.empty()) return -1;  // not ours to answer: the caller prints usage
  auto load = load_config_file(file);
  auto catalog = build_catalog(load.config, load.issues);
  if (!load.issues.empty()) {
    std::fputs(load.issues.format(file).c_str(), stderr);
    return 1;
  }
  for (const auto& p : catalog.plugins) {
    const herald_command_decl* cmd = find_command(p.library->descriptor(), name);
    if (!cmd) continue;
    std::vector<std::string> rest;
    for (size_t i = 0; i < args.size(); ++i) {
      if (args[i] == "-c" || args[i] == "--config") {
        ++i;
        continue;
      }
      if (args[i].rfind("--config=", 0) == 0) continue;
      rest.push_back(args[i]);
    }
    std::vector<herald_str> argv;
    for (const auto& a : rest) argv.push_back(herald_str{a.data(), a.size()});
    std::string yaml = yaml_text(p.effective_config);
    return cmd->run(herald_str{yaml.data(), yaml.size()}, static_cast<uint32_t>(argv.size()), argv.data(), write_to,
                    stdout, write_to, stderr);
  }
  return -1;
}

}  // namespace herald::cli
