// One configured listener: its bound sockets (one per bind address) accepted on a home loop, with
// accepted sockets dealt round-robin to every loop.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <sys/socket.h>

#include "herald/rate_buckets.hpp"

#include "herald/sdk.hpp"
#include "net/listener_runtime.h"

namespace herald::gateway {

class LoopShard;

class Listener {
 public:
  Listener(sdk::Host host, std::shared_ptr<ListenerRuntime> runtime, const std::vector<LoopShard*>& shards,
           uint32_t home_loop);
  ~Listener();
  // Control thread: binds every address (nothing is accepted yet). Returns the error on failure.
  std::optional<std::string> bind();
  // Loop thread of the home loop: start / stop accepting (stop also closes the sockets).
  void start_accepting();
  void stop_accepting();
  uint32_t home_loop() const { return home_loop_; }
  const std::vector<std::string>& addresses() const { return addresses_; }
  ListenerRuntime& runtime() { return *runtime_; }

 private:
  void on_acceptable(size_t index);
  // connection_rate / connection_rate_per_ip: whether a socket from `ip` may be accepted now.
  bool admit(const sockaddr_storage& peer);
  void hand_over(int fd, const sockaddr_storage& peer);
  void pause_after_fd_exhaustion();

  sdk::Host host_;
  std::shared_ptr<ListenerRuntime> runtime_;
  std::vector<LoopShard*> shards_;
  uint32_t home_loop_;
  std::vector<int> fds_;
  std::vector<std::string> addresses_;
  std::vector<sdk::FdWatch> watches_;
  sdk::Timer resume_;
  uint32_t next_loop_ = 0;
  // Accept-rate buckets; only the home loop touches them.
  std::optional<sdk::TokenBucket> rate_;
  std::unordered_map<std::string, sdk::TokenBucket> per_ip_;
  std::chrono::steady_clock::time_point last_rate_warning_{};
};

}  // namespace herald::gateway
