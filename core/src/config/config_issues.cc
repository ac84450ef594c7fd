// Formatting and path helpers for ConfigIssues.
#include "config/config_issues.h"

namespace herald {

void ConfigIssues::add(std::string path, const YAML::Mark& mark, std::string message) {
  ConfigIssue issue;
  issue.path = std::move(path);
  if (mark.line >= 0) {
    issue.line = mark.line + 1;
    issue.column = mark.column + 1;
  }
  issue.message = std::move(message);
  issues_.push_back(std::move(issue));
}

void ConfigIssues::add(std::string path, const YAML::Node& near, std::string message) {
  YAML::Mark mark = YAML::Mark::null_mark();
  if (near.IsDefined()) mark = near.Mark();
  add(std::move(path), mark, std::move(message));
}

std::string ConfigIssues::format(const std::string& file) const {
  std::string out;
  for (const auto& i : issues_) {
    out += file;
    if (i.line > 0) out += ":" + std::to_string(i.line) + ":" + std::to_string(i.column);
    out += ": ";
    if (!i.path.empty()) out += i.path + ": ";
    out += i.message + "\n";
  }
  return out;
}

std::string path_join(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}
std::string path_index(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

}  // namespace herald
