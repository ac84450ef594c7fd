// ReplicationLog: the messaging core's replication log (herald_im_log_v1) on one Kafka partition.
// Appends go through an idempotent producer with acks=all; a reader thread consumes the partition from
// the position the core asks for and hands every record to the core's apply(), in order.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include <librdkafka/rdkafka.h>

#include <herald/im_service.h>
#include <herald/sdk.hpp>

#include "kafka_config.h"
#include "presence_map.h"

namespace herald::kafka {

struct LogMetrics {
  sdk::Metric appended, append_failed;   // herald_cluster_appends_total{result}
  sdk::Metric append_seconds;            // produce -> acks=all delivery report
  sdk::Metric applied;                   // herald_cluster_records_applied_total
  sdk::Metric replication_seconds;       // record timestamp (origin) -> handed to this node's core
  sdk::Metric lag;                       // herald_cluster_consumer_lag: log end - applied position
  sdk::Metric errors;                    // herald_cluster_client_errors_total
  sdk::Metric connected;                 // herald_cluster_log_attached (1 while attached)
  sdk::Metric remote_devices;            // herald_cluster_presence_remote_devices
};

class ReplicationLog {
 public:
  // Creates the producer and consumer (throws sdk::PluginError with librdkafka's reason on a bad
  // property); nothing is attached yet.
  ReplicationLog(sdk::Host host, KafkaConfig config, LogMetrics metrics);
  ~ReplicationLog();
  ReplicationLog(const ReplicationLog&) = delete;
  ReplicationLog& operator=(const ReplicationLog&) = delete;

  // Attaches to the core and starts reading at the position it returns; then waits (bounded by
  // catch_up_timeout) until the core has applied everything that was in the log, so the fronts that
  // start afterwards serve a caught-up replica. Throws sdk::PluginError on failure.
  void start(const herald_im_service_v1* im);
  void stop();  // detaches, stops reading, flushes (pending appends get their result)

  const herald_im_log_v1* table() const { return &table_; }

 private:
  void append(std::string_view record, herald_im_log_done_fn done, void* done_arg);
  // librdkafka's error callback of both clients: counted and logged with the client's name.
  static void on_client_error(rd_kafka_t* rk, int code, const char* reason, void* opaque);
  void read_loop();
  void poll_loop();
  int64_t log_end(int timeout_ms);  // high watermark of the partition, -1 on error

  sdk::Host host_;
  KafkaConfig config_;
  LogMetrics metrics_;
  rd_kafka_t* producer_ = nullptr;
  rd_kafka_topic_t* topic_ = nullptr;
  rd_kafka_t* consumer_ = nullptr;
  const herald_im_service_v1* im_ = nullptr;
  std::unique_ptr<PresenceMap> presence_;  // null when presence_topic is ""
  std::atomic<bool> running_{false};
  std::thread reader_, poller_;
  herald_im_log_v1 table_{};
};

}  // namespace herald::kafka
