// Incremental decoding: a packet split at any byte boundary decodes identically, and a stream of
// packets fed in arbitrary pieces yields the same packets.
#include "test_util.h"

namespace herald::mqtt::test {
namespace {

TEST_CASE("every prefix of every packet asks for more, the whole packet decodes", "[mqtt][split]") {
  for (const ProtocolVersion v : {ProtocolVersion::v311, ProtocolVersion::v5}) {
    for (const Packet& p : sample_packets(v)) {
      std::vector<std::uint8_t> bytes;
      REQUIRE(encode(p, v, bytes) == EncodeError::kNone);
      const DecodeOptions options = options_for(v, sender_of(p));
      const PeekResult full_header = peek_fixed_header(bytes, options);
      REQUIRE(full_header.status == DecodeStatus::kOk);
      for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
        INFO(to_string(type_of(p)) << " v" << static_cast<int>(v) << " cut at " << cut << " of " << bytes.size());
        const DecodeResult r = decode(std::span(bytes).first(cut), options);
        REQUIRE(r.status == DecodeStatus::kNeedMore);
        // Once the fixed header is in, the decoder says how much the packet needs.
        CHECK(r.needed == (cut >= full_header.header.header_size ? bytes.size() : 0));
      }
      const DecodeResult r = decode(bytes, options);
      REQUIRE(r.status == DecodeStatus::kOk);
      CHECK(r.consumed == bytes.size());
      CHECK(r.packet == p);
    }
  }
}

// Feeds `stream` to a receive buffer in pieces of the given sizes (cycled), decoding whenever
// bytes arrive, as the gateway does; returns the packets in order.
std::vector<Packet> feed(const std::vector<std::uint8_t>& stream, const std::vector<std::size_t>& pieces,
                         const DecodeOptions& options) {
  std::vector<std::uint8_t> buffer;
  std::vector<Packet> packets;
  std::size_t at = 0;
  for (std::size_t i = 0; at < stream.size(); ++i) {
    const std::size_t n = std::min(pieces[i % pieces.size()], stream.size() - at);
    buffer.insert(buffer.end(), stream.begin() + static_cast<std::ptrdiff_t>(at),
                  stream.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
    for (;;) {
      const DecodeResult r = decode(buffer, options);
      REQUIRE(r.status != DecodeStatus::kError);
      if (r.status == DecodeStatus::kNeedMore) break;
      packets.push_back(r.packet);
      buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(r.consumed));
    }
  }
  CHECK(buffer.empty());
  return packets;
}

TEST_CASE("a stream of packets decodes the same however it is cut", "[mqtt][split]") {
  for (const ProtocolVersion v : {ProtocolVersion::v311, ProtocolVersion::v5}) {
    std::vector<Packet> sent;
    std::vector<std::uint8_t> stream;
    for (const Packet& p : sample_packets(v)) {
      if (sender_of(p) != Sender::kClient) continue;
      sent.push_back(p);
      REQUIRE(encode(p, v, stream) == EncodeError::kNone);  // appends
    }
    const DecodeOptions options = options_for(v, Sender::kClient);
    for (const std::vector<std::size_t>& pieces :
         std::vector<std::vector<std::size_t>>{{1}, {2}, {3}, {7}, {1, 5, 2}, {64}, {stream.size()}}) {
      CHECK(feed(stream, pieces, options) == sent);
    }
    // Every two-way split of the whole stream.
    for (std::size_t cut = 1; cut < stream.size(); ++cut) {
      INFO("cut at " << cut);
      REQUIRE(feed(stream, {cut, stream.size()}, options) == sent);
    }
  }
}

TEST_CASE("an oversize packet is refused from its fixed header alone", "[mqtt][split]") {
  DecodeOptions options = options_for(ProtocolVersion::v5, Sender::kClient);
  options.limits.max_packet_size = 1024;
  // PUBLISH announcing 256 MB: refused after five bytes, before any body is buffered.
  const auto header = wire("30 ff ff ff 7f");
  CHECK(decode(std::span(header).first(4), options).status == DecodeStatus::kNeedMore);
  const DecodeResult r = decode(header, options);
  CHECK(r.status == DecodeStatus::kError);
  CHECK(r.error == DecodeError::kPacketTooLarge);
  // The limit counts the whole packet: 1024 bytes pass, 1025 do not.
  std::vector<std::uint8_t> ok;
  REQUIRE(encode(Publish{"t", Bytes(1024 - 6, 0), QoS::kAtMostOnce, false, false, 0, {}}, ProtocolVersion::v311, ok) ==
          EncodeError::kNone);
  REQUIRE(ok.size() == 1024);
  CHECK(decode(ok, options).status == DecodeStatus::kOk);
  ok.push_back(0);
  ok[1] += 1;  // Remaining Length 1021 -> 1022 (two-byte varint, low byte first)
  CHECK(decode(ok, options).error == DecodeError::kPacketTooLarge);
}

}  // namespace
}  // namespace herald::mqtt::test
