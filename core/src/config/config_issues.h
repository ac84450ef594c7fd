// ConfigIssues: every problem found in a config file, each with its YAML path and line, collected in
// one pass so the operator fixes them all at once.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace herald {

struct ConfigIssue {
  std::string path;  // e.g. "pipelines.inbound[2].config.rate"
  int line = 0;      // 1-based; 0 when unknown
  int column = 0;
  std::string message;
};

class ConfigIssues {
 public:
  void add(std::string path, const YAML::Node& near, std::string message);
  void add(std::string path, const YAML::Mark& mark, std::string message);
  bool empty() const { return issues_.empty(); }
  size_t size() const { return issues_.size(); }
  const std::vector<ConfigIssue>& all() const { return issues_; }
  // "<file>:<line>:<col>: <path>: <message>" one per line.
  std::string format(const std::string& file) const;

 private:
  std::vector<ConfigIssue> issues_;
};

// Path helpers: join("a", "b") = "a.b"; index("a", 2) = "a[2]".
std::string path_join(const std::string& parent, const std::string& key);
std::string path_index(const std::string& parent, size_t index);

}  // namespace herald
