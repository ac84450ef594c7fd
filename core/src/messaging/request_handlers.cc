#include "messaging/request_handlers.h"

#include <algorithm>
#include <chrono>
#include <sstream>

#include <herald/binary/codec.h>

namespace herald::messaging {

using binary::GroupRole;
using binary::MessageEntry;
using binary::SignalEntry;
using binary::SignalKind;

namespace {
std::string join_ids(const std::vector<uint64_t>& ids) {
  std::string out;
  for (auto id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}
std::vector<uint64_t> split_ids(const std::string& s) {
  std::vector<uint64_t> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(std::stoull(item));
  return out;
}
std::string group_of(const Conversation& conv) { return conv.first; }
bool is_admin(GroupRole role) { return role == GroupRole::kOwner || role == GroupRole::kAdmin; }
}  // namespace

uint64_t Operations::wall_ms() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

std::vector<uint8_t> Operations::encode(binary::FrameBody body, bool priority) {
  binary::Frame frame;
  frame.priority = priority;
  frame.body = std::move(body);
  std::vector<uint8_t> out;
  binary::EncodeOptions options;
  options.max_frame_size = binary::kMaxFrameSizeCeiling;
  if (binary::encode_frame(frame, out, options) != binary::EncodeStatus::kOk)
    throw ImError(HERALD_REASON_PACKET_TOO_LARGE, "response frame too large");
  return out;
}

Conversation Operations::parse_conv(std::string_view conv) const {
  auto c = Conversation::parse(conv);
  if (!c) throw ImError(HERALD_REASON_INVALID_ID, "invalid conversation id \"" + std::string(conv) + "\"");
  return *c;
}

std::vector<Operations::Member> Operations::members(MessageStore& store, const std::string& group) {
  std::vector<Member> out;
  auto& s = store.sql("SELECT user, role, mute_until, join_seq FROM members WHERE grp = ? ORDER BY user");
  s.bind(1, group);
  while (s.step())
    out.push_back(Member{s.text(0), static_cast<GroupRole>(s.integer(1)), s.u64(2), s.u64(3)});
  return out;
}

std::optional<Operations::Member> Operations::member(MessageStore& store, const std::string& group,
                                                     const std::string& user) {
  auto& s = store.sql("SELECT role, mute_until, join_seq FROM members WHERE grp = ? AND user = ?");
  s.bind(1, group).bind(2, user);
  if (!s.step()) return std::nullopt;
  return Member{user, static_cast<GroupRole>(s.integer(0)), s.u64(1), s.u64(2)};
}

binary::GroupInfo Operations::group_info(MessageStore& store, const std::string& group) {
  auto& s = store.sql(
      "SELECT name, owner, created, mute_all_until, (SELECT COUNT(*) FROM members m WHERE m.grp = g.grp) "
      "FROM groups g WHERE grp = ?");
  s.bind(1, group);
  if (!s.step()) throw ImError(HERALD_REASON_NOT_FOUND, "no group \"" + group + "\"");
  binary::GroupInfo info;
  info.group.value = group;
  info.name = s.text(0);
  info.owner.value = s.text(1);
  info.created_ms = s.u64(2);
  info.mute_all_until_ms = s.u64(3);
  info.member_count = static_cast<uint32_t>(s.integer(4));
  s.reset();
  info.last_seq = store.conv_last_seq("group:" + group);
  return info;
}

uint64_t Operations::require_participant(MessageStore& store, const Conversation& conv, const std::string& user) {
  switch (conv.kind) {
    case ConversationKind::kC2c:
      if (!conv.is_c2c_member(user)) throw ImError(HERALD_REASON_NOT_MEMBER, "not a participant of " + conv.id);
      return 0;
    case ConversationKind::kGroup: {
      auto m = member(store, group_of(conv), user);
      if (!m) throw ImError(HERALD_REASON_NOT_MEMBER, "not a member of " + conv.id);
      return m->join_seq;
    }
    case ConversationKind::kRoom:
      if (!replay_ts_ms_ && !delivery_.in_room(conv.first, user)) throw ImError(HERALD_REASON_NOT_MEMBER, "not in " + conv.id);
      return 0;
  }
  return 0;
}

std::vector<std::string> Operations::participants(MessageStore& store, const Conversation& conv,
                                                  bool* write_diffusion) {
  *write_diffusion = true;
  if (conv.kind == ConversationKind::kC2c) return {conv.first, conv.second};
  if (conv.kind == ConversationKind::kRoom) {
    *write_diffusion = false;
    return {};
  }
  std::vector<std::string> out;
  for (auto& m : members(store, group_of(conv))) out.push_back(m.user);
  *write_diffusion = out.size() <= config_.groups.write_diffusion_max;
  return out;
}

std::pair<uint64_t, uint64_t> Operations::append_timeline(MessageStore& store, Txn& txn, const std::string& user,
                                                          uint64_t ts, uint64_t msg_id, const SignalEntry* sig) {
  uint64_t prev = 0;
  uint64_t version = store.next_user_version(user, &prev);
  auto& s = store.sql(
      "INSERT INTO timeline(user, version, prev_version, ts, msg_id, sig_kind, sig_conv, sig_msg_ids, sig_seq, "
      "sig_by, sig_device) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind_static(1, user).bind(2, version).bind(3, prev).bind(4, ts).bind(5, msg_id);
  if (sig) {
    s.bind(6, static_cast<uint32_t>(sig->kind)).bind(7, sig->conv.value).bind(8, join_ids(sig->msg_ids));
    s.bind(9, sig->seq).bind(10, sig->by.value).bind(11, sig->device.value);
  } else {
    s.bind(6, 0);
  }
  s.run();
  txn.user_versions[user] = version;
  touched_users_.insert(user);
  return {version, prev};
}

MessageEntry Operations::load_message(MessageStore& store, uint64_t msg_id, bool* found) {
  auto& s = store.sql(
      "SELECT conv, seq, sender, device, cmid, kind, custom_type, body, ts, recalled FROM messages WHERE msg_id = ?");
  s.bind(1, msg_id);
  MessageEntry e;
  *found = s.step();
  if (!*found) return e;
  e.conv.value = s.text(0);
  e.msg_id = msg_id;
  e.seq = s.u64(1);
  e.from.value = s.text(2);
  e.device.value = s.text(3);
  e.cmid.value = s.text(4);
  e.kind = static_cast<binary::MessageKind>(s.integer(5));
  e.custom_type = s.text(6);
  e.recalled = s.integer(9) != 0;
  if (!e.recalled) e.body = s.blob(7);
  e.ts_ms = s.u64(8);
  s.reset();
  return e;
}

void Operations::report_message(MessageStore& store, const MessageEntry& e, const std::vector<std::string>& users,
                                bool write_diffusion) {
  if (participants_.empty()) return;
  std::vector<herald_str> recipients;
  if (write_diffusion)
    for (const auto& u : users) recipients.push_back(herald_str{u.data(), u.size()});
  herald_im_message_event event{};
  event.struct_size = sizeof(event);
  event.conv = herald_str{e.conv.value.data(), e.conv.value.size()};
  event.seq = e.seq;
  event.sender = herald_str{e.from.value.data(), e.from.value.size()};
  event.ts_ms = e.ts_ms;
  event.kind = static_cast<uint32_t>(e.kind);
  event.read_diffusion = write_diffusion ? 0 : 1;
  event.recipients = recipients.data();
  event.recipient_count = static_cast<uint32_t>(recipients.size());
  participants_.message_stored(store, event);
}

uint32_t Operations::badge(MessageStore& store, const std::string& user, bool has_push_targets) {
  if (participants_.empty() || (!has_push_targets && !presence_.online(user))) return 0;
  return participants_.badge(store, user);
}

UserDelivery Operations::user_delivery(MessageStore& store, const std::string& user, std::string except,
                                       binary::TimelineEntry entry) {
  UserDelivery u{user, std::move(except), {}, {}};
  if (delivery_.wants_push_targets() && !replay_from_peer_) u.push_targets = push_targets(store, user);
  u.frame = encode(binary::PushFrame{{std::move(entry)}, badge(store, user, !u.push_targets.empty())});
  return u;
}

std::vector<PushTarget> Operations::push_targets(MessageStore& store, const std::string& user) {
  std::vector<PushTarget> out;
  auto& q = store.sql("SELECT device, provider, app_id, token, sandbox FROM push_tokens WHERE user = ?");
  q.bind(1, user);
  while (q.step())
    out.push_back({q.text(0), static_cast<uint32_t>(q.integer(1)), q.text(2), q.text(3), q.integer(4) != 0});
  q.reset();
  return out;
}

std::optional<UserDelivery> Operations::offline_delivery(MessageStore& store, const std::string& user,
                                                         binary::TimelineEntry entry) {
  UserDelivery u{user, "", {}, push_targets(store, user), true};
  if (u.push_targets.empty()) return std::nullopt;
  u.frame = encode(binary::PushFrame{{std::move(entry)}, badge(store, user, true)});
  return u;
}

void Operations::schedule(Txn& txn, Deliveries d) {
  if (d.empty()) return;
  txn.on_commit.push_back([this, d = std::move(d)] { delivery_.dispatch(d); });
}

namespace {
// The original ack of a resend of (sender, cmid), if there is one.
bool find_original(MessageStore& store, const std::string& sender, const std::string& cmid, binary::SendAckFrame& ack) {
  auto& d = store.sql("SELECT msg_id, seq, ts, sender_version, sender_prev FROM messages WHERE sender = ? AND cmid = ?");
  d.bind(1, sender).bind(2, cmid);
  if (!d.step()) return false;
  ack.msg_id = d.u64(0);
  ack.conv_seq = d.u64(1);
  ack.ts_ms = d.u64(2);
  ack.version = d.u64(3);
  ack.prev_version = d.u64(4);
  ack.duplicate = true;
  d.reset();
  return true;
}
}  // namespace

SendOutcome Operations::send(MessageStore& store, Txn& txn, const SendInput& in) {
  SendOutcome out;
  out.ack.cmid.value = in.cmid;
  Conversation conv = parse_conv(in.conv);
  if (!binary::is_valid_user_id(in.caller.user)) throw ImError(HERALD_REASON_INVALID_ID, "invalid user id");
  if (!binary::is_valid_client_msg_id(in.cmid)) throw ImError(HERALD_REASON_INVALID_REQUEST, "invalid cmid");
  if (in.body.size() > config_.max_body) throw ImError(HERALD_REASON_PAYLOAD_TOO_LARGE, "body too large");

  // Idempotency: the original ack for a resend; nothing stored, nobody re-delivered. A c2c send
  // whose sender takes part (no check below can refuse it) finds a resend by its INSERT hitting the
  // (sender, cmid) index instead of a SELECT first: one index probe fewer per message.
  const bool probe_by_insert =
      conv.kind == ConversationKind::kC2c && (in.caller.admin || conv.is_c2c_member(in.caller.user));
  if (conv.kind != ConversationKind::kRoom && !probe_by_insert && find_original(store, in.caller.user, in.cmid, out.ack)) {
    metrics_.duplicates.add();
    return out;
  }

  uint64_t now = now_ms();
  if (in.caller.admin) {
    if (conv.kind == ConversationKind::kGroup) group_info(store, group_of(conv));  // NOT_FOUND
  } else if (conv.kind == ConversationKind::kGroup) {
    auto m = member(store, group_of(conv), in.caller.user);
    if (!m) throw ImError(HERALD_REASON_NOT_MEMBER, "not a member of " + conv.id);
    if (m->mute_until > now) throw ImError(HERALD_REASON_MUTED, "muted in " + conv.id);
    auto info = group_info(store, group_of(conv));
    if (info.mute_all_until_ms > now && !is_admin(m->role)) throw ImError(HERALD_REASON_MUTED, conv.id + " is muted");
  } else {
    require_participant(store, conv, in.caller.user);
  }

  MessageEntry e;
  e.conv.value = conv.id;
  // Taken only once the message is stored (a resend found by the INSERT takes nothing).
  e.seq = store.conv_last_seq(conv.id) + 1;
  e.msg_id = ids_.next(now);
  e.from.value = in.caller.user;
  e.device.value = in.caller.device;
  e.cmid.value = in.cmid;
  e.kind = in.kind;
  e.custom_type = in.custom_type;
  e.body = in.body;
  e.ts_ms = now;
  out.ack.msg_id = e.msg_id;
  out.ack.conv_seq = e.seq;
  out.ack.ts_ms = now;

  if (conv.kind == ConversationKind::kRoom) {
    // Rooms are not durable per user: only the seq is persisted; content lives in the memory ring.
    store.next_conv_seq(conv.id);
    e.priority = e.kind == binary::MessageKind::kSystem;
    out.deliveries.room = conv.first;
    out.deliveries.room_frame = encode(binary::PushFrame{{e}, 0}, e.priority);
    MessageEntry kept = e;
    txn.on_commit.push_back([this, kept, room = conv.first] {
      delivery_.remember_room_message(room, kept, config_.rooms.history);
    });
    metrics_.stored_room.add();
    return out;
  }

  bool write_diffusion = true;
  auto users = participants(store, conv, &write_diffusion);
  if (write_diffusion) {
    // The sender's timeline version is known before the timelines are written (the last entry of
    // the sender's, as append_timeline below will hand them out), so the message row is written
    // once, with it.
    auto own = static_cast<uint64_t>(std::count(users.begin(), users.end(), in.caller.user));
    if (own > 0) {
      out.ack.version = store.user_last_version(in.caller.user) + own;
      out.ack.prev_version = out.ack.version - 1;
    }
  }
  store.sql("INSERT INTO messages(msg_id, conv, seq, sender, device, cmid, kind, custom_type, body, ts, "
            "sender_version, sender_prev) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(sender, cmid) DO NOTHING")
      .bind(1, e.msg_id).bind_static(2, conv.id).bind(3, e.seq).bind_static(4, in.caller.user)
      .bind_static(5, in.caller.device).bind_static(6, in.cmid).bind(7, static_cast<uint32_t>(in.kind))
      .bind_static(8, in.custom_type).bind_blob_static(9, in.body.data(), in.body.size()).bind(10, now)
      .bind(11, out.ack.version)
      .bind(12, out.ack.prev_version)
      .run();
  if (store.changes() == 0) {
    // A resend (only a probe_by_insert send gets here: the others were looked up above).
    out = SendOutcome{};
    out.ack.cmid.value = in.cmid;
    if (!find_original(store, in.caller.user, in.cmid, out.ack))
      throw StorageError("send: the message row was neither written nor found");
    metrics_.duplicates.add();
    return out;
  }
  store.next_conv_seq(conv.id);

  report_message(store, e, users, write_diffusion);  // before the pushes, so their badges count it
  uint32_t offline_lookups = 0;
  uint64_t own_version = 0;
  for (const auto& user : users) {
    MessageEntry copy = e;
    if (write_diffusion) {
      auto [version, prev] = append_timeline(store, txn, user, now, e.msg_id, nullptr);
      copy.version = version;
      copy.prev_version = prev;
      store.touch_user_conv(user, conv.id, now);
      if (user == in.caller.user) own_version = version;
    } else if (!presence_.online(user)) {
      // Read diffusion: offline members page history later; a push bridge still hears of the first
      // push.read_diffusion_max of them (one token lookup each).
      if (user != in.caller.user && delivery_.wants_push_targets() && !replay_from_peer_ &&
          offline_lookups++ < config_.push.read_diffusion_max)
        if (auto u = offline_delivery(store, user, copy)) out.deliveries.users.push_back(std::move(*u));
      continue;
    }
    if (user == in.caller.user && !delivery_.wants_push_targets() &&
        !presence_.online_besides(user, in.caller.device))
      continue;  // no other device of the sender to tell (one connecting meanwhile syncs)
    std::string except = user == in.caller.user ? in.caller.device : std::string();
    out.deliveries.users.push_back(user_delivery(store, user, except, copy));
  }
  if (own_version != out.ack.version) throw StorageError("send: the sender's version was not the one stored");
  (conv.kind == ConversationKind::kC2c ? metrics_.stored_c2c : metrics_.stored_group).add();
  return out;
}

void Operations::system_message(MessageStore& store, Txn& txn, const std::string& group, const std::string& actor,
                                const std::string& text) {
  SendInput in;
  in.caller.user = actor;
  in.conv = "group:" + group;
  in.kind = binary::MessageKind::kSystem;
  in.body.assign(text.begin(), text.end());
  in.cmid = "sys." + std::to_string(ids_.next(now_ms()));
  // Bypass the membership checks of send(): the server speaks, e.g. after the last member left.
  Conversation conv = parse_conv(in.conv);
  uint64_t now = now_ms();
  MessageEntry e;
  e.conv.value = conv.id;
  e.seq = store.next_conv_seq(conv.id);
  e.msg_id = ids_.next(now);
  e.from.value = actor;
  e.cmid.value = in.cmid;
  e.kind = in.kind;
  e.body = in.body;
  e.ts_ms = now;
  store.sql("INSERT INTO messages(msg_id, conv, seq, sender, device, cmid, kind, custom_type, body, ts) "
            "VALUES(?, ?, ?, ?, '', ?, ?, '', ?, ?)")
      .bind(1, e.msg_id).bind(2, conv.id).bind(3, e.seq).bind(4, actor).bind(5, in.cmid)
      .bind(6, static_cast<uint32_t>(in.kind)).bind_blob(7, in.body.data(), in.body.size()).bind(8, now)
      .run();
  bool write_diffusion = true;
  auto users = participants(store, conv, &write_diffusion);
  report_message(store, e, users, write_diffusion);
  Deliveries d;
  for (const auto& user : users) {
    MessageEntry copy = e;
    if (write_diffusion) {
      auto [version, prev] = append_timeline(store, txn, user, now, e.msg_id, nullptr);
      copy.version = version;
      copy.prev_version = prev;
      store.touch_user_conv(user, conv.id, now);
    } else if (!presence_.online(user)) {
      continue;
    }
    d.users.push_back(user_delivery(store, user, "", copy));
  }
  metrics_.stored_group.add();
  schedule(txn, std::move(d));
}

uint64_t Operations::signal(MessageStore& store, Txn& txn, const Caller& caller, SignalEntry sig,
                            const std::vector<std::string>& users, bool write_diffusion) {
  uint64_t caller_version = 0;
  Deliveries d;
  for (const auto& user : users) {
    SignalEntry copy = sig;
    if (write_diffusion || user == caller.user) {
      auto [version, prev] = append_timeline(store, txn, user, sig.ts_ms, 0, &sig);
      copy.version = version;
      copy.prev_version = prev;
      if (user == caller.user) caller_version = version;
    } else if (!presence_.online(user)) {
      continue;
    }
    std::string except = user == caller.user ? caller.device : std::string();
    d.users.push_back(user_delivery(store, user, except, copy));
  }
  schedule(txn, std::move(d));
  return caller_version;
}

binary::SyncPageFrame Operations::sync(MessageStore& store, const Caller& caller, const binary::SyncRequestFrame& req) {
  uint32_t limit = req.limit == 0 ? config_.sync.page_limit : std::min(req.limit, config_.sync.max_page);
  // Asking for the next page acks everything up to `since` for this device.
  if (req.since > 0) store.ack_device(caller.user, caller.device, req.since);

  binary::SyncPageFrame page;
  uint64_t pruned = store.user_pruned_upto(caller.user);
  if (req.since < pruned) page.chain_broken = true;
  uint64_t expected_prev = req.since;
  auto& s = store.sql(
      "SELECT version, prev_version, ts, msg_id, sig_kind, sig_conv, sig_msg_ids, sig_seq, sig_by, sig_device "
      "FROM timeline WHERE user = ? AND version > ? ORDER BY version LIMIT ?");
  s.bind(1, caller.user).bind(2, req.since).bind(3, limit + 1);
  struct Row {
    uint64_t version, prev, ts, msg_id;
    SignalEntry sig;
  };
  std::vector<Row> rows;
  while (s.step()) {
    Row r{s.u64(0), s.u64(1), s.u64(2), s.u64(3), {}};
    if (r.msg_id == 0) {
      r.sig.kind = static_cast<SignalKind>(s.integer(4));
      r.sig.conv.value = s.text(5);
      r.sig.msg_ids = split_ids(s.text(6));
      r.sig.seq = s.u64(7);
      r.sig.by.value = s.text(8);
      r.sig.device.value = s.text(9);
      r.sig.ts_ms = r.ts;
      r.sig.version = r.version;
      r.sig.prev_version = r.prev;
    }
    rows.push_back(std::move(r));
  }
  if (rows.size() > limit) {
    page.more = true;
    rows.resize(limit);
  }
  bool first = true;
  for (auto& r : rows) {
    // The first entry after a pruned range cannot link to `since`; that case is chain_broken already.
    if (!(first && page.chain_broken) && r.prev != expected_prev) page.chain_broken = true;
    first = false;
    expected_prev = r.version;
    if (r.msg_id == 0) {
      page.entries.emplace_back(std::move(r.sig));
      continue;
    }
    bool found = false;
    MessageEntry e = load_message(store, r.msg_id, &found);
    if (!found) continue;
    e.version = r.version;
    e.prev_version = r.prev;
    page.entries.emplace_back(std::move(e));
  }
  page.next_version = rows.empty() ? std::max(req.since, page.chain_broken ? store.user_last_version(caller.user) : 0)
                                   : rows.back().version;
  if (page.chain_broken) {
    store.flush();  // the query reads conversations.last_seq and user_convs.updated
    auto& c = store.sql(
        "SELECT uc.conv, COALESCE(c.last_seq, 0) FROM user_convs uc LEFT JOIN conversations c ON c.conv = uc.conv "
        "WHERE uc.user = ? ORDER BY uc.updated DESC LIMIT 100");
    c.bind(1, caller.user);
    while (c.step()) page.recent_convs.push_back(binary::ConvSeq{{c.text(0)}, c.u64(1)});
  }
  return page;
}

void Operations::push_ack(MessageStore& store, const Caller& caller, const binary::PushAckFrame& req) {
  // Cached and written once per device and batch (half of all requests in p2p are acks).
  uint64_t acked = std::max(store.device_ack(caller.user, caller.device), req.up_to_version);
  // Batched acks extend the cumulative cursor while they are contiguous with it.
  auto versions = req.versions;
  std::sort(versions.begin(), versions.end());
  for (auto v : versions)
    if (v == acked + 1) acked = v;
  store.ack_device(caller.user, caller.device, acked);
}

binary::HistoryPageFrame Operations::history(MessageStore& store, const Caller& caller,
                                             const binary::HistoryRequestFrame& req) {
  Conversation conv = parse_conv(req.conv.value);
  if (conv.kind == ConversationKind::kRoom)
    throw ImError(HERALD_REASON_UNSUPPORTED_FEATURE, "rooms keep no history; join returns recent messages");
  uint64_t join_seq = caller.admin ? 0 : require_participant(store, conv, caller.user);
  uint32_t limit = req.limit == 0 ? config_.history.page_limit : std::min(req.limit, config_.history.max_page);
  binary::HistoryPageFrame page;
  page.conv = req.conv;
  std::vector<uint64_t> ids;
  const bool forward = req.after_seq != 0;
  auto& s = forward
      ? store.sql("SELECT msg_id FROM messages m WHERE conv = ? AND seq > ? AND seq > ? AND NOT EXISTS "
                  "(SELECT 1 FROM tombstones t WHERE t.user = ? AND t.msg_id = m.msg_id) ORDER BY seq ASC LIMIT ?")
      : store.sql("SELECT msg_id FROM messages m WHERE conv = ? AND seq < ? AND seq > ? AND NOT EXISTS "
                  "(SELECT 1 FROM tombstones t WHERE t.user = ? AND t.msg_id = m.msg_id) ORDER BY seq DESC LIMIT ?");
  s.bind(1, conv.id)
      .bind(2, forward ? req.after_seq : (req.before_seq == 0 ? INT64_MAX : static_cast<int64_t>(req.before_seq)))
      .bind(3, join_seq).bind(4, caller.user).bind(5, limit + 1);
  while (s.step()) ids.push_back(s.u64(0));
  if (ids.size() > limit) {
    page.more = true;
    ids.resize(limit);
  }
  if (!forward) std::reverse(ids.begin(), ids.end());
  for (auto id : ids) {
    bool found = false;
    auto e = load_message(store, id, &found);
    if (found) page.messages.push_back(std::move(e));
  }
  return page;
}

binary::ResultFrame Operations::read(MessageStore& store, Txn& txn, const Caller& caller, const binary::ReadFrame& req) {
  Conversation conv = parse_conv(req.conv.value);
  if (conv.kind == ConversationKind::kRoom) throw ImError(HERALD_REASON_INVALID_REQUEST, "rooms have no read state");
  uint64_t join_seq = require_participant(store, conv, caller.user);
  uint64_t seq = std::min(req.seq, store.conv_last_seq(conv.id));
  store.sql("INSERT INTO read_cursors(user, conv, seq) VALUES(?, ?, ?) ON CONFLICT(user, conv) "
            "DO UPDATE SET seq = MAX(seq, excluded.seq)")
      .bind(1, caller.user).bind(2, conv.id).bind(3, seq).run();
  if (!participants_.empty())
    participants_.read_advanced(store, caller.user, conv.id, std::max(join_seq, store.read_cursor(caller.user, conv.id)));
  SignalEntry sig;
  sig.kind = SignalKind::kRead;
  sig.conv.value = conv.id;
  sig.seq = seq;
  sig.by.value = caller.user;
  sig.device.value = caller.device;
  sig.ts_ms = now_ms();
  std::vector<std::string> users{caller.user};
  if (conv.kind == ConversationKind::kC2c) users.push_back(conv.peer_of(caller.user));  // read receipt
  binary::ResultFrame r;
  r.version = signal(store, txn, caller, sig, users, true);
  return r;
}

binary::ResultFrame Operations::recall(MessageStore& store, Txn& txn, const Caller& caller,
                                       const binary::RecallFrame& req) {
  Conversation conv = parse_conv(req.conv.value);
  if (conv.kind == ConversationKind::kRoom) throw ImError(HERALD_REASON_UNSUPPORTED_FEATURE, "room messages cannot be recalled");
  bool found = false;
  auto e = load_message(store, req.msg_id, &found);
  if (!found || e.conv.value != conv.id) throw ImError(HERALD_REASON_NOT_FOUND, "no such message in " + conv.id);
  if (e.from.value != caller.user) throw ImError(HERALD_REASON_NOT_AUTHORIZED, "only the sender may recall");
  uint64_t now = now_ms();
  if (now > e.ts_ms + static_cast<uint64_t>(config_.recall_window.count()))
    throw ImError(HERALD_REASON_RECALL_WINDOW_EXPIRED, "recall window expired");
  store.sql("UPDATE messages SET recalled = 1, body = X'' WHERE msg_id = ?").bind(1, req.msg_id).run();
  SignalEntry sig;
  sig.kind = SignalKind::kRecall;
  sig.conv.value = conv.id;
  sig.msg_ids = {req.msg_id};
  sig.by.value = caller.user;
  sig.device.value = caller.device;
  sig.ts_ms = now;
  bool write_diffusion = true;
  auto users = participants(store, conv, &write_diffusion);
  binary::ResultFrame r;
  r.version = signal(store, txn, caller, sig, users, write_diffusion);
  return r;
}

binary::ResultFrame Operations::remove(MessageStore& store, Txn& txn, const Caller& caller,
                                       const binary::DeleteFrame& req) {
  Conversation conv = parse_conv(req.conv.value);
  if (req.msg_ids.empty()) throw ImError(HERALD_REASON_INVALID_REQUEST, "no msg_ids");
  for (auto id : req.msg_ids)
    store.sql("INSERT OR IGNORE INTO tombstones(user, msg_id) VALUES(?, ?)").bind(1, caller.user).bind(2, id).run();
  SignalEntry sig;
  sig.kind = SignalKind::kDelete;
  sig.conv.value = conv.id;
  sig.msg_ids = req.msg_ids;
  sig.by.value = caller.user;
  sig.device.value = caller.device;
  sig.ts_ms = now_ms();
  binary::ResultFrame r;
  r.version = signal(store, txn, caller, sig, {caller.user}, true);
  return r;
}

binary::ResultFrame Operations::group_op(MessageStore& store, Txn& txn, const Caller& caller,
                                         const binary::GroupOpFrame& req) {
  using binary::GroupOp;
  binary::ResultFrame r;
  uint64_t now = now_ms();
  if (req.op == GroupOp::kCreate) {
    std::string group = req.group.value;
    if (group.empty()) group = "g" + std::to_string(ids_.next(now));  // server-assigned, unique and sortable
    if (!binary::is_valid_group_id(group)) throw ImError(HERALD_REASON_INVALID_ID, "invalid group id");
    auto& e = store.sql("SELECT 1 FROM groups WHERE grp = ?");
    e.bind(1, group);
    if (e.step()) throw ImError(HERALD_REASON_ALREADY_EXISTS, "group \"" + group + "\" exists");
    std::set<std::string> users{caller.user};
    for (auto& m : req.members) users.insert(m.value);
    if (users.size() > config_.groups.max_members) throw ImError(HERALD_REASON_QUOTA_EXCEEDED, "too many members");
    store.sql("INSERT INTO groups(grp, name, owner, created) VALUES(?, ?, ?, ?)")
        .bind(1, group).bind(2, req.name).bind(3, caller.user).bind(4, now).run();
    std::string conv = "group:" + group;
    for (auto& u : users) {
      store.sql("INSERT INTO members(grp, user, role, join_seq) VALUES(?, ?, ?, 0)")
          .bind(1, group).bind(2, u).bind(3, static_cast<uint32_t>(u == caller.user ? GroupRole::kOwner : GroupRole::kMember))
          .run();
      store.touch_user_conv(u, conv, now);
      // A group id can be reused after a dismiss: the old conversation's seqs stay.
      if (!participants_.empty()) participants_.member_joined(store, u, conv, store.read_cursor(u, conv));
    }
    system_message(store, txn, group, caller.user, caller.user + " created the group");
    r.group = group_info(store, group);
    r.conv.value = conv;
    return r;
  }

  const std::string& group = req.group.value;
  if (group.empty()) throw ImError(HERALD_REASON_INVALID_REQUEST, "group is required");
  auto info = group_info(store, group);  // NOT_FOUND
  auto me = member(store, group, caller.user);
  if (!me && caller.admin) me = Member{caller.user, GroupRole::kOwner, 0, 0};  // owner rights
  if (!me) throw ImError(HERALD_REASON_NOT_MEMBER, "not a member of group " + group);
  auto require_admin = [&] {
    if (!is_admin(me->role)) throw ImError(HERALD_REASON_FORBIDDEN_ROLE, "owner or admin only");
  };
  std::string conv = "group:" + group;
  switch (req.op) {
    case GroupOp::kDismiss:
      if (me->role != GroupRole::kOwner) throw ImError(HERALD_REASON_FORBIDDEN_ROLE, "owner only");
      system_message(store, txn, group, caller.user, caller.user + " dismissed the group");
      if (!participants_.empty())
        for (auto& m : members(store, group)) participants_.member_left(store, m.user, conv);
      store.sql("DELETE FROM members WHERE grp = ?").bind(1, group).run();
      store.sql("DELETE FROM groups WHERE grp = ?").bind(1, group).run();
      return r;
    case GroupOp::kAddMembers: {
      require_admin();
      if (req.members.empty()) throw ImError(HERALD_REASON_INVALID_REQUEST, "no members");
      if (info.member_count + req.members.size() > config_.groups.max_members)
        throw ImError(HERALD_REASON_QUOTA_EXCEEDED, "too many members");
      uint64_t join_seq = store.conv_last_seq(conv);
      std::string names;
      for (auto& m : req.members) {
        if (member(store, group, m.value)) continue;
        store.sql("INSERT INTO members(grp, user, role, join_seq) VALUES(?, ?, ?, ?)")
            .bind(1, group).bind(2, m.value).bind(3, static_cast<uint32_t>(GroupRole::kMember)).bind(4, join_seq).run();
        store.touch_user_conv(m.value, conv, now);
        if (!participants_.empty())
          participants_.member_joined(store, m.value, conv, std::max(join_seq, store.read_cursor(m.value, conv)));
        names += (names.empty() ? "" : ", ") + m.value;
      }
      if (!names.empty()) system_message(store, txn, group, caller.user, caller.user + " added " + names);
      r.group = group_info(store, group);
      return r;
    }
    case GroupOp::kRemoveMembers: {
      if (req.members.empty()) throw ImError(HERALD_REASON_INVALID_REQUEST, "no members");
      bool only_self = req.members.size() == 1 && req.members[0].value == caller.user;
      if (!only_self) require_admin();
      std::string names;
      for (auto& m : req.members) {
        auto target = member(store, group, m.value);
        if (!target) continue;
        if (target->role == GroupRole::kOwner && !only_self)
          throw ImError(HERALD_REASON_FORBIDDEN_ROLE, "the owner cannot be removed");
        if (target->role == GroupRole::kOwner && only_self)
          throw ImError(HERALD_REASON_FORBIDDEN_ROLE, "the owner must transfer ownership or dismiss");
        store.sql("DELETE FROM members WHERE grp = ? AND user = ?").bind(1, group).bind(2, m.value).run();
        if (!participants_.empty()) participants_.member_left(store, m.value, conv);
        names += (names.empty() ? "" : ", ") + m.value;
      }
      // After the removal, so a removed member receives nothing more, not even this notice.
      if (!names.empty())
        system_message(store, txn, group, caller.user,
                       only_self ? caller.user + " left" : caller.user + " removed " + names);
      r.group = group_info(store, group);
      return r;
    }
    case GroupOp::kSetRole: {
      if (me->role != GroupRole::kOwner) throw ImError(HERALD_REASON_FORBIDDEN_ROLE, "owner only");
      if (req.role == GroupRole::kUnspecified || static_cast<uint32_t>(req.role) > 3)
        throw ImError(HERALD_REASON_INVALID_REQUEST, "invalid role");
      if (req.role == GroupRole::kOwner && req.members.size() != 1)
        throw ImError(HERALD_REASON_INVALID_REQUEST, "ownership goes to exactly one member");
      for (auto& m : req.members) {
        if (!member(store, group, m.value)) throw ImError(HERALD_REASON_NOT_MEMBER, m.value + " is not a member");
        if (m.value == caller.user) continue;
        if (m.value == info.owner.value && req.role != GroupRole::kOwner)
          throw ImError(HERALD_REASON_FORBIDDEN_ROLE, "the owner's role changes only by transferring ownership");
        store.sql("UPDATE members SET role = ? WHERE grp = ? AND user = ?")
            .bind(1, static_cast<uint32_t>(req.role)).bind(2, group).bind(3, m.value).run();
      }
      if (req.role == GroupRole::kOwner && req.members[0].value != info.owner.value) {
        // The previous owner (the caller, or whoever it was when the admin API transfers) becomes an admin.
        store.sql("UPDATE members SET role = ? WHERE grp = ? AND user = ?")
            .bind(1, static_cast<uint32_t>(GroupRole::kAdmin)).bind(2, group).bind(3, info.owner.value).run();
        store.sql("UPDATE groups SET owner = ? WHERE grp = ?").bind(1, req.members[0].value).bind(2, group).run();
      }
      system_message(store, txn, group, caller.user, caller.user + " changed roles");
      return r;
    }
    case GroupOp::kMuteMember:
      require_admin();
      for (auto& m : req.members) {
        auto target = member(store, group, m.value);
        if (!target) throw ImError(HERALD_REASON_NOT_MEMBER, m.value + " is not a member");
        if (target->role == GroupRole::kOwner) throw ImError(HERALD_REASON_FORBIDDEN_ROLE, "the owner cannot be muted");
        store.sql("UPDATE members SET mute_until = ? WHERE grp = ? AND user = ?")
            .bind(1, req.mute_until_ms).bind(2, group).bind(3, m.value).run();
      }
      return r;
    case GroupOp::kMuteAll:
      require_admin();
      store.sql("UPDATE groups SET mute_all_until = ? WHERE grp = ?").bind(1, req.mute_until_ms).bind(2, group).run();
      r.group = group_info(store, group);
      return r;
    case GroupOp::kListMembers: {
      uint32_t limit = req.limit == 0 ? 100 : std::min<uint32_t>(req.limit, 1000);
      auto all = members(store, group);
      for (size_t i = req.offset; i < all.size() && r.members.size() < limit; ++i)
        r.members.push_back(binary::GroupMember{{all[i].user}, all[i].role, all[i].mute_until, all[i].join_seq});
      size_t next = req.offset + r.members.size();
      r.next_offset = next < all.size() ? static_cast<uint32_t>(next) : 0;
      return r;
    }
    case GroupOp::kInfo:
      r.group = info;
      r.conv.value = conv;
      return r;
    default:
      throw ImError(HERALD_REASON_UNSUPPORTED_FEATURE, "unknown group op");
  }
}

std::vector<uint8_t> Operations::unread(MessageStore& store, Txn& txn, const Caller& caller,
                                        const binary::UnreadRequestFrame& req) {
  if (req.op == binary::UnreadOp::kMarkAllRead) {
    // A read of each conversation with unread messages (cursor, participants, signals to the
    // user's other devices and read receipts), then the answer below.
    binary::UnreadRequestFrame listed;
    listed.convs = req.convs;
    for (const auto& e : count_unread(store, caller, listed).convs) {
      if (e.last_seq <= e.read_seq) continue;
      binary::ReadFrame r;
      r.conv = e.conv;
      r.seq = e.last_seq;
      read(store, txn, caller, r);
    }
  }
  if (!participants_.empty())
    if (auto answer = participants_.unread(store, caller.user, encode(req))) return std::move(*answer);
  if (req.op == binary::UnreadOp::kMute || req.op == binary::UnreadOp::kUnmute)
    throw ImError(HERALD_REASON_UNSUPPORTED_FEATURE, "muting conversations needs the unread plugin");
  return encode(count_unread(store, caller, req));
}

binary::UnreadResultFrame Operations::count_unread(MessageStore& store, const Caller& caller,
                                                   const binary::UnreadRequestFrame& req) {
  std::vector<std::string> convs;
  const bool listed = !req.convs.empty();
  if (listed) {
    for (auto& c : req.convs) convs.push_back(c.value);
  } else {
    auto& s = store.sql("SELECT conv FROM user_convs WHERE user = ?");
    s.bind(1, caller.user);
    while (s.step()) convs.push_back(s.text(0));
  }
  binary::UnreadResultFrame out;
  for (const auto& id : convs) {
    auto conv = Conversation::parse(id);
    if (!conv || conv->kind == ConversationKind::kRoom) continue;
    uint64_t join_seq = 0;
    if (conv->kind == ConversationKind::kGroup) {
      auto m = member(store, conv->first, caller.user);
      if (!m) continue;
      join_seq = m->join_seq;
    } else if (!conv->is_c2c_member(caller.user)) {
      continue;
    }
    binary::UnreadEntry e;
    e.conv.value = id;
    e.last_seq = store.conv_last_seq(id);
    auto& r = store.sql("SELECT seq FROM read_cursors WHERE user = ? AND conv = ?");
    r.bind(1, caller.user).bind(2, id);
    e.read_seq = r.step() ? r.u64(0) : 0;
    r.reset();
    auto& n = store.sql("SELECT COUNT(*) FROM messages WHERE conv = ? AND seq > ? AND sender != ?");
    n.bind(1, id).bind(2, std::max(e.read_seq, join_seq)).bind(3, caller.user);
    e.count = n.step() ? static_cast<uint32_t>(n.integer(0)) : 0;
    n.reset();
    out.total += e.count;
    if (listed || e.count > 0) out.convs.push_back(std::move(e));
  }
  return out;
}

binary::ResultFrame Operations::push_token(MessageStore& store, const Caller& caller, const binary::PushTokenFrame& req) {
  if (req.remove) {
    // With a token: remove only that one (a push bridge dropping a dead token must not remove the
    // device's newer registration).
    if (req.token.empty())
      store.sql("DELETE FROM push_tokens WHERE user = ? AND device = ?").bind(1, caller.user).bind(2, caller.device).run();
    else
      store.sql("DELETE FROM push_tokens WHERE user = ? AND device = ? AND token = ?")
          .bind(1, caller.user).bind(2, caller.device).bind(3, req.token).run();
    return {};
  }
  if (req.token.empty() || req.provider == binary::PushProvider::kUnspecified)
    throw ImError(HERALD_REASON_INVALID_REQUEST, "provider and token are required");
  store.sql("INSERT INTO push_tokens(user, device, provider, app_id, token, sandbox) VALUES(?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(user, device) DO UPDATE SET provider = excluded.provider, app_id = excluded.app_id, "
            "token = excluded.token, sandbox = excluded.sandbox")
      .bind(1, caller.user).bind(2, caller.device).bind(3, static_cast<uint32_t>(req.provider)).bind(4, req.app_id)
      .bind(5, req.token).bind(6, req.sandbox ? 1 : 0).run();
  // A token belongs to one app install: registered by another (user, device) (a new login on the
  // phone), it no longer reaches the old one.
  store.sql("DELETE FROM push_tokens WHERE provider = ? AND token = ? AND NOT (user = ? AND device = ?)")
      .bind(1, static_cast<uint32_t>(req.provider)).bind(2, req.token).bind(3, caller.user).bind(4, caller.device).run();
  return {};
}

void Operations::prune(MessageStore& store) {
  constexpr int kBatch = 500;  // bounded work per commit, so pruning never stalls a batch of sends
  uint64_t oldest_ts = now_ms() - static_cast<uint64_t>(config_.retention.max_age.count());
  // Idle users age out too: each commit also visits the next few users in name order, round-robin.
  constexpr int kSweep = 16;
  auto& next = store.sql("SELECT user FROM users WHERE user > ? ORDER BY user LIMIT ?");
  next.bind(1, sweep_cursor_).bind(2, kSweep);
  int swept = 0;
  while (next.step()) {
    sweep_cursor_ = next.text(0);
    touched_users_.insert(sweep_cursor_);
    ++swept;
  }
  if (swept < kSweep) sweep_cursor_.clear();
  for (const auto& user : touched_users_) {
    uint64_t last = store.user_last_version(user);
    uint64_t keep_from = last > config_.retention.max_entries ? last - config_.retention.max_entries : 0;
    // The prunable prefix of the timeline: entries over the count or past the age, oldest first,
    // up to the first one that is neither. Walking the prefix costs what it removes (+1 row); a
    // filter over the whole timeline would read every entry of every touched user at every commit.
    auto& s = store.sql("SELECT version, ts FROM timeline WHERE user = ? ORDER BY version LIMIT ?");
    s.bind(1, user).bind(2, kBatch);
    uint64_t upto = 0;
    while (s.step() && (s.u64(0) <= keep_from || s.u64(1) < oldest_ts)) upto = s.u64(0);
    s.reset();
    if (upto == 0) continue;
    store.sql("DELETE FROM timeline WHERE user = ? AND version <= ?").bind(1, user).bind(2, upto).run();
    store.sql("UPDATE users SET pruned_upto = MAX(pruned_upto, ?) WHERE user = ?").bind(1, upto).bind(2, user).run();
  }
  touched_users_.clear();
}

}  // namespace herald::messaging
