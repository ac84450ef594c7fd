// Frame-level encode and incremental decode: length prefix, header (type, flags, request id), body.
#include <algorithm>
#include <iterator>

#include "field_reader.h"
#include "field_writer.h"
#include "frame_validation.h"
#include "herald/binary/codec.h"
#include "herald/binary/compression.h"
#include "schema.h"

namespace herald::binary {
namespace {

// The frame type of each FrameBody alternative, in the variant's order.
constexpr FrameType kTypes[] = {
    FrameType::kConnect,     FrameType::kConnectAck,    FrameType::kPing,          FrameType::kPong,
    FrameType::kDisconnect,  FrameType::kKick,          FrameType::kError,         FrameType::kSend,
    FrameType::kSendAck,     FrameType::kPush,          FrameType::kPushAck,       FrameType::kSyncRequest,
    FrameType::kSyncPage,    FrameType::kHistoryRequest, FrameType::kHistoryPage,  FrameType::kRead,
    FrameType::kRecall,      FrameType::kDelete,        FrameType::kGroupOp,       FrameType::kRoomOp,
    FrameType::kResult,      FrameType::kUnreadRequest, FrameType::kUnreadResult,  FrameType::kPushToken,
};
static_assert(std::size(kTypes) == std::variant_size_v<FrameBody>);

// Smallest header: type, flags, a one-byte request id.
constexpr std::size_t kMinFrameLength = 3;
// A u32 request id needs at most 5 varint bytes.
constexpr std::size_t kMaxRequestIdBytes = 5;

template <std::size_t I = 0>
bool decode_body(FrameType type, std::span<const std::uint8_t> bytes, FrameBody& out, wire::DecodeContext& ctx) {
  if constexpr (I == std::variant_size_v<FrameBody>) {
    return ctx.fail(DecodeError::kUnknownFrameType);
  } else {
    if (kTypes[I] != type) return decode_body<I + 1>(type, bytes, out, ctx);
    return wire::decode_message(bytes, out.template emplace<I>(), ctx);
  }
}

DecodeResult fail(DecodeResult r, DecodeError e, std::size_t frame_bytes) {
  r.status = DecodeStatus::kError;
  r.error = e;
  r.consumed = decode_error_keeps_framing(e) ? frame_bytes : 0;
  r.frame = Frame{};
  return r;
}

std::uint32_t effective_max(std::uint32_t announced) { return std::min(announced, kMaxFrameSizeCeiling); }

}  // namespace

FrameType frame_type(const FrameBody& body) { return kTypes[body.index()]; }

bool is_known_frame_type(std::uint8_t type) {
  return std::any_of(std::begin(kTypes), std::end(kTypes),
                     [type](FrameType t) { return static_cast<std::uint8_t>(t) == type; });
}

bool may_be_compressed(FrameType type) {
  return type == FrameType::kPush || type == FrameType::kSyncPage || type == FrameType::kHistoryPage ||
         type == FrameType::kResult;
}

const char* frame_type_name(FrameType type) {
  switch (type) {
    case FrameType::kConnect: return "CONNECT";
    case FrameType::kConnectAck: return "CONNECT_ACK";
    case FrameType::kPing: return "PING";
    case FrameType::kPong: return "PONG";
    case FrameType::kDisconnect: return "DISCONNECT";
    case FrameType::kKick: return "KICK";
    case FrameType::kError: return "ERROR";
    case FrameType::kSend: return "SEND";
    case FrameType::kSendAck: return "SEND_ACK";
    case FrameType::kPush: return "PUSH";
    case FrameType::kPushAck: return "PUSH_ACK";
    case FrameType::kSyncRequest: return "SYNC_REQUEST";
    case FrameType::kSyncPage: return "SYNC_PAGE";
    case FrameType::kHistoryRequest: return "HISTORY_REQUEST";
    case FrameType::kHistoryPage: return "HISTORY_PAGE";
    case FrameType::kRead: return "READ";
    case FrameType::kRecall: return "RECALL";
    case FrameType::kDelete: return "DELETE";
    case FrameType::kGroupOp: return "GROUP_OP";
    case FrameType::kRoomOp: return "ROOM_OP";
    case FrameType::kResult: return "RESULT";
    case FrameType::kUnreadRequest: return "UNREAD_REQUEST";
    case FrameType::kUnreadResult: return "UNREAD_RESULT";
    case FrameType::kPushToken: return "PUSH_TOKEN";
  }
  return "UNKNOWN";
}

DecodeResult decode_frame(std::span<const std::uint8_t> bytes, const DecodeLimits& limits) {
  DecodeResult r;
  const VarintRead len = read_varint(bytes, kMaxLengthPrefixBytes);
  if (len.status == VarintStatus::kNeedMore) return r;  // status kNeedMore, needed unknown
  if (len.status == VarintStatus::kOverlong) return fail(r, DecodeError::kLengthOverlong, 0);
  // Checked before anything is buffered: a peer cannot make us wait for (or hold) a huge body.
  const std::uint32_t max = effective_max(limits.max_frame_size);
  if (len.value > max) return fail(r, DecodeError::kFrameTooLarge, 0);
  if (len.value < kMinFrameLength) return fail(r, DecodeError::kFrameTooShort, 0);
  const std::size_t total = len.length + static_cast<std::size_t>(len.value);
  if (bytes.size() < total) {
    r.needed = total;
    return r;
  }

  const auto frame = bytes.subspan(len.length, static_cast<std::size_t>(len.value));
  const std::uint8_t type = frame[0];
  const std::uint8_t flags = frame[1];
  const VarintRead rid = read_varint(frame.subspan(2), kMaxRequestIdBytes);
  if (rid.status != VarintStatus::kOk || rid.value > UINT32_MAX) return fail(r, DecodeError::kHeaderMalformed, total);
  r.request_id = static_cast<std::uint32_t>(rid.value);
  if (!is_known_frame_type(type)) return fail(r, DecodeError::kUnknownFrameType, total);
  if ((flags & ~kKnownFlags) != 0) return fail(r, DecodeError::kUnknownFlags, total);

  const std::size_t header = 2 + rid.length;
  std::span<const std::uint8_t> body = frame.subspan(header);
  std::vector<std::uint8_t> inflated;
  if ((flags & kFlagCompressed) != 0) {
    if (!limits.allow_compressed || !may_be_compressed(static_cast<FrameType>(type)))
      return fail(r, DecodeError::kCompressionNotAllowed, total);
    // The inflated frame obeys the same limit as a plain one.
    switch (inflate_capped(body, max - header, inflated)) {
      case InflateStatus::kOk: break;
      case InflateStatus::kTooLarge: return fail(r, DecodeError::kDecompressedTooLarge, total);
      case InflateStatus::kCorrupt: return fail(r, DecodeError::kDecompressFailed, total);
    }
    body = inflated;
    r.was_compressed = true;
  }

  wire::DecodeContext ctx{limits};
  r.frame.request_id = r.request_id;
  r.frame.priority = (flags & kFlagPriority) != 0;
  if (!decode_body(static_cast<FrameType>(type), body, r.frame.body, ctx)) return fail(r, ctx.error, total);
  // Ids and UTF-8 were checked while reading; what is left spans fields.
  if (const DecodeError e = wire::validate_body(r.frame.body, false); e != DecodeError::kNone) return fail(r, e, total);
  r.status = DecodeStatus::kOk;
  r.consumed = total;
  return r;
}

EncodeStatus encode_frame(const Frame& frame, std::vector<std::uint8_t>& out, const EncodeOptions& options) {
  const FrameType type = frame_type(frame.body);
  std::vector<std::uint8_t> body;
  std::visit([&body](const auto& b) { wire::encode_message(b, body); }, frame.body);

  std::uint8_t flags = frame.priority ? kFlagPriority : 0;
  const std::size_t header = 2 + varint_size(frame.request_id);
  const std::uint32_t max = effective_max(options.max_frame_size);
  // The plain size must fit even when compressed: it is what the receiver will inflate to.
  if (header + body.size() > max) return EncodeStatus::kFrameTooLarge;
  if (options.compress) {
    if (!may_be_compressed(type)) return EncodeStatus::kCompressionNotAllowed;
    std::vector<std::uint8_t> z;
    if (!deflate_zlib(body, z, options.compression_level)) return EncodeStatus::kCompressionFailed;
    if (z.size() < body.size()) {  // tiny bodies grow under zlib: send those plain
      body.swap(z);
      flags |= kFlagCompressed;
    }
  }
  put_varint(out, header + body.size());
  out.push_back(static_cast<std::uint8_t>(type));
  out.push_back(flags);
  put_varint(out, frame.request_id);
  out.insert(out.end(), body.begin(), body.end());
  return EncodeStatus::kOk;
}

}  // namespace herald::binary
