// HostPresenceSink: presence events as envelopes through the host's pipeline_submit.
#include "herald/gateway/session/presence_sink.h"

#include <functional>

namespace herald::gateway::session {
namespace {
// Presence is best effort: a rejecting stage just drops the envelope (there is no client to tell).
void ignore_verdict(void*, herald_envelope*, uint32_t, uint16_t, herald_str) {}
}  // namespace

void HostPresenceSink::publish(const PresenceEvent& event) {
  if (pipeline_.empty()) return;
  // One user's events go to one loop. Always posted (never run inline): the registry publishes under
  // its lock, so a stage running inline could deadlock calling back into it; posting under that lock
  // also keeps one user's events in order on the target loop.
  const uint32_t loops = std::max<uint32_t>(1, host_.loop_count());
  const uint32_t loop = static_cast<uint32_t>(std::hash<std::string>{}(event.user) % loops);
  host_.post(loop, [this, event, loop] {
    const herald_host_v1* api = host_.api();
    herald_host_ctx* ctx = host_.ctx();
    herald_envelope* env = api->envelope_create(ctx);
    if (!env) return;
    auto set = [&](std::string_view name, std::string_view value) {
      api->envelope_set(env, sdk::to_str(name), sdk::to_str(value));
    };
    set(":user", event.user);
    set(":device", event.device);
    set(":protocol", protocol_name(event.protocol));
    set(":event", event.online ? "online" : "offline");
    set(":platform", event.platform);
    set("scope", event.scope == PresenceEvent::Scope::kUser ? "user" : "device");
    set("presence_seq", std::to_string(event.seq));
    const uint32_t rc = api->pipeline_submit(ctx, sdk::to_str(pipeline_), loop, env, &ignore_verdict, nullptr);
    if (rc != 0 && !warned_.exchange(true))
      host_.warn("sessions: presence pipeline \"" + pipeline_ + "\" is not available (reason " +
                 std::to_string(rc) + "); presence events are dropped");
  });
}

}  // namespace herald::gateway::session
