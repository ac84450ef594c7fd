// Will messages: authorised like a publish, published at once or after the Will Delay Interval (a
// reconnect in time cancels it; the session's end publishes it early).
#include "broker_core.h"

namespace herald::gateway::mqtt {

void BrokerCore::publish_will(const MessagePtr& will, const std::string& user, const std::string& client_id) {
  if (!will) return;
  if (will->topic.starts_with("$im/") ||
      (topic_auth && !topic_auth->check_publish(user, client_id, will->topic))) {
    metrics_.drop(DropLabel::kNotAuthorized);
    host_.debug("mqtt will refused by ACL: client " + client_id + " topic " + will->topic);
    return;
  }
  metrics_.published[static_cast<size_t>(will->qos)].add();
  route(will);
}

void BrokerCore::schedule_will(const CellPtr& cell, MessagePtr will, const std::string& user, uint32_t delay_s) {
  Session& s = cell->s;
  s.delayed_will = std::move(will);
  s.will_user = user;
  std::weak_ptr<SessionCell> weak = cell;
  s.will_timer = host_.start_timer(cell->owner.load(), uint64_t{delay_s} * 1000, 0, [self = shared_from_this(), weak] {
    if (auto c = weak.lock()) self->fire_delayed_will(c);
  });
}

void BrokerCore::fire_delayed_will(const CellPtr& cell) {
  Session& s = cell->s;
  if (!s.delayed_will || s.conn) return;
  MessagePtr will = std::move(s.delayed_will);
  s.delayed_will.reset();
  publish_will(will, s.will_user, cell->client_id);
}

}  // namespace herald::gateway::mqtt
