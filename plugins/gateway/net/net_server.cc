// NetServer: builds per-listener runtimes and per-loop shards, opens listeners all-or-nothing, and
// shuts everything down on the loops that own it while the control thread waits.
#include "net/net_server.h"

#include <chrono>
#include <future>

#include "net/listener.h"
#include "net/listener_runtime.h"
#include "net/loop_shard.h"
#include "net/tls_context.h"

namespace herald::gateway {
namespace {
constexpr auto kStopTimeout = std::chrono::seconds(10);

// "<name>[mqtt+tcp+tls]": the start-up log names each listener with what it speaks.
std::string protocol_label(const ListenerConfig& c) {
  std::string s = c.name + "[" + std::string(to_string(c.protocol)) + "+" + std::string(to_string(c.transport));
  if (c.tls.enabled()) s += "+tls";
  return s + "]";
}
}  // namespace

NetServer::NetServer(sdk::Host host, std::vector<ListenerConfig> listeners,
                     std::map<ListenerProtocol, HandlerFactory> factories)
    : host_(host), configs_(std::move(listeners)), factories_(std::move(factories)) {}

NetServer::~NetServer() { stop(); }

void NetServer::run_on_loop_and_wait(uint32_t loop, std::function<void()> fn) {
  auto done = std::make_shared<std::promise<void>>();
  auto fut = done->get_future();
  if (!host_.post(loop, [fn = std::move(fn), done] {
        fn();
        done->set_value();
      }))
    return;
  if (fut.wait_for(kStopTimeout) != std::future_status::ready)
    host_.error("gateway net: loop " + std::to_string(loop) + " did not answer within 10s");
}

std::optional<std::string> NetServer::start() {
  if (started_) return std::string("already started");
  std::vector<std::string> errors;
  validate_listener_configs(configs_, [&errors](std::string path, std::string message) {
    errors.push_back(path + ": " + message);
  });
  if (!errors.empty()) {
    std::string msg = "gateway listeners: ";
    for (size_t i = 0; i < errors.size(); ++i) msg += (i ? "; " : "") + errors[i];
    return msg;
  }
  uint32_t loops = host_.loop_count();
  if (loops == 0) return std::string("gateway listeners: the host has no event loops");

  std::vector<std::shared_ptr<ListenerRuntime>> runtimes;
  std::vector<std::unique_ptr<Listener>> listeners;
  std::vector<std::unique_ptr<LoopShard>> shards;
  std::vector<LoopShard*> shard_ptrs;
  for (uint32_t i = 0; i < loops; ++i) {
    shards.push_back(std::make_unique<LoopShard>(host_, i, live_));
    shard_ptrs.push_back(shards.back().get());
  }
  for (size_t i = 0; i < configs_.size(); ++i) {
    const auto& c = configs_[i];
    auto f = factories_.find(c.protocol);
    if (f == factories_.end() || !f->second)
      return "listener " + c.name + ": no handler for protocol " + std::string(to_string(c.protocol));
    auto rt = std::make_shared<ListenerRuntime>();
    rt->config = c;
    rt->factory = f->second;
    if (c.tls.enabled()) {
      std::string err;
      rt->tls = TlsContext::create(c.tls, err);
      if (!rt->tls) return "listener " + c.name + ": " + err;
    }
    auto l = std::make_unique<Listener>(host_, rt, shard_ptrs, static_cast<uint32_t>(i % loops));
    if (auto err = l->bind()) return err;  // sockets bound so far close with `listeners`
    rt->metrics = ListenerMetrics::create(host_, c);
    runtimes.push_back(std::move(rt));
    listeners.push_back(std::move(l));
  }
  shards_ = std::move(shards);
  shard_ptrs_ = std::move(shard_ptrs);
  for (auto& s : shards_) s->set_siblings(&shard_ptrs_);
  runtimes_ = std::move(runtimes);
  listeners_ = std::move(listeners);
  started_ = true;
  for (auto& l : listeners_) {
    Listener* raw = l.get();
    run_on_loop_and_wait(raw->home_loop(), [raw] { raw->start_accepting(); });
    for (const auto& a : raw->addresses()) host_.listener_opened(protocol_label(raw->runtime().config), a);
  }
  accepting_ = true;
  return std::nullopt;
}

void NetServer::stop_accepting() {
  if (!accepting_) return;
  accepting_ = false;
  for (auto& l : listeners_) {
    Listener* raw = l.get();
    run_on_loop_and_wait(raw->home_loop(), [raw] { raw->stop_accepting(); });
  }
}

DrainReport NetServer::drain() {
  stop_accepting();
  DrainReport r;
  r.listeners = status();
  for (const auto& l : r.listeners) r.connections += l.connections;
  host_.info("gateway drained: accepting stopped, " + std::to_string(r.connections) + " connections open");
  return r;
}

std::vector<ListenerStatus> NetServer::status() const {
  std::vector<ListenerStatus> out;
  for (size_t i = 0; i < listeners_.size(); ++i) {
    ListenerStatus s;
    s.name = runtimes_[i]->config.name;
    s.addresses = listeners_[i]->addresses();
    s.connections = runtimes_[i]->transports.load(std::memory_order_relaxed);
    s.sockets = runtimes_[i]->sockets.load(std::memory_order_relaxed);
    s.accepting = accepting_;
    out.push_back(std::move(s));
  }
  return out;
}

void NetServer::stop() {
  if (!started_) return;
  started_ = false;
  stop_accepting();
  for (auto& s : shards_) {
    LoopShard* raw = s.get();
    host_.post(raw->loop(), [raw] { raw->shutdown_all(); });
  }
  if (!live_.wait_zero(kStopTimeout))
    host_.error("gateway net: " + std::to_string(live_.count()) + " connections did not close within 10s");
  // Barriers: tasks the close paths posted (flushes, deferred deletions, cross-loop replies) run
  // before the shards they may reference are destroyed. Two rounds cover a task posting another.
  for (int round = 0; round < 2; ++round)
    for (auto& s : shards_) run_on_loop_and_wait(s->loop(), [] {});
  listeners_.clear();
  shards_.clear();
  shard_ptrs_.clear();
}

}  // namespace herald::gateway
