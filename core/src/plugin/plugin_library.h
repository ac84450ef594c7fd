// PluginLibrary: one plugin shared object, opened RTLD_LOCAL, with its negotiated ABI descriptor.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "herald/plugin_abi.h"

namespace herald {

class PluginLibrary {
 public:
  ~PluginLibrary();
  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;

  // Opens `file` and runs the handshake. Each failure is a distinct message naming the file and cause.
  static Result<std::unique_ptr<PluginLibrary>> open(const std::string& file);
  // A plugin compiled into the herald binary (core's own, e.g. the messaging core "im"): same
  // handshake, no file. file() is "(built-in)".
  static Result<std::unique_ptr<PluginLibrary>> builtin(herald_plugin_negotiate_fn negotiate);

  const std::string& file() const { return file_; }
  uint32_t abi_version() const { return abi_version_; }
  const herald_plugin_v1& descriptor() const { return *descriptor_; }
  std::string name() const;

 private:
  PluginLibrary() = default;
  Result<bool> handshake(herald_plugin_negotiate_fn negotiate);
  std::string file_;
  void* handle_ = nullptr;
  uint32_t abi_version_ = 0;
  const herald_plugin_v1* descriptor_ = nullptr;
};

// Core's built-in plugins, in the order they are initialised (before every configured plugin).
// A config may list one under `plugins:` to give it config; an unlisted one runs with its defaults.
struct BuiltinPlugin {
  std::string name;
  herald_plugin_negotiate_fn negotiate;
};
void register_builtin_plugin(BuiltinPlugin plugin);  // from main(), before any config is loaded
const std::vector<BuiltinPlugin>& builtin_plugins();

// The ABI versions this host speaks, newest last.
const std::vector<uint32_t>& host_abi_versions();

// Finds the file for plugin `name`: `explicit_path` if given (a bare file name is searched like the
// default), else libherald_<name>.so in: config paths, $HERALD_PLUGIN_PATH, <exe>/../lib/herald/plugins,
// the install dir. Returns the first existing file, or an error listing where it looked.
Result<std::string> resolve_plugin_file(const std::string& name, const std::string& explicit_path,
                                        const std::vector<std::string>& config_paths);
std::vector<std::string> plugin_search_dirs(const std::vector<std::string>& config_paths);

}  // namespace herald
