// Broker: the public face of the MQTT broker front (construction, hooks, lifecycle, handler factory).
#include "herald/gateway/mqtt/broker.h"

#include "broker_core.h"
#include "mqtt_handler.h"

namespace herald::gateway::mqtt {

Broker::Broker(sdk::Host host, BrokerConfig config) : core_(std::make_shared<BrokerCore>(host, std::move(config))) {}

Broker::~Broker() { core_->stop(); }

void Broker::set_connect_authorizer(std::shared_ptr<ConnectAuthorizer> a) { core_->connect_auth = std::move(a); }
void Broker::set_topic_authorizer(std::shared_ptr<TopicAuthorizer> a) { core_->topic_auth = std::move(a); }
void Broker::set_publish_gate(std::shared_ptr<PublishGate> g) { core_->gate = std::move(g); }
void Broker::set_reserved_topic_handler(std::shared_ptr<ReservedTopicHandler> h) { core_->reserved = std::move(h); }
void Broker::set_session_observer(std::shared_ptr<SessionObserver> o) { core_->observer = std::move(o); }

void Broker::disconnect_client(std::string_view client_id, herald_reason reason, std::string text,
                               uint64_t connection_id) {
  core_->disconnect_client(client_id, reason, std::move(text), connection_id);
}

std::optional<std::string> Broker::start() { return core_->start(); }
void Broker::stop() { core_->stop(); }
void Broker::disconnect_all(uint32_t timeout_ms) { core_->disconnect_all(timeout_ms); }

HandlerFactory Broker::handler_factory() {
  return [core = core_](Transport& t) -> std::unique_ptr<ProtocolHandler> { return std::make_unique<MqttHandler>(core, t); };
}

std::unique_ptr<ProtocolHandler> Broker::make_handler(Transport& transport) {
  return std::make_unique<MqttHandler>(core_, transport);
}

void Broker::publish(std::string topic, herald::mqtt::Bytes payload, herald::mqtt::QoS qos, bool retain,
                     herald::mqtt::Properties properties) {
  m::Publish p;
  p.topic = std::move(topic);
  p.payload = std::move(payload);
  p.qos = qos;
  p.retain = retain;
  p.properties = std::move(properties);
  core_->route(message_from_publish(std::move(p), "", wall_ms()));
}

void Broker::deliver(std::string_view client_id, std::string topic, herald::mqtt::Bytes payload,
                     herald::mqtt::Properties properties, std::function<void(DeliveryOutcome)> on_result,
                     SessionStorage storage) {
  m::Publish p;
  p.topic = std::move(topic);
  p.payload = std::move(payload);
  p.qos = m::QoS::kAtLeastOnce;
  p.properties = std::move(properties);
  auto msg = message_from_publish(std::move(p), "", wall_ms());
  msg->memory_only = storage == SessionStorage::kMemory;
  core_->deliver_to_client(client_id, std::move(msg), std::move(on_result));
}

void Broker::flush_storage() { core_->store().flush(); }
BrokerStats Broker::stats() const { return core_->stats(); }
const BrokerConfig& Broker::config() const { return core_->config(); }

}  // namespace herald::gateway::mqtt
