// The in-process host the gateway's component tests run on: real host loops, the real host API
// (herald_core) with a pipeline engine, and a FakeTransport standing in for the net layer. Every wait
// is bounded (futures / condition variables with deadlines), never a sleep used as synchronisation.
#pragma once

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "herald/sdk.hpp"
#include "loop/loop_group.h"
#include "metrics/metrics_registry.h"
#include "net/transport.h"
#include "pipeline/pipeline_engine.h"
#include "plugin/host_api.h"
#include "test_files.h"

namespace herald::gateway::test {

using namespace std::chrono_literals;

// Runs fn on `loop` and waits for it (bounded).
template <class Fn>
auto on_loop(const sdk::Host& host, uint32_t loop, Fn fn) {
  using R = decltype(fn());
  auto p = std::make_shared<std::promise<R>>();
  auto fut = p->get_future();
  host.post(loop, [p, fn = std::move(fn)]() mutable {
    if constexpr (std::is_void_v<R>) {
      fn();
      p->set_value();
    } else {
      p->set_value(fn());
    }
  });
  REQUIRE(fut.wait_for(10s) == std::future_status::ready);
  return fut.get();
}

// Host loops + host API + a pipeline engine, as a plugin sees them.
class Env {
 public:
  explicit Env(uint32_t loops = 2) : loops_(loops), engine_(loops_, metrics_) {
    services_.loops = &loops_;
    services_.metrics = &metrics_;
    services_.engine = &engine_;
    services_.data_dir = dir_.path().string();
    services_.node_id = "test";
    ctx_.services = &services_;
    ctx_.plugin = "gateway";
    loops_.start();
  }
  ~Env() {
    loops_.stop();
    engine_.clear();
  }
  sdk::Host host() { return sdk::Host(herald::host_api_v1(), &ctx_); }
  std::string file(const std::string& name) const { return dir_.file(name); }
  MetricsRegistry& metrics() { return metrics_; }
  PipelineEngine& engine() { return engine_; }
  // Values as a scrape would see them: the plugins' series are striped, folded in first.
  double counter(const std::string& name, const prometheus::Labels& labels = {}) {
    metrics_.fold();
    auto c = metrics_.counter(name, "", labels);
    return c ? c.value()->Value() : -1;
  }
  double gauge(const std::string& name, const prometheus::Labels& labels = {}) {
    metrics_.fold();
    auto g = metrics_.gauge(name, "", labels);
    return g ? g.value()->Value() : -1;
  }
  // Lets every loop finish what is queued (rounds: a task may post a follow-up).
  void settle() {
    for (int round = 0; round < 3; ++round)
      for (uint32_t l = 0; l < loops_.size(); ++l) on_loop(host(), l, [] {});
  }

 private:
  herald::test::TempDir dir_;
  LoopGroup loops_;
  MetricsRegistry metrics_;
  PipelineEngine engine_;
  HostServices services_;
  herald_host_ctx ctx_;
};

// Captures what the server sends; close() reports on_close on the loop later, like the net layer.
class FakeTransport : public Transport {
 public:
  FakeTransport(sdk::Host host, ConnectionInfo info) : host_(host), info_(std::move(info)) {}
  void send(std::string_view bytes) override {
    std::lock_guard lock(mu_);
    if (closed_) return;
    rx_.insert(rx_.end(), bytes.begin(), bytes.end());
    cv_.notify_all();
  }
  void close(bool flush) override {
    {
      std::lock_guard lock(mu_);
      if (close_requested_) return;
      close_requested_ = true;
      flushed_close_ = flush;
    }
    host_.post(info_.loop, [this] { finish_close(CloseCause::kProtocolClosed); });
  }
  const ConnectionInfo& info() const override { return info_; }
  size_t queued_bytes() const override { return 0; }
  void set_reading(bool enabled) override { reading_ = enabled; }

  void finish_close(CloseCause cause) {
    {
      std::lock_guard lock(mu_);
      if (closed_) return;
    }
    if (handler) handler->on_close(cause);
    std::lock_guard lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }

  std::unique_ptr<ProtocolHandler> handler;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<uint8_t> rx_;
  bool closed_ = false;
  bool close_requested_ = false;
  bool flushed_close_ = false;
  std::atomic<bool> reading_{true};

 private:
  sdk::Host host_;
  ConnectionInfo info_;
};

}  // namespace herald::gateway::test
