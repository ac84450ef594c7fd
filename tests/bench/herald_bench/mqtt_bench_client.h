// One MQTT connection driven by libmosquitto's external-loop API (mosquitto_socket, loop_read,
// loop_write, loop_misc) inside a Worker's epoll loop, so Herald and Mosquitto are measured with the
// same independent client code. Sends carry their send time; receivers record the latency.
#pragma once

#include <mosquitto.h>

#include <cstdint>
#include <string>

#include "load_engine.h"

namespace herald::bench {

struct MqttClientSpec {
  std::string client_id;
  std::string username;   // empty: none
  std::string password;   // the JWT for Herald
  std::string bind_address;
  std::string subscribe;  // topic filter to subscribe to once connected; empty: none
  std::string publish;    // where sends go
  bool im = false;        // sends are $im/send JSON; deliveries are $im/inbox entries
  std::string cmid_prefix;  // IM: unique per run, so Herald's (sender, cmid) dedup never merges runs
  bool sync_on_connect = false;  // IM: ready only after $im/sync answered with sync_end
};

class MqttBenchClient final : public BenchClient {
 public:
  MqttBenchClient(const BenchOptions& options, MqttClientSpec spec);
  ~MqttBenchClient() override;

  bool begin() override;
  void on_events(std::uint32_t events) override;
  void on_second() override;
  bool send_one(std::uint64_t now) override;
  void finish() override;
  bool restart() override;

 private:
  static void on_connect(mosquitto*, void* self, int rc);
  static void on_subscribe(mosquitto*, void* self, int mid, int count, const int* granted);
  static void on_publish(mosquitto*, void* self, int mid);
  static void on_message(mosquitto*, void* self, const mosquitto_message* message);
  static void on_disconnect(mosquitto*, void* self, int rc);
  void handle_message(const mosquitto_message& message);
  void lost(const std::string& why);
  void update_mask();

  const BenchOptions& options_;
  MqttClientSpec spec_;
  mosquitto* mosq_ = nullptr;
  int fd_ = -1;
  std::uint32_t mask_ = 0;
  std::uint64_t seq_ = 0;
  bool finishing_ = false;
  int sync_mid_ = -1;  // the $im/sync publish, whose PUBACK is not a message ack
  std::string payload_;  // reused buffer
};

}  // namespace herald::bench
