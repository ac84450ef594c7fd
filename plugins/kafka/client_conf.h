// Configuration of the plugin's librdkafka clients (the log's producer and reader, the presence
// reader): what they all share, and one way to fail on a bad property.
#pragma once

#include <string>

#include <librdkafka/rdkafka.h>

#include "kafka_config.h"

namespace herald::kafka {

// Sets one property; on an error destroys `conf` and throws sdk::PluginError naming the property.
void conf_set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value);

// A new conf with the brokers, `client_id` and the operator's librdkafka properties.
rd_kafka_conf_t* client_conf(const KafkaConfig& config, const std::string& client_id);

}  // namespace herald::kafka
