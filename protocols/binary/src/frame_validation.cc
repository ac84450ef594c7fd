// Semantic validation of frame bodies: required fields and the rules that span several fields.
#include "frame_validation.h"

#include "herald/binary/media.h"
#include "herald/binary/utf8.h"
#include "schema.h"

namespace herald::binary::wire {
namespace {

DecodeError check_body(MessageKind kind, const std::string& custom_type, const Bytes& body) {
  switch (kind) {
    case MessageKind::kText:
    case MessageKind::kSystem:
      return is_valid_utf8(body) ? DecodeError::kNone : DecodeError::kInvalidBody;
    case MessageKind::kImage:
    case MessageKind::kAudio:
    case MessageKind::kVideo:
    case MessageKind::kFile: {
      MediaBody media;
      return decode_media_body(body, media) == DecodeError::kNone ? DecodeError::kNone : DecodeError::kInvalidBody;
    }
    case MessageKind::kCustom:
      return custom_type.empty() ? DecodeError::kMissingField : DecodeError::kNone;
    default:
      return DecodeError::kNone;  // unspecified (version-only entries) or a newer kind: opaque
  }
}

bool frame_size_ok(std::uint32_t size) { return size == 0 || (size >= 1024 && size <= kMaxFrameSizeCeiling); }

// Cross-field rules; the generic template covers types without any.
template <class T>
DecodeError semantics(const T&) {
  return DecodeError::kNone;
}
DecodeError semantics(const SendFrame& f) { return check_body(f.kind, f.custom_type, f.body); }
DecodeError semantics(const MessageEntry& e) {
  return e.recalled ? DecodeError::kNone : check_body(e.kind, e.custom_type, e.body);
}
DecodeError semantics(const SignalEntry& e) {
  switch (e.kind) {
    case SignalKind::kRecall: return e.msg_ids.size() == 1 ? DecodeError::kNone : DecodeError::kMissingField;
    case SignalKind::kDelete: return e.msg_ids.empty() ? DecodeError::kMissingField : DecodeError::kNone;
    case SignalKind::kRead: return e.seq == 0 ? DecodeError::kMissingField : DecodeError::kNone;
    default: return DecodeError::kNone;
  }
}
DecodeError semantics(const ConnectFrame& f) {
  return frame_size_ok(f.max_frame_size) ? DecodeError::kNone : DecodeError::kValueOutOfRange;
}
DecodeError semantics(const ConnectAckFrame& f) {
  return frame_size_ok(f.max_frame_size) ? DecodeError::kNone : DecodeError::kValueOutOfRange;
}
DecodeError semantics(const GroupOpFrame& f) {
  // Only create may leave the group id to the server.
  return f.op != GroupOp::kCreate && f.group.empty() ? DecodeError::kMissingField : DecodeError::kNone;
}

// Walks a struct and everything nested in it through describe().
class Validator {
 public:
  explicit Validator(bool check_formats) : check_formats_(check_formats) {}
  DecodeError error() const { return error_; }

  template <class T>
  void field(std::uint32_t, const T& v, Presence p = Presence::kOptional) {
    if (error_ != DecodeError::kNone) return;
    if (p == Presence::kRequired && is_default(v)) {
      error_ = DecodeError::kMissingField;
      return;
    }
    check(v);
  }

  void entries(std::uint32_t, std::uint32_t, const std::vector<TimelineEntry>& v) {
    for (const TimelineEntry& e : v) std::visit([this](const auto& x) { check(x); }, e);
  }

  template <class T>
  void check(const T& v) {
    if (error_ != DecodeError::kNone) return;
    if constexpr (kIsVarintScalar<T> || std::is_same_v<T, Bytes>) {
      // nothing beyond the range checks done while reading
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (check_formats_ && !is_valid_utf8(v)) error_ = DecodeError::kInvalidUtf8;
    } else if constexpr (IsStrongId<T>::value) {
      if (check_formats_ && !v.empty() && !T::valid(v.value)) error_ = DecodeError::kInvalidId;
    } else if constexpr (IsOptional<T>::value) {
      if (v) check(*v);
    } else if constexpr (IsVector<T>::value) {
      for (const auto& e : v) check(e);
    } else {
      describe(*this, v);
      if (error_ == DecodeError::kNone) error_ = semantics(v);
    }
  }

 private:
  bool check_formats_;
  DecodeError error_ = DecodeError::kNone;
};

}  // namespace

DecodeError validate_body(const FrameBody& body, bool check_formats) {
  Validator v(check_formats);
  std::visit([&v](const auto& f) { v.check(f); }, body);
  return v.error();
}

}  // namespace herald::binary::wire

namespace herald::binary {

DecodeError validate_frame(const FrameBody& body) { return wire::validate_body(body, true); }

}  // namespace herald::binary
