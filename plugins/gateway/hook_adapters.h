// Adapters from the gateway's libraries to the MQTT broker's hooks: connect authentication over the
// auth stack, topic ACLs over AclRules, and the inbound pipeline gate over the host's pipelines. The
// auth stack and ACL sit behind atomic pointers so a reload swaps them without touching connections.
#pragma once

#include <atomic>
#include <memory>

#include <herald/sdk.hpp>

#include "herald/gateway/auth/acl_rules.h"
#include "herald/gateway/auth/auth_stack.h"
#include "herald/gateway/mqtt/hooks.h"

namespace herald::gateway {

class AuthStackAuthorizer : public mqtt::ConnectAuthorizer {
 public:
  explicit AuthStackAuthorizer(std::shared_ptr<auth::AuthStack> stack) : stack_(std::move(stack)) {}
  void authorize(const mqtt::ConnectCredentials& credentials, std::function<void(mqtt::ConnectResult)> done) override;
  // Installs a new (started) stack; returns the previous one for the caller to stop.
  std::shared_ptr<auth::AuthStack> swap(std::shared_ptr<auth::AuthStack> next) { return stack_.exchange(std::move(next)); }
  std::shared_ptr<auth::AuthStack> current() const { return stack_.load(); }

 private:
  std::atomic<std::shared_ptr<auth::AuthStack>> stack_;
};

// The binary protocol's authenticator: whatever auth stack is current (reload swaps it).
class CurrentAuthenticator : public auth::Authenticator {
 public:
  explicit CurrentAuthenticator(std::shared_ptr<AuthStackAuthorizer> source) : source_(std::move(source)) {}
  void authenticate(const auth::Credentials& credentials, auth::AuthCallback done) override {
    source_->current()->authenticate(credentials, std::move(done));
  }
  std::string_view name() const override { return "gateway"; }

 private:
  std::shared_ptr<AuthStackAuthorizer> source_;
};

class AclAuthorizer : public mqtt::TopicAuthorizer {
 public:
  explicit AclAuthorizer(std::shared_ptr<const auth::AclRules> rules) : rules_(std::move(rules)) {}
  bool check_subscribe(std::string_view user, std::string_view client_id, std::string_view filter) override;
  bool check_publish(std::string_view user, std::string_view client_id, std::string_view topic) override;
  void swap(std::shared_ptr<const auth::AclRules> next) { rules_.store(std::move(next)); }

 private:
  std::atomic<std::shared_ptr<const auth::AclRules>> rules_;
};

// Submits each inbound PUBLISH as an envelope to a host pipeline. A pipeline that does not exist
// rejects (fail closed: a typo must not bypass a content filter) and logs once.
class PipelineGate : public mqtt::PublishGate {
 public:
  explicit PipelineGate(sdk::Host host) : host_(host) {}
  void submit(const mqtt::PublishFields& fields, std::string_view payload, uint32_t loop,
              std::function<void(mqtt::GateResult)> done) override;

 private:
  sdk::Host host_;
  std::atomic<bool> warned_missing_{false};
};

}  // namespace herald::gateway
