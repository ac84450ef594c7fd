// The kafka plugin's config: defaults, every problem reported with its path, guarantees not overridable.
#include <catch2/catch.hpp>

#include "kafka_config.h"

using herald::kafka::parse_kafka_config;

namespace {
std::vector<std::string> problems(const std::string& yaml) {
  std::vector<std::string> errors;
  parse_kafka_config(YAML::Load(yaml), [&](std::string path, std::string message) {
    errors.push_back(path + ": " + message);
  });
  return errors;
}
}  // namespace

TEST_CASE("config: defaults and passthrough properties") {
  std::vector<std::string> errors;
  auto collect = [&](std::string path, std::string message) { errors.push_back(path + ": " + message); };
  auto c = parse_kafka_config(YAML::Load(R"(
bootstrap_servers: "k1:9092,k2:9092"
librdkafka: {security.protocol: SASL_SSL, sasl.username: herald}
)"),
                              collect);
  CHECK(errors.empty());
  CHECK(c.bootstrap_servers == "k1:9092,k2:9092");
  CHECK(c.topic == "herald.log");
  CHECK(c.partition == 0);
  CHECK(c.append_timeout == std::chrono::seconds(10));
  CHECK(c.presence_topic == "herald.presence");
  CHECK(c.presence_heartbeat == std::chrono::seconds(2));
  CHECK(c.librdkafka.at("security.protocol") == "SASL_SSL");
  CHECK(c.librdkafka.at("sasl.username") == "herald");
}

TEST_CASE("config: each problem names its path") {
  auto e = problems("topic: ''\nappend_timeout: soon\nunknown: 1\n");
  auto has = [&](const std::string& prefix) {
    return std::any_of(e.begin(), e.end(), [&](const std::string& s) { return s.rfind(prefix, 0) == 0; });
  };
  CHECK(has("bootstrap_servers: required"));
  CHECK(has("topic: must not be empty"));
  CHECK(has("append_timeout:"));
  CHECK(has("unknown:"));
}

TEST_CASE("config: properties Herald's guarantees depend on are refused") {
  for (const char* key : {"acks", "enable.idempotence", "enable.auto.commit", "message.timeout.ms"}) {
    auto e = problems(std::string("bootstrap_servers: k:9092\nlibrdkafka: {") + key + ": x}\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0] == std::string("librdkafka.") + key + ": set by Herald for its delivery guarantees; not configurable");
  }
  auto e = problems("bootstrap_servers: k:9092\nlibrdkafka: [a, b]\n");
  REQUIRE(e.size() == 1);
  CHECK(e[0].rfind("librdkafka: expected a map", 0) == 0);
}
