// LoopShard: connection ownership per loop, the once-per-iteration flush and shutdown of a loop's
// connections and tunnel sessions.
#include "net/loop_shard.h"

#include "net/connection.h"
#include "net/http_tunnel.h"
#include "net/live_counter.h"

namespace herald::gateway {

LoopShard::LoopShard(sdk::Host host, uint32_t loop, LiveCounter& live)
    : host_(host), loop_(loop), live_(live), tunnels_(std::make_unique<TunnelRegistry>(*this)) {}

LoopShard::~LoopShard() {
  // stop() waits until every connection ran its close path on this loop; anything left means the
  // wait timed out. Leak rather than run loop-only code (fd watches, timers) on the control thread.
  for (auto& [id, c] : connections_) new std::shared_ptr<Connection>(std::move(c));
  (void)tunnels_.release();
}

bool LoopShard::adopt(std::shared_ptr<Connection> connection) {
  // After shutdown_all, an accept that raced with stop is closed at once (not adopted).
  if (stopping_) return false;
  live_.add();
  connections_.emplace(connection->info().id, std::move(connection));
  return true;
}

void LoopShard::forget(uint64_t id) {
  if (connections_.erase(id)) live_.remove();
}

void LoopShard::schedule_flush(std::shared_ptr<Connection> connection) {
  dirty_.push_back(std::move(connection));
  if (flush_posted_) return;
  flush_posted_ = true;
  // Posted from inside an fd callback, the task runs after the rest of this epoll batch (the loop
  // drains tasks after dispatching events), so every send of the iteration shares one write.
  if (!host_.post(loop_, [this] { run_flushes(); })) flush_posted_ = false;
}

void LoopShard::run_flushes() {
  flush_posted_ = false;
  auto batch = std::move(dirty_);
  dirty_.clear();
  for (auto& c : batch) c->flush();
}

void LoopShard::shutdown_all() {
  stopping_ = true;
  std::vector<std::shared_ptr<Connection>> all;
  all.reserve(connections_.size());
  for (auto& [id, c] : connections_) all.push_back(c);
  for (auto& c : all) c->close(false, CloseCause::kShutdown);
  tunnels_->shutdown_all();
}

}  // namespace herald::gateway
