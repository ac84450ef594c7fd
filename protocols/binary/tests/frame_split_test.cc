// Incremental decoding: a frame split at any byte boundary decodes identically.
#include <catch2/catch.hpp>

#include "sample_frames.h"

using namespace herald::binary;
using namespace herald::binary::testing;

namespace {

DecodeLimits roomy(bool compressed = false) {
  DecodeLimits l;
  l.max_frame_size = 1 << 20;
  l.allow_compressed = compressed;
  return l;
}

// A receive loop as a gateway would write it: append what arrived, decode whole frames, keep the rest.
std::vector<Frame> decode_stream_in_chunks(const Bytes& stream, std::size_t first_chunk, std::size_t chunk,
                                           const DecodeLimits& limits) {
  std::vector<Frame> frames;
  Bytes buffer;
  std::size_t pos = 0;
  while (pos < stream.size()) {
    const std::size_t n = std::min(pos == 0 ? first_chunk : chunk, stream.size() - pos);
    buffer.insert(buffer.end(), stream.begin() + static_cast<std::ptrdiff_t>(pos),
                  stream.begin() + static_cast<std::ptrdiff_t>(pos + n));
    pos += n;
    for (;;) {
      const DecodeResult r = decode_frame(buffer, limits);
      if (r.status == DecodeStatus::kNeedMore) break;
      REQUIRE(r.status == DecodeStatus::kOk);
      frames.push_back(r.frame);
      buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(r.consumed));
    }
  }
  CHECK(buffer.empty());
  return frames;
}

}  // namespace

TEST_CASE("every strict prefix of a frame needs more, the whole frame decodes", "[frames][split]") {
  for (const Frame& f : full_frames()) {
    INFO(frame_type_name(frame_type(f.body)));
    const Bytes b = encode(f, EncodeOptions{1 << 20});
    REQUIRE_FALSE(b.empty());
    for (std::size_t k = 0; k < b.size(); ++k) {
      const DecodeResult r = decode_frame(std::span<const std::uint8_t>(b).first(k), roomy());
      REQUIRE(r.status == DecodeStatus::kNeedMore);
      CHECK(r.consumed == 0);
      // Once the length prefix is complete the decoder says how much the whole frame takes.
      if (k >= varint_size(b.size() - varint_size(b.size()))) CHECK(r.needed == b.size());
    }
    const DecodeResult r = decode_frame(b, roomy());
    REQUIRE(r.status == DecodeStatus::kOk);
    CHECK(r.frame == f);
  }
}

TEST_CASE("a stream split at every byte boundary decodes the same frames", "[frames][split]") {
  const auto frames = full_frames();
  Bytes stream;
  for (const Frame& f : frames) REQUIRE(encode_frame(f, stream, EncodeOptions{1 << 20}) == EncodeStatus::kOk);
  for (std::size_t split = 1; split <= stream.size(); ++split) {
    CHECK(decode_stream_in_chunks(stream, split, stream.size(), roomy()) == frames);
  }
  // And byte by byte.
  CHECK(decode_stream_in_chunks(stream, 1, 1, roomy()) == frames);
}

TEST_CASE("a compressed frame split at every byte decodes identically", "[frames][split][compression]") {
  SyncPageFrame page;
  for (int i = 0; i < 40; ++i) page.entries.push_back(full_message_entry());
  page.next_version = 5000;
  const Frame f{3, false, page};
  const Bytes b = encode(f, EncodeOptions{1 << 20, true});
  REQUIRE(b.size() > 0);
  for (std::size_t split = 1; split < b.size(); ++split) {
    const auto frames = decode_stream_in_chunks(b, split, b.size(), roomy(true));
    REQUIRE(frames.size() == 1);
    CHECK(frames[0] == f);
  }
}
