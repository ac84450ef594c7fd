// PluginCatalog: the result of checking a HeraldConfig against the plugins it names: each library
// loaded and handshaken, each plugin's and stage's config checked and completed with defaults, each
// pipeline's stages bound to the plugin that provides them. Used by serve, reload, check-config and
// `herald plugins`.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config_issues.h"
#include "config/herald_config.h"
#include "plugin/plugin_library.h"

namespace herald {

struct CatalogPlugin {
  PluginEntry entry;
  std::shared_ptr<PluginLibrary> library;
  YAML::Node effective_config;  // defaults filled
};

struct CatalogStage {
  StageRef ref;
  size_t plugin_index;  // into PluginCatalog::plugins
  const herald_stage_decl_v1* decl;
  YAML::Node effective_config;
};

struct CatalogPipeline {
  std::string name;
  std::vector<CatalogStage> stages;
};

struct PluginCatalog {
  std::vector<CatalogPlugin> plugins;
  std::vector<CatalogPipeline> pipelines;
  std::map<std::string, std::pair<size_t, const herald_stage_decl_v1*>> stage_index;  // stage name -> provider
};

// Loads and checks. `loaded` (may be null) supplies libraries already open, by plugin name, so a
// reload reuses them instead of opening the files again. Every problem lands in `issues`.
PluginCatalog build_catalog(const HeraldConfig& config, ConfigIssues& issues,
                            const std::map<std::string, std::shared_ptr<PluginLibrary>>* loaded = nullptr);

std::string yaml_text(const YAML::Node& node);

}  // namespace herald
