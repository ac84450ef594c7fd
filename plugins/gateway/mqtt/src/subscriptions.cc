// A session's subscriptions: the index entry, the session's own record (for unsubscribe, restore and
// session end), storage, and retained messages sent at subscribe time.
#include "broker_core.h"

#include "herald/mqtt/topic.h"

namespace herald::gateway::mqtt {

bool BrokerCore::add_subscription(const CellPtr& cell, const std::string& filter, const m::SubscribeOptions& options,
                                  uint32_t sub_id, bool implicit) {
  Session& s = cell->s;
  auto existing = s.subs.find(filter);
  if (implicit && existing != s.subs.end()) {
    // The client subscribed to its inbox explicitly: keep its options, make it non-removable.
    existing->second.implicit = true;
    return false;
  }
  auto shared = m::parse_shared_subscription(filter);
  const bool is_new = trie_.subscribe(shared ? shared->filter : std::string_view(filter),
                                      shared ? shared->group : std::string_view(), SubEntry{cell, options, sub_id});
  const bool was_implicit = existing != s.subs.end() && existing->second.implicit;
  s.subs[filter] = SubRecord{options, sub_id, implicit || was_implicit};
  // The implicit inbox is re-created at every connect and restore; it is not stored.
  if (!implicit && persistent(s) && store_.is_open()) {
    store_.enqueue(SessionStore::PutSub{StoredSub{cell->client_id, filter, options_byte(options), sub_id}});
  }
  metrics_.subscriptions.set(static_cast<double>(trie_.size()));
  return is_new;
}

bool BrokerCore::remove_subscription(const CellPtr& cell, std::string_view filter) {
  Session& s = cell->s;
  auto it = s.subs.find(filter);
  if (it == s.subs.end()) return false;
  if (it->second.implicit) return true;  // reported as removed; the inbox stays
  auto shared = m::parse_shared_subscription(filter);
  trie_.unsubscribe(shared ? shared->filter : filter, shared ? shared->group : std::string_view(), cell.get());
  if (s.persisted) store_.enqueue(SessionStore::DeleteSub{cell->client_id, std::string(filter)});
  s.subs.erase(it);
  metrics_.subscriptions.set(static_cast<double>(trie_.size()));
  return true;
}

void BrokerCore::send_retained(const CellPtr& cell, std::string_view filter, const m::SubscribeOptions& options,
                               uint32_t sub_id) {
  for (auto& msg : retained_.match(filter, wall_ms())) {
    const m::QoS qos = std::min(msg->qos, options.max_qos);
    std::vector<uint32_t> ids;
    if (sub_id) ids.push_back(sub_id);
    // A retained message sent because of a new subscription carries RETAIN=1 [MQTT-3.3.1-8].
    deliver_local(cell, msg, qos, true, std::move(ids));
  }
}

}  // namespace herald::gateway::mqtt
