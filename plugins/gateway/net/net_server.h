// The gateway's network layer as the plugin wiring uses it: listeners from config, one
// HandlerFactory per protocol, start/stop/drain on the control thread.
//
//   NetServer net(host, listener_configs, {{ListenerProtocol::kMqtt, mqtt_factory}});
//   if (auto err = net.start()) throw sdk::PluginError(*err);   // plugin start()
//   net.drain();                                                 // scale-in: stop accepting
//   net.stop();                                                  // plugin stop()
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "herald/sdk.hpp"
#include "net/live_counter.h"
#include "net/net_config.h"
#include "net/transport.h"

namespace herald::gateway {

class Listener;
class LoopShard;
struct ListenerRuntime;

struct ListenerStatus {
  std::string name;
  std::vector<std::string> addresses;  // as bound ("127.0.0.1:40123"): port 0 resolved
  uint32_t connections = 0;            // handler-visible connections (tunnel sessions included)
  uint32_t sockets = 0;                // open client sockets
  bool accepting = false;
};

struct DrainReport {
  std::vector<ListenerStatus> listeners;  // after accepting stopped
  uint32_t connections = 0;               // total still open (they keep running until stop())
};

class NetServer {
 public:
  NetServer(sdk::Host host, std::vector<ListenerConfig> listeners,
            std::map<ListenerProtocol, HandlerFactory> factories);
  ~NetServer();  // stop() if still running
  NetServer(const NetServer&) = delete;
  NetServer& operator=(const NetServer&) = delete;

  // Control thread, loops running. Validates, creates TLS contexts, registers metrics, binds every
  // address, then starts accepting and reports each address via Host::listener_opened. All or
  // nothing: on error nothing stays open and the message says which listener and why.
  std::optional<std::string> start();
  // Control thread. Stops accepting, closes every connection and tunnel session with kShutdown on
  // its own loop (handlers get on_close there) and returns when all are done (bounded: 10 s).
  void stop();
  // Control thread. Stops accepting on every listener (lesson 10's scale-in); open connections stay.
  DrainReport drain();
  std::vector<ListenerStatus> status() const;

 private:
  void stop_accepting();
  void run_on_loop_and_wait(uint32_t loop, std::function<void()> fn);

  sdk::Host host_;
  std::vector<ListenerConfig> configs_;
  std::map<ListenerProtocol, HandlerFactory> factories_;
  LiveCounter live_;
  std::vector<std::unique_ptr<LoopShard>> shards_;
  std::vector<LoopShard*> shard_ptrs_;
  std::vector<std::shared_ptr<ListenerRuntime>> runtimes_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  bool started_ = false;
  bool accepting_ = false;
};

}  // namespace herald::gateway
