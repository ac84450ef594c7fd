// ConfigSection: reads one YAML map of a plugin's config into typed fields, reporting every problem
// with its full YAML path ("auth.http.timeout: must be greater than zero") and carrying on, so one
// pass finds them all. Header-only SDK, for any plugin's config parser.
#pragma once

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "herald/config_values.hpp"

namespace herald::sdk {

class ConfigSection {
 public:
  using Report = std::function<void(std::string path, std::string message)>;

  // An absent or null node is an empty section (every field keeps its default); anything but a map
  // is reported as "expected a map".
  ConfigSection(YAML::Node node, std::string path, Report report)
      : node_(std::move(node)), path_(std::move(path)), report_(std::move(report)) {
    if (node_.IsDefined() && !node_.IsNull() && !node_.IsMap()) report_(path_, "expected a map");
  }

  // True when the section is a map (false: absent, null or reported as not a map).
  bool present() const { return node_.IsDefined() && node_.IsMap(); }
  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const {
    if (key.empty()) return path_;
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  // The map under `key`, as a section of its own.
  ConfigSection child(std::string_view key) const { return ConfigSection(get(key), path_of(key), report_); }
  // A map found elsewhere under this section, e.g. a list item: at("rules[2]", rules[2]).
  ConfigSection at(std::string_view key, YAML::Node node) const {
    return ConfigSection(std::move(node), path_of(key), report_);
  }

  void error(std::string_view key, std::string message) const { report_(path_of(key), std::move(message)); }

  // Reports every key not in `keys`, naming the valid ones.
  void allow_keys(std::initializer_list<std::string_view> keys) const {
    if (!present()) return;
    for (const auto& kv : node_) {
      const std::string key = kv.first.as<std::string>("");
      bool known = false;
      for (auto k : keys) known = known || key == k;
      if (known) continue;
      std::string valid;
      for (auto k : keys) valid += (valid.empty() ? "" : ", ") + std::string(k);
      error(key, "unknown key (valid: " + valid + ")");
    }
  }

  // The value under `key` when set (not absent, not null); non-scalars are reported.
  std::optional<std::string> scalar(std::string_view key) const {
    YAML::Node n = get(key);
    if (!n.IsDefined() || n.IsNull()) return std::nullopt;
    if (!n.IsScalar()) {
      error(key, "expected a scalar");
      return std::nullopt;
    }
    return n.Scalar();
  }

  // Each reader leaves `out` unchanged when the key is absent or wrong, and returns whether it was set.
  bool string(std::string_view key, std::string& out) const {
    auto v = scalar(key);
    if (v) out = *v;
    return v.has_value();
  }

  bool boolean(std::string_view key, bool& out) const {
    auto v = scalar(key);
    if (!v) return false;
    if (*v == "true") out = true;
    else if (*v == "false") out = false;
    else return fail(key, "expected true or false, got \"" + *v + "\"");
    return true;
  }

  template <class Int>
  bool integer(std::string_view key, Int& out, uint64_t min, uint64_t max) const {
    auto v = scalar(key);
    if (!v) return false;
    uint64_t n = 0;
    auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || ptr != v->data() + v->size())
      return fail(key, "expected a non-negative integer, got \"" + *v + "\"");
    if (n < min || n > max) return fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    out = static_cast<Int>(n);
    return true;
  }

  template <class Duration>
  bool duration(std::string_view key, Duration& out, bool allow_zero = true) const {
    auto v = scalar(key);
    if (!v) return false;
    auto ms = config_values::parse_duration_ms(*v);
    if (!ms) return fail(key, "expected a duration such as 500ms, 30s, 5m, got \"" + *v + "\"");
    if (!allow_zero && *ms == 0) return fail(key, "must be greater than zero");
    out = std::chrono::duration_cast<Duration>(std::chrono::milliseconds(*ms));
    return true;
  }

  template <class Int>
  bool size(std::string_view key, Int& out, uint64_t min, uint64_t max) const {
    auto v = scalar(key);
    if (!v) return false;
    auto bytes = config_values::parse_size_bytes(*v);
    if (!bytes) return fail(key, "expected a size such as 64KiB or 1MiB, got \"" + *v + "\"");
    if (*bytes < min || *bytes > max)
      return fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) + " bytes");
    out = static_cast<Int>(*bytes);
    return true;
  }

  // A rate such as "10/s", "600/m" or "5000/h", as events per second (greater than zero).
  bool rate(std::string_view key, double& per_second) const {
    auto v = scalar(key);
    if (!v) return false;
    auto r = config_values::parse_rate_per_second(*v);
    if (!r || !(*r > 0)) return fail(key, "expected a rate such as \"10/s\" or \"600/m\", got \"" + *v + "\"");
    per_second = *r;
    return true;
  }

  // A fraction in (0, 1], e.g. a failure rate.
  bool fraction(std::string_view key, double& out) const {
    auto v = scalar(key);
    if (!v) return false;
    double d = 0;
    auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), d);
    if (ec != std::errc() || ptr != v->data() + v->size() || !(d > 0 && d <= 1))
      return fail(key, "expected a fraction in (0, 1], got \"" + *v + "\"");
    out = d;
    return true;
  }

  // One of a fixed set of words, mapped to a value.
  template <class T>
  bool choice(std::string_view key, T& out, std::initializer_list<std::pair<std::string_view, T>> options) const {
    auto v = scalar(key);
    if (!v) return false;
    std::string names;  // "a, b or c"
    size_t i = 0;
    for (const auto& [name, value] : options) {
      if (*v == name) {
        out = value;
        return true;
      }
      names += (i == 0 ? "" : i + 1 == options.size() ? " or " : ", ") + std::string(name);
      ++i;
    }
    return fail(key, "expected " + names + ", got \"" + *v + "\"");
  }

 private:
  YAML::Node get(std::string_view key) const {
    if (!present()) return YAML::Node(YAML::NodeType::Undefined);
    return node_[std::string(key)];
  }
  bool fail(std::string_view key, std::string message) const {
    error(key, std::move(message));
    return false;
  }

  YAML::Node node_;
  std::string path_;
  Report report_;
};

}  // namespace herald::sdk
