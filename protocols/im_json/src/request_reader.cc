// A reader for flat JSON objects of string values (RFC 8259), and the send request built from one.
#include "request_reader.h"

#include "herald/binary/codec.h"
#include "herald/binary/utf8.h"

namespace herald::im_json::detail {
namespace {

constexpr std::string_view kPrefix = "$im/";

// The fields of a send request; any other key is read (it must be valid JSON) and ignored, as the
// nlohmann path ignores it.
struct SendFields {
  std::optional<std::string> req_id, cmid, type, body, custom_type;
};

class FlatReader {
 public:
  explicit FlatReader(std::string_view in) : in_(in) {}

  // false: not a flat object of strings this reader handles (or not JSON at all).
  bool read(SendFields& f) {
    skip_ws();
    if (!take('{')) return false;
    skip_ws();
    if (take('}')) return at_end();
    std::string key, value;
    for (;;) {
      if (!string(key, /*is_key=*/true)) return false;
      skip_ws();
      if (!take(':')) return false;
      skip_ws();
      if (!string(value, false)) return false;  // numbers, objects, arrays, literals: nlohmann path
      if (std::optional<std::string>* slot = slot_of(f, key)) {
        if (slot->has_value()) return false;  // a duplicate: nlohmann keeps the last; not handled here
        *slot = std::move(value);
      }
      value.clear();
      skip_ws();
      if (take(',')) {
        skip_ws();
        continue;
      }
      if (!take('}')) return false;
      return at_end();
    }
  }

 private:
  static std::optional<std::string>* slot_of(SendFields& f, std::string_view key) {
    if (key == "req_id") return &f.req_id;
    if (key == "cmid") return &f.cmid;
    if (key == "type") return &f.type;
    if (key == "body") return &f.body;
    if (key == "custom_type") return &f.custom_type;
    return nullptr;
  }

  void skip_ws() {
    while (pos_ < in_.size() &&
           (in_[pos_] == ' ' || in_[pos_] == '\t' || in_[pos_] == '\n' || in_[pos_] == '\r'))
      ++pos_;
  }
  bool take(char c) {
    if (pos_ < in_.size() && in_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool at_end() {
    skip_ws();
    return pos_ == in_.size();
  }

  // A string token into `out` (unescaped). Keys take no escapes at all (a key spelled with one could
  // still name a field); values take the two-character escapes, not \u (surrogate rules: nlohmann's).
  bool string(std::string& out, bool is_key) {
    out.clear();
    if (!take('"')) return false;
    bool ascii = true;
    for (;;) {
      std::size_t start = pos_;
      while (pos_ < in_.size()) {
        auto c = static_cast<unsigned char>(in_[pos_]);
        if (c == '"' || c == '\\' || c < 0x20) break;
        ascii = ascii && c < 0x80;
        ++pos_;
      }
      out.append(in_.substr(start, pos_ - start));
      if (pos_ >= in_.size()) return false;
      char c = in_[pos_++];
      if (c == '"') break;
      if (c != '\\' || is_key || pos_ >= in_.size()) return false;  // a raw control character
      switch (in_[pos_++]) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        default: return false;  // \u, or not an escape
      }
    }
    return ascii || binary::is_valid_utf8(out);
  }

  std::string_view in_;
  std::size_t pos_ = 0;
};

}  // namespace

std::pair<std::string_view, std::string_view> split_level(std::string_view op) {
  auto slash = op.find('/');
  if (slash == std::string_view::npos) return {op, {}};
  return {op.substr(0, slash), op.substr(slash + 1)};
}

SendConversation send_conversation(std::string_view kind, std::string_view target, std::string_view user) {
  SendConversation out;
  if (kind == "c2c") {
    if (!binary::is_valid_user_id(target))
      out.refusal = "invalid peer user id";
    else if (!binary::is_valid_user_id(user))
      out.refusal = "invalid sender user id";
    else if (!(out.conv = binary::make_c2c_conversation(binary::UserId{std::string(user)},
                                                        binary::UserId{std::string(target)})))
      out.refusal = "c2c peer must be another user";
  } else if (kind == "group") {
    if (binary::is_valid_group_id(target))
      out.conv = binary::make_group_conversation(binary::GroupId{std::string(target)});
    if (!out.conv) out.refusal = "invalid group id";
  } else if (kind == "room") {
    if (binary::is_valid_room_id(target))
      out.conv = binary::make_room_conversation(binary::RoomId{std::string(target)});
    if (!out.conv) out.refusal = "invalid room id";
  } else {
    out.refusal = "unknown conversation kind";
  }
  return out;
}

std::optional<ParseResult> fast_send_request(std::string_view op, std::string_view payload,
                                             std::string_view user) {
  auto [head, rest] = split_level(op);
  auto [kind, target] = split_level(rest);
  if (head != "send" || target.empty() || target.find('/') != std::string_view::npos) return std::nullopt;
  SendFields f;
  if (!FlatReader(payload).read(f)) return std::nullopt;
  // Only the request the nlohmann path accepts: every refusal is written there.
  if (f.req_id && f.req_id->size() > kMaxReqIdLength) return std::nullopt;
  if (!f.cmid || !binary::ClientMsgId::valid(*f.cmid)) return std::nullopt;
  if (f.type != "text" || !f.body) return std::nullopt;
  auto conv = send_conversation(kind, target, user).conv;
  if (!conv) return std::nullopt;

  binary::SendFrame send;
  send.conv = std::move(*conv);
  send.cmid = binary::ClientMsgId{*f.cmid};
  send.kind = binary::MessageKind::kText;
  send.body.assign(f.body->begin(), f.body->end());
  if (f.custom_type) send.custom_type = std::move(*f.custom_type);
  binary::FrameBody body = std::move(send);
  if (binary::validate_frame(body) != binary::DecodeError::kNone) return std::nullopt;

  ParseResult result;
  result.context.topic = std::string(kPrefix) + std::string(op);
  result.context.op = "send/" + std::string(kind);
  if (f.req_id) result.context.req_id = std::move(*f.req_id);
  result.context.cmid = std::move(*f.cmid);
  result.context.conv = std::get<binary::SendFrame>(body).conv.value;
  result.request = std::move(body);
  return result;
}

}  // namespace herald::im_json::detail
