// Parses the `binary:` config section (keys and defaults: plugins/gateway/binary/README.md).
#include "herald/gateway/binary/binary_config.h"

#include <charconv>
#include <initializer_list>

#include "herald/binary/codec.h"
#include "herald/config_values.hpp"

namespace herald::gateway::binary {
namespace {

std::string join(const std::string& base, std::string_view key) {
  return base.empty() ? std::string(key) : base + "." + std::string(key);
}

class Reader {
 public:
  Reader(const YAML::Node& node, const std::string& path, ConfigErrors& errors)
      : node_(node), path_(path), errors_(errors) {}

  void error(std::string_view key, std::string message) { errors_.push_back({join(path_, key), std::move(message)}); }

  // Unknown keys are errors naming the valid ones.
  void check_keys(std::initializer_list<std::string_view> keys) {
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

  std::optional<std::string> scalar(std::string_view key) {
    const YAML::Node n = node_[std::string(key)];
    if (!n || n.IsNull()) return std::nullopt;
    if (!n.IsScalar()) {
      error(key, "expected a scalar");
      return std::nullopt;
    }
    return n.Scalar();
  }

  bool duration(std::string_view key, std::chrono::milliseconds& out) {
    auto v = scalar(key);
    if (!v) return false;
    auto ms = config_values::parse_duration_ms(*v);
    if (!ms) {
      error(key, "expected a duration such as 500ms, 30s, 5m, got \"" + *v + "\"");
      return false;
    }
    if (*ms == 0) {
      error(key, "must be greater than zero");
      return false;
    }
    out = std::chrono::milliseconds(*ms);
    return true;
  }

  void size(std::string_view key, uint32_t& out, uint64_t min, uint64_t max) {
    auto v = scalar(key);
    if (!v) return;
    auto bytes = config_values::parse_size_bytes(*v);
    if (!bytes) return error(key, "expected a size such as 64KiB or 1MiB, got \"" + *v + "\"");
    if (*bytes < min || *bytes > max)
      return error(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) + " bytes");
    out = static_cast<uint32_t>(*bytes);
  }

  void boolean(std::string_view key, bool& out) {
    auto v = scalar(key);
    if (!v) return;
    if (*v == "true") out = true;
    else if (*v == "false") out = false;
    else error(key, "expected true or false, got \"" + *v + "\"");
  }

  void integer(std::string_view key, uint32_t& out, uint32_t min, uint32_t max) {
    auto v = scalar(key);
    if (!v) return;
    uint64_t n = 0;
    auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || ptr != v->data() + v->size())
      return error(key, "expected a non-negative integer, got \"" + *v + "\"");
    if (n < min || n > max) return error(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    out = static_cast<uint32_t>(n);
  }

 private:
  const YAML::Node& node_;
  const std::string& path_;
  ConfigErrors& errors_;
};

}  // namespace

BinaryConfig parse_binary_config(const YAML::Node& node, const std::string& path, ConfigErrors& errors) {
  BinaryConfig c;
  if (!node || node.IsNull()) return c;
  if (!node.IsMap()) {
    errors.push_back({path, "expected a map"});
    return c;
  }
  Reader r(node, path, errors);
  r.check_keys({"heartbeat", "heartbeat_min", "heartbeat_max", "idle_timeout", "connect_timeout", "max_frame_size",
                "compression", "batch_ack", "token_recheck", "max_decode_errors"});
  r.duration("heartbeat_min", c.heartbeat_min);
  r.duration("heartbeat_max", c.heartbeat_max);
  if (c.heartbeat_min > c.heartbeat_max) r.error("heartbeat_min", "must not exceed heartbeat_max");
  r.duration("heartbeat", c.heartbeat);
  // Clamped rather than refused: the bounds are the operator's guard rails for a tuned interval.
  c.heartbeat = std::clamp(c.heartbeat, std::min(c.heartbeat_min, c.heartbeat_max), c.heartbeat_max);
  c.idle_timeout = c.heartbeat * 5 / 2;
  if (r.duration("idle_timeout", c.idle_timeout) && c.idle_timeout <= c.heartbeat)
    r.error("idle_timeout", "must be greater than heartbeat (" + std::to_string(c.heartbeat.count()) +
                                "ms), or one late PING closes the connection");
  r.duration("connect_timeout", c.connect_timeout);
  r.size("max_frame_size", c.max_frame_size, 1024, herald::binary::kMaxFrameSizeCeiling);
  r.boolean("compression", c.compression);
  r.boolean("batch_ack", c.batch_ack);
  r.duration("token_recheck", c.token_recheck);
  r.integer("max_decode_errors", c.max_decode_errors, 0, 1'000'000);
  return c;
}

}  // namespace herald::gateway::binary
