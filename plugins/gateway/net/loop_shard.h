// Per-loop state of the network layer: the connections this loop owns, the end-of-iteration flush
// list (write coalescing) and the loop's tunnel sessions. Only touched on its loop thread.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "herald/sdk.hpp"

namespace herald::gateway {

class Connection;
class TunnelRegistry;
class LiveCounter;

class LoopShard {
 public:
  LoopShard(sdk::Host host, uint32_t loop, LiveCounter& live);
  ~LoopShard();
  const sdk::Host& host() const { return host_; }
  uint32_t loop() const { return loop_; }

  bool adopt(std::shared_ptr<Connection> connection);  // false when stopping (then dropped)
  void forget(uint64_t id);  // after its close callback ran
  // Coalescing: a connection that queued bytes is flushed once, after every fd event of this loop
  // iteration was handled (one posted task per loop iteration, not one per connection or send).
  void schedule_flush(std::shared_ptr<Connection> connection);
  TunnelRegistry& tunnels() { return *tunnels_; }
  // Every shard of the server, indexed by loop (tunnel requests hop to their session's loop).
  void set_siblings(const std::vector<LoopShard*>* siblings) { siblings_ = siblings; }
  LoopShard* sibling(uint32_t loop) const { return siblings_ && loop < siblings_->size() ? (*siblings_)[loop] : nullptr; }
  bool stopping() const { return stopping_; }
  LiveCounter& live() { return live_; }

  // Loop thread: close every connection and tunnel session with kShutdown.
  void shutdown_all();
  size_t connection_count() const { return connections_.size(); }

 private:
  void run_flushes();
  sdk::Host host_;
  uint32_t loop_;
  LiveCounter& live_;
  std::unordered_map<uint64_t, std::shared_ptr<Connection>> connections_;
  std::vector<std::shared_ptr<Connection>> dirty_;
  bool flush_posted_ = false;
  bool stopping_ = false;
  const std::vector<LoopShard*>* siblings_ = nullptr;
  std::unique_ptr<TunnelRegistry> tunnels_;
};

}  // namespace herald::gateway
