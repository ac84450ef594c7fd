// Compressed bodies: round trip, negotiation, corrupt streams and decompression bombs.
#include <catch2/catch.hpp>

#include "herald/binary/compression.h"
#include "sample_frames.h"

using namespace herald::binary;
using namespace herald::binary::testing;

namespace {

DecodeLimits negotiated(std::uint32_t max = 1 << 20) {
  DecodeLimits l;
  l.max_frame_size = max;
  l.allow_compressed = true;
  return l;
}

SyncPageFrame big_page(int n) {
  SyncPageFrame page;
  for (int i = 0; i < n; ++i) {
    MessageEntry e = full_message_entry();
    e.seq = static_cast<Seq>(i + 1);
    e.version = static_cast<Version>(1000 + i);
    page.entries.push_back(e);
  }
  page.next_version = 1000 + static_cast<Version>(n);
  page.more = true;
  return page;
}

}  // namespace

TEST_CASE("inflate/deflate round trip", "[compression]") {
  Bytes data;
  for (int i = 0; i < 100000; ++i) data.push_back(static_cast<std::uint8_t>(i % 251));
  Bytes z;
  REQUIRE(deflate_zlib(data, z));
  CHECK(z.size() < data.size());
  Bytes back;
  CHECK(inflate_capped(z, data.size(), back) == InflateStatus::kOk);
  CHECK(back == data);
  CHECK(inflate_capped(z, data.size() - 1, back) == InflateStatus::kTooLarge);
  CHECK(back.empty());
  Bytes empty_z;
  REQUIRE(deflate_zlib({}, empty_z));
  CHECK(inflate_capped(empty_z, 0, back) == InflateStatus::kOk);
  CHECK(back.empty());
}

TEST_CASE("corrupt, truncated and trailing-garbage streams are refused", "[compression]") {
  const Bytes data(1000, 'x');
  Bytes z;
  REQUIRE(deflate_zlib(data, z));
  Bytes out;
  CHECK(inflate_capped(Bytes{}, 1000, out) == InflateStatus::kCorrupt);
  CHECK(inflate_capped(Bytes(z.begin(), z.end() - 3), 1000, out) == InflateStatus::kCorrupt);
  Bytes trailing = z;
  trailing.push_back(0);
  CHECK(inflate_capped(trailing, 1000, out) == InflateStatus::kCorrupt);
  Bytes flipped = z;
  flipped[z.size() / 2] ^= 0xFF;
  CHECK(inflate_capped(flipped, 1000, out) != InflateStatus::kOk);
  CHECK(inflate_capped(Bytes{0x1F, 0x8B, 0x08, 0x00}, 1000, out) == InflateStatus::kCorrupt);  // gzip, not zlib
}

TEST_CASE("compressed SYNC_PAGE round trip", "[compression][frames]") {
  const Frame f{21, false, big_page(200)};
  const Bytes plain = encode(f, EncodeOptions{1 << 20, false});
  const Bytes packed = encode(f, EncodeOptions{1 << 20, true});
  REQUIRE_FALSE(packed.empty());
  CHECK(packed.size() * 5 < plain.size());
  const DecodeResult r = decode_frame(packed, negotiated());
  REQUIRE(r.status == DecodeStatus::kOk);
  CHECK(r.was_compressed);
  CHECK(r.frame == f);
  CHECK(r.consumed == packed.size());
  // The same bytes are refused where compression was not negotiated.
  DecodeLimits no;
  no.max_frame_size = 1 << 20;
  CHECK(decode_frame(packed, no).error == DecodeError::kCompressionNotAllowed);
}

TEST_CASE("every compressible frame type round-trips compressed", "[compression][frames]") {
  for (const Frame& f : full_frames()) {
    if (!may_be_compressed(frame_type(f.body))) {
      Bytes out;
      CHECK(encode_frame(f, out, EncodeOptions{1 << 20, true}) == EncodeStatus::kCompressionNotAllowed);
      CHECK(out.empty());
      continue;
    }
    const DecodeResult r = decode_frame(encode(f, EncodeOptions{1 << 20, true}), negotiated());
    REQUIRE(r.status == DecodeStatus::kOk);
    CHECK(r.frame == f);
  }
}

TEST_CASE("tiny bodies are sent uncompressed even when asked", "[compression]") {
  const Frame f{1, false, PushFrame{{}, 3}};
  const Bytes b = encode(f, EncodeOptions{1 << 20, true});
  CHECK((b[2] & kFlagCompressed) == 0);
  CHECK(decode_frame(b).status == DecodeStatus::kOk);
}

TEST_CASE("a decompression bomb stops at the frame limit", "[compression][malformed]") {
  // 64 MiB of zeros deflates to ~64 KiB; a receiver with a 1 MiB limit must stop early.
  const Bytes zeros(64u << 20, 0);
  Bytes z;
  REQUIRE(deflate_zlib(zeros, z, 9));
  REQUIRE(z.size() < (1u << 20));
  Bytes out;
  CHECK(inflate_capped(z, 1u << 20, out) == InflateStatus::kTooLarge);
  CHECK(out.capacity() < (2u << 20));
  const DecodeResult r = decode_frame(raw_frame(0x15, kFlagCompressed, 1, z), negotiated(1u << 20));
  CHECK(r.status == DecodeStatus::kError);
  CHECK(r.error == DecodeError::kDecompressedTooLarge);
  CHECK(r.consumed > 0);
}

TEST_CASE("a compressed body that inflates to garbage fields is refused", "[compression][malformed]") {
  Bytes z;
  REQUIRE(deflate_zlib(Bytes{0x0B, 0x0B, 0x0B}, z));  // wire type 3 fields
  CHECK(decode_frame(raw_frame(0x15, kFlagCompressed, 1, z), negotiated()).error == DecodeError::kBadTag);
  Bytes junk{0x78, 0x9C, 0xFF, 0xFF};
  CHECK(decode_frame(raw_frame(0x15, kFlagCompressed, 1, junk), negotiated()).error == DecodeError::kDecompressFailed);
}
