// HeraldConfig: the typed, immutable form of herald.yaml. Parsed once; plugins' own config nodes ride
// along as YAML until the plugin's schema (known only after loading it) checks them.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <vector>

#include "log/logger.h"

namespace herald {

struct ServiceConfig {
  std::string node_id = "herald-1";
  log::Level log_level = log::Level::kInfo;
  std::string data_dir = "./var";
  uint32_t loops = 0;  // 0: one per core
  std::vector<std::string> plugin_paths;
};

struct MetricsConfig {
  bool enabled = true;
  std::string listen = "0.0.0.0:9464";
};

// The admin API (core/src/admin): off unless configured, since it can act as any user.
struct AdminConfig {
  bool enabled = false;
  std::string listen = "127.0.0.1:18083";
  std::string token_file;      // empty: <data_dir>/admin.token
  uint32_t threads = 4;        // worker threads (handlers may wait for storage)
  uint64_t max_body = 1 << 20;  // bytes
  std::string console_dir;     // the web console's files; empty: <exe>/../share/herald/console
};

struct PluginEntry {
  std::string name;
  std::string path;  // empty: libherald_<name>.so from the search path
  YAML::Node config;  // the plugin's own config (a map, possibly empty)
  std::string yaml_path;  // "plugins[3]"
  YAML::Node node;        // for line numbers
};

struct StageRef {
  std::string stage;      // a stage name some plugin provides
  YAML::Node config;
  std::string yaml_path;  // "pipelines.inbound[2]"
  YAML::Node node;
};

struct PipelineConfig {
  std::string name;
  std::vector<StageRef> stages;
};

struct HeraldConfig {
  std::string file;
  ServiceConfig service;
  MetricsConfig metrics;
  AdminConfig admin;
  std::vector<PluginEntry> plugins;
  std::vector<PipelineConfig> pipelines;
};

}  // namespace herald
