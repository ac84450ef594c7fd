// RFC 6455 WebSocket framing: pure encode and an incremental decoder that enforces the protocol's
// rules (masking by role, control-frame limits, fragmentation, close codes, UTF-8, a message size
// bound). No I/O and no handshake crypto: the gateway computes Sec-WebSocket-Accept with OpenSSL.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace herald::websocket {

enum class Opcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// Close status codes (RFC 6455 7.4.1) the gateway sends or interprets.
namespace close_code {
inline constexpr uint16_t kNormal = 1000;
inline constexpr uint16_t kGoingAway = 1001;
inline constexpr uint16_t kProtocolError = 1002;
inline constexpr uint16_t kUnsupportedData = 1003;
inline constexpr uint16_t kNoStatus = 1005;  // never sent: "the close frame had no code"
inline constexpr uint16_t kAbnormal = 1006;  // never sent: "the connection dropped"
inline constexpr uint16_t kInvalidPayload = 1007;
inline constexpr uint16_t kPolicyViolation = 1008;
inline constexpr uint16_t kMessageTooBig = 1009;
inline constexpr uint16_t kInternalError = 1011;
}  // namespace close_code

using MaskKey = std::array<uint8_t, 4>;

// Which side decodes: a server requires masked frames from the client, a client unmasked ones.
enum class Role { kServer, kClient };

// Largest payload a control frame may carry.
inline constexpr size_t kMaxControlPayload = 125;

// Appends one frame to `out`. `mask` nullopt: unmasked (what a server sends); else masked with the key
// (what a client must send). Control frames must have fin and <= 125 bytes (the caller's duty).
void encode_frame(std::string& out, Opcode opcode, std::string_view payload, bool fin = true,
                  std::optional<MaskKey> mask = std::nullopt);
inline std::string encode_frame(Opcode opcode, std::string_view payload, bool fin = true,
                                std::optional<MaskKey> mask = std::nullopt) {
  std::string out;
  encode_frame(out, opcode, payload, fin, mask);
  return out;
}

// The payload of a close frame: 2-byte code, then the reason (truncated to fit 125 bytes on a UTF-8
// boundary).
std::string close_payload(uint16_t code, std::string_view reason = {});

// XORs data with the key, starting at key position `offset % 4`.
void apply_mask(char* data, size_t size, const MaskKey& key, size_t offset = 0);

// A code a peer may send in a close frame (RFC 6455 7.4 plus the IANA registry: 1000-1003, 1007-1014,
// 3000-4999).
bool valid_close_code(uint16_t code);

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view text);

struct DecoderOptions {
  Role role = Role::kServer;
  size_t max_message_size = 1 << 20;  // reassembled data message bound -> 1009
};

struct Event {
  enum class Kind {
    kNeedMore,  // feed more bytes
    kMessage,   // a whole data message (fragments reassembled): opcode kText or kBinary
    kPing,      // payload = ping data; answer with a pong carrying it
    kPong,
    kClose,     // the peer's close: close_code (1005 if it sent none), payload = reason
    kError,     // protocol violation: close with close_code; `error` says why. Sticky.
  };
  Kind kind = Kind::kNeedMore;
  Opcode opcode = Opcode::kBinary;
  std::string payload;
  uint16_t close_code = 0;
  std::string_view error;
};

// Incremental decoder. feed() appends bytes; next() returns one event at a time until kNeedMore. The
// frame header is checked as soon as it is complete, so an oversized length is refused before its
// payload is buffered.
class Decoder {
 public:
  explicit Decoder(DecoderOptions options = {}) : options_(options) {}
  void feed(std::string_view bytes);
  Event next();
  size_t buffered() const { return buffer_.size() - pos_; }
  bool failed() const { return error_code_ != 0; }

 private:
  Event fail(uint16_t code, std::string_view why);

  DecoderOptions options_;
  std::string buffer_;
  size_t pos_ = 0;
  bool in_message_ = false;
  Opcode message_opcode_ = Opcode::kBinary;
  std::string message_;
  uint16_t error_code_ = 0;
  std::string_view error_;
};

}  // namespace herald::websocket
