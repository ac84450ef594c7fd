// Varint and zigzag encoding: boundaries, truncation, overlong input.
#include <catch2/catch.hpp>

#include "herald/binary/varint.h"

using namespace herald::binary;

TEST_CASE("varint round-trips boundary values", "[varint]") {
  const std::uint64_t values[] = {0, 1, 127, 128, 16383, 16384, 0xFFFFFFFFull, 0x7FFFFFFFFFFFFFFFull, UINT64_MAX};
  for (std::uint64_t v : values) {
    std::vector<std::uint8_t> out;
    put_varint(out, v);
    CHECK(out.size() == varint_size(v));
    const VarintRead r = read_varint(out);
    REQUIRE(r.status == VarintStatus::kOk);
    CHECK(r.value == v);
    CHECK(r.length == out.size());
    // Every strict prefix needs more.
    for (std::size_t k = 0; k < out.size(); ++k) {
      CHECK(read_varint(std::span<const std::uint8_t>(out).first(k)).status == VarintStatus::kNeedMore);
    }
  }
  CHECK(varint_size(UINT64_MAX) == 10);
}

TEST_CASE("varint rejects overlong and overflowing input", "[varint]") {
  std::vector<std::uint8_t> eleven(11, 0x80);
  eleven.back() = 0x00;
  CHECK(read_varint(eleven).status == VarintStatus::kOverlong);
  // Ten bytes whose last group carries more than bit 63.
  std::vector<std::uint8_t> overflow(9, 0xFF);
  overflow.push_back(0x02);
  CHECK(read_varint(overflow).status == VarintStatus::kOverlong);
  // A non-minimal but bounded encoding is accepted (protobuf does too).
  const std::vector<std::uint8_t> padded{0x81, 0x80, 0x00};
  CHECK(read_varint(padded).status == VarintStatus::kOk);
  CHECK(read_varint(padded).value == 1);
  // A caller-chosen bound (the frame length prefix uses 4).
  const std::vector<std::uint8_t> five{0x80, 0x80, 0x80, 0x80, 0x01};
  CHECK(read_varint(five, 4).status == VarintStatus::kOverlong);
}

TEST_CASE("zigzag maps signed values to small unsigned ones", "[varint]") {
  CHECK(zigzag_encode(0) == 0);
  CHECK(zigzag_encode(-1) == 1);
  CHECK(zigzag_encode(1) == 2);
  CHECK(zigzag_encode(-2) == 3);
  CHECK(zigzag_encode(INT64_MAX) == UINT64_MAX - 1);
  CHECK(zigzag_encode(INT64_MIN) == UINT64_MAX);
  for (std::int64_t v : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{1}, INT64_MIN, INT64_MAX, std::int64_t{-123456789}}) {
    CHECK(zigzag_decode(zigzag_encode(v)) == v);
  }
}
