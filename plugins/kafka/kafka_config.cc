#include "kafka_config.h"

namespace herald::kafka {

namespace {
// Properties Herald sets itself for its guarantees; overriding them would silently weaken them.
constexpr std::string_view kReserved[] = {"enable.idempotence", "acks", "enable.auto.commit", "bootstrap.servers",
                                          "message.timeout.ms", "linger.ms", "enable.auto.offset.store", "fetch.wait.max.ms",
                                          "isolation.level"};
}  // namespace

KafkaConfig parse_kafka_config(const YAML::Node& node, const sdk::ConfigSection::Report& report) {
  KafkaConfig c;
  sdk::ConfigSection root(node, "", report);
  root.allow_keys({"bootstrap_servers", "topic", "partition", "append_timeout", "linger", "catch_up_timeout",
                   "fetch_wait", "presence_topic", "presence_heartbeat", "librdkafka"});
  root.string("bootstrap_servers", c.bootstrap_servers);
  if (c.bootstrap_servers.empty()) root.error("bootstrap_servers", "required: the Kafka brokers, \"host:port,...\"");
  root.string("topic", c.topic);
  if (c.topic.empty()) root.error("topic", "must not be empty");
  root.integer("partition", c.partition, 0, 100000);
  root.duration("append_timeout", c.append_timeout, false);
  root.duration("linger", c.linger);
  root.duration("catch_up_timeout", c.catch_up_timeout, false);
  root.duration("fetch_wait", c.fetch_wait);
  root.string("presence_topic", c.presence_topic);
  root.duration("presence_heartbeat", c.presence_heartbeat, false);
  YAML::Node extra = node.IsMap() ? node["librdkafka"] : YAML::Node();
  if (extra.IsDefined() && !extra.IsNull()) {
    if (!extra.IsMap()) {
      root.error("librdkafka", "expected a map of librdkafka properties");
    } else {
      for (const auto& kv : extra) {
        std::string key = kv.first.as<std::string>("");
        if (!kv.second.IsScalar()) {
          report("librdkafka." + key, "expected a scalar value");
          continue;
        }
        bool reserved = false;
        for (auto r : kReserved) reserved = reserved || key == r;
        if (reserved) {
          report("librdkafka." + key, "set by Herald for its delivery guarantees; not configurable");
          continue;
        }
        c.librdkafka[key] = kv.second.as<std::string>();
      }
    }
  }
  return c;
}

}  // namespace herald::kafka
