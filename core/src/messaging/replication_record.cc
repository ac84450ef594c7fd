// Record layout: "HR" 0x01 kind flags | u64 request | u64 ts | 5 length-prefixed byte strings (origin,
// user, device, protocol, frame). Little-endian fixed-width integers, u32 lengths: small, and decoding
// is a bounds-checked walk, since log bytes come from another process.
#include "messaging/replication_record.h"

#include <cstring>

namespace herald::messaging {

namespace {
constexpr uint8_t kMagic0 = 'H', kMagic1 = 'R', kVersion = 1;
constexpr uint8_t kFlagAdmin = 1;

void put_u64(std::vector<uint8_t>& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_bytes(std::vector<uint8_t>& out, const void* data, size_t size) {
  auto n = static_cast<uint32_t>(size);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(n >> (8 * i)));
  auto* p = static_cast<const uint8_t*>(data);
  out.insert(out.end(), p, p + size);
}

struct Reader {
  std::span<const uint8_t> in;
  size_t at = 0;
  bool ok = true;
  uint64_t u64() {
    if (in.size() - at < 8) return ok = false, 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(in[at + i]) << (8 * i);
    at += 8;
    return v;
  }
  std::span<const uint8_t> bytes() {
    if (in.size() - at < 4) return ok = false, std::span<const uint8_t>();
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n |= static_cast<uint32_t>(in[at + i]) << (8 * i);
    at += 4;
    if (in.size() - at < n) return ok = false, std::span<const uint8_t>();
    auto s = in.subspan(at, n);
    at += n;
    return s;
  }
  std::string text() {
    auto s = bytes();
    return std::string(reinterpret_cast<const char*>(s.data()), s.size());
  }
};
}  // namespace

std::vector<uint8_t> encode_record(const ReplicationRecord& r) {
  std::vector<uint8_t> out;
  out.reserve(64 + r.origin.size() + r.user.size() + r.device.size() + r.protocol.size() + r.frame.size());
  out.push_back(kMagic0);
  out.push_back(kMagic1);
  out.push_back(kVersion);
  out.push_back(static_cast<uint8_t>(r.kind));
  out.push_back(r.admin ? kFlagAdmin : 0);
  put_u64(out, r.request);
  put_u64(out, r.ts_ms);
  put_bytes(out, r.origin.data(), r.origin.size());
  put_bytes(out, r.user.data(), r.user.size());
  put_bytes(out, r.device.data(), r.device.size());
  put_bytes(out, r.protocol.data(), r.protocol.size());
  put_bytes(out, r.frame.data(), r.frame.size());
  return out;
}

std::optional<ReplicationRecord> decode_record(std::span<const uint8_t> bytes) {
  if (bytes.size() < 5 || bytes[0] != kMagic0 || bytes[1] != kMagic1 || bytes[2] != kVersion) return std::nullopt;
  ReplicationRecord r;
  if (bytes[3] != static_cast<uint8_t>(ReplicationRecord::Kind::kRequest) &&
      bytes[3] != static_cast<uint8_t>(ReplicationRecord::Kind::kSend))
    return std::nullopt;
  r.kind = static_cast<ReplicationRecord::Kind>(bytes[3]);
  r.admin = (bytes[4] & kFlagAdmin) != 0;
  Reader in{bytes, 5};
  r.request = in.u64();
  r.ts_ms = in.u64();
  r.origin = in.text();
  r.user = in.text();
  r.device = in.text();
  r.protocol = in.text();
  auto frame = in.bytes();
  r.frame.assign(frame.begin(), frame.end());
  if (!in.ok || in.at != bytes.size()) return std::nullopt;
  return r;
}

}  // namespace herald::messaging
