// dlopen + handshake for plugin shared objects, and the plugin search path.
#include "plugin/plugin_library.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

namespace herald {
namespace fs = std::filesystem;

#ifndef HERALD_INSTALL_PLUGIN_DIR
#define HERALD_INSTALL_PLUGIN_DIR "/usr/lib/herald/plugins"
#endif

const std::vector<uint32_t>& host_abi_versions() {
  static const std::vector<uint32_t> versions{HERALD_ABI_VERSION_1};
  return versions;
}

PluginLibrary::~PluginLibrary() {
  if (handle_) dlclose(handle_);
}

std::string PluginLibrary::name() const {
  return std::string(descriptor_->name.data, descriptor_->name.size);
}

namespace {
bool looks_like_elf(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && std::memcmp(magic, "\x7f" "ELF", 4) == 0;
}
}  // namespace

Result<std::unique_ptr<PluginLibrary>> PluginLibrary::open(const std::string& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return make_error(HERALD_REASON_NOT_FOUND, file + ": no such file");
  if (!fs::is_regular_file(file, ec)) return make_error(HERALD_REASON_INVALID_REQUEST, file + ": not a regular file");
  if (!looks_like_elf(file))
    return make_error(HERALD_REASON_INVALID_REQUEST, file + ": not a shared object (no ELF header)");

  // RTLD_LOCAL: a plugin's symbols never satisfy another plugin's references.
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) return make_error(HERALD_REASON_INVALID_REQUEST, file + ": cannot load: " + dlerror());
  std::unique_ptr<PluginLibrary> lib(new PluginLibrary());
  lib->file_ = file;
  lib->handle_ = handle;

  dlerror();
  void* sym = dlsym(handle, HERALD_PLUGIN_ENTRY);
  if (!sym)
    return make_error(HERALD_REASON_INVALID_REQUEST,
                      file + ": not a Herald plugin (no exported symbol " HERALD_PLUGIN_ENTRY ")");
  auto negotiate = reinterpret_cast<herald_plugin_negotiate_fn>(sym);
  auto checked = lib->handshake(negotiate);
  if (!checked) return checked.error();
  return lib;
}

Result<std::unique_ptr<PluginLibrary>> PluginLibrary::builtin(herald_plugin_negotiate_fn negotiate) {
  std::unique_ptr<PluginLibrary> lib(new PluginLibrary());
  lib->file_ = "(built-in)";
  auto checked = lib->handshake(negotiate);
  if (!checked) return checked.error();
  return lib;
}

Result<bool> PluginLibrary::handshake(herald_plugin_negotiate_fn negotiate) {
  const std::string& file = file_;
  const auto& versions = host_abi_versions();
  uint32_t chosen = 0;
  const void* desc = negotiate(versions.data(), static_cast<uint32_t>(versions.size()), &chosen);
  std::string offered;
  for (auto v : versions) offered += (offered.empty() ? "" : ", ") + std::to_string(v);
  if (!desc)
    return make_error(HERALD_REASON_UNSUPPORTED_VERSION,
                      file + ": no common ABI version (host offers " + offered + "; the plugin refused all)");
  if (chosen != HERALD_ABI_VERSION_1)
    return make_error(HERALD_REASON_UNSUPPORTED_VERSION, file + ": plugin chose ABI version " +
                                                             std::to_string(chosen) + ", host offers " + offered);
  auto* d = static_cast<const herald_plugin_v1*>(desc);
  // The descriptor may come from an older SDK (smaller) but never lacks the v1 core fields.
  if (!HERALD_STRUCT_HAS(d, herald_plugin_v1, destroy))
    return make_error(HERALD_REASON_INVALID_REQUEST, file + ": plugin descriptor is truncated (struct_size " +
                                                         std::to_string(d->struct_size) + ")");
  if (!d->name.data || d->name.size == 0 || !d->init || !d->destroy)
    return make_error(HERALD_REASON_INVALID_REQUEST, file + ": plugin descriptor lacks a name, init or destroy");
  abi_version_ = chosen;
  descriptor_ = d;
  return true;
}

namespace {
std::vector<BuiltinPlugin>& builtin_registry() {
  static std::vector<BuiltinPlugin> registry;
  return registry;
}
}  // namespace

void register_builtin_plugin(BuiltinPlugin plugin) {
  for (const auto& p : builtin_registry())
    if (p.name == plugin.name) return;
  builtin_registry().push_back(std::move(plugin));
}
const std::vector<BuiltinPlugin>& builtin_plugins() { return builtin_registry(); }

std::vector<std::string> plugin_search_dirs(const std::vector<std::string>& config_paths) {
  std::vector<std::string> dirs = config_paths;
  if (const char* env = std::getenv("HERALD_PLUGIN_PATH")) {
    std::string all = env;
    size_t start = 0;
    while (start <= all.size()) {
      size_t end = all.find(':', start);
      if (end == std::string::npos) end = all.size();
      if (end > start) dirs.push_back(all.substr(start, end - start));
      start = end + 1;
    }
  }
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) dirs.push_back((exe.parent_path().parent_path() / "lib" / "herald" / "plugins").string());
  dirs.push_back(HERALD_INSTALL_PLUGIN_DIR);
  return dirs;
}

Result<std::string> resolve_plugin_file(const std::string& name, const std::string& explicit_path,
                                        const std::vector<std::string>& config_paths) {
  std::string file_name = explicit_path.empty() ? "libherald_" + name + ".so" : explicit_path;
  if (file_name.find('/') != std::string::npos) return file_name;  // a path: used as given
  std::string looked;
  for (const auto& dir : plugin_search_dirs(config_paths)) {
    fs::path candidate = fs::path(dir) / file_name;
    std::error_code ec;
    if (fs::exists(candidate, ec)) return candidate.string();
    looked += (looked.empty() ? "" : ", ") + dir;
  }
  return make_error(HERALD_REASON_NOT_FOUND,
                    "unknown plugin \"" + name + "\": " + file_name + " not found in " + looked);
}

}  // namespace herald
