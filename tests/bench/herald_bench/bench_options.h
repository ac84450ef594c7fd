// What one herald-bench run does: the scenario, the server it drives and the load shape, parsed once
// from the command line (`herald-bench --help` lists every option).
#pragma once

#include <cstdint>
#include <string>

namespace herald::bench {

enum class Scenario { kP2p, kFanout, kGroup, kIdle, kReconnect };
enum class Protocol { kMqtt, kBinary };
// MQTT topics: plain pub/sub topics (any broker), or Herald's IM path ($im/send/c2c, $im/inbox).
enum class TopicMode { kPlain, kIm };
// Binary protocol peer: Herald (CONNECT, SEND/SEND_ACK, PUSH/PUSH_ACK) or the raw relay (a pair
// hello, then SEND frames answered by the peer with SEND_ACK through the relay).
enum class BinaryPeer { kHerald, kRelay };

struct BenchOptions {
  Scenario scenario = Scenario::kP2p;
  Protocol protocol = Protocol::kMqtt;
  TopicMode topics = TopicMode::kPlain;
  BinaryPeer binary_peer = BinaryPeer::kHerald;
  std::string label;          // the server's name in the report (herald, mosquitto, relay)
  std::string host = "127.0.0.1";
  std::uint16_t port = 1883;
  int clients = 100;          // p2p: pairs; fanout: subscribers; group: members; idle: connections
  int senders = 4;            // group: members that send
  int threads = 2;
  double rate = 0;            // messages/s offered in total; 0 = as fast as the window allows
  int window = 8;             // unacknowledged sends per sender
  int fanout_window = 4;      // fanout: messages published but not yet delivered to every subscriber
  int payload = 64;           // bytes of each message payload (at least the timestamp)
  int qos = 1;
  bool clean_session = false;  // false: persistent sessions, so a broker with persistence stores them
  int keepalive_s = 60;
  double warmup_s = 2;
  double duration_s = 10;
  double drain_s = 5;         // after sending stops: give up on outstanding messages once nothing moved this long
  double connect_timeout_s = 60;
  double idle_hold_s = 3;     // idle: hold the connections this long after all are up before measuring
  int max_connecting = 256;   // connects in progress per thread (a listen backlog is finite)
  std::string bind_first = "127.0.0.1";  // first source address; successive ones add to the last octet
  int sources = 1;            // how many source addresses connections are spread over
  std::string jwt_secret_file;  // sign HS256 tokens (sub = user id) with the first secret in it
  std::string user_prefix = "u";  // user ids <prefix><n>, device (client) ids <prefix><n>-d
  int server_pid = 0;         // read RSS and CPU of this process
  std::string json_path;      // write the result here as JSON
  bool strict = false;        // exit 1 unless messages were delivered with no error and nothing lost
};

// Parses argv; on --help prints usage and exits 0, on a bad option prints why and exits 2.
BenchOptions parse_options(int argc, char** argv);

}  // namespace herald::bench
