// Command-line parsing for herald-bench: --name value pairs, each checked as it is read.
#include "bench_options.h"

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <stdexcept>
#include <string_view>

namespace herald::bench {

namespace {

constexpr const char* kUsage = R"(herald-bench: drives many MQTT or Herald binary connections from a few threads.

  --scenario p2p|fanout|idle|reconnect
                               p2p: N pairs send to each other; fanout: 1 publisher, N subscribers
                               of one topic (binary: N members of a Herald room); group (binary):
                               an N-member Herald group, --senders S of them sending; idle: N connections held, server RSS measured;
                               reconnect: N clients disconnect and reconnect in a loop (with
                               --topics im each reconnect also syncs: $im/sync until sync_end)
  --protocol mqtt|binary       mqtt: libmosquitto (external loop); binary: protocols/binary
  --topics plain|im            mqtt: plain topics, or Herald's $im/send/c2c + $im/inbox path
  --peer herald|relay          binary: Herald, or the raw relay (tests/bench/relay)
  --label NAME                 server name in the report
  --host A --port P            server address (default 127.0.0.1:1883)
  --clients N                  pairs (p2p), subscribers (fanout), members (group), connections
                               (idle, reconnect); default 100
  --senders S                  group: members that send (default 4)
  --threads N                  event-loop threads (default 2)
  --rate R                     total messages/s offered; 0 = maximum within the window (default)
  --window W                   unacknowledged sends per sender (default 8)
  --fanout-window W            fanout: messages not yet delivered to all (default 4)
  --payload BYTES              message payload size (default 64)
  --qos 0|1                    MQTT QoS of publishes and subscriptions (default 1)
  --clean-session 0|1          MQTT clean session (default 0: persistent sessions)
  --warmup S --duration S      seconds before measuring, seconds measured (2, 10)
  --drain S                    at the end, outstanding messages count as lost once nothing has
                               arrived for S seconds (5)
  --connect-timeout S          all connections must be up within this (60)
  --idle-hold S                idle: seconds held before measuring (3)
  --max-connecting N           connects in flight per thread (256)
  --bind-first ADDR --sources N  spread connections over N source addresses from ADDR (127.0.0.x)
  --jwt-secret-file F          sign HS256 tokens (sub = user id) with F's first secret
  --user-prefix P              user ids P<n>, device / client ids P<n>-d (default u)
  --server-pid PID             read the server's RSS and CPU from /proc/PID
  --json FILE                  write the result as JSON
  --strict                     exit 1 unless messages were delivered, no errors, nothing lost
)";

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "herald-bench: %s (see --help)\n", what.c_str());
  std::exit(2);
}

double to_number(std::string_view name, const std::string& text, double lo, double hi) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end == nullptr || *end != '\0' || v < lo || v > hi)
    fail(std::string(name) + ": expected a number in [" + std::to_string(lo) + ", " + std::to_string(hi) +
         "], got \"" + text + "\"");
  return v;
}

int to_int(std::string_view name, const std::string& text, int lo, int hi) {
  double v = to_number(name, text, lo, hi);
  if (v != static_cast<double>(static_cast<int>(v))) fail(std::string(name) + ": expected an integer, got \"" + text + "\"");
  return static_cast<int>(v);
}

template <class E>
E to_enum(std::string_view name, const std::string& text, const std::map<std::string, E>& values) {
  auto it = values.find(text);
  if (it == values.end()) {
    std::string known;
    for (const auto& [k, v] : values) known += (known.empty() ? "" : "|") + k;
    fail(std::string(name) + ": expected " + known + ", got \"" + text + "\"");
  }
  return it->second;
}

}  // namespace

BenchOptions parse_options(int argc, char** argv) {
  BenchOptions o;
  using Setter = std::function<void(const std::string&)>;
  const std::map<std::string, Setter> setters = {
      {"--scenario", [&](const std::string& v) {
         o.scenario = to_enum<Scenario>("--scenario", v, {{"p2p", Scenario::kP2p}, {"fanout", Scenario::kFanout},
                                                          {"group", Scenario::kGroup}, {"idle", Scenario::kIdle},
                                                          {"reconnect", Scenario::kReconnect}});
       }},
      {"--protocol", [&](const std::string& v) {
         o.protocol = to_enum<Protocol>("--protocol", v, {{"mqtt", Protocol::kMqtt}, {"binary", Protocol::kBinary}});
       }},
      {"--topics", [&](const std::string& v) {
         o.topics = to_enum<TopicMode>("--topics", v, {{"plain", TopicMode::kPlain}, {"im", TopicMode::kIm}});
       }},
      {"--peer", [&](const std::string& v) {
         o.binary_peer = to_enum<BinaryPeer>("--peer", v, {{"herald", BinaryPeer::kHerald}, {"relay", BinaryPeer::kRelay}});
       }},
      {"--label", [&](const std::string& v) { o.label = v; }},
      {"--host", [&](const std::string& v) { o.host = v; }},
      {"--port", [&](const std::string& v) { o.port = static_cast<std::uint16_t>(to_int("--port", v, 1, 65535)); }},
      {"--clients", [&](const std::string& v) { o.clients = to_int("--clients", v, 1, 1000000); }},
      {"--senders", [&](const std::string& v) { o.senders = to_int("--senders", v, 1, 1000000); }},
      {"--threads", [&](const std::string& v) { o.threads = to_int("--threads", v, 1, 64); }},
      {"--rate", [&](const std::string& v) { o.rate = to_number("--rate", v, 0, 1e9); }},
      {"--window", [&](const std::string& v) { o.window = to_int("--window", v, 1, 65535); }},
      {"--fanout-window", [&](const std::string& v) { o.fanout_window = to_int("--fanout-window", v, 1, 65535); }},
      {"--payload", [&](const std::string& v) { o.payload = to_int("--payload", v, 24, 65536); }},
      {"--qos", [&](const std::string& v) { o.qos = to_int("--qos", v, 0, 1); }},
      {"--clean-session", [&](const std::string& v) { o.clean_session = to_int("--clean-session", v, 0, 1) == 1; }},
      {"--keepalive", [&](const std::string& v) { o.keepalive_s = to_int("--keepalive", v, 5, 65535); }},
      {"--warmup", [&](const std::string& v) { o.warmup_s = to_number("--warmup", v, 0, 3600); }},
      {"--duration", [&](const std::string& v) { o.duration_s = to_number("--duration", v, 0.1, 3600); }},
      {"--drain", [&](const std::string& v) { o.drain_s = to_number("--drain", v, 0, 3600); }},
      {"--connect-timeout", [&](const std::string& v) { o.connect_timeout_s = to_number("--connect-timeout", v, 1, 3600); }},
      {"--idle-hold", [&](const std::string& v) { o.idle_hold_s = to_number("--idle-hold", v, 0, 3600); }},
      {"--max-connecting", [&](const std::string& v) { o.max_connecting = to_int("--max-connecting", v, 1, 100000); }},
      {"--bind-first", [&](const std::string& v) { o.bind_first = v; }},
      {"--sources", [&](const std::string& v) { o.sources = to_int("--sources", v, 1, 250); }},
      {"--jwt-secret-file", [&](const std::string& v) { o.jwt_secret_file = v; }},
      {"--user-prefix", [&](const std::string& v) { o.user_prefix = v; }},
      {"--server-pid", [&](const std::string& v) { o.server_pid = to_int("--server-pid", v, 0, 1 << 30); }},
      {"--json", [&](const std::string& v) { o.json_path = v; }},
  };
  for (int i = 1; i < argc; ++i) {
    std::string name = argv[i];
    if (name == "--help" || name == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (name == "--strict") {
      o.strict = true;
      continue;
    }
    auto it = setters.find(name);
    if (it == setters.end()) fail("unknown option " + name);
    if (i + 1 >= argc) fail(name + " needs a value");
    it->second(argv[++i]);
  }
  if (o.protocol == Protocol::kBinary && o.scenario != Scenario::kP2p && o.scenario != Scenario::kFanout &&
      o.scenario != Scenario::kGroup)
    fail("--protocol binary supports --scenario p2p, fanout (a Herald room) and group only");
  if (o.scenario == Scenario::kGroup && (o.protocol != Protocol::kBinary || o.binary_peer != BinaryPeer::kHerald))
    fail("--scenario group needs --protocol binary against Herald");
  if (o.scenario == Scenario::kGroup && (o.clients < 2 || o.senders > o.clients))
    fail("--scenario group needs --clients >= 2 and --senders <= --clients");
  if (o.protocol == Protocol::kBinary && o.scenario == Scenario::kFanout && o.binary_peer == BinaryPeer::kRelay)
    fail("the relay pairs connections: no fanout");
  if (o.protocol == Protocol::kMqtt && o.topics == TopicMode::kIm && o.scenario == Scenario::kFanout)
    fail("--topics im supports p2p, idle and reconnect only");
  if (o.label.empty()) o.label = o.protocol == Protocol::kBinary && o.binary_peer == BinaryPeer::kRelay ? "relay" : "server";
  return o;
}

}  // namespace herald::bench
