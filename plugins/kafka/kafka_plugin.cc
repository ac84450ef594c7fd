// kafka: cluster mode on Kafka (docs/cluster.md). Offers the messaging core a replication log on a
// Kafka partition, so several Herald nodes apply the same operations in the same order and every
// client can connect to any node.
#include <herald/im_service.h>
#include <herald/sdk.hpp>

#include "kafka_config.h"
#include "replication_log.h"

namespace herald::kafka {

namespace {
KafkaConfig parse_or_throw(const sdk::Config& config) {
  return sdk::parse_config_or_throw("kafka", config.node(), parse_kafka_config);
}

LogMetrics make_metrics(const sdk::Host& h) {
  return LogMetrics{
      h.counter("herald_cluster_appends_total", "Records appended to the replication log.", {{"result", "ok"}}),
      h.counter("herald_cluster_appends_total", "Records appended to the replication log.", {{"result", "failed"}}),
      h.histogram("herald_cluster_append_seconds", "Append to acks=all acknowledgement.",
                  {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5}),
      h.counter("herald_cluster_records_applied_total", "Log records handed to this node's messaging core."),
      h.histogram("herald_cluster_replication_seconds",
                  "From the record's timestamp on its origin node to this node reading it (cross-node latency).",
                  {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5}),
      h.gauge("herald_cluster_consumer_lag", "Records in the log this node has not applied yet."),
      h.counter("herald_cluster_client_errors_total", "Errors librdkafka reported (brokers down, timeouts)."),
      h.gauge("herald_cluster_log_attached", "1 while the replication log is attached to the messaging core."),
      h.gauge("herald_cluster_presence_remote_devices",
              "Device sessions on other live nodes, from the presence topic (offline push skips them)."),
  };
}
}  // namespace

class KafkaPlugin : public sdk::Plugin {
 public:
  KafkaPlugin(sdk::Host host, const sdk::Config& config)
      : Plugin(host), log_(std::make_unique<ReplicationLog>(host, parse_or_throw(config), make_metrics(host))) {}
  ~KafkaPlugin() override { stop(); }

  static void validate(const sdk::Config& config, sdk::Errors& errors) {
    parse_kafka_config(config.node(), [&](std::string path, std::string message) { errors.add(path, message); });
  }

  void start() override {
    const herald_host_v1* api = host().api();
    const void* table = HERALD_STRUCT_HAS(api, herald_host_v1, service_lookup) && api->service_lookup
                            ? api->service_lookup(host().ctx(), sdk::to_str(HERALD_IM_SERVICE_V1))
                            : nullptr;
    auto* im = static_cast<const herald_im_service_v1*>(table);
    if (!im || !HERALD_STRUCT_HAS(im, herald_im_service_v1, applied_position))
      throw sdk::PluginError("kafka: the messaging core (herald.im.v1) offers no replication seam");
    log_->start(im);
  }
  void stop() override {
    if (log_) log_->stop();
  }

 private:
  std::unique_ptr<ReplicationLog> log_;
};

namespace {
sdk::PluginSpec<KafkaPlugin> spec() {
  using sdk::key;
  using sdk::required_key;
  return sdk::PluginSpec<KafkaPlugin>("kafka", "1.0.0",
                                      "cluster mode: the messaging core's replication log on Kafka (librdkafka)")
      .keys({required_key("bootstrap_servers", HERALD_CONFIG_STRING, "Kafka brokers, \"host:port,host:port\""),
             key("topic", HERALD_CONFIG_STRING, "herald.log", "topic of the replication log"),
             key("partition", HERALD_CONFIG_INTEGER, "0", "partition of that topic the cluster uses"),
             key("append_timeout", HERALD_CONFIG_DURATION, "10s",
                 "an append not acknowledged by then fails (the client gets SERVER_UNAVAILABLE and retries)"),
             key("linger", HERALD_CONFIG_DURATION, "1ms", "producer batching delay (librdkafka linger.ms)"),
             key("catch_up_timeout", HERALD_CONFIG_DURATION, "60s",
                 "start-up waits this long for the replica to apply the log before the fronts start"),
             key("fetch_wait", HERALD_CONFIG_DURATION, "100ms",
                 "reader's fetch.wait.max.ms: longest wait of one fetch for new records"),
             key("presence_topic", HERALD_CONFIG_STRING, "herald.presence",
                 "compacted topic of cluster-wide presence (\"\": presence per node)"),
             key("presence_heartbeat", HERALD_CONFIG_DURATION, "2s",
                 "node heartbeat in the presence topic; three missed = the node's devices count as offline"),
             key("librdkafka", HERALD_CONFIG_MAP, "{}",
                 "more librdkafka properties as they are: security.protocol, sasl.*, ssl.* ...")});
}
}  // namespace

}  // namespace herald::kafka

HERALD_PLUGIN(herald::kafka::KafkaPlugin, herald::kafka::spec)
