// herald-bench: builds the scenario's connections, spreads them over the workers, steers the phases
// (connect, warmup, measured window, drain) and reports. See bench_options.cc for the options and
// docs/performance.md for how ops/bench.sh uses them.
#include <arpa/inet.h>
#include <mosquitto.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench_options.h"
#include "bench_report.h"
#include "binary_bench_client.h"
#include "herald/gateway/auth/jwt_verifier.h"
#include "load_engine.h"
#include "mqtt_bench_client.h"
#include "server_probe.h"

namespace herald::bench {

namespace {

double seconds_since(std::uint64_t start) { return static_cast<double>(now_ns() - start) / 1e9; }

void sleep_for(double seconds) { std::this_thread::sleep_for(std::chrono::duration<double>(seconds)); }

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return tv(u.ru_utime) + tv(u.ru_stime);
}

// Signs one token per user with the first secret of the file (the gateway's own signer).
class TokenMint {
 public:
  explicit TokenMint(const std::string& secret_file) {
    if (secret_file.empty()) return;
    std::ifstream in(secret_file);
    if (!in) throw std::runtime_error("cannot read " + secret_file);
    for (std::string line; std::getline(in, line);) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      if (line.starts_with("base64:")) throw std::runtime_error("base64: secrets are not supported; use a raw secret line");
      signer_.emplace(gateway::auth::JwtSecret{"", line});
      return;
    }
    throw std::runtime_error("no secret in " + secret_file);
  }
  std::string token(const std::string& user) const {
    if (!signer_) return {};
    gateway::auth::JwtClaims claims;
    claims.sub = user;
    claims.exp = static_cast<std::int64_t>(std::time(nullptr)) + 24 * 3600;
    return signer_->sign(claims);
  }

 private:
  std::optional<gateway::auth::JwtSigner> signer_;
};

// Source address number `i` (mod count) counting up from `first`.
std::string source_address(const BenchOptions& o, int i) {
  if (o.sources <= 1) return o.bind_first == "127.0.0.1" ? std::string() : o.bind_first;
  in_addr a{};
  if (inet_pton(AF_INET, o.bind_first.c_str(), &a) != 1) throw std::runtime_error("--bind-first: not IPv4");
  a.s_addr = htonl(ntohl(a.s_addr) + static_cast<std::uint32_t>(i % o.sources));
  char text[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a, text, sizeof text);
  return text;
}

const char* scenario_name(Scenario s) {
  switch (s) {
    case Scenario::kP2p: return "p2p";
    case Scenario::kFanout: return "fanout";
    case Scenario::kIdle: return "idle";
    case Scenario::kReconnect: return "reconnect";
    case Scenario::kGroup: return "group";
  }
  return "?";
}

std::string mode_name(const BenchOptions& o) {
  if (o.protocol == Protocol::kBinary) {
    if (o.scenario == Scenario::kFanout) return "room";
    if (o.scenario == Scenario::kGroup) return "group";
    return o.binary_peer == BinaryPeer::kRelay ? "relay" : "im";
  }
  return o.topics == TopicMode::kIm ? "im" : "plain";
}

struct Plan {
  std::vector<std::unique_ptr<BenchClient>> clients;
  std::vector<int> worker_of;
  int fanout_subscribers = 0;
};

Plan build_plan(const BenchOptions& o) {
  TokenMint mint(o.jwt_secret_file);
  Plan plan;
  std::string run = std::to_string(now_ns() % 100000000000ull) + "-";
  auto user = [&](int n) { return o.user_prefix + std::to_string(n); };
  auto device = [&](const std::string& u) { return u + "-d"; };
  int index = 0;
  int worker = -1;  // >= 0: the worker of the next client (both members of a pair share one)
  auto add = [&](std::unique_ptr<BenchClient> c) {
    plan.worker_of.push_back(worker >= 0 ? worker : index % o.threads);
    plan.clients.push_back(std::move(c));
    ++index;
  };
  auto mqtt = [&](const std::string& u, const std::string& sub, const std::string& pub, bool sender, bool sync = false) {
    MqttClientSpec s;
    s.client_id = device(u);
    s.username = u;
    s.password = mint.token(u);
    s.bind_address = source_address(o, index);
    s.subscribe = sub;
    s.publish = pub;
    s.im = o.topics == TopicMode::kIm;
    s.cmid_prefix = run;
    s.sync_on_connect = sync;
    auto c = std::make_unique<MqttBenchClient>(o, std::move(s));
    c->sender = sender;
    add(std::move(c));
  };
  auto binary = [&](const std::string& u, const std::string& conv, const std::string& room, bool sender,
                    std::uint32_t pair, const std::vector<std::string>& create_group = {}) {
    BinaryClientSpec s;
    if (!create_group.empty()) {
      s.group = conv.substr(6);  // "group:<id>"
      s.members = create_group;
    }
    s.user = u;
    s.device = device(u);
    s.token = mint.token(u);
    s.conv = conv;
    s.room = room;
    s.bind_address = source_address(o, index);
    s.pair_id = pair;
    s.cmid_prefix = run;
    auto c = std::make_unique<BinaryBenchClient>(o, std::move(s));
    c->sender = sender;
    add(std::move(c));
  };
  switch (o.scenario) {
    case Scenario::kP2p:
      for (int p = 0; p < o.clients; ++p) {
        std::string a = user(2 * p), b = user(2 * p + 1);
        worker = p % o.threads;
        for (int side = 0; side < 2; ++side) {
          const std::string& me = side == 0 ? a : b;
          const std::string& peer = side == 0 ? b : a;
          if (o.protocol == Protocol::kMqtt) {
            if (o.topics == TopicMode::kIm)
              mqtt(me, "", "$im/send/c2c/" + peer, true);
            else
              mqtt(me, "chat/p2p/" + device(me), "chat/p2p/" + device(peer), true);
          } else {
            binary(me, "c2c:" + std::min(a, b) + ":" + std::max(a, b), "", true, static_cast<std::uint32_t>(p));
          }
        }
        BenchClient* first = plan.clients[plan.clients.size() - 2].get();
        BenchClient* second = plan.clients.back().get();
        first->peer = second;
        second->peer = first;
      }
      worker = -1;
      break;
    case Scenario::kFanout: {
      // MQTT: subscribers of one topic; binary: members of one Herald room (the publisher joins too).
      std::string topic = "chat/fanout/" + o.user_prefix;
      std::string room = "fan" + o.user_prefix;
      bool mq = o.protocol == Protocol::kMqtt;
      for (int i = 0; i < o.clients; ++i) {
        if (mq)
          mqtt(user(i), topic, "", false);
        else
          binary(user(i), "", room, false, 0);
      }
      worker = 0;
      if (mq)
        mqtt(o.user_prefix + "pub", "", topic, true);
      else
        binary(o.user_prefix + "pub", "room:" + room, room, true, 0);
      worker = -1;
      plan.fanout_subscribers = o.clients;
      break;
    }
    case Scenario::kGroup: {
      // Member 0 creates the group with everyone; the senders live on worker 0 so the fan-out gate
      // (messages not yet delivered to every other member) sees all of them.
      std::string conv = "group:grp" + o.user_prefix;
      std::vector<std::string> others;
      for (int i = 1; i < o.clients; ++i) others.push_back(user(i));
      for (int i = 0; i < o.clients; ++i) {
        bool sends = i < o.senders;
        worker = sends ? 0 : -1;
        binary(user(i), conv, "", sends, 0, i == 0 ? others : std::vector<std::string>{});
      }
      worker = -1;
      plan.fanout_subscribers = o.clients - 1;
      break;
    }
    case Scenario::kIdle:
      for (int i = 0; i < o.clients; ++i) mqtt(user(i), "", "", false);
      break;
    case Scenario::kReconnect:
      for (int i = 0; i < o.clients; ++i) mqtt(user(i), "", "", false, o.topics == TopicMode::kIm);
      break;
  }
  return plan;
}

int run(const BenchOptions& o) {
  mosquitto_lib_init();
  Plan plan = build_plan(o);
  SharedState shared(o);
  shared.fanout_subscribers = plan.fanout_subscribers;
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < o.threads; ++i) {
    workers.push_back(std::make_unique<Worker>(i, shared));
    shared.workers.push_back(workers.back().get());
  }
  auto total = static_cast<std::uint64_t>(plan.clients.size());
  for (std::size_t i = 0; i < plan.clients.size(); ++i)
    workers[static_cast<std::size_t>(plan.worker_of[i])]->add(std::move(plan.clients[i]));

  BenchResult r;
  r.scenario = scenario_name(o.scenario);
  r.protocol = o.protocol == Protocol::kMqtt ? "mqtt" : "binary";
  r.mode = mode_name(o);
  r.label = o.label;
  r.connections = static_cast<int>(total);
  r.offered_rate = o.rate;
  auto before = sample_process(o.server_pid);

  std::uint64_t start = now_ns();
  for (auto& w : workers) w->start();
  for (;;) {
    Totals t = shared.totals();
    if (t.ready + t.errors >= total || seconds_since(start) > o.connect_timeout_s) break;
    sleep_for(0.01);
  }
  r.connect_seconds = seconds_since(start);
  r.connected = shared.totals().ready;

  if (o.scenario == Scenario::kIdle) {
    sleep_for(o.idle_hold_s);
    r.connected = shared.totals().ready - shared.totals().closed;
    if (auto after = sample_process(o.server_pid); after && before) {
      r.have_server = true;
      r.server_rss_before_kb = before->rss_kb;
      r.server_rss_kb = after->rss_kb;
      if (r.connected > 0)
        r.rss_per_connection_b = static_cast<double>(after->rss_kb > before->rss_kb ? after->rss_kb - before->rss_kb : 0) *
                                 1024.0 / static_cast<double>(r.connected);
    }
  } else if (r.connected > 0) {
    shared.phase.store(Phase::kRun, std::memory_order_release);
    sleep_for(o.warmup_s);
    Totals t0 = shared.totals();
    auto s0 = sample_process(o.server_pid);
    double c0 = process_cpu_seconds();
    std::uint64_t w0 = now_ns();
    shared.measuring.store(true);
    sleep_for(o.duration_s);
    shared.measuring.store(false);
    Totals t1 = shared.totals();
    r.measured_seconds = seconds_since(w0);
    auto s1 = sample_process(o.server_pid);
    r.client_cpu_pct = (process_cpu_seconds() - c0) / r.measured_seconds * 100.0;
    r.msgs_per_s = static_cast<double>(t1.acked - t0.acked) / r.measured_seconds;
    r.deliveries_per_s = static_cast<double>(t1.delivered - t0.delivered) / r.measured_seconds;
    if (s0 && s1) {
      r.have_server = true;
      r.server_rss_kb = s1->rss_kb;
      r.server_rss_before_kb = before ? before->rss_kb : 0;
      r.server_cpu_pct = (s1->cpu_seconds - s0->cpu_seconds) / r.measured_seconds * 100.0;
    }
    shared.phase.store(Phase::kDrain, std::memory_order_release);
    std::uint64_t fan = plan.fanout_subscribers > 0 ? static_cast<std::uint64_t>(plan.fanout_subscribers) : 1;
    // Wait for what is still on its way; give up only once nothing moved for drain_s (a loaded
    // server may need longer than drain_s to empty a full window, which is slow, not lost).
    std::uint64_t quiet_since = now_ns(), drain_start = now_ns();
    std::uint64_t progress = 0;
    for (;;) {
      Totals t = shared.totals();
      if (t.acked >= t.sent && t.delivered >= t.sent * fan) break;
      if (t.acked + t.delivered != progress) {
        progress = t.acked + t.delivered;
        quiet_since = now_ns();
      }
      if (seconds_since(quiet_since) > o.drain_s || seconds_since(drain_start) > 10 * o.drain_s + 60) break;
      sleep_for(0.01);
    }
  }
  shared.phase.store(Phase::kStop, std::memory_order_release);
  for (auto& w : workers) w->join();

  Totals t = shared.totals();
  std::uint64_t fan = plan.fanout_subscribers > 0 ? static_cast<std::uint64_t>(plan.fanout_subscribers) : 1;
  r.sent = t.sent;
  r.acked = t.acked;
  r.delivered = t.delivered;
  r.expected = o.scenario == Scenario::kIdle ? 0 : t.sent * fan;
  r.lost = r.expected > r.delivered ? r.expected - r.delivered : 0;
  r.errors = t.errors;
  for (auto& w : workers) {
    r.latency.merge(w->latency);
    if (r.first_error.empty()) r.first_error = w->first_error;
  }
  print_table(r);
  if (!o.json_path.empty()) write_json(r, o, o.json_path);
  workers.clear();
  mosquitto_lib_cleanup();

  if (!o.strict) return 0;
  bool ok = r.errors == 0 && r.lost == 0 && r.connected == total &&
            (o.scenario == Scenario::kIdle || r.delivered > 0);
  if (!ok) std::fprintf(stderr, "herald-bench: --strict: check failed\n");
  return ok ? 0 : 1;
}

}  // namespace

}  // namespace herald::bench

int main(int argc, char** argv) {
  try {
    return herald::bench::run(herald::bench::parse_options(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "herald-bench: %s\n", e.what());
    return 2;
  }
}
