// Internal: the field numbers of every frame body and sub-message, in one place. Each describe()
// lists a struct's fields in ascending field-number order for the reader, writer and validator
// visitors. docs/protocol.md ("Frames") is the normative copy of these tables: change both together.
// Field numbers are never reused; removed fields leave a gap.
#pragma once

#include "herald/binary/media.h"
#include "wire_format.h"

namespace herald::binary::wire {

// ---- sub-messages ----
template <class V, Is<MessageEntry> M>
void describe(V& v, M& m) {
  v.field(1, m.conv, kRequired);
  v.field(2, m.msg_id, kRequired);
  v.field(3, m.seq);
  v.field(4, m.from);
  v.field(5, m.device);
  v.field(6, m.cmid);
  v.field(7, m.kind);
  v.field(8, m.custom_type);
  v.field(9, m.body);
  v.field(10, m.ts_ms);
  v.field(11, m.version);
  v.field(12, m.prev_version);
  v.field(13, m.priority);
  v.field(14, m.recalled);
}

template <class V, Is<SignalEntry> M>
void describe(V& v, M& m) {
  v.field(1, m.kind, kRequired);
  v.field(2, m.conv, kRequired);
  v.field(3, m.msg_ids);
  v.field(4, m.seq);
  v.field(5, m.by);
  v.field(6, m.device);
  v.field(7, m.ts_ms);
  v.field(8, m.version);
  v.field(9, m.prev_version);
}

template <class V, Is<ConvSeq> M>
void describe(V& v, M& m) {
  v.field(1, m.conv, kRequired);
  v.field(2, m.seq);
}

template <class V, Is<GroupInfo> M>
void describe(V& v, M& m) {
  v.field(1, m.group, kRequired);
  v.field(2, m.name);
  v.field(3, m.owner);
  v.field(4, m.member_count);
  v.field(5, m.mute_all_until_ms);
  v.field(6, m.created_ms);
  v.field(7, m.last_seq);
}

template <class V, Is<GroupMember> M>
void describe(V& v, M& m) {
  v.field(1, m.user, kRequired);
  v.field(2, m.role);
  v.field(3, m.mute_until_ms);
  v.field(4, m.join_seq);
}

template <class V, Is<UnreadEntry> M>
void describe(V& v, M& m) {
  v.field(1, m.conv, kRequired);
  v.field(2, m.count);
  v.field(3, m.last_seq);
  v.field(4, m.read_seq);
  v.field(5, m.muted);
}

template <class V, Is<MediaBody> M>
void describe(V& v, M& m) {
  v.field(1, m.media_id, kRequired);
  v.field(2, m.mime_type, kRequired);
  v.field(3, m.size);
  v.field(4, m.width);
  v.field(5, m.height);
  v.field(6, m.duration_ms);
  v.field(7, m.thumbnail);
  v.field(8, m.thumbnail_mime);
  v.field(9, m.file_name);
  v.field(10, m.sha256);
}

// ---- frames ----
template <class V, Is<ConnectFrame> M>
void describe(V& v, M& m) {
  v.field(1, m.versions, kRequired);
  v.field(2, m.features);
  v.field(3, m.token, kRequired);
  v.field(4, m.user, kRequired);
  v.field(5, m.device, kRequired);
  v.field(6, m.platform);
  v.field(7, m.app_version);
  v.field(8, m.max_frame_size);
}

template <class V, Is<ConnectAckFrame> M>
void describe(V& v, M& m) {
  v.field(1, m.version, kRequired);
  v.field(2, m.features);
  v.field(3, m.heartbeat_s);
  v.field(4, m.idle_timeout_s);
  v.field(5, m.max_frame_size);
  v.field(6, m.session_id);
  v.field(7, m.server_time_ms);
  v.field(8, m.user_version);
}

template <class V, Is<PingFrame> M>
void describe(V&, M&) {}

template <class V, Is<PongFrame> M>
void describe(V& v, M& m) {
  v.field(1, m.heartbeat_s);
  v.field(2, m.server_time_ms);
}

template <class V, Is<DisconnectFrame> M>
void describe(V& v, M& m) {
  v.field(1, m.code);
  v.field(2, m.text);
}

template <class V, Is<KickFrame> M>
void describe(V& v, M& m) {
  v.field(1, m.code, kRequired);
  v.field(2, m.text);
  v.field(3, m.redirect);
}

template <class V, Is<ErrorFrame> M>
void describe(V& v, M& m) {
  v.field(1, m.code, kRequired);
  v.field(2, m.text);
  v.field(3, m.retry_after_ms);
}

template <class V, Is<SendFrame> M>
void describe(V& v, M& m) {
  v.field(1, m.conv, kRequired);
  v.field(2, m.cmid, kRequired);
  v.field(3, m.kind, kRequired);
  v.field(4, m.custom_type);
  v.field(5, m.body);
}

template <class V, Is<SendAckFrame> M>
void describe(V& v, M& m) {
  v.field(1, m.cmid, kRequired);
  v.field(2, m.msg_id, kRequired);
  v.field(3, m.conv_seq, kRequired);
  v.field(4, m.ts_ms);
  v.field(5, m.version);
  v.field(6, m.prev_version);
  v.field(7, m.duplicate);
}

template <class V, Is<PushFrame> M>
void describe(V& v, M& m) {
  v.entries(1, 2, m.entries);
  v.field(3, m.badge);
}

template <class V, Is<PushAckFrame> M>
void describe(V& v, M& m) {
  v.field(1, m.up_to_version);
  v.field(2, m.versions);
  v.field(3, m.conv_acks);
}

template <class V, Is<SyncRequestFrame> M>
void describe(V& v, M& m) {
  v.field(1, m.since);
  v.field(2, m.limit);
}

template <class V, Is<SyncPageFrame> M>
void describe(V& v, M& m) {
  v.entries(1, 2, m.entries);
  v.field(3, m.next_version);
  v.field(4, m.more);
  v.field(5, m.chain_broken);
  v.field(6, m.recent_convs);
}

template <class V, Is<HistoryRequestFrame> M>
void describe(V& v, M& m) {
  v.field(1, m.conv, kRequired);
  v.field(2, m.before_seq);
  v.field(3, m.after_seq);
  v.field(4, m.limit);
}

template <class V, Is<HistoryPageFrame> M>
void describe(V& v, M& m) {
  v.field(1, m.conv, kRequired);
  v.field(2, m.messages);
  v.field(3, m.more);
}

template <class V, Is<ReadFrame> M>
void describe(V& v, M& m) {
  v.field(1, m.conv, kRequired);
  v.field(2, m.seq, kRequired);
}

template <class V, Is<RecallFrame> M>
void describe(V& v, M& m) {
  v.field(1, m.conv, kRequired);
  v.field(2, m.msg_id, kRequired);
}

template <class V, Is<DeleteFrame> M>
void describe(V& v, M& m) {
  v.field(1, m.conv, kRequired);
  v.field(2, m.msg_ids, kRequired);
}

template <class V, Is<GroupOpFrame> M>
void describe(V& v, M& m) {
  v.field(1, m.op, kRequired);
  v.field(2, m.group);
  v.field(3, m.name);
  v.field(4, m.members);
  v.field(5, m.role);
  v.field(6, m.mute_until_ms);
  v.field(7, m.offset);
  v.field(8, m.limit);
}

template <class V, Is<RoomOpFrame> M>
void describe(V& v, M& m) {
  v.field(1, m.op, kRequired);
  v.field(2, m.room, kRequired);
  v.field(3, m.history_limit);
}

template <class V, Is<ResultFrame> M>
void describe(V& v, M& m) {
  v.field(1, m.group);
  v.field(2, m.members);
  v.field(3, m.next_offset);
  v.field(4, m.messages);
  v.field(5, m.version);
  v.field(6, m.conv);
}

template <class V, Is<UnreadRequestFrame> M>
void describe(V& v, M& m) {
  v.field(1, m.convs);
  v.field(2, m.op);
}

template <class V, Is<UnreadResultFrame> M>
void describe(V& v, M& m) {
  v.field(1, m.convs);
  v.field(2, m.total);
}

template <class V, Is<PushTokenFrame> M>
void describe(V& v, M& m) {
  v.field(1, m.provider, kRequired);
  v.field(2, m.app_id, kRequired);
  v.field(3, m.token, kRequired);
  v.field(4, m.sandbox);
  v.field(5, m.remove);
}

}  // namespace herald::binary::wire
