// Registers herald_mqtt_* series (names and labels are listed in plugins/gateway/mqtt/README.md).
#include "broker_metrics.h"

namespace herald::gateway::mqtt {

void BrokerMetrics::register_all(const sdk::Host& host) {
  static constexpr std::string_view kConnect[] = {"success", "bad_credentials", "not_authorized",
                                                  "identifier_rejected", "unsupported_version", "malformed",
                                                  "timeout", "other"};
  for (size_t i = 0; i < connects.size(); ++i)
    connects[i] = host.counter("herald_mqtt_connects_total", "MQTT CONNECT outcomes", {{"result", kConnect[i]}});
  static constexpr std::string_view kDisc[] = {"normal", "with_will", "keepalive_timeout", "taken_over",
                                               "protocol_error", "network_error", "peer_closed", "too_slow",
                                               "shutdown", "kicked"};
  for (size_t i = 0; i < disconnects.size(); ++i)
    disconnects[i] = host.counter("herald_mqtt_disconnects_total", "MQTT connections ended, by reason", {{"reason", kDisc[i]}});
  keepalive_timeouts = host.counter("herald_mqtt_keepalive_timeouts_total", "MQTT clients silent for 1.5 x keepalive");
  for (uint8_t t = 1; t <= 15; ++t) {
    auto name = herald::mqtt::to_string(static_cast<herald::mqtt::PacketType>(t));
    received[t] = host.counter("herald_mqtt_packets_received_total", "MQTT packets received", {{"type", name}});
    sent[t] = host.counter("herald_mqtt_packets_sent_total", "MQTT packets sent", {{"type", name}});
  }
  static constexpr std::string_view kQos[] = {"0", "1", "2"};
  for (size_t q = 0; q < 3; ++q) {
    published[q] = host.counter("herald_mqtt_messages_published_total", "MQTT messages accepted from publishers", {{"qos", kQos[q]}});
    delivered[q] = host.counter("herald_mqtt_messages_delivered_total", "MQTT messages sent to subscribers", {{"qos", kQos[q]}});
  }
  static constexpr std::string_view kDrop[] = {"queue_full", "expired", "packet_too_large", "not_authorized",
                                               "rejected", "qos0_offline", "session_ended"};
  for (size_t i = 0; i < dropped.size(); ++i)
    dropped[i] = host.counter("herald_mqtt_messages_dropped_total", "MQTT messages not delivered, by reason", {{"reason", kDrop[i]}});
  sessions_online = host.gauge("herald_mqtt_sessions", "MQTT sessions", {{"state", "online"}});
  sessions_offline = host.gauge("herald_mqtt_sessions", "MQTT sessions", {{"state", "offline"}});
  subscriptions = host.gauge("herald_mqtt_subscriptions", "MQTT subscriptions (shared members included)");
  retained = host.gauge("herald_mqtt_retained_messages", "MQTT retained messages");
  inflight = host.gauge("herald_mqtt_inflight_messages", "MQTT QoS 1/2 messages sent and not yet acknowledged");
  queued = host.gauge("herald_mqtt_queued_messages", "MQTT messages waiting in session queues");
}

}  // namespace herald::gateway::mqtt
