// RFC 6455 frame encoding and the incremental decoder (section 5), plus UTF-8 and close-code checks.
#include "herald/websocket/frame.h"

#include <cstring>

namespace herald::websocket {
namespace {

bool is_control(uint8_t opcode) { return (opcode & 0x8) != 0; }

bool known_opcode(uint8_t op) {
  return op == 0x0 || op == 0x1 || op == 0x2 || op == 0x8 || op == 0x9 || op == 0xA;
}

}  // namespace

void apply_mask(char* data, size_t size, const MaskKey& key, size_t offset) {
  for (size_t i = 0; i < size; ++i) data[i] = static_cast<char>(data[i] ^ static_cast<char>(key[(offset + i) & 3]));
}

void encode_frame(std::string& out, Opcode opcode, std::string_view payload, bool fin, std::optional<MaskKey> mask) {
  uint8_t b0 = static_cast<uint8_t>((fin ? 0x80 : 0x00) | static_cast<uint8_t>(opcode));
  uint8_t mask_bit = mask ? 0x80 : 0x00;
  size_t n = payload.size();
  out.push_back(static_cast<char>(b0));
  if (n < 126) {
    out.push_back(static_cast<char>(mask_bit | n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(mask_bit | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((static_cast<uint64_t>(n) >> shift) & 0xFF));
  }
  if (mask) out.append(reinterpret_cast<const char*>(mask->data()), 4);
  size_t body = out.size();
  out.append(payload);
  if (mask) apply_mask(out.data() + body, n, *mask);
}

std::string close_payload(uint16_t code, std::string_view reason) {
  std::string out;
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xFF));
  size_t room = kMaxControlPayload - 2;
  if (reason.size() > room) {
    reason = reason.substr(0, room);
    // Do not cut a UTF-8 sequence in half: drop continuation bytes and their lead byte.
    while (!reason.empty() && !valid_utf8(reason)) reason.remove_suffix(1);
  }
  out.append(reason);
  return out;
}

bool valid_close_code(uint16_t code) {
  if (code >= 1000 && code <= 1003) return true;
  if (code >= 1007 && code <= 1014) return true;
  return code >= 3000 && code <= 4999;
}

bool valid_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;  // continuation byte as lead, overlong 2-byte lead (C0/C1), or > F4
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return false;
    if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return false;
    i += len;
  }
  return true;
}

void Decoder::feed(std::string_view bytes) {
  if (error_code_) return;
  if (pos_ == buffer_.size()) {
    buffer_.clear();
    pos_ = 0;
  } else if (pos_ > 65536 && pos_ * 2 > buffer_.size()) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
  buffer_.append(bytes);
}

Event Decoder::fail(uint16_t code, std::string_view why) {
  error_code_ = code;
  error_ = why;
  buffer_.clear();
  pos_ = 0;
  message_.clear();
  Event e;
  e.kind = Event::Kind::kError;
  e.close_code = code;
  e.error = why;
  return e;
}

Event Decoder::next() {
  if (error_code_) {
    Event e;
    e.kind = Event::Kind::kError;
    e.close_code = error_code_;
    e.error = error_;
    return e;
  }
  for (;;) {
    const auto* p = reinterpret_cast<const unsigned char*>(buffer_.data()) + pos_;
    size_t avail = buffer_.size() - pos_;
    if (avail < 2) return Event{};
    bool fin = (p[0] & 0x80) != 0;
    uint8_t rsv = p[0] & 0x70;
    uint8_t op = p[0] & 0x0F;
    bool masked = (p[1] & 0x80) != 0;
    uint64_t len = p[1] & 0x7F;
    // Checks that need only the first two bytes come first, so garbage fails fast.
    if (rsv) return fail(close_code::kProtocolError, "reserved bits set without a negotiated extension");
    if (!known_opcode(op)) return fail(close_code::kProtocolError, "reserved opcode");
    if (options_.role == Role::kServer && !masked) return fail(close_code::kProtocolError, "client frame not masked");
    if (options_.role == Role::kClient && masked) return fail(close_code::kProtocolError, "server frame masked");
    if (is_control(op)) {
      if (!fin) return fail(close_code::kProtocolError, "fragmented control frame");
      if (len > kMaxControlPayload) return fail(close_code::kProtocolError, "control frame over 125 bytes");
    }
    size_t header = 2;
    if (len == 126) {
      if (avail < 4) return Event{};
      len = (uint64_t{p[2]} << 8) | p[3];
      header = 4;
      if (len < 126) return fail(close_code::kProtocolError, "non-minimal payload length");
    } else if (len == 127) {
      if (avail < 10) return Event{};
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
      header = 10;
      if (len >> 63) return fail(close_code::kProtocolError, "payload length with the high bit set");
      if (len <= 0xFFFF) return fail(close_code::kProtocolError, "non-minimal payload length");
    }
    if (!is_control(op)) {
      if (op == 0 && !in_message_) return fail(close_code::kProtocolError, "continuation without a message");
      if (op != 0 && in_message_) return fail(close_code::kProtocolError, "new message inside a fragmented one");
      uint64_t total = (op == 0 ? message_.size() : 0) + len;
      if (total > options_.max_message_size) return fail(close_code::kMessageTooBig, "message too big");
    }
    size_t mask_len = masked ? 4 : 0;
    if (avail - header < mask_len || avail - header - mask_len < len) return Event{};
    MaskKey key{};
    if (masked) std::memcpy(key.data(), p + header, 4);
    const char* payload = buffer_.data() + pos_ + header + mask_len;
    size_t n = static_cast<size_t>(len);
    pos_ += header + mask_len + n;

    if (is_control(op)) {
      std::string data(payload, n);
      if (masked) apply_mask(data.data(), n, key);
      Event e;
      if (op == 0x9) {
        e.kind = Event::Kind::kPing;
      } else if (op == 0xA) {
        e.kind = Event::Kind::kPong;
      } else {
        e.kind = Event::Kind::kClose;
        e.opcode = Opcode::kClose;
        if (n == 0) {
          e.close_code = close_code::kNoStatus;
        } else if (n == 1) {
          return fail(close_code::kProtocolError, "close payload of one byte");
        } else {
          uint16_t code = static_cast<uint16_t>((static_cast<uint8_t>(data[0]) << 8) | static_cast<uint8_t>(data[1]));
          if (!valid_close_code(code)) return fail(close_code::kProtocolError, "invalid close code");
          data.erase(0, 2);
          if (!valid_utf8(data)) return fail(close_code::kInvalidPayload, "close reason is not UTF-8");
          e.close_code = code;
        }
        e.payload = std::move(data);
        return e;
      }
      e.opcode = static_cast<Opcode>(op);
      e.payload = std::move(data);
      return e;
    }

    if (op != 0) {
      in_message_ = true;
      message_opcode_ = static_cast<Opcode>(op);
      message_.clear();
    }
    size_t at = message_.size();
    message_.append(payload, n);
    if (masked) apply_mask(message_.data() + at, n, key);
    if (!fin) continue;
    in_message_ = false;
    if (message_opcode_ == Opcode::kText && !valid_utf8(message_))
      return fail(close_code::kInvalidPayload, "text message is not UTF-8");
    Event e;
    e.kind = Event::Kind::kMessage;
    e.opcode = message_opcode_;
    e.payload = std::move(message_);
    message_.clear();
    return e;
  }
}

}  // namespace herald::websocket
