// Reads the gateway's `mqtt` section into mqtt::BrokerConfig: every key of the broker's README, with
// its default, type-checked, unknown keys listed.
#include <set>

#include "gateway_config.h"
#include "herald/config_values.hpp"

namespace herald::gateway {
namespace {

class Reader {
 public:
  Reader(const YAML::Node& node, std::string_view path, std::vector<PathError>& errors)
      : node_(node), path_(path), errors_(errors) {}

  template <class T>
  void number(const char* key, T& out, uint64_t max) {
    auto v = get(key);
    if (!v) return;
    uint64_t parsed = 0;
    if (!YAML::convert<uint64_t>::decode(v, parsed) || parsed > max) {
      error(key, "expected a whole number from 0 to " + std::to_string(max) + ", got \"" + scalar(v) + "\"");
      return;
    }
    out = static_cast<T>(parsed);
  }
  void milliseconds(const char* key, uint32_t& out) {
    auto v = get(key);
    if (!v) return;
    auto ms = v.IsScalar() ? config_values::parse_duration_ms(v.Scalar()) : std::nullopt;
    if (!ms || *ms > 0xFFFFFFFFu) {
      error(key, "expected a duration like \"10s\", got \"" + scalar(v) + "\"");
      return;
    }
    out = static_cast<uint32_t>(*ms);
  }
  void size(const char* key, uint32_t& out) {
    auto v = get(key);
    if (!v) return;
    auto bytes = v.IsScalar() ? config_values::parse_size_bytes(v.Scalar()) : std::nullopt;
    if (!bytes || *bytes > 268435455u) {
      error(key, "expected a size up to 256MiB like \"1MiB\", got \"" + scalar(v) + "\"");
      return;
    }
    out = static_cast<uint32_t>(*bytes);
  }
  void boolean(const char* key, bool& out) {
    auto v = get(key);
    if (!v) return;
    if (!YAML::convert<bool>::decode(v, out)) error(key, "expected true or false, got \"" + scalar(v) + "\"");
  }
  void string(const char* key, std::string& out) {
    auto v = get(key);
    if (!v) return;
    if (!v.IsScalar()) error(key, "expected a string");
    else out = v.Scalar();
  }
  std::optional<std::string> choice(const char* key, std::initializer_list<const char*> allowed) {
    auto v = get(key);
    if (!v) return std::nullopt;
    std::string s = scalar(v);
    std::string list;
    for (const char* a : allowed) {
      if (s == a) return s;
      list += (list.empty() ? "" : ", ") + std::string(a);
    }
    error(key, "expected one of " + list + ", got \"" + s + "\"");
    return std::nullopt;
  }
  void reject_unknown() {
    if (!node_.IsMap()) return;
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      std::string k = it->first.as<std::string>();
      if (known_.count(k)) continue;
      std::string list;
      for (const auto& n : known_) list += (list.empty() ? "" : ", ") + n;
      errors_.push_back({std::string(path_) + "." + k, "unknown key; valid keys: " + list});
    }
  }

 private:
  YAML::Node get(const char* key) {
    known_.insert(key);
    if (!node_.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    YAML::Node v = node_[key];
    if (!v.IsDefined() || v.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
    return v;
  }
  static std::string scalar(const YAML::Node& v) { return v.IsScalar() ? v.Scalar() : std::string("(not a scalar)"); }
  void error(const char* key, std::string message) {
    errors_.push_back({std::string(path_) + "." + key, std::move(message)});
  }
  YAML::Node node_;
  std::string_view path_;
  std::vector<PathError>& errors_;
  std::set<std::string> known_;
};

}  // namespace

mqtt::BrokerConfig parse_broker_config(const YAML::Node& node, std::vector<PathError>& errors, std::string_view path) {
  mqtt::BrokerConfig c;
  if (node.IsDefined() && !node.IsNull() && !node.IsMap()) {
    errors.push_back({std::string(path), "expected a map"});
    return c;
  }
  Reader r(node, path, errors);
  r.number("max_inflight", c.max_inflight, 65535);
  r.number("max_queued", c.max_queued, 10'000'000);
  if (auto v = r.choice("queue_overflow", {"drop_new", "drop_oldest"}))
    c.queue_overflow = *v == "drop_new" ? mqtt::BrokerConfig::Overflow::kDropNew : mqtt::BrokerConfig::Overflow::kDropOldest;
  r.boolean("queue_qos0_offline", c.queue_qos0_offline);
  r.number("session_expiry_max", c.session_expiry_max, 0xFFFFFFFFu);
  r.number("keepalive_max", c.keepalive_max, 65535);
  r.number("server_keep_alive", c.server_keep_alive, 65535);
  r.number("topic_alias_maximum", c.topic_alias_maximum, 65535);
  r.number("receive_maximum", c.receive_maximum, 65535);
  r.size("max_packet_size", c.max_packet_size);
  r.boolean("retain_available", c.retain_available);
  r.number("max_topic_levels", c.max_topic_levels, 65535);
  r.boolean("wildcard_subscriptions", c.wildcard_subscriptions);
  r.boolean("shared_subscriptions", c.shared_subscriptions);
  r.boolean("subscription_identifiers", c.subscription_identifiers);
  uint32_t qos = 2;
  r.number("maximum_qos", qos, 2);
  c.maximum_qos = static_cast<herald::mqtt::QoS>(qos);
  r.string("pipeline", c.pipeline);
  r.string("storage_path", c.storage_path);
  r.milliseconds("commit_interval", c.commit_interval_ms);
  r.boolean("storage_sync_full", c.storage_sync_full);
  r.milliseconds("connect_timeout", c.connect_timeout_ms);
  r.boolean("wills_on_shutdown", c.wills_on_shutdown);
  r.reject_unknown();
  if (c.receive_maximum == 0) errors.push_back({std::string(path) + ".receive_maximum", "must be at least 1"});
  if (c.max_inflight == 0) errors.push_back({std::string(path) + ".max_inflight", "must be at least 1"});
  return c;
}

}  // namespace herald::gateway
