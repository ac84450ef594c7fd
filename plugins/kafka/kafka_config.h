// KafkaConfig: the kafka plugin's config (the cluster section), parsed once into typed fields.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include <herald/config_section.hpp>

namespace herald::kafka {

struct KafkaConfig {
  std::string bootstrap_servers;           // required: "host:port,host:port"
  std::string topic = "herald.log";        // the replication log
  int32_t partition = 0;                   // its one ordered partition (docs/cluster.md: why one)
  std::chrono::milliseconds append_timeout{10000};   // librdkafka message.timeout.ms
  std::chrono::milliseconds linger{1};                // librdkafka linger.ms: batching vs latency
  std::chrono::milliseconds catch_up_timeout{60000};
  // librdkafka fetch.wait.max.ms of the reader: how long a fetch waits for new records. A broker answers
  // as soon as a record arrives, so this bounds idle polling, not latency (the mock cluster always
  // waits it out: tests set it low).
  std::chrono::milliseconds fetch_wait{100};
  // Cluster-wide presence (compacted topic; "" = presence stays per node) and its heartbeat: a node
  // silent for three heartbeats counts as gone.
  std::string presence_topic = "herald.presence";
  std::chrono::milliseconds presence_heartbeat{2000};  // start() waits this long to apply the log's end
  // Passed to librdkafka as they are (security.protocol, sasl.*, ssl.*, ...): Herald does not
  // reimplement Kafka security, it hands it to the client library that speaks it.
  std::map<std::string, std::string> librdkafka;
};

// Reports every problem with its YAML path; returns what parsed.
KafkaConfig parse_kafka_config(const YAML::Node& node, const sdk::ConfigSection::Report& report);

}  // namespace herald::kafka
