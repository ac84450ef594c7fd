// Builds a PluginCatalog (see plugin_catalog.h).
#include "plugin/plugin_catalog.h"

#include <algorithm>

#include "plugin/config_schema.h"
#include "herald/str.hpp"

namespace herald {
namespace {
std::string str(herald_str s) { return std::string(sdk::view(s)); }
}  // namespace

std::string yaml_text(const YAML::Node& node) {
  YAML::Emitter emitter;
  emitter << node;
  return emitter.c_str();
}

PluginCatalog build_catalog(const HeraldConfig& config, ConfigIssues& issues,
                            const std::map<std::string, std::shared_ptr<PluginLibrary>>* loaded) {
  PluginCatalog catalog;
  // Built-in plugins come first (others look their services up in start), configured or not.
  std::vector<PluginEntry> entries;
  for (const auto& b : builtin_plugins()) {
    auto listed = std::find_if(config.plugins.begin(), config.plugins.end(),
                               [&](const PluginEntry& e) { return e.name == b.name; });
    if (listed != config.plugins.end()) {
      entries.push_back(*listed);
    } else {
      PluginEntry implicit;
      implicit.name = b.name;
      implicit.config = YAML::Node(YAML::NodeType::Map);
      implicit.yaml_path = "plugins(" + b.name + ", built-in)";
      entries.push_back(std::move(implicit));
    }
  }
  for (const auto& entry : config.plugins) {
    bool is_builtin = std::any_of(builtin_plugins().begin(), builtin_plugins().end(),
                                  [&](const BuiltinPlugin& b) { return b.name == entry.name; });
    if (!is_builtin) entries.push_back(entry);
  }

  for (const auto& entry : entries) {
    std::shared_ptr<PluginLibrary> lib;
    if (loaded) {
      auto it = loaded->find(entry.name);
      if (it != loaded->end()) lib = it->second;
    }
    auto builtin = std::find_if(builtin_plugins().begin(), builtin_plugins().end(),
                                [&](const BuiltinPlugin& b) { return b.name == entry.name; });
    if (!lib && builtin != builtin_plugins().end()) {
      auto made = PluginLibrary::builtin(builtin->negotiate);
      if (!made) {
        issues.add(entry.yaml_path, entry.node, "built-in plugin \"" + entry.name + "\": " + made.error().message);
        continue;
      }
      lib = std::move(made.value());
    }
    if (!lib) {
      auto file = resolve_plugin_file(entry.name, entry.path, config.service.plugin_paths);
      if (!file) {
        issues.add(path_join(entry.yaml_path, "name"), entry.node["name"], file.error().message);
        continue;
      }
      auto opened = PluginLibrary::open(file.value());
      if (!opened) {
        issues.add(entry.yaml_path, entry.node, "cannot load plugin \"" + entry.name + "\": " + opened.error().message);
        continue;
      }
      lib = std::move(opened.value());
    }
    if (lib->name() != entry.name) {
      issues.add(path_join(entry.yaml_path, "name"), entry.node["name"],
                 lib->file() + " is plugin \"" + lib->name() + "\", not \"" + entry.name + "\"");
      continue;
    }
    bool duplicate = false;
    for (const auto& other : catalog.plugins) {
      if (other.library.get() == lib.get() || other.library->name() == lib->name()) duplicate = true;
    }
    if (duplicate) {
      issues.add(entry.yaml_path, entry.node, "duplicate plugin name \"" + entry.name + "\" (" + lib->file() + ")");
      continue;
    }
    const auto& d = lib->descriptor();
    SchemaTarget target{"plugin \"" + entry.name + "\"", path_join(entry.yaml_path, "config"), entry.node};
    size_t before = issues.size();
    CatalogPlugin cp{entry, lib, apply_schema(entry.config, d.config_keys, d.config_key_count, target, issues)};
    // The plugin's own validator assumes the declared keys are there and typed: run it only then.
    if (issues.size() == before) run_validator(d.validate, cp.effective_config, entry.config, target, issues);
    size_t index = catalog.plugins.size();
    for (uint32_t s = 0; s < d.stage_count; ++s) {
      std::string stage_name = str(d.stages[s].name);
      auto [it, inserted] = catalog.stage_index.emplace(stage_name, std::make_pair(index, &d.stages[s]));
      if (!inserted)
        issues.add(entry.yaml_path, entry.node,
                   "stage \"" + stage_name + "\" is provided by both plugin \"" +
                       catalog.plugins[it->second.first].entry.name + "\" and \"" + entry.name + "\"");
    }
    catalog.plugins.push_back(std::move(cp));
  }

  for (const auto& pipeline : config.pipelines) {
    CatalogPipeline cp{pipeline.name, {}};
    for (const auto& ref : pipeline.stages) {
      auto it = catalog.stage_index.find(ref.stage);
      if (it == catalog.stage_index.end()) {
        std::string known;
        for (const auto& [name, _] : catalog.stage_index) known += (known.empty() ? "" : ", ") + name;
        issues.add(path_join(ref.yaml_path, "stage"), ref.node["stage"],
                   "unknown stage \"" + ref.stage + "\"; stages of the loaded plugins: " +
                       (known.empty() ? "(none)" : known));
        continue;
      }
      const herald_stage_decl_v1* decl = it->second.second;
      SchemaTarget target{"stage \"" + ref.stage + "\"", path_join(ref.yaml_path, "config"), ref.node};
      size_t before = issues.size();
      CatalogStage cs{ref, it->second.first, decl,
                      apply_schema(ref.config, decl->config_keys, decl->config_key_count, target, issues)};
      if (issues.size() == before) run_validator(decl->validate, cs.effective_config, ref.config, target, issues);
      cp.stages.push_back(std::move(cs));
    }
    catalog.pipelines.push_back(std::move(cp));
  }
  return catalog;
}

}  // namespace herald
