// The cluster log record codec: round trip, and bytes from another writer are refused, not misread.
#include <catch2/catch.hpp>

#include "messaging/replication_record.h"

using herald::messaging::decode_record;
using herald::messaging::encode_record;
using herald::messaging::ReplicationRecord;

namespace {
ReplicationRecord sample() {
  ReplicationRecord r;
  r.kind = ReplicationRecord::Kind::kSend;
  r.origin = "node1/0123456789abcdef";
  r.request = 42;
  r.ts_ms = 1796160000123;
  r.user = "alice";
  r.device = "alice.phone";
  r.protocol = "mqtt";
  r.admin = true;
  r.frame = {0x01, 0x02, 0x00, 0xff};
  return r;
}
}  // namespace

TEST_CASE("replication record: every field survives the round trip") {
  auto r = sample();
  auto bytes = encode_record(r);
  auto back = decode_record(bytes);
  REQUIRE(back);
  CHECK(back->kind == r.kind);
  CHECK(back->origin == r.origin);
  CHECK(back->request == r.request);
  CHECK(back->ts_ms == r.ts_ms);
  CHECK(back->user == r.user);
  CHECK(back->device == r.device);
  CHECK(back->protocol == r.protocol);
  CHECK(back->admin);
  CHECK(back->frame == r.frame);
  r.admin = false;
  r.kind = ReplicationRecord::Kind::kRequest;
  r.frame.clear();
  back = decode_record(encode_record(r));
  REQUIRE(back);
  CHECK_FALSE(back->admin);
  CHECK(back->kind == ReplicationRecord::Kind::kRequest);
  CHECK(back->frame.empty());
}

TEST_CASE("replication record: truncated, padded, foreign or unknown-kind bytes are refused") {
  auto bytes = encode_record(sample());
  for (size_t n = 0; n < bytes.size(); ++n)
    CHECK_FALSE(decode_record(std::span<const uint8_t>(bytes.data(), n)));
  auto padded = bytes;
  padded.push_back(0);
  CHECK_FALSE(decode_record(padded));
  auto foreign = bytes;
  foreign[2] = 2;  // a later format version
  CHECK_FALSE(decode_record(foreign));
  auto kind = bytes;
  kind[3] = 9;
  CHECK_FALSE(decode_record(kind));
  std::string json = R"({"hello":"kafka"})";
  CHECK_FALSE(decode_record(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(json.data()), json.size())));
}
