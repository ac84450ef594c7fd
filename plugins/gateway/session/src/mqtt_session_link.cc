// MqttSessionLink: MQTT session online/offline -> SessionRegistry add/remove.
#include "herald/gateway/session/mqtt_session_link.h"

namespace herald::gateway::session {

MqttSessionLink::MqttSessionLink(SessionRegistry& registry, mqtt::Broker& broker)
    : registry_(registry), broker_(broker) {
  // The config parser already checked the pattern compiles.
  if (!registry.config().mqtt_platform_pattern.empty()) {
    try {
      pattern_.emplace(registry.config().mqtt_platform_pattern, std::regex::ECMAScript);
    } catch (const std::regex_error&) {
      pattern_.reset();
    }
  }
}

std::string MqttSessionLink::platform_of(const std::string& client_id) const {
  if (pattern_) {
    std::smatch m;
    if (std::regex_search(client_id, m, *pattern_) && m.size() > 1 && m[1].matched && m[1].length() > 0)
      return m[1].str();
  }
  return "mqtt";
}

void MqttSessionLink::on_session_online(const mqtt::SessionEvent& e) {
  if (e.user.empty()) return;  // anonymous: not an IM device
  DeviceSession d;
  d.user = e.user;
  d.device = e.client_id;
  d.platform = platform_of(e.client_id);
  d.protocol = Protocol::kMqtt;
  d.connection_id = e.connection_id;
  d.loop = e.loop;
  d.control = std::make_shared<MqttSessionControl>(broker_, e.client_id, e.connection_id);
  registry_.add(std::move(d));
}

void MqttSessionLink::on_session_offline(const mqtt::SessionEvent& e, mqtt::SessionEndCause) {
  if (e.user.empty()) return;
  registry_.remove(e.user, e.client_id, e.connection_id);
}

}  // namespace herald::gateway::session
