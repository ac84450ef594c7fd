// Reads the gateway's `mqtt` section into mqtt::BrokerConfig: every key of the broker's README, with
// its default, type-checked, unknown keys listed.
#include "gateway_config.h"

namespace herald::gateway {

mqtt::BrokerConfig parse_broker_config(const YAML::Node& node, std::vector<PathError>& errors, std::string_view path) {
  mqtt::BrokerConfig c;
  sdk::ConfigSection r(node, std::string(path), auth::report_to(errors));
  if (!r.present()) return c;
  r.allow_keys({"max_inflight", "max_queued", "queue_overflow", "queue_qos0_offline", "session_expiry_max",
                "keepalive_max", "server_keep_alive", "topic_alias_maximum", "receive_maximum", "max_packet_size",
                "retain_available", "max_topic_levels", "wildcard_subscriptions", "shared_subscriptions",
                "subscription_identifiers", "maximum_qos", "pipeline", "storage_path", "commit_interval",
                "storage_sync_full", "connect_timeout", "wills_on_shutdown"});
  r.integer("max_inflight", c.max_inflight, 1, 65535);
  r.integer("max_queued", c.max_queued, 0, 10'000'000);
  r.choice("queue_overflow", c.queue_overflow,
           {{"drop_new", mqtt::BrokerConfig::Overflow::kDropNew},
            {"drop_oldest", mqtt::BrokerConfig::Overflow::kDropOldest}});
  r.boolean("queue_qos0_offline", c.queue_qos0_offline);
  r.integer("session_expiry_max", c.session_expiry_max, 0, 0xFFFFFFFFu);
  r.integer("keepalive_max", c.keepalive_max, 0, 65535);
  r.integer("server_keep_alive", c.server_keep_alive, 0, 65535);
  r.integer("topic_alias_maximum", c.topic_alias_maximum, 0, 65535);
  r.integer("receive_maximum", c.receive_maximum, 1, 65535);
  r.size("max_packet_size", c.max_packet_size, 16, 268435455u);  // MQTT's Remaining Length ceiling
  r.boolean("retain_available", c.retain_available);
  r.integer("max_topic_levels", c.max_topic_levels, 0, 65535);
  r.boolean("wildcard_subscriptions", c.wildcard_subscriptions);
  r.boolean("shared_subscriptions", c.shared_subscriptions);
  r.boolean("subscription_identifiers", c.subscription_identifiers);
  uint32_t qos = 2;
  if (r.integer("maximum_qos", qos, 0, 2)) c.maximum_qos = static_cast<herald::mqtt::QoS>(qos);
  r.string("pipeline", c.pipeline);
  r.string("storage_path", c.storage_path);
  // The broker keeps these as 32-bit milliseconds.
  auto milliseconds = [&r](std::string_view key, uint32_t& out, bool allow_zero) {
    std::chrono::milliseconds d{out};
    if (!r.duration(key, d, allow_zero)) return;
    if (d.count() > 0xFFFFFFFFll) return r.error(key, "must be at most 49 days");
    out = static_cast<uint32_t>(d.count());
  };
  milliseconds("commit_interval", c.commit_interval_ms, true);
  milliseconds("connect_timeout", c.connect_timeout_ms, false);
  r.boolean("storage_sync_full", c.storage_sync_full);
  r.boolean("wills_on_shutdown", c.wills_on_shutdown);
  return c;
}

}  // namespace herald::gateway
