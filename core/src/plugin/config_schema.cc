// Schema application for plugin and stage configs (see config_schema.h).
#include "plugin/config_schema.h"

#include <set>

#include "config/value_check.h"
#include "herald/str.hpp"

namespace herald {
namespace {

std::string str(herald_str s) { return std::string(sdk::view(s)); }

// Finds the node at a relative path like "rules[2].rate" for its line number; falls back to `root`.
YAML::Node find_node(const YAML::Node& root, const std::string& rel) {
  YAML::Node cur = root;
  size_t i = 0;
  while (i < rel.size() && cur.IsDefined()) {
    if (rel[i] == '.') { ++i; continue; }
    if (rel[i] == '[') {
      size_t end = rel.find(']', i);
      if (end == std::string::npos || !cur.IsSequence()) break;
      size_t idx = std::stoul(rel.substr(i + 1, end - i - 1));
      if (idx >= cur.size()) break;
      cur.reset(cur[idx]);
      i = end + 1;
      continue;
    }
    size_t end = rel.find_first_of(".[", i);
    if (end == std::string::npos) end = rel.size();
    if (!cur.IsMap()) break;
    YAML::Node next = cur[rel.substr(i, end - i)];
    if (!next.IsDefined()) break;
    cur.reset(next);
    i = end;
  }
  return cur.IsDefined() ? cur : root;
}

struct Sink {
  ConfigIssues* issues;
  const SchemaTarget* target;
  const YAML::Node* original;
};

void add_from_plugin(herald_error_sink* raw, herald_str path, herald_str message) {
  auto* sink = reinterpret_cast<Sink*>(raw);
  std::string rel = str(path);
  std::string full = rel.empty() ? sink->target->path
                                 : (rel[0] == '[' ? sink->target->path + rel : path_join(sink->target->path, rel));
  YAML::Node near = sink->original->IsDefined() ? find_node(*sink->original, rel) : sink->target->near;
  sink->issues->add(full, near, str(message));
}

}  // namespace

YAML::Node apply_schema(const YAML::Node& config, const herald_config_key* keys, uint32_t key_count,
                        const SchemaTarget& target, ConfigIssues& issues) {
  YAML::Node out(YAML::NodeType::Map);
  const YAML::Node& near = config.IsDefined() && !config.IsNull() ? config : target.near;
  std::set<std::string> declared;
  for (uint32_t i = 0; i < key_count; ++i) declared.insert(str(keys[i].name));

  if (config.IsDefined() && config.IsMap()) {
    for (auto it = config.begin(); it != config.end(); ++it) {
      std::string k = it->first.as<std::string>();
      if (declared.count(k)) continue;
      std::string valid;
      for (const auto& d : declared) valid += (valid.empty() ? "" : ", ") + d;
      issues.add(path_join(target.path, k), it->first,
                 "unknown key for " + target.owner + "; valid keys: " + (valid.empty() ? "(none)" : valid));
    }
  }
  for (uint32_t i = 0; i < key_count; ++i) {
    const herald_config_key& key = keys[i];
    std::string name = str(key.name);
    YAML::Node value = config.IsDefined() && config.IsMap() ? config[name] : YAML::Node();
    if (value.IsDefined() && !value.IsNull()) {
      if (auto err = check_value(value, static_cast<herald_config_type>(key.type)))
        issues.add(path_join(target.path, name), value, *err);
      out[name] = YAML::Clone(value);
      continue;
    }
    if (key.required) {
      issues.add(path_join(target.path, name), near, "missing required key (" + target.owner + ")");
      continue;
    }
    if (key.default_yaml.data && key.default_yaml.size > 0) {
      try {
        out[name] = YAML::Load(str(key.default_yaml));
      } catch (const YAML::Exception&) {
        issues.add(path_join(target.path, name), near, target.owner + " declares an invalid default");
      }
    }
  }
  return out;
}

void run_validator(ValidateFn validate, const YAML::Node& effective, const YAML::Node& original,
                   const SchemaTarget& target, ConfigIssues& issues) {
  if (!validate) return;
  YAML::Emitter emitter;
  emitter << effective;
  std::string text = emitter.c_str();
  Sink sink{&issues, &target, &original};
  validate(herald_str{text.data(), text.size()}, reinterpret_cast<herald_error_sink*>(&sink), &add_from_plugin);
}

}  // namespace herald
