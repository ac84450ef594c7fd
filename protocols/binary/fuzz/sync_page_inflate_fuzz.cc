// libFuzzer target: sync page decompression. Input byte 0 picks the mode: odd = the rest is the
// compressed body of a SYNC_PAGE as received (a zlib stream: must inflate within the cap or fail
// cleanly); even = the rest is a plain page body that we deflate first, so the fuzzer also explores
// page structures behind a valid zlib stream. A page that decodes must survive a compressed re-encode.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "herald/binary/codec.h"
#include "herald/binary/compression.h"
#include "herald/binary/varint.h"

using namespace herald::binary;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
constexpr std::uint32_t kMax = 64 * 1024;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > kMax - 8) return 0;
  std::span<const std::uint8_t> in(data + 1, size - 1);
  std::vector<std::uint8_t> deflated;
  if ((data[0] & 1) == 0) {
    check(deflate_zlib(in, deflated));
    if (deflated.size() > kMax - 8) return 0;
    in = deflated;
  }

  std::vector<std::uint8_t> inflated;
  const InflateStatus st = inflate_capped(in, kMax, inflated);
  check(inflated.size() <= kMax);
  check(st == InflateStatus::kOk || inflated.empty());

  // The same bytes as the body of a compressed SYNC_PAGE frame.
  std::vector<std::uint8_t> frame;
  put_varint(frame, 3 + in.size());
  frame.push_back(static_cast<std::uint8_t>(FrameType::kSyncPage));
  frame.push_back(kFlagCompressed);
  frame.push_back(1);  // request id
  frame.insert(frame.end(), in.begin(), in.end());
  DecodeLimits limits;
  limits.max_frame_size = kMax;
  limits.max_repeated = 256;
  limits.allow_compressed = true;
  const DecodeResult r = decode_frame(frame, limits);
  if (st != InflateStatus::kOk) {
    check(r.status == DecodeStatus::kError);
    return 0;
  }
  if (r.status != DecodeStatus::kOk) return 0;
  check(r.was_compressed);
  std::vector<std::uint8_t> out;
  check(encode_frame(r.frame, out, EncodeOptions{kMax, true}) == EncodeStatus::kOk);
  const DecodeResult again = decode_frame(out, limits);
  check(again.status == DecodeStatus::kOk);
  check(again.frame == r.frame);
  return 0;
}
