// Turns a client's PUBLISH into the shared routed message.
#include "message.h"

namespace herald::gateway::mqtt {

std::shared_ptr<Message> message_from_publish(m::Publish&& publish, std::string origin_client, uint64_t now) {
  auto msg = std::make_shared<Message>();
  msg->topic = std::move(publish.topic);
  msg->payload = std::move(publish.payload);
  msg->qos = publish.qos;
  msg->retain = publish.retain;
  msg->origin_client = std::move(origin_client);
  m::Properties& in = publish.properties;
  if (in.message_expiry_interval) msg->expiry_at_ms = now + uint64_t{*in.message_expiry_interval} * 1000;
  m::Properties& out = msg->properties;
  out.payload_format_indicator = in.payload_format_indicator;
  out.content_type = std::move(in.content_type);
  out.response_topic = std::move(in.response_topic);
  out.correlation_data = std::move(in.correlation_data);
  out.user_properties = std::move(in.user_properties);
  return msg;
}

}  // namespace herald::gateway::mqtt
