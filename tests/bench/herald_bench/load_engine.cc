// Worker loops: start connections a bounded number at a time, dispatch epoll events to clients, and
// decide when senders send: keep every sender's window full (maximum rate), spend a token bucket
// round-robin over senders (target rate), or, for fan-out and groups, publish only while few messages
// are still on their way to all receivers (so no broker queue overflows and drops).
#include "load_engine.h"

#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>

namespace herald::bench {

std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

Totals SharedState::totals() const {
  Totals t;
  for (const Worker* w : workers) {
    const Counters& c = w->counters;
    t.ready += c.ready.load(std::memory_order_relaxed);
    t.sent += c.sent.load(std::memory_order_relaxed);
    t.acked += c.acked.load(std::memory_order_relaxed);
    t.delivered += c.delivered.load(std::memory_order_relaxed);
    t.errors += c.errors.load(std::memory_order_relaxed);
    t.closed += c.closed.load(std::memory_order_relaxed);
  }
  return t;
}

Worker::Worker(int index, SharedState& shared) : index_(index), shared_(shared) {
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) throw std::runtime_error("epoll_create1 failed");
}

Worker::~Worker() {
  join();
  clients_.clear();  // closes sockets before the epoll fd
  if (epfd_ >= 0) ::close(epfd_);
}

void Worker::add(std::unique_ptr<BenchClient> client) {
  client->worker = this;
  if (client->sender) senders_.push_back(client.get());
  clients_.push_back(std::move(client));
}

void Worker::start() { thread_ = std::thread([this] { loop(); }); }

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::watch(int fd, BenchClient* client, std::uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = client;
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) error("epoll_ctl add failed");
}

void Worker::rewatch(int fd, BenchClient* client, std::uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = client;
  epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev);
}

void Worker::unwatch(int fd) { epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr); }

void Worker::client_up(BenchClient* client) {
  if (client->up || client->dead) return;
  client->up = true;
  --connecting_;
  Phase phase = shared_.phase.load(std::memory_order_relaxed);
  if (client->cycle_start != 0) {  // a reconnect completed: its latency is connect start to ready
    std::uint64_t now = now_ns();
    counters.add(counters.acked);
    counters.add(counters.delivered);
    if (shared_.measuring.load(std::memory_order_relaxed)) latency.record(now - client->cycle_start);
    client->cycle_start = 0;
  } else {
    counters.add(counters.ready);
  }
  if (shared_.options.scenario == Scenario::kReconnect) {
    if (phase == Phase::kRun) restarts_.push_back(client);  // not from inside the client's callback
    return;
  }
  if (phase == Phase::kRun && max_mode() && client->sender) fill(client, now_ns());
}

void Worker::restart_due(std::uint64_t now) {
  if (!kicked_) {
    kicked_ = true;
    for (auto& c : clients_)
      if (c->up && !c->dead) restarts_.push_back(c.get());
  }
  std::vector<BenchClient*> due;
  due.swap(restarts_);
  for (BenchClient* c : due) {
    if (c->dead || !c->up) continue;
    c->up = false;
    c->cycle_start = now;
    ++connecting_;
    counters.add(counters.sent);
    if (!c->restart()) client_failed(c, "reconnect failed at once");
  }
}

void Worker::client_failed(BenchClient* client, const std::string& why) {
  if (client->dead) return;
  client->dead = true;
  if (client->up) {
    counters.add(counters.closed);
  } else {
    --connecting_;
  }
  error(why);
}

void Worker::error(const std::string& why) {
  counters.add(counters.errors);
  if (first_error.empty()) first_error = why;
}

void Worker::acked(BenchClient* client) {
  ++client->acked_count;
  counters.add(counters.acked);
  if (max_mode() && shared_.phase.load(std::memory_order_relaxed) == Phase::kRun) fill(client, now_ns());
}

void Worker::delivered(BenchClient* receiver, std::uint64_t sent_ns) {
  counters.add(counters.delivered);
  std::uint64_t now = now_ns();
  if (shared_.measuring.load(std::memory_order_relaxed)) latency.record(now > sent_ns ? now - sent_ns : 0);
  if (BenchClient* from = receiver->peer) {
    ++from->peer_received;
    if (max_mode() && shared_.phase.load(std::memory_order_relaxed) == Phase::kRun) fill(from, now);
  }
}

bool Worker::max_mode() const { return shared_.options.rate <= 0 && shared_.fanout_subscribers == 0; }

bool Worker::try_send(BenchClient* client, std::uint64_t now) {
  if (!client->up || client->dead || client->outstanding() >= static_cast<std::uint64_t>(shared_.options.window) ||
      !client->send_one(now))
    return false;
  ++client->sent_count;
  counters.add(counters.sent);
  return true;
}

void Worker::fill(BenchClient* client, std::uint64_t now) {
  while (try_send(client, now)) {
  }
}

void Worker::start_more() {
  int limit = shared_.options.max_connecting;
  while (next_start_ < clients_.size() && connecting_ < limit) {
    BenchClient* c = clients_[next_start_++].get();
    ++connecting_;
    if (!c->begin()) client_failed(c, "connect failed at once");
  }
}

void Worker::pace(std::uint64_t now) {
  if (senders_.empty()) return;
  const BenchOptions& o = shared_.options;
  if (last_pace_ == 0) last_pace_ = now;
  if (o.rate > 0) {
    double share = o.rate / static_cast<double>(shared_.workers.size());
    tokens_ += static_cast<double>(now - last_pace_) * share / 1e9;
    if (tokens_ > share * 0.05 + 1) tokens_ = share * 0.05 + 1;  // at most a 50 ms burst after a stall
  }
  last_pace_ = now;

  if (shared_.fanout_subscribers > 0) {
    auto subs = static_cast<std::uint64_t>(shared_.fanout_subscribers);
    std::uint64_t done = shared_.totals().delivered / subs;
    std::size_t stalled = 0;  // round-robin over the senders (group: several members send)
    while (fanout_published_ < done + static_cast<std::uint64_t>(o.fanout_window) && stalled < senders_.size()) {
      if (o.rate > 0 && tokens_ < 1) return;
      BenchClient* p = senders_[rr_];
      rr_ = (rr_ + 1) % senders_.size();
      if (!try_send(p, now)) {
        ++stalled;
        continue;
      }
      stalled = 0;
      if (o.rate > 0) tokens_ -= 1;
      ++fanout_published_;
    }
    return;
  }
  if (o.rate <= 0) {
    if (!kicked_) {
      kicked_ = true;
      for (BenchClient* s : senders_) fill(s, now);
    }
    return;
  }
  std::size_t idle_scans = 0;
  while (tokens_ >= 1 && idle_scans < senders_.size()) {
    BenchClient* s = senders_[rr_];
    rr_ = (rr_ + 1) % senders_.size();
    if (!try_send(s, now)) {
      ++idle_scans;
      continue;
    }
    idle_scans = 0;
    tokens_ -= 1;
  }
}

void Worker::loop() {
  std::vector<epoll_event> events(1024);
  std::uint64_t last_second = now_ns();
  for (;;) {
    Phase phase = shared_.phase.load(std::memory_order_acquire);
    if (phase == Phase::kStop) break;
    start_more();
    int timeout_ms = (phase == Phase::kRun && !max_mode()) ? 1 : 10;
    int n = epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), timeout_ms);
    for (int i = 0; i < n; ++i) {
      auto* c = static_cast<BenchClient*>(events[static_cast<std::size_t>(i)].data.ptr);
      if (!c->dead) c->on_events(events[static_cast<std::size_t>(i)].events);
    }
    std::uint64_t now = now_ns();
    if (phase == Phase::kRun) {
      if (shared_.options.scenario == Scenario::kReconnect)
        restart_due(now);
      else
        pace(now);
    }
    if (now - last_second >= 1000000000ull) {
      last_second = now;
      for (auto& c : clients_)
        if (c->up && !c->dead) c->on_second();
    }
  }
  for (auto& c : clients_)
    if (c->up && !c->dead) c->finish();
}

}  // namespace herald::bench
