// libFuzzer target: arbitrary bytes into the decoder, both versions, both directions. Every packet
// that decodes must re-encode, decode again to an equal value, and never need more than it took.
// Input: one configuration byte, then the byte stream.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "herald/mqtt/mqtt.h"

using namespace herald::mqtt;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t config = data[0];
  DecodeOptions options;
  options.version = (config & 1) ? ProtocolVersion::v5 : ProtocolVersion::v311;
  options.sender = static_cast<Sender>(((config >> 1) & 3) % 3);
  options.limits.reject_discouraged_code_points = config & 0x08;
  options.limits.validate_utf8_payloads = config & 0x10;
  if (config & 0x20) {  // tight limits, to reach the limit checks
    options.limits.max_packet_size = 256;
    options.limits.max_topic_length = 8;
    options.limits.max_client_id_length = 8;
    options.limits.max_properties = 4;
    options.limits.max_user_properties = 2;
    options.limits.max_subscription_identifiers = 2;
    options.limits.max_topic_filters = 2;
    options.limits.topic_alias_maximum = 4;
  }

  std::span<const std::uint8_t> stream(data + 1, size - 1);
  while (!stream.empty()) {
    const DecodeResult r = decode(stream, options);
    const PeekResult peek = peek_fixed_header(stream, options);
    if (r.status == DecodeStatus::kNeedMore) {
      check(peek.status != DecodeStatus::kError);
      check(r.needed == 0 || r.needed > stream.size());
      return 0;
    }
    if (r.status == DecodeStatus::kError) {
      check(r.error != DecodeError::kNone);
      (void)describe(r.error);
      (void)action_for(r.error, r.version, r.packet_type);
      check(static_cast<unsigned>(reason_code_for(r.error)) >= 0x80);
      return 0;
    }
    check(peek.status == DecodeStatus::kOk && peek.header.packet_size() == r.consumed);
    check(r.consumed > 0 && r.consumed <= stream.size());
    check(type_of(r.packet) == r.packet_type);
    // One byte short of the packet is never enough.
    check(decode(stream.first(r.consumed - 1), options).status == DecodeStatus::kNeedMore);

    const ProtocolVersion version =
        r.packet_type == PacketType::kConnect ? std::get<Connect>(r.packet).version : options.version;
    std::vector<std::uint8_t> bytes;
    check(encode(r.packet, version, bytes) == EncodeError::kNone);
    const EncodedSize size_only = encoded_size(r.packet, version);
    check(size_only.error == EncodeError::kNone && size_only.size == bytes.size());
    // Our encoding is minimal: never longer than what the peer sent.
    check(bytes.size() <= r.consumed);
    DecodeOptions again = options;
    again.version = version;
    const DecodeResult r2 = decode(bytes, again);
    check(r2.status == DecodeStatus::kOk);
    check(r2.consumed == bytes.size());
    check(r2.packet == r.packet);

    if (r.packet_type == PacketType::kConnect) options.version = version;
    stream = stream.subspan(r.consumed);
  }
  return 0;
}
