// Test support: sample frames of every type (see sample_frames.h).
#include "sample_frames.h"

#include <cstdio>

#include "herald/binary/varint.h"

namespace herald::binary::testing {

Bytes to_bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

Bytes encode(const Frame& f, const EncodeOptions& options) {
  Bytes out;
  if (encode_frame(f, out, options) != EncodeStatus::kOk) out.clear();
  return out;
}

std::string hex(const Bytes& b) {
  std::string s;
  char buf[4];
  for (std::uint8_t c : b) {
    std::snprintf(buf, sizeof buf, "%02x", c);
    s += buf;
  }
  return s;
}

Bytes from_hex(const std::string& h) {
  Bytes out;
  int hi = -1;
  for (char c : h) {
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    if (v < 0) continue;
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(hi * 16 + v));
      hi = -1;
    }
  }
  return out;
}

Bytes raw_frame(std::uint8_t type, std::uint8_t flags, std::uint32_t request_id, const Bytes& body) {
  Bytes inner{type, flags};
  put_varint(inner, request_id);
  inner.insert(inner.end(), body.begin(), body.end());
  Bytes out;
  put_varint(out, inner.size());
  out.insert(out.end(), inner.begin(), inner.end());
  return out;
}

Bytes body_of(const Bytes& frame) {
  const auto len = read_varint(frame, kMaxLengthPrefixBytes);
  const auto rid = read_varint(std::span<const std::uint8_t>(frame).subspan(len.length + 2));
  return Bytes(frame.begin() + static_cast<std::ptrdiff_t>(len.length + 2 + rid.length), frame.end());
}

MediaBody full_media_body() {
  MediaBody m;
  m.media_id = "m_01HZX3";
  m.mime_type = "image/jpeg";
  m.size = 123456;
  m.width = 1280;
  m.height = 720;
  m.duration_ms = 1500;
  m.thumbnail = Bytes{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10};
  m.thumbnail_mime = "image/jpeg";
  m.file_name = "beach.jpg";
  m.sha256 = Bytes(32, 0xAB);
  return m;
}

MessageEntry full_message_entry() {
  MessageEntry e;
  e.conv = ConversationId{"c2c:alice:bob"};
  e.msg_id = 7180000000000000001ull;
  e.seq = 42;
  e.from = UserId{"alice"};
  e.device = DeviceId{"phone-1"};
  e.cmid = ClientMsgId{"cm-0001"};
  e.kind = MessageKind::kText;
  e.custom_type = "x.ignored";
  e.body = to_bytes("hello \xE4\xBD\xA0\xE5\xA5\xBD");
  e.ts_ms = 1700000000123;
  e.version = 1001;
  e.prev_version = 1000;
  e.priority = true;
  e.recalled = false;
  return e;
}

SignalEntry full_signal_entry() {
  SignalEntry s;
  s.kind = SignalKind::kDelete;
  s.conv = ConversationId{"group:g1"};
  s.msg_ids = {1, 2, 7180000000000000001ull};
  s.seq = 9;
  s.by = UserId{"bob"};
  s.device = DeviceId{"tablet"};
  s.ts_ms = 1700000000999;
  s.version = 1002;
  s.prev_version = 1001;
  return s;
}

std::vector<Frame> full_frames() {
  std::vector<Frame> v;
  auto add = [&v](FrameBody body, std::uint32_t rid = 7, bool priority = false) {
    v.push_back(Frame{rid, priority, std::move(body)});
  };
  add(ConnectFrame{{1, 2}, feature::kKnown, "eyJhbGciOiJIUzI1NiJ9.e30.sig", UserId{"alice"}, DeviceId{"phone-1"},
                   Platform::kIos, "3.2.1", 262144});
  add(ConnectAckFrame{1, feature::kCompression, 240, 600, 1048576, "s-9f2", 1700000000000, 1001});
  add(PingFrame{}, 8);
  add(PongFrame{240, 1700000000001}, 8);
  add(DisconnectFrame{0x0000, "bye"}, 0);
  add(KickFrame{0x008E, "session taken over", "gw2.example.com:7100"}, 0, true);
  add(ErrorFrame{0x010C, "rate limited", 1500}, 300000);
  MediaBody media = full_media_body();
  add(SendFrame{ConversationId{"c2c:alice:bob"}, ClientMsgId{"cm-0001"}, MessageKind::kImage, "",
                encode_media_body(media)});
  add(SendAckFrame{ClientMsgId{"cm-0001"}, 7180000000000000001ull, 42, 1700000000123, 1001, 1000, true});
  MessageEntry custom = full_message_entry();
  custom.kind = MessageKind::kCustom;
  custom.custom_type = "app.card";
  custom.body = Bytes{0x00, 0xFF, 0x10};
  add(PushFrame{{full_message_entry(), full_signal_entry(), custom}, 17}, 0);
  add(PushAckFrame{1001, {1003, 1005}, {ConvSeq{ConversationId{"group:big"}, 77}}}, 0);
  add(SyncRequestFrame{1000, 200}, 9);
  add(SyncPageFrame{{full_signal_entry(), full_message_entry()}, 1002, true, true,
                    {ConvSeq{ConversationId{"c2c:alice:bob"}, 42}, ConvSeq{ConversationId{"group:g1"}, 9}}},
      9);
  add(HistoryRequestFrame{ConversationId{"group:g1"}, 100, 50, 20}, 10);
  MessageEntry recalled = full_message_entry();
  recalled.recalled = true;
  recalled.body.clear();
  add(HistoryPageFrame{ConversationId{"c2c:alice:bob"}, {full_message_entry(), recalled}, true}, 10);
  add(ReadFrame{ConversationId{"c2c:alice:bob"}, 42}, 11);
  add(RecallFrame{ConversationId{"c2c:alice:bob"}, 7180000000000000001ull}, 12);
  add(DeleteFrame{ConversationId{"group:g1"}, {1, 2, 3}}, 13);
  add(GroupOpFrame{GroupOp::kSetRole, GroupId{"g1"}, "Friends", {UserId{"bob"}, UserId{"carol"}}, GroupRole::kAdmin,
                   1700003600000, 20, 50},
      14);
  add(RoomOpFrame{RoomOp::kJoin, RoomId{"live.42"}, 30}, 15);
  add(ResultFrame{GroupInfo{GroupId{"g1"}, "Friends", UserId{"alice"}, 3, 1700003600000, 1690000000000, 77},
                  {GroupMember{UserId{"alice"}, GroupRole::kOwner, 0, 0},
                   GroupMember{UserId{"bob"}, GroupRole::kMember, 1700003600000, 12}},
                  2, {full_message_entry()}, 1003, ConversationId{"group:g1"}},
      14);
  add(UnreadRequestFrame{{ConversationId{"c2c:alice:bob"}, ConversationId{"room:live.42"}}, UnreadOp::kMute}, 16);
  add(UnreadResultFrame{{UnreadEntry{ConversationId{"c2c:alice:bob"}, 3, 42, 39, true}}, 3}, 16);
  add(PushTokenFrame{PushProvider::kApns, "com.example.chat", "a1b2c3d4", true, true}, 17);
  return v;
}

std::vector<Frame> minimal_frames() {
  std::vector<Frame> v;
  auto add = [&v](FrameBody body) { v.push_back(Frame{1, false, std::move(body)}); };
  add(ConnectFrame{{1}, 0, "t", UserId{"u"}, DeviceId{"d"}, {}, {}, 0});
  add(ConnectAckFrame{1, 0, 0, 0, 0, {}, 0, 0});
  add(PingFrame{});
  add(PongFrame{});
  add(DisconnectFrame{});
  add(KickFrame{0x0080, {}, {}});
  add(ErrorFrame{0x0080, {}, 0});
  add(SendFrame{ConversationId{"room:r"}, ClientMsgId{"c"}, MessageKind::kText, {}, {}});
  add(SendAckFrame{ClientMsgId{"c"}, 1, 1, 0, 0, 0, false});
  add(PushFrame{});
  add(PushAckFrame{});
  add(SyncRequestFrame{});
  add(SyncPageFrame{});
  add(HistoryRequestFrame{ConversationId{"group:g"}, 0, 0, 0});
  add(HistoryPageFrame{ConversationId{"group:g"}, {}, false});
  add(ReadFrame{ConversationId{"group:g"}, 1});
  add(RecallFrame{ConversationId{"group:g"}, 1});
  add(DeleteFrame{ConversationId{"group:g"}, {1}});
  add(GroupOpFrame{GroupOp::kCreate, {}, {}, {}, {}, 0, 0, 0});
  add(RoomOpFrame{RoomOp::kLeave, RoomId{"r"}, 0});
  add(ResultFrame{});
  add(UnreadRequestFrame{});
  add(UnreadResultFrame{});
  add(PushTokenFrame{PushProvider::kFcm, "a", "t", false, false});
  return v;
}

}  // namespace herald::binary::testing
