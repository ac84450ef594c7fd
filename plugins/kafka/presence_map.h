// PresenceMap: which devices are connected to which node, kept in a compacted Kafka topic and cached
// on every node. Each node writes "d|<instance>|<user>|<device>" while the device has sessions there
// (a tombstone when it has none) and "n|<instance>" heartbeats; a node whose heartbeat is older than
// three intervals counts as gone (kill -9), so its devices count as offline without anyone cleaning up.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>

#include <librdkafka/rdkafka.h>

#include <herald/sdk.hpp>

#include "kafka_config.h"

namespace herald::kafka {

class PresenceMap {
 public:
  // `producer` is borrowed (the replication log's) and outlives this object.
  PresenceMap(sdk::Host host, const KafkaConfig& config, rd_kafka_t* producer, std::string instance,
              sdk::Metric devices_elsewhere);
  ~PresenceMap();
  PresenceMap(const PresenceMap&) = delete;
  PresenceMap& operator=(const PresenceMap&) = delete;

  void start();  // reads the topic from its beginning; throws sdk::PluginError when it cannot
  void stop();   // tombstones this node's entries

  void device_sessions(std::string_view user, std::string_view device, uint32_t local_sessions);
  bool online_elsewhere(std::string_view user, std::string_view device) const;

 private:
  void run();
  void produce(const std::string& key, const std::string* value);
  void on_record(std::string_view key, const void* value, size_t size);

  sdk::Host host_;
  const KafkaConfig& config_;
  rd_kafka_t* producer_;
  std::string instance_;
  sdk::Metric devices_elsewhere_;
  rd_kafka_topic_t* topic_;  // on the producer
  rd_kafka_t* consumer_ = nullptr;
  std::atomic<bool> running_{false};
  std::thread thread_;

  mutable std::mutex mutex_;
  std::map<std::string, int64_t> heartbeats_;                    // instance -> last heartbeat (ms)
  std::map<std::string, std::set<std::string>, std::less<>> devices_;  // "user|device" -> instances
  std::set<std::string> mine_;                                   // keys this node has written
};

}  // namespace herald::kafka
