// The load engine: a few worker threads, each an epoll loop owning a share of the connections, and
// the shared run state (phase, counters) the main thread steers and reads. Clients (MQTT, binary)
// implement BenchClient; the worker decides when senders send (window, rate or fan-out gating).
#pragma once

#include <sys/epoll.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_options.h"
#include "latency_histogram.h"

namespace herald::bench {

std::uint64_t now_ns();  // CLOCK_MONOTONIC: senders and receivers share this process's clock

enum class Phase : int { kConnect, kRun, kDrain, kStop };

// Written by one worker only, read by the main thread (relaxed: totals, not synchronisation).
struct alignas(64) Counters {
  std::atomic<std::uint64_t> ready{0};      // connections up (and subscribed)
  std::atomic<std::uint64_t> sent{0};       // messages sent while running
  std::atomic<std::uint64_t> acked{0};      // sends acknowledged by the server (PUBACK, SEND_ACK)
  std::atomic<std::uint64_t> delivered{0};  // messages received by subscribers / peers
  std::atomic<std::uint64_t> errors{0};     // connect failures, drops, error answers
  std::atomic<std::uint64_t> closed{0};     // connections lost after being up
  void add(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) { c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
};

struct Totals {
  std::uint64_t ready = 0, sent = 0, acked = 0, delivered = 0, errors = 0, closed = 0;
};

class Worker;

class BenchClient {
 public:
  virtual ~BenchClient() = default;
  // Starts connecting (on the worker's thread); false when that failed at once.
  virtual bool begin() = 0;
  virtual void on_events(std::uint32_t events) = 0;
  virtual void on_second() {}  // keepalive and other housekeeping
  // Sends one message stamped with `now`; false when the connection cannot send now.
  virtual bool send_one(std::uint64_t now) = 0;
  virtual void finish() {}  // polite goodbye at the end of the run
  // Reconnect scenario: close (politely) and connect again; false when that failed at once.
  virtual bool restart() { return false; }

  // A send is outstanding until the server acknowledged it and, when the client has a peer (p2p,
  // on the same worker), the peer received it: the window is end to end, so a sender never outruns
  // its receiver and no broker queue overflows.
  std::uint64_t outstanding() const {
    std::uint64_t done = peer != nullptr ? std::min(acked_count, peer_received) : acked_count;
    return sent_count > done ? sent_count - done : 0;
  }

  Worker* worker = nullptr;
  BenchClient* peer = nullptr;  // p2p: the other member of the pair
  bool sender = false;
  bool up = false;       // connected and ready
  bool dead = false;
  std::uint64_t sent_count = 0, acked_count = 0;
  std::uint64_t peer_received = 0;  // deliveries of this client's messages at its peer
  std::uint64_t cycle_start = 0;    // reconnect: when the current reconnect began (0: first connect)
};

struct SharedState {
  explicit SharedState(const BenchOptions& o) : options(o) {}
  const BenchOptions& options;
  std::atomic<Phase> phase{Phase::kConnect};
  std::atomic<bool> measuring{false};
  std::vector<Worker*> workers;  // fixed before the threads start
  int fanout_subscribers = 0;    // fanout gating: deliveries per published message
  Totals totals() const;
};

class Worker {
 public:
  Worker(int index, SharedState& shared);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void add(std::unique_ptr<BenchClient> client);
  void start();
  void join();

  // For clients, on the worker's thread.
  void watch(int fd, BenchClient* client, std::uint32_t events);
  void rewatch(int fd, BenchClient* client, std::uint32_t events);
  void unwatch(int fd);
  void client_up(BenchClient* client);
  void client_failed(BenchClient* client, const std::string& why);  // counts an error, closes
  void acked(BenchClient* client);
  void delivered(BenchClient* receiver, std::uint64_t sent_ns);
  void error(const std::string& why);

  int index() const { return index_; }
  Counters counters;
  LatencyHistogram latency;  // read after join()
  std::string first_error;   // read after join()

 private:
  void loop();
  void start_more();
  void fill(BenchClient* client, std::uint64_t now);
  bool try_send(BenchClient* client, std::uint64_t now);
  void pace(std::uint64_t now);
  void restart_due(std::uint64_t now);
  bool max_mode() const;

  int index_;
  SharedState& shared_;
  int epfd_ = -1;
  std::vector<std::unique_ptr<BenchClient>> clients_;
  std::vector<BenchClient*> senders_;
  std::vector<BenchClient*> restarts_;  // reconnect: clients to cycle after the current events
  std::size_t next_start_ = 0;
  int connecting_ = 0;
  bool kicked_ = false;
  double tokens_ = 0;
  std::uint64_t last_pace_ = 0;
  std::size_t rr_ = 0;
  std::uint64_t fanout_published_ = 0;
  std::thread thread_;
};

}  // namespace herald::bench
