// One Herald binary-protocol connection (protocols/binary codec) in a Worker's epoll loop: against
// Herald it does CONNECT, SEND -> SEND_ACK and PUSH -> PUSH_ACK; against the raw relay it sends a pair
// hello and the same SEND frames, which the peer answers with SEND_ACK through the relay, so both
// paths move the same frames and differ only in what sits in the middle.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "herald/binary/codec.h"
#include "load_engine.h"

namespace herald::bench {

struct BinaryClientSpec {
  std::string user, device, token;  // Herald
  std::string conv;                 // where sends go: c2c:<a>:<b>, or room:<id> for fan-out
  std::string room;                 // fan-out: join this room (ROOM_OP) before counting as up
  std::string group;                // group owner: create this group with `members` before counting as up
  std::vector<std::string> members;
  std::string bind_address;
  std::uint32_t pair_id = 0;        // relay
  std::string cmid_prefix;
};

class BinaryBenchClient final : public BenchClient {
 public:
  BinaryBenchClient(const BenchOptions& options, BinaryClientSpec spec);
  ~BinaryBenchClient() override;

  bool begin() override;
  void on_events(std::uint32_t events) override;
  bool send_one(std::uint64_t now) override;
  void finish() override;

 private:
  void queue(const herald::binary::Frame& frame);
  void flush();
  void read_all();
  void handle(herald::binary::Frame& frame);
  void deliver(const herald::binary::Bytes& body);
  void lost(const std::string& why);
  void update_mask();

  const BenchOptions& options_;
  BinaryClientSpec spec_;
  bool relay_;
  int fd_ = -1;
  bool connected_ = false;  // TCP up
  std::uint32_t mask_ = 0;
  std::vector<std::uint8_t> in_, out_;
  std::size_t in_off_ = 0, out_off_ = 0;
  herald::binary::DecodeLimits limits_;
  herald::binary::EncodeOptions encode_;
  std::uint32_t next_request_ = 1;
  std::uint32_t join_request_ = 0;  // the ROOM_OP join awaiting its RESULT
  std::uint64_t seq_ = 0;
  herald::binary::Version max_version_ = 0;
};

}  // namespace herald::bench
