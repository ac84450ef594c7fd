// Connects the MQTT broker to the session registry: MQTT sessions of authenticated users are recorded
// at CONNACK and removed when their connection ends; the registry kicks them with a v5 DISCONNECT.
#pragma once

#include <memory>
#include <regex>
#include <string>

#include "herald/gateway/mqtt/broker.h"
#include "herald/gateway/session/session_registry.h"

namespace herald::gateway::session {

// The registry's control for an MQTT session: the IM core delivers with
// Broker::deliver(client_id(), ...) when s.protocol == kMqtt.
class MqttSessionControl final : public SessionControl {
 public:
  MqttSessionControl(mqtt::Broker& broker, std::string client_id, uint64_t connection_id)
      : broker_(broker), client_id_(std::move(client_id)), connection_id_(connection_id) {}
  // Only this connection: a client that reconnected meanwhile is not touched.
  void kick(herald_reason reason, std::string text) override {
    broker_.disconnect_client(client_id_, reason, std::move(text), connection_id_);
  }
  const std::string& client_id() const { return client_id_; }
  mqtt::Broker& broker() const { return broker_; }

 private:
  mqtt::Broker& broker_;
  std::string client_id_;
  uint64_t connection_id_;
};

// Install with broker.set_session_observer(std::make_shared<MqttSessionLink>(registry, broker)); the
// broker must outlive every connection (it does: the plugin stops listeners first). Anonymous MQTT
// clients (no user) are not IM devices and are not recorded.
class MqttSessionLink final : public mqtt::SessionObserver {
 public:
  MqttSessionLink(SessionRegistry& registry, mqtt::Broker& broker);
  void on_session_online(const mqtt::SessionEvent& event) override;
  void on_session_offline(const mqtt::SessionEvent& event, mqtt::SessionEndCause cause) override;
  // "mqtt", or the pattern's capture on the client id.
  std::string platform_of(const std::string& client_id) const;

 private:
  SessionRegistry& registry_;
  mqtt::Broker& broker_;
  std::optional<std::regex> pattern_;
};

}  // namespace herald::gateway::session
