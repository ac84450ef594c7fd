// gateway: the plugin every client talks to. Wires listeners (net/), the MQTT broker front (mqtt/),
// authentication and ACLs (auth/) together and exposes them to the host: config schema, metrics,
// start/stop, reload of auth and ACL, and the `herald token` command. No business logic lives here.
#include <herald/sdk.hpp>

#include <mutex>

#include "gateway_config.h"
#include "herald/gateway/auth/auth_service_table.h"
#include "herald/gateway/binary/binary_server.h"
#include "herald/gateway/im/im_adapter.h"
#include "herald/im_service.h"
#include "herald/gateway/session/binary_session_link.h"
#include "herald/gateway/session/mqtt_session_link.h"
#include "herald/gateway/session/presence_sink.h"
#include "herald/gateway/session/session_registry.h"
#include "hook_adapters.h"
#include "net/net_server.h"
#include "token_command.h"
#include "token_route.h"

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
  for (const char* key : {"listeners", "mqtt", "binary", "sessions", "im"})
    if (text(a[key]) != text(b[key])) return false;
  return true;
}

class GatewayPlugin : public sdk::Plugin {
 public:
  GatewayPlugin(sdk::Host host, const sdk::Config& config)
      : Plugin(host), node_(YAML::Clone(config.node())), config_(parse_or_throw(config, host.data_dir())) {
    jwt_ = config_.auth.jwt;
    auto stack = std::make_shared<auth::AuthStack>(config_.auth, auth::system_clock(), &this->host());
    authorizer_ = std::make_shared<AuthStackAuthorizer>(stack);
    acl_ = std::make_shared<AclAuthorizer>(std::make_shared<const auth::AclRules>(config_.acl));
    broker_ = std::make_unique<mqtt::Broker>(host, config_.broker);
    broker_->set_connect_authorizer(authorizer_);
    broker_->set_topic_authorizer(acl_);
    if (!config_.broker.pipeline.empty()) broker_->set_publish_gate(std::make_shared<PipelineGate>(host));

    // One registry of users' devices across MQTT and the binary protocol (multi-device policy, presence).
    if (!config_.sessions.presence_pipeline.empty())
      presence_ = std::make_shared<session::HostPresenceSink>(host, config_.sessions.presence_pipeline);
    registry_ = std::make_unique<session::SessionRegistry>(&this->host(), config_.sessions, presence_);
    binary_ = std::make_unique<binary::BinaryServer>(host, config_.binary,
                                                     std::make_shared<CurrentAuthenticator>(authorizer_),
                                                     auth::system_clock());
    binary_->set_session_observer(std::make_shared<session::BinarySessionLink>(*registry_));
    // The IM adapter sees MQTT sessions after the registry does (it delivers through the registry),
    // handles `$im/` topics and binary requests; start() binds it to the messaging core.
    im_ = std::make_shared<im::ImAdapter>(host, config_.im, *registry_, *broker_);
    im_->set_next_observer(std::make_shared<session::MqttSessionLink>(*registry_, *broker_));
    broker_->set_session_observer(im_);
    broker_->set_reserved_topic_handler(im_);
    binary_->set_router(im_);
    register_auth_service();
  }
  ~GatewayPlugin() override { stop(); }

  static void validate(const sdk::Config& config, sdk::Errors& errors) {
    std::vector<PathError> found;
    parse_gateway_config(config.node(), "", found);
    for (const auto& e : found) errors.add(e.path, e.message);
  }

  void start() override {
    bind_im();
    add_token_route(host(), [this] {
      std::lock_guard lock(jwt_mutex_);
      return jwt_;
    });
    authorizer_->current()->start();
    if (auto err = broker_->start()) {
      im_->detach();
      throw sdk::PluginError("mqtt broker: " + *err, HERALD_REASON_STORAGE_UNAVAILABLE);
    }
    net_ = std::make_unique<NetServer>(host(), config_.listeners,
                                       std::map<ListenerProtocol, HandlerFactory>{
                                           {ListenerProtocol::kMqtt, broker_->handler_factory()},
                                           {ListenerProtocol::kBinary, binary_->handler_factory()}});
    if (auto err = net_->start()) {
      im_->detach();
      broker_->stop();
      throw sdk::PluginError(*err, HERALD_REASON_SERVER_UNAVAILABLE);
    }
    started_ = true;
  }

  void stop() override {
    if (!started_) return;
    started_ = false;
    im_->detach();            // no deliveries into connections that are going away
    send_clients_away(HERALD_REASON_SERVER_SHUTTING_DOWN, "server shutting down");
    net_->stop();             // closes every connection on its loop
    broker_->stop();          // flushes storage
    authorizer_->current()->stop();
  }

  // Scale-in (lesson 10): no new clients; connected ones are told to go (v5 DISCONNECT) and
  // reconnect through the load balancer to another node. Sessions stay stored for their return.
  void drain() override {
    if (!started_) return;
    auto report = send_clients_away(HERALD_REASON_USE_ANOTHER_SERVER, "this node is draining: reconnect");
    host().info("gateway drained: accepting stopped, " + std::to_string(report.connections) +
                " connections asked to reconnect elsewhere");
  }

  // Auth and ACL apply live; listeners and broker settings need a restart (the reload says so).
  bool reconfigure(const sdk::Config& config) override {
    if (!same_restart_parts(node_, config.node())) return false;
    GatewayConfig next = parse_or_throw(config, host().data_dir());
    auto stack = std::make_shared<auth::AuthStack>(next.auth, auth::system_clock(), &host());
    stack->start();
    authorizer_->swap(stack)->stop();
    acl_->swap(std::make_shared<const auth::AclRules>(next.acl));
    {
      std::lock_guard lock(jwt_mutex_);
      jwt_ = next.auth.jwt;
    }
    node_ = YAML::Clone(config.node());
    host().info("gateway: auth and ACL reloaded");
    return true;
  }

 private:
  // The messaging core's service table, if a plugin offers it; without it IM requests are answered
  // UNSUPPORTED_FEATURE (said once here).
  void bind_im() {
    const herald_host_v1* api = host().api();
    const herald_im_service_v1* service = nullptr;
    if (HERALD_STRUCT_HAS(api, herald_host_v1, service_lookup) && api->service_lookup != nullptr) {
      const void* table = api->service_lookup(host().ctx(), sdk::to_str(HERALD_IM_SERVICE_V1));
      service = static_cast<const herald_im_service_v1*>(table);
      if (service != nullptr && service->struct_size < sizeof(herald_im_service_v1)) {
        host().warn("gateway: the IM service table is older than this gateway; IM disabled");
        service = nullptr;
      }
    }
    if (service == nullptr) host().info("gateway: no IM core (herald.im.v1): $im/ topics and IM frames are refused");
    im_->attach(service);
  }

  // herald.auth.v1: other plugins' fronts (the media HTTP API) accept the same tokens, through whatever
  // auth stack is current (reload swaps it), without including gateway code.
  void register_auth_service() {
    const herald_host_v1* api = host().api();
    if (!HERALD_STRUCT_HAS(api, herald_host_v1, service_register) || api->service_register == nullptr) return;
    auth_service_ = std::make_unique<auth::AuthServiceTable>(std::make_shared<CurrentAuthenticator>(authorizer_),
                                                             "service");
    if (api->service_register(host().ctx(), sdk::to_str(HERALD_AUTH_SERVICE_V1), auth_service_->table()) != 0)
      host().warn("gateway: another plugin already offers herald.auth.v1; not registering ours");
  }

  // No new clients; MQTT clients get v5 DISCONNECT 0x8B, binary clients a KICK with `reason`.
  DrainReport send_clients_away(herald_reason reason, std::string text) {
    DrainReport report = net_->drain();
    broker_->disconnect_all();
    binary_->kick_all(reason, std::move(text));
    return report;
  }

  YAML::Node node_;
  GatewayConfig config_;
  std::mutex jwt_mutex_;
  auth::JwtConfig jwt_;  // the current signing settings, for the admin API's token route (reload swaps them)
  std::shared_ptr<AuthStackAuthorizer> authorizer_;
  std::shared_ptr<AclAuthorizer> acl_;
  std::unique_ptr<mqtt::Broker> broker_;
  std::shared_ptr<session::HostPresenceSink> presence_;  // lives until the plugin (after the loops stop)
  std::unique_ptr<session::SessionRegistry> registry_;
  std::unique_ptr<binary::BinaryServer> binary_;
  std::shared_ptr<im::ImAdapter> im_;  // after the registry and broker it refers to
  std::unique_ptr<NetServer> net_;
  std::unique_ptr<auth::AuthServiceTable> auth_service_;  // registered in init; lives as long as the plugin
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
             key("mqtt", HERALD_CONFIG_MAP, "{}", "MQTT broker settings: sessions, flow control, storage, pipeline"),
             key("binary", HERALD_CONFIG_MAP, "{}", "Herald binary protocol: heartbeat, idle and connect timeouts"),
             key("sessions", HERALD_CONFIG_MAP, "{}", "devices per user (multi_device policy), presence pipeline"),
             key("im", HERALD_CONFIG_MAP, "{}", "IM delivery: retransmit_interval, retransmit_max, max_unacked")})
      .listener("mqtt", "MQTT 3.1.1 and 5.0 over TCP, TLS or WebSocket")
      .listener("binary", "Herald binary protocol over TCP, TLS, WebSocket or HTTP tunnel")
      .command<&token_command>("token", "--user U [--device D] [--ttl 1h]",
                               "print a JWT signed with the configured auth.jwt secret");
}

}  // namespace
}  // namespace herald::gateway

HERALD_PLUGIN(herald::gateway::GatewayPlugin, herald::gateway::spec)
