// The worked examples in docs/protocol.md ("Worked examples"), byte for byte, both directions.
#include <catch2/catch.hpp>

#include "sample_frames.h"

using namespace herald::binary;
using namespace herald::binary::testing;

namespace {

void check_example(const Frame& f, const std::string& doc_hex) {
  const Bytes expected = from_hex(doc_hex);
  CHECK(hex(encode(f)) == hex(expected));
  const DecodeResult r = decode_frame(expected);
  REQUIRE(r.status == DecodeStatus::kOk);
  CHECK(r.consumed == expected.size());
  CHECK(r.frame == f);
}

}  // namespace

TEST_CASE("doc example: CONNECT", "[frames][doc]") {
  const ConnectFrame c{{1}, feature::kCompression | feature::kBatchAck, "eyJhbGciOiJIUzI1NiJ9.e30.x",
                       UserId{"alice"}, DeviceId{"phone1"}, Platform::kAndroid, "2.4.0", 262144};
  check_example(Frame{1, false, c},
                "40 01 00 01"
                "0a 01 01"
                "10 03"
                "1a 1a 65 79 4a 68 62 47 63 69 4f 69 4a 49 55 7a 49 31 4e 69 4a 39 2e 65 33 30 2e 78"
                "22 05 61 6c 69 63 65"
                "2a 06 70 68 6f 6e 65 31"
                "30 02"
                "3a 05 32 2e 34 2e 30"
                "40 80 80 10");
}

TEST_CASE("doc example: CONNECT_ACK", "[frames][doc]") {
  const ConnectAckFrame a{1, feature::kCompression | feature::kBatchAck, 240, 600, 1048576, "s1", 1700000000000, 7};
  check_example(Frame{1, false, a},
                "1e 02 00 01"
                "08 01"
                "10 03"
                "18 f0 01"
                "20 d8 04"
                "28 80 80 40"
                "32 02 73 31"
                "38 80 d0 95 ff bc 31"
                "40 07");
}

TEST_CASE("doc example: SEND", "[frames][doc]") {
  const SendFrame s{ConversationId{"c2c:alice:bob"}, ClientMsgId{"m-0001"}, MessageKind::kText, {},
                    to_bytes("hi \xF0\x9F\x91\x8B")};
  check_example(Frame{2, false, s},
                "25 10 00 02"
                "0a 0d 63 32 63 3a 61 6c 69 63 65 3a 62 6f 62"
                "12 06 6d 2d 30 30 30 31"
                "18 01"
                "2a 07 68 69 20 f0 9f 91 8b");
}

TEST_CASE("doc example: SEND_ACK", "[frames][doc]") {
  const SendAckFrame a{ClientMsgId{"m-0001"}, 7180000000000000001ull, 42, 1700000000123, 8, 7, false};
  check_example(Frame{2, false, a},
                "22 11 00 02"
                "0a 06 6d 2d 30 30 30 31"
                "10 81 80 b8 fa d6 fe 9e d2 63"
                "18 2a"
                "20 fb d0 95 ff bc 31"
                "28 08"
                "30 07");
}

TEST_CASE("doc example: PING", "[frames][doc]") { check_example(Frame{3, false, PingFrame{}}, "03 03 00 03"); }
