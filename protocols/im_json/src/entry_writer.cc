// Direct writer of the hot inbox entries (entry_writer.h).
#include "entry_writer.h"

#include <array>
#include <charconv>

#include "herald/binary/utf8.h"

namespace herald::im_json::detail {
namespace {
bool utf8(std::string_view s) { return binary::is_valid_utf8(s); }

// Kinds whose body is rendered as JSON structure (media fields, the custom payload): slow path.
bool structured_body(binary::MessageKind kind) {
  switch (kind) {
    case binary::MessageKind::kImage:
    case binary::MessageKind::kAudio:
    case binary::MessageKind::kVideo:
    case binary::MessageKind::kFile:
    case binary::MessageKind::kCustom:
      return true;
    default:
      return false;
  }
}

void append_u64(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;  // 24 bytes hold any uint64_t
  out.append(buf, end);
}

// nlohmann's dump_escaped with ensure_ascii=false, for valid UTF-8: the two-character escapes it uses,
// \u00xx (lowercase hex) for the other control characters, everything else as is.
void append_escaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  // Which bytes need an escape: the control characters, '"' and '\\'.
  static constexpr auto kEscape = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c < 0x20; ++c) t[c] = true;
    t['"'] = t['\\'] = true;
    return t;
  }();
  out += '"';
  size_t plain = 0;  // start of the run not yet copied
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (!kEscape[c]) continue;
    out.append(s.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
    }
  }
  out.append(s.data() + plain, s.size() - plain);
  out += '"';
}
}  // namespace

void ObjectWriter::key(std::string_view k) {
  if (out_.size() > 1) out_ += ',';
  out_ += '"';
  out_ += k;  // our own field names: plain ASCII, nothing to escape
  out_ += "\":";
}

void ObjectWriter::string(std::string_view k, std::string_view value) {
  key(k);
  append_escaped(out_, value);
}

void ObjectWriter::number(std::string_view k, std::uint64_t value) {
  key(k);
  append_u64(out_, value);
}

void ObjectWriter::number_as_string(std::string_view k, std::uint64_t value) {
  key(k);
  out_ += '"';
  append_u64(out_, value);
  out_ += '"';
}

void ObjectWriter::boolean(std::string_view k, bool value) {
  key(k);
  out_ += value ? "true" : "false";
}

std::optional<std::string> fast_message_entry(const binary::MessageEntry& m, std::uint32_t badge) {
  if (structured_body(m.kind)) return std::nullopt;
  if (!utf8(m.conv.value) || !utf8(m.from.value) || !utf8(m.device.value) || !utf8(m.cmid.value) ||
      !utf8(m.custom_type))
    return std::nullopt;
  const std::string_view text(reinterpret_cast<const char*>(m.body.data()), m.body.size());
  ObjectWriter w;
  w.string("kind", "msg");
  w.string("conv", m.conv.value);
  w.number_as_string("msg_id", m.msg_id);
  w.number("seq", m.seq);
  if (m.version != 0) {
    w.number("version", m.version);
    w.number("prev_version", m.prev_version);
  }
  if (!m.from.empty()) w.string("from", m.from.value);
  if (!m.device.empty()) w.string("device", m.device.value);
  if (!m.cmid.empty()) w.string("cmid", m.cmid.value);
  const char* kind = message_kind_name(m.kind);
  if (kind != nullptr)
    w.string("type", kind);
  else
    w.string("type", std::to_string(static_cast<std::uint32_t>(m.kind)));
  if (!m.custom_type.empty()) w.string("custom_type", m.custom_type);
  if (utf8(text))
    w.string("body", text);
  else
    w.string("body", base64_encode(m.body));  // opaque bytes, as body_json renders them
  w.number("ts", m.ts_ms);
  if (m.priority) w.boolean("priority", true);
  if (m.recalled) w.boolean("recalled", true);
  if (badge != 0) w.number("badge", badge);
  return std::move(w).finish();
}

std::optional<std::string> fast_ack_entry(const binary::SendAckFrame& f, const ReplyContext& ctx) {
  const std::string& cmid = f.cmid.empty() ? ctx.cmid : f.cmid.value;
  if (!utf8(cmid) || !utf8(ctx.conv)) return std::nullopt;
  ObjectWriter w;
  w.string("kind", "ack");
  w.string("cmid", cmid);
  w.number_as_string("msg_id", f.msg_id);
  w.number("seq", f.conv_seq);
  if (f.version != 0) {
    w.number("version", f.version);
    w.number("prev_version", f.prev_version);
  }
  if (!ctx.conv.empty()) w.string("conv", ctx.conv);
  w.number("ts", f.ts_ms);
  if (f.duplicate) w.boolean("duplicate", true);
  return std::move(w).finish();
}

}  // namespace herald::im_json::detail
