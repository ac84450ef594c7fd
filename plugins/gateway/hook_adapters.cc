// Implementation of the broker hook adapters (see hook_adapters.h).
#include "hook_adapters.h"

namespace herald::gateway {

void AuthStackAuthorizer::authorize(const mqtt::ConnectCredentials& c, std::function<void(mqtt::ConnectResult)> done) {
  if (!c.username) {
    // The broker lets a connect without a username this far only on an allow_anonymous listener:
    // it is anonymous (user ""), which the ACL's built-in rules keep away from $im/#.
    mqtt::ConnectResult anonymous;
    anonymous.ok = true;
    done(std::move(anonymous));
    return;
  }
  auth::Credentials creds;
  creds.username = c.username.value_or("");
  creds.password = c.password.value_or("");
  creds.client_id = c.client_id;
  creds.peer_ip = c.peer_ip;
  creds.listener = c.listener;
  creds.tls_client_subject = c.tls_client_subject;
  stack_.load()->authenticate(creds, [done = std::move(done)](auth::AuthResult r) {
    mqtt::ConnectResult out;
    out.ok = r.ok;
    out.user = std::move(r.user_id);
    out.reason = r.ok ? HERALD_REASON_OK : r.reason;
    out.text = std::move(r.text);
    done(std::move(out));
  });
}

bool AclAuthorizer::check_subscribe(std::string_view user, std::string_view client_id, std::string_view filter) {
  return rules_.load()->check_subscribe(user, client_id, filter).allowed;
}

bool AclAuthorizer::check_publish(std::string_view user, std::string_view client_id, std::string_view topic) {
  return rules_.load()->check_publish(user, client_id, topic).allowed;
}

namespace {
struct GateCall {
  std::function<void(mqtt::GateResult)> done;
  const herald_host_v1* api;
  std::string_view original;  // the publish's payload, alive until done runs
};

void gate_done(void* arg, herald_envelope* env, uint32_t verdict, uint16_t reason, herald_str text) {
  std::unique_ptr<GateCall> call(static_cast<GateCall*>(arg));
  mqtt::GateResult r;
  r.accepted = verdict != HERALD_VERDICT_REJECT;
  r.reason = r.accepted ? HERALD_REASON_OK : static_cast<herald_reason>(reason);
  r.text.assign(sdk::view(text));
  if (r.accepted) {
    const std::string_view now = sdk::view(call->api->envelope_payload(env));
    if (now != call->original) r.payload.emplace(now);
  }
  call->done(std::move(r));
}
}  // namespace

void PipelineGate::submit(const mqtt::PublishFields& f, std::string_view payload, uint32_t loop,
                          std::function<void(mqtt::GateResult)> done) {
  const herald_host_v1* api = host_.api();
  herald_envelope* env = api->envelope_create(host_.ctx());
  sdk::Envelope e(api, env);
  e.set(":protocol", "mqtt");
  e.set(":user", f.user);
  e.set(":device", f.client_id);
  e.set(":topic", f.topic);
  e.set(":listener", f.listener);
  e.set(":peer", f.peer);
  e.set(":qos", std::string(1, static_cast<char>('0' + f.qos)));
  e.set(":retain", f.retain ? "1" : "0");
  e.set_payload(payload);
  auto* call = new GateCall{std::move(done), api, payload};
  uint32_t rc = api->pipeline_submit(host_.ctx(), sdk::to_str(f.pipeline), loop, env, &gate_done, call);
  if (rc != 0) {  // the host released the envelope; done was not called
    if (!warned_missing_.exchange(true))
      host_.error("mqtt.pipeline \"" + std::string(f.pipeline) + "\" is not a configured pipeline: publishes are refused");
    std::unique_ptr<GateCall> owned(call);
    owned->done(mqtt::GateResult{false, HERALD_REASON_SERVER_UNAVAILABLE, "inbound pipeline unavailable", std::nullopt});
  }
}

}  // namespace herald::gateway
