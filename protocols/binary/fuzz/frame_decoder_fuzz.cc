// libFuzzer target: the frame decoder on arbitrary bytes (a stream of frames). Every frame that
// decodes must re-encode, decode to the same value, re-encode to the same bytes, and need more
// input when cut one byte short.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "herald/binary/codec.h"

using namespace herald::binary;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  DecodeLimits limits;
  limits.max_frame_size = 256 * 1024;
  limits.max_repeated = 256;
  limits.allow_compressed = true;
  std::span<const std::uint8_t> in(data, size);
  while (!in.empty()) {
    const DecodeResult r = decode_frame(in, limits);
    check(r.consumed <= in.size());
    if (r.status == DecodeStatus::kNeedMore) break;
    if (r.status == DecodeStatus::kError) {
      if (r.consumed == 0) break;
      in = in.subspan(r.consumed);
      continue;
    }
    check(r.consumed > 0);
    check(decode_frame(in.first(r.consumed - 1), limits).status == DecodeStatus::kNeedMore);
    check(validate_frame(r.frame.body) == DecodeError::kNone);

    std::vector<std::uint8_t> once;
    check(encode_frame(r.frame, once, EncodeOptions{limits.max_frame_size, false}) == EncodeStatus::kOk);
    const DecodeResult again = decode_frame(once, limits);
    check(again.status == DecodeStatus::kOk);
    check(again.consumed == once.size());
    check(again.frame == r.frame);
    std::vector<std::uint8_t> twice;
    check(encode_frame(again.frame, twice, EncodeOptions{limits.max_frame_size, false}) == EncodeStatus::kOk);
    check(twice == once);
    in = in.subspan(r.consumed);
  }
  return 0;
}
