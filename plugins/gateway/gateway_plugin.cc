// gateway: the plugin every client talks to. Wires listeners (net/), the MQTT broker front (mqtt/),
// authentication and ACLs (auth/) together and exposes them to the host: config schema, metrics,
// start/stop, reload of auth and ACL, and the `herald token` command. No business logic lives here.
#include <herald/sdk.hpp>

#include "gateway_config.h"
#include "hook_adapters.h"
#include "net/net_server.h"
#include "token_command.h"

namespace herald::gateway {
namespace {

GatewayConfig parse_or_throw(const sdk::Config& config, std::string_view data_dir) {
  std::vector<PathError> errors;
  GatewayConfig parsed = parse_gateway_config(config.node(), data_dir, errors);
  if (!errors.empty()) {
    std::string text;
    for (const auto& e : errors) text += (text.empty() ? "" : "; ") + e.path + ": " + e.message;
    throw sdk::PluginError(text, HERALD_REASON_INVALID_REQUEST);
  }
  return parsed;
}

// Parts that only a restart can change (sockets and the broker's storage stay put on reload).
bool same_restart_parts(const YAML::Node& a, const YAML::Node& b) {
  auto text = [](const YAML::Node& n) {
    YAML::Emitter e;
    e << n;
    return std::string(e.c_str());
  };
  return text(a["listeners"]) == text(b["listeners"]) && text(a["mqtt"]) == text(b["mqtt"]);
}

class GatewayPlugin : public sdk::Plugin {
 public:
  GatewayPlugin(sdk::Host host, const sdk::Config& config)
      : Plugin(host), node_(YAML::Clone(config.node())), config_(parse_or_throw(config, host.data_dir())) {
    auto stack = std::make_shared<auth::AuthStack>(config_.auth, auth::system_clock(), &this->host());
    authorizer_ = std::make_shared<AuthStackAuthorizer>(stack);
    acl_ = std::make_shared<AclAuthorizer>(std::make_shared<const auth::AclRules>(config_.acl));
    broker_ = std::make_unique<mqtt::Broker>(host, config_.broker);
    broker_->set_connect_authorizer(authorizer_);
    broker_->set_topic_authorizer(acl_);
    if (!config_.broker.pipeline.empty()) broker_->set_publish_gate(std::make_shared<PipelineGate>(host));
  }
  ~GatewayPlugin() override { stop(); }

  static void validate(const sdk::Config& config, sdk::Errors& errors) {
    std::vector<PathError> found;
    parse_gateway_config(config.node(), "", found);
    for (const auto& e : found) errors.add(e.path, e.message);
  }

  void start() override {
    authorizer_->current()->start();
    if (auto err = broker_->start()) throw sdk::PluginError("mqtt broker: " + *err, HERALD_REASON_STORAGE_UNAVAILABLE);
    net_ = std::make_unique<NetServer>(host(), config_.listeners,
                                       std::map<ListenerProtocol, HandlerFactory>{
                                           {ListenerProtocol::kMqtt, broker_->handler_factory()}});
    if (auto err = net_->start()) {
      broker_->stop();
      throw sdk::PluginError(*err, HERALD_REASON_SERVER_UNAVAILABLE);
    }
    started_ = true;
  }

  void stop() override {
    if (!started_) return;
    started_ = false;
    net_->drain();            // no new clients while the others are told to go
    broker_->disconnect_all();  // v5 DISCONNECT 0x8B to each client
    net_->stop();             // closes every connection on its loop
    broker_->stop();          // flushes storage
    authorizer_->current()->stop();
  }

  // Auth and ACL apply live; listeners and broker settings need a restart (the reload says so).
  bool reconfigure(const sdk::Config& config) override {
    if (!same_restart_parts(node_, config.node())) return false;
    GatewayConfig next = parse_or_throw(config, host().data_dir());
    auto stack = std::make_shared<auth::AuthStack>(next.auth, auth::system_clock(), &host());
    stack->start();
    authorizer_->swap(stack)->stop();
    acl_->swap(std::make_shared<const auth::AclRules>(next.acl));
    node_ = YAML::Clone(config.node());
    host().info("gateway: auth and ACL reloaded");
    return true;
  }

 private:
  YAML::Node node_;
  GatewayConfig config_;
  std::shared_ptr<AuthStackAuthorizer> authorizer_;
  std::shared_ptr<AclAuthorizer> acl_;
  std::unique_ptr<mqtt::Broker> broker_;
  std::unique_ptr<NetServer> net_;
  bool started_ = false;
};

sdk::PluginSpec<GatewayPlugin> spec() {
  using sdk::key;
  return sdk::PluginSpec<GatewayPlugin>("gateway", "0.1.0",
                                        "Client front: MQTT 3.1.1/5.0 broker, Herald binary protocol, TLS, "
                                        "WebSocket, HTTP tunnel, JWT auth and topic ACLs")
      .keys({key("listeners", HERALD_CONFIG_LIST, "[]", "listeners: name, protocol, transport, bind, tls, limits"),
             key("auth", HERALD_CONFIG_MAP, "{}", "authentication: jwt, http callback, cache, login_limit"),
             key("acl", HERALD_CONFIG_MAP, "{}", "topic ACL rules (default deny)"),
             key("mqtt", HERALD_CONFIG_MAP, "{}", "MQTT broker settings: sessions, flow control, storage, pipeline")})
      .listener("mqtt", "MQTT 3.1.1 and 5.0 over TCP, TLS or WebSocket")
      .listener("binary", "Herald binary protocol over TCP, TLS, WebSocket or HTTP tunnel")
      .command<&token_command>("token", "--user U [--device D] [--ttl 1h]",
                               "print a JWT signed with the configured auth.jwt secret");
}

}  // namespace
}  // namespace herald::gateway

HERALD_PLUGIN(herald::gateway::GatewayPlugin, herald::gateway::spec)
