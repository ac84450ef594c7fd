#include "client_conf.h"

#include <herald/sdk.hpp>

namespace herald::kafka {

void conf_set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    throw sdk::PluginError("kafka: property " + key + ": " + err, HERALD_REASON_INVALID_REQUEST);
  }
}

rd_kafka_conf_t* client_conf(const KafkaConfig& config, const std::string& client_id) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  conf_set(conf, "bootstrap.servers", config.bootstrap_servers);
  conf_set(conf, "client.id", client_id);
  for (const auto& [k, v] : config.librdkafka) conf_set(conf, k, v);
  return conf;
}

}  // namespace herald::kafka
