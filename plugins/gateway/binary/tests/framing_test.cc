// Decoding limits and decode errors: oversize frames, framing errors (KICK) versus bad bodies (ERROR
// for the request id, stream continues), fragmentation.
#include "binary_harness.h"

#include "herald/binary/varint.h"

namespace herald::gateway::binary::test {

namespace {
// A frame header announcing `length` bytes, without the body.
std::vector<uint8_t> length_prefix(uint32_t length) {
  std::vector<uint8_t> out;
  while (length >= 0x80) {
    out.push_back(static_cast<uint8_t>(length | 0x80));
    length >>= 7;
  }
  out.push_back(static_cast<uint8_t>(length));
  return out;
}
}  // namespace

TEST_CASE("a frame over 64 KiB before the handshake is kicked with PACKET_TOO_LARGE") {
  Env env;
  BinaryServer server(env.host(), BinaryConfig{}, jwt_auth());
  Client c(env, server);
  auto bytes = length_prefix(70000);
  bytes.push_back(0x01);  // CONNECT; the body never needs to arrive
  c.send_bytes(bytes);
  auto k = c.expect<hb::KickFrame>();
  CHECK(k.code == HERALD_REASON_PACKET_TOO_LARGE);
  CHECK(c.wait_closed());
}

TEST_CASE("after the handshake the negotiated maximum applies") {
  Env env;
  BinaryConfig cfg;
  cfg.max_frame_size = 2048;
  BinaryServer server(env.host(), cfg, jwt_auth());
  Client c(env, server);
  CHECK(c.connect("alice", "p1").max_frame_size == 2048);
  auto bytes = length_prefix(4096);
  c.send_bytes(bytes);
  CHECK(c.expect<hb::KickFrame>().code == HERALD_REASON_PACKET_TOO_LARGE);
  CHECK(c.wait_closed());
}

TEST_CASE("a length prefix over 4 bytes is a framing error: KICK MALFORMED") {
  Env env;
  BinaryServer server(env.host(), BinaryConfig{}, jwt_auth());
  Client c(env, server);
  c.connect("alice", "p1");
  c.send_bytes({0x80, 0x80, 0x80, 0x80, 0x01});
  CHECK(c.expect<hb::KickFrame>().code == HERALD_REASON_MALFORMED);
  CHECK(c.wait_closed());
  CHECK(env.counter("herald_binary_kicks_total", {{"reason", "malformed"}}) == 1);
}

TEST_CASE("a malformed body gets ERROR for its request id and the stream goes on") {
  Env env;
  BinaryServer server(env.host(), BinaryConfig{}, jwt_auth());
  Client c(env, server);
  c.connect("alice", "p1");
  // SEND (0x10), flags 0, request id 9, body: field 1 with wire type 0 (conv must be a string).
  c.send_bytes({0x05, 0x10, 0x00, 0x09, 0x08, 0x01});
  auto e = c.expect_error(9);
  CHECK(e.code != 0);
  // An unknown frame type: ERROR PROTOCOL_ERROR for that id.
  c.send_bytes({0x03, 0x7f, 0x00, 0x0a});
  CHECK(c.expect_error(10).code == HERALD_REASON_PROTOCOL_ERROR);
  c.send(11, hb::PingFrame{});
  uint32_t rid = 0;
  c.expect<hb::PongFrame>(&rid);
  CHECK(rid == 11);
  CHECK_FALSE(c.closed());
  CHECK(env.counter("herald_binary_frames_received_total", {{"type", "invalid"}}) == 2);
}

TEST_CASE("too many malformed frames end in KICK PROTOCOL_ERROR") {
  Env env;
  BinaryConfig cfg;
  cfg.max_decode_errors = 2;
  BinaryServer server(env.host(), cfg, jwt_auth());
  Client c(env, server);
  c.connect("alice", "p1");
  for (uint8_t i = 1; i <= 3; ++i) c.send_bytes({0x03, 0x7f, 0x00, i});
  c.expect_error(1);
  c.expect_error(2);
  c.expect_error(3);
  CHECK(c.expect<hb::KickFrame>().code == HERALD_REASON_PROTOCOL_ERROR);
  CHECK(c.wait_closed());
}

TEST_CASE("a malformed CONNECT is answered with ERROR and the connection closes") {
  Env env;
  BinaryServer server(env.host(), BinaryConfig{}, jwt_auth());
  Client c(env, server);
  // CONNECT with request id 1 and an empty body: required fields missing.
  c.send_bytes({0x03, 0x01, 0x00, 0x01});
  auto e = c.expect_error(1);
  CHECK(e.code != 0);
  CHECK(c.wait_closed());
}

TEST_CASE("frames arriving one byte at a time decode") {
  Env env;
  BinaryServer server(env.host(), BinaryConfig{}, jwt_auth());
  Client c(env, server);
  std::vector<uint8_t> bytes;
  REQUIRE(hb::encode_frame(hb::Frame{1, false, Client::connect_frame("alice", "p1", token_for("alice"))}, bytes) ==
          hb::EncodeStatus::kOk);
  REQUIRE(hb::encode_frame(hb::Frame{2, false, hb::PingFrame{}}, bytes) == hb::EncodeStatus::kOk);
  for (uint8_t b : bytes) c.send_bytes({b});
  c.expect<hb::ConnectAckFrame>();
  c.expect<hb::PongFrame>();
}

}  // namespace herald::gateway::binary::test
