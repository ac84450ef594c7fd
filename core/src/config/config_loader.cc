// Parses herald.yaml's host sections (service, metrics, admin, plugins, pipelines) into typed structs.
#include "config/config_loader.h"

#include <fstream>
#include <set>
#include <sstream>

#include "config/value_check.h"
#include "herald/config_values.hpp"

namespace herald {
namespace {

// Reads typed keys of one YAML map, recording every problem with its path.
class MapReader {
 public:
  MapReader(const YAML::Node& node, std::string path, ConfigIssues& issues)
      : node_(node), path_(std::move(path)), issues_(issues) {
    if (node_.IsDefined() && !node_.IsNull() && !node_.IsMap()) {
      issues_.add(path_, node_, "expected a map, got " + describe_value(node_));
      valid_ = false;
    }
  }
  bool valid() const { return valid_ && node_.IsMap(); }

  YAML::Node get(const std::string& key) {
    known_.insert(key);
    if (!valid()) return YAML::Node();
    return node_[key];
  }
  template <class T>
  void read(const std::string& key, herald_config_type type, T& out) {
    auto v = get(key);
    if (!v.IsDefined() || v.IsNull()) return;
    if (auto err = check_value(v, type)) {
      issues_.add(path_join(path_, key), v, *err);
      return;
    }
    out = v.as<T>();
  }
  void require(const std::string& key, std::string& out) {
    auto v = get(key);
    if (!v.IsDefined() || v.IsNull()) {
      issues_.add(path_join(path_, key), node_, "missing required key");
      return;
    }
    if (auto err = check_value(v, HERALD_CONFIG_STRING)) {
      issues_.add(path_join(path_, key), v, *err);
      return;
    }
    out = v.Scalar();
  }
  void reject_unknown() {
    if (!valid()) return;
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      std::string k = it->first.as<std::string>();
      if (known_.count(k)) continue;
      std::string valid_keys;
      for (const auto& kk : known_) valid_keys += (valid_keys.empty() ? "" : ", ") + kk;
      issues_.add(path_join(path_, k), it->first, "unknown key; valid keys: " + valid_keys);
    }
  }

 private:
  YAML::Node node_;
  std::string path_;
  ConfigIssues& issues_;
  std::set<std::string> known_;
  bool valid_ = true;
};

void read_service(const YAML::Node& node, ServiceConfig& out, ConfigIssues& issues) {
  MapReader r(node, "service", issues);
  r.read("node_id", HERALD_CONFIG_STRING, out.node_id);
  std::string level;
  r.read("log_level", HERALD_CONFIG_STRING, level);
  if (!level.empty()) {
    if (auto l = log::parse_level(level)) out.log_level = *l;
    else issues.add("service.log_level", node["log_level"], "expected one of trace, debug, info, warn, error, got \"" + level + "\"");
  }
  r.read("data_dir", HERALD_CONFIG_STRING, out.data_dir);
  int64_t loops = out.loops;
  r.read("loops", HERALD_CONFIG_INTEGER, loops);
  if (loops < 0 || loops > 1024) issues.add("service.loops", node["loops"], "expected 0 (one per core) to 1024");
  else out.loops = static_cast<uint32_t>(loops);
  auto paths = r.get("plugin_paths");
  if (paths.IsDefined() && !paths.IsNull()) {
    if (!paths.IsSequence()) {
      issues.add("service.plugin_paths", paths, "expected a list of directories, got " + describe_value(paths));
    } else {
      for (size_t i = 0; i < paths.size(); ++i) {
        if (auto err = check_value(paths[i], HERALD_CONFIG_STRING))
          issues.add(path_index("service.plugin_paths", i), paths[i], *err);
        else out.plugin_paths.push_back(paths[i].Scalar());
      }
    }
  }
  r.reject_unknown();
}

void read_metrics(const YAML::Node& node, MetricsConfig& out, ConfigIssues& issues) {
  MapReader r(node, "metrics", issues);
  r.read("enabled", HERALD_CONFIG_BOOLEAN, out.enabled);
  r.read("listen", HERALD_CONFIG_STRING, out.listen);
  if (out.listen.find(':') == std::string::npos)
    issues.add("metrics.listen", node["listen"], "expected \"<address>:<port>\", got \"" + out.listen + "\"");
  r.reject_unknown();
}

void read_admin(const YAML::Node& node, AdminConfig& out, ConfigIssues& issues) {
  MapReader r(node, "admin", issues);
  r.read("enabled", HERALD_CONFIG_BOOLEAN, out.enabled);
  r.read("listen", HERALD_CONFIG_STRING, out.listen);
  auto colon = out.listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == out.listen.size() ||
      out.listen.find_first_not_of("0123456789", colon + 1) != std::string::npos ||
      std::stoul(out.listen.substr(colon + 1, 6)) > 65535)
    issues.add("admin.listen", node["listen"], "expected \"<address>:<port>\", got \"" + out.listen + "\"");
  r.read("token_file", HERALD_CONFIG_STRING, out.token_file);
  r.read("console_dir", HERALD_CONFIG_STRING, out.console_dir);
  int64_t threads = out.threads;
  r.read("threads", HERALD_CONFIG_INTEGER, threads);
  if (threads < 1 || threads > 256) issues.add("admin.threads", node["threads"], "expected 1 to 256");
  else out.threads = static_cast<uint32_t>(threads);
  auto max_body = r.get("max_body");
  if (max_body.IsDefined() && !max_body.IsNull()) {
    if (auto err = check_value(max_body, HERALD_CONFIG_SIZE)) issues.add("admin.max_body", max_body, *err);
    else if (auto bytes = config_values::parse_size_bytes(max_body.Scalar())) out.max_body = *bytes;
  }
  r.reject_unknown();
}

void read_plugins(const YAML::Node& node, std::vector<PluginEntry>& out, ConfigIssues& issues) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsSequence()) {
    issues.add("plugins", node, "expected a list of plugins, got " + describe_value(node));
    return;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < node.size(); ++i) {
    std::string path = path_index("plugins", i);
    PluginEntry entry;
    entry.yaml_path = path;
    entry.node = node[i];
    MapReader r(node[i], path, issues);
    if (!r.valid()) {
      issues.add(path, node[i], "expected a map with name, path, config");
      continue;
    }
    r.require("name", entry.name);
    r.read("path", HERALD_CONFIG_STRING, entry.path);
    entry.config = r.get("config");
    if (entry.config.IsDefined() && !entry.config.IsNull() && !entry.config.IsMap()) {
      issues.add(path_join(path, "config"), entry.config, "expected a map, got " + describe_value(entry.config));
    }
    r.reject_unknown();
    if (!entry.name.empty() && !names.insert(entry.name).second) {
      issues.add(path_join(path, "name"), node[i]["name"], "duplicate plugin name \"" + entry.name + "\"");
      continue;
    }
    out.push_back(std::move(entry));
  }
}

void read_pipelines(const YAML::Node& node, std::vector<PipelineConfig>& out, ConfigIssues& issues) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsMap()) {
    issues.add("pipelines", node, "expected a map of pipeline name to stage list, got " + describe_value(node));
    return;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    PipelineConfig p;
    p.name = it->first.as<std::string>();
    std::string path = path_join("pipelines", p.name);
    YAML::Node stages = it->second;  // a copy: it->second is a temporary
    if (!stages.IsSequence()) {
      issues.add(path, stages, "expected a list of stages, got " + describe_value(stages));
      continue;
    }
    for (size_t i = 0; i < stages.size(); ++i) {
      StageRef ref;
      ref.yaml_path = path_index(path, i);
      ref.node = stages[i];
      MapReader r(stages[i], ref.yaml_path, issues);
      if (!r.valid()) {
        issues.add(ref.yaml_path, stages[i], "expected a map with stage and config");
        continue;
      }
      r.require("stage", ref.stage);
      ref.config = r.get("config");
      if (ref.config.IsDefined() && !ref.config.IsNull() && !ref.config.IsMap())
        issues.add(path_join(ref.yaml_path, "config"), ref.config, "expected a map, got " + describe_value(ref.config));
      r.reject_unknown();
      p.stages.push_back(std::move(ref));
    }
    out.push_back(std::move(p));
  }
}

}  // namespace

ConfigLoad load_config_text(const std::string& text, const std::string& file_label) {
  ConfigLoad load;
  load.config.file = file_label;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    load.issues.add("", e.mark, "not valid YAML: " + e.msg);
    return load;
  }
  load.parsed = true;
  if (root.IsNull()) return load;  // an empty file is all defaults
  if (!root.IsMap()) {
    load.issues.add("", root, "expected a map at the top level");
    return load;
  }
  MapReader top(root, "", load.issues);
  read_service(top.get("service"), load.config.service, load.issues);
  read_metrics(top.get("metrics"), load.config.metrics, load.issues);
  read_admin(top.get("admin"), load.config.admin, load.issues);
  read_plugins(top.get("plugins"), load.config.plugins, load.issues);
  read_pipelines(top.get("pipelines"), load.config.pipelines, load.issues);
  top.reject_unknown();
  return load;
}

ConfigLoad load_config_file(const std::string& file) {
  std::ifstream in(file);
  if (!in) {
    ConfigLoad load;
    load.config.file = file;
    load.issues.add("", YAML::Mark::null_mark(), "cannot read the file");
    return load;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return load_config_text(buffer.str(), file);
}

}  // namespace herald
