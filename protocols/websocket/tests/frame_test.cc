// WebSocket frame codec: RFC 6455 section 5.7 examples byte for byte, masking, fragmentation, control
// frame rules, reserved bits/opcodes, size limits, UTF-8 and close payloads, split at every byte.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "herald/websocket/frame.h"

using namespace herald::websocket;

namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int v : b) s.push_back(static_cast<char>(v));
  return s;
}

std::vector<Event> decode_all(Decoder& d, const std::string& in) {
  d.feed(in);
  std::vector<Event> out;
  for (;;) {
    Event e = d.next();
    if (e.kind == Event::Kind::kNeedMore) break;
    out.push_back(e);
    if (e.kind == Event::Kind::kError) break;
  }
  return out;
}

const MaskKey kRfcKey{0x37, 0xfa, 0x21, 0x3d};

}  // namespace

TEST_CASE("RFC 6455 5.7: single-frame unmasked text", "[websocket]") {
  std::string wire = bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
  CHECK(encode_frame(Opcode::kText, "Hello") == wire);
  Decoder d({Role::kClient, 1024});
  auto ev = decode_all(d, wire);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == Event::Kind::kMessage);
  CHECK(ev[0].opcode == Opcode::kText);
  CHECK(ev[0].payload == "Hello");
}

TEST_CASE("RFC 6455 5.7: single-frame masked text", "[websocket]") {
  std::string wire = bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  CHECK(encode_frame(Opcode::kText, "Hello", true, kRfcKey) == wire);
  Decoder d;
  auto ev = decode_all(d, wire);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].payload == "Hello");
}

TEST_CASE("RFC 6455 5.7: fragmented unmasked text", "[websocket]") {
  std::string wire = bytes({0x01, 0x03, 0x48, 0x65, 0x6c}) + bytes({0x80, 0x02, 0x6c, 0x6f});
  CHECK(encode_frame(Opcode::kText, "Hel", false) + encode_frame(Opcode::kContinuation, "lo") == wire);
  Decoder d({Role::kClient, 1024});
  auto ev = decode_all(d, wire);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].opcode == Opcode::kText);
  CHECK(ev[0].payload == "Hello");
}

TEST_CASE("RFC 6455 5.7: ping and masked pong", "[websocket]") {
  std::string ping = bytes({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
  std::string pong = bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  CHECK(encode_frame(Opcode::kPing, "Hello") == ping);
  CHECK(encode_frame(Opcode::kPong, "Hello", true, kRfcKey) == pong);
  Decoder client({Role::kClient, 1024});
  auto ev = decode_all(client, ping);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == Event::Kind::kPing);
  CHECK(ev[0].payload == "Hello");
  Decoder server;
  ev = decode_all(server, pong);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == Event::Kind::kPong);
  CHECK(ev[0].payload == "Hello");
}

TEST_CASE("RFC 6455 5.7: 256-byte and 64KiB binary headers", "[websocket]") {
  std::string p256(256, 'x');
  std::string f = encode_frame(Opcode::kBinary, p256);
  CHECK(f.substr(0, 4) == bytes({0x82, 0x7E, 0x01, 0x00}));
  CHECK(f.size() == 4 + 256);
  std::string p64(65536, 'y');
  f = encode_frame(Opcode::kBinary, p64);
  CHECK(f.substr(0, 10) == bytes({0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0}));
  Decoder d({Role::kClient, 1 << 20});
  auto ev = decode_all(d, f);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].payload == p64);
}

TEST_CASE("masked round trip at every split point and length class", "[websocket]") {
  for (size_t n : {0u, 1u, 125u, 126u, 127u, 65535u, 65536u, 70000u}) {
    std::string payload(n, '\0');
    for (size_t i = 0; i < n; ++i) payload[i] = static_cast<char>(i * 31 + 7);
    std::string wire = encode_frame(Opcode::kBinary, payload, true, MaskKey{1, 2, 3, 4});
    // Byte-at-a-time for small frames; a few split points for large ones.
    std::vector<size_t> splits;
    if (wire.size() < 400)
      for (size_t i = 0; i <= wire.size(); ++i) splits.push_back(i);
    else
      splits = {0, 1, 2, 3, 5, 9, 13, 14, wire.size() / 2, wire.size() - 1, wire.size()};
    for (size_t s : splits) {
      Decoder d({Role::kServer, 1 << 20});
      d.feed(wire.substr(0, s));
      Event e = d.next();
      if (s < wire.size()) {
        REQUIRE(e.kind == Event::Kind::kNeedMore);
        d.feed(wire.substr(s));
        e = d.next();
      }
      REQUIRE(e.kind == Event::Kind::kMessage);
      REQUIRE(e.payload == payload);
      REQUIRE(d.next().kind == Event::Kind::kNeedMore);
    }
  }
}

TEST_CASE("fragmented binary with interleaved control frames", "[websocket]") {
  MaskKey k{9, 8, 7, 6};
  std::string wire = encode_frame(Opcode::kBinary, "ab", false, k) + encode_frame(Opcode::kPing, "p", true, k) +
                     encode_frame(Opcode::kContinuation, "cd", false, k) +
                     encode_frame(Opcode::kContinuation, "ef", true, k);
  Decoder d;
  auto ev = decode_all(d, wire);
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].kind == Event::Kind::kPing);
  CHECK(ev[1].kind == Event::Kind::kMessage);
  CHECK(ev[1].payload == "abcdef");
}

TEST_CASE("protocol errors close with 1002", "[websocket]") {
  MaskKey k{1, 1, 1, 1};
  struct Case {
    const char* name;
    std::string wire;
  };
  std::string long_ping(126, 'p');
  std::vector<Case> cases = {
      {"unmasked client frame", encode_frame(Opcode::kBinary, "x")},
      {"rsv1", bytes({0xC2, 0x80, 1, 1, 1, 1})},
      {"rsv3", bytes({0x92, 0x80, 1, 1, 1, 1})},
      {"reserved data opcode 3", bytes({0x83, 0x80, 1, 1, 1, 1})},
      {"reserved control opcode B", bytes({0x8B, 0x80, 1, 1, 1, 1})},
      {"fragmented ping", encode_frame(Opcode::kPing, "x", false, k)},
      {"ping over 125", encode_frame(Opcode::kPing, long_ping, true, k)},
      {"continuation first", encode_frame(Opcode::kContinuation, "x", true, k)},
      {"new message inside fragmented", encode_frame(Opcode::kBinary, "x", false, k) + encode_frame(Opcode::kText, "y", true, k)},
      {"close with 1 byte", encode_frame(Opcode::kClose, "x", true, k)},
      {"close code 1005", encode_frame(Opcode::kClose, close_payload(1005), true, k)},
      {"close code 999", encode_frame(Opcode::kClose, close_payload(999), true, k)},
      {"close code 2000", encode_frame(Opcode::kClose, close_payload(2000), true, k)},
      {"non-minimal 16-bit length", bytes({0x82, 0xFE, 0x00, 0x05, 1, 1, 1, 1}) + std::string(5, 'a')},
      {"64-bit length high bit", bytes({0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0})},
  };
  for (auto& c : cases) {
    INFO(c.name);
    Decoder d({Role::kServer, 1 << 20});
    auto ev = decode_all(d, c.wire);
    REQUIRE(!ev.empty());
    CHECK(ev.back().kind == Event::Kind::kError);
    CHECK(ev.back().close_code == close_code::kProtocolError);
    // Sticky: further input keeps failing.
    d.feed(encode_frame(Opcode::kBinary, "ok", true, k));
    CHECK(d.next().kind == Event::Kind::kError);
  }
}

TEST_CASE("server-side decoder refuses masked frames from a server", "[websocket]") {
  Decoder d({Role::kClient, 100});
  auto ev = decode_all(d, encode_frame(Opcode::kBinary, "x", true, MaskKey{1, 2, 3, 4}));
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].close_code == close_code::kProtocolError);
}

TEST_CASE("message size limit gives 1009 before the payload arrives", "[websocket]") {
  MaskKey k{1, 2, 3, 4};
  Decoder d({Role::kServer, 100});
  std::string wire = encode_frame(Opcode::kBinary, std::string(101, 'a'), true, k);
  d.feed(wire.substr(0, 8));  // header + mask only
  Event e = d.next();
  CHECK(e.kind == Event::Kind::kError);
  CHECK(e.close_code == close_code::kMessageTooBig);

  // Reassembled fragments count together.
  Decoder f({Role::kServer, 100});
  auto ev = decode_all(f, encode_frame(Opcode::kBinary, std::string(60, 'a'), false, k) +
                              encode_frame(Opcode::kContinuation, std::string(41, 'b'), true, k));
  REQUIRE(!ev.empty());
  CHECK(ev.back().close_code == close_code::kMessageTooBig);

  Decoder exact({Role::kServer, 100});
  ev = decode_all(exact, encode_frame(Opcode::kBinary, std::string(100, 'a'), true, k));
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == Event::Kind::kMessage);
}

TEST_CASE("text must be UTF-8 (1007), also across fragments", "[websocket]") {
  MaskKey k{5, 6, 7, 8};
  Decoder bad;
  auto ev = decode_all(bad, encode_frame(Opcode::kText, "\xC3\x28", true, k));
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].close_code == close_code::kInvalidPayload);

  // "é" split between two fragments is valid as a whole message.
  Decoder split;
  ev = decode_all(split, encode_frame(Opcode::kText, "caf\xC3", false, k) + encode_frame(Opcode::kContinuation, "\xA9", true, k));
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == Event::Kind::kMessage);
  CHECK(ev[0].payload == "caf\xC3\xA9");

  Decoder reason;
  ev = decode_all(reason, encode_frame(Opcode::kClose, std::string("\x03\xE8\xFF", 3), true, k));
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].close_code == close_code::kInvalidPayload);
}

TEST_CASE("close frames", "[websocket]") {
  MaskKey k{5, 6, 7, 8};
  Decoder d;
  auto ev = decode_all(d, encode_frame(Opcode::kClose, close_payload(1000, "bye"), true, k));
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == Event::Kind::kClose);
  CHECK(ev[0].close_code == 1000);
  CHECK(ev[0].payload == "bye");
  Decoder empty;
  ev = decode_all(empty, encode_frame(Opcode::kClose, "", true, k));
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].close_code == close_code::kNoStatus);
  // A long reason is truncated to fit a control frame on a UTF-8 boundary.
  std::string reason;
  for (int i = 0; i < 100; ++i) reason += "\xE2\x82\xAC";  // €
  std::string p = close_payload(1001, reason);
  CHECK(p.size() <= kMaxControlPayload);
  CHECK(valid_utf8(p.substr(2)));
}

TEST_CASE("UTF-8 validator", "[websocket]") {
  CHECK(valid_utf8(""));
  CHECK(valid_utf8("plain"));
  CHECK(valid_utf8("\xF0\x9F\x91\x8B"));
  CHECK(valid_utf8("\xF4\x8F\xBF\xBF"));
  CHECK_FALSE(valid_utf8("\xC0\x80"));          // overlong NUL
  CHECK_FALSE(valid_utf8("\xE0\x80\xAF"));      // overlong
  CHECK_FALSE(valid_utf8("\xED\xA0\x80"));      // surrogate
  CHECK_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // > U+10FFFF
  CHECK_FALSE(valid_utf8("\x80"));
  CHECK_FALSE(valid_utf8("\xE2\x82"));          // truncated
}
