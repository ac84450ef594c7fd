#include "unread_counters.h"

#include <algorithm>

namespace herald::unread {

namespace {
constexpr const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS unread_convs (
  user TEXT NOT NULL, conv TEXT NOT NULL,
  count INTEGER NOT NULL DEFAULT 0, rd_base INTEGER NOT NULL DEFAULT 0, rd_own INTEGER NOT NULL DEFAULT 0,
  muted INTEGER NOT NULL DEFAULT 0, floor_seq INTEGER NOT NULL DEFAULT 0, last_ts INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(user, conv)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS unread_users (user TEXT PRIMARY KEY, total INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS unread_rd (
  conv TEXT PRIMARY KEY, rd_count INTEGER NOT NULL, last_ts INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS unread_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
)SQL";

constexpr int kExpiryRows = 256;  // rows the expiry sweep visits per commit: bounded work per batch

uint64_t wall_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

void add(UnreadStats& into, const UnreadStats& from) {
  into.updates += from.updates;
  into.row_writes += from.row_writes;
  into.reads += from.reads;
  into.expired += from.expired;
}
}  // namespace

const char* UnreadCounters::schema() { return kSchema; }

void UnreadCounters::opened(const ParticipantDb& db) {
  auto meta = [&](const char* key) -> std::optional<std::string> {
    auto s = db.sql("SELECT value FROM unread_meta WHERE key = ?");
    s.bind(1, std::string_view(key));
    if (!s.step()) return std::nullopt;
    return s.text(0);
  };
  auto set_meta = [&](const char* key, const std::string& value) {
    db.sql("INSERT INTO unread_meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
        .bind(1, std::string_view(key)).bind(2, value).run();
  };
  const std::string mute_rule = options_.mute_excludes_from_total ? "exclude" : "include";
  if (!meta("built")) {
    rebuild(db);
    set_meta("built", "1");
  } else if (meta("mute_rule") != mute_rule) {
    // The stored totals follow the old rule: recompute them from the rows.
    db.sql("DELETE FROM unread_users").run();
    db.sql("INSERT INTO unread_users(user, total) SELECT user, SUM(count) FROM unread_convs "
           "WHERE muted = 0 OR ? = 0 GROUP BY user")
        .bind(1, options_.mute_excludes_from_total ? 1 : 0).run();
  }
  set_meta("mute_rule", mute_rule);
}

void UnreadCounters::rebuild(const ParticipantDb& db) {
  // Everything already stored counts as write-diffusion `count` (no derivation base yet).
  db.sql("DELETE FROM unread_convs").run();
  db.sql("DELETE FROM unread_rd").run();
  db.sql("DELETE FROM unread_users").run();
  db.sql("INSERT INTO unread_convs(user, conv, count, last_ts) "
         "SELECT p.user, p.conv, (SELECT COUNT(*) FROM im_messages m WHERE m.conv = p.conv "
         "AND m.seq > MAX(p.join_seq, p.read_seq) AND m.sender != p.user), "
         "(SELECT COALESCE(MAX(ts), 0) FROM im_messages m WHERE m.conv = p.conv) FROM im_participants p")
      .run();
  db.sql("INSERT INTO unread_users(user, total) SELECT user, SUM(count) FROM unread_convs GROUP BY user").run();
}

void UnreadCounters::message_stored(const ParticipantDb& db, const MessageEvent& e) {
  if (!e.read_diffusion) {
    for (const auto& user : e.recipients) {
      if (user == e.sender) continue;
      auto& p = job_[Key{user, e.conv}];
      p.count += 1;
      p.last_ts = std::max(p.last_ts, e.ts_ms);
      ++job_stats_.updates;
    }
    return;
  }
  // Read diffusion: the conversation's running count and the sender's own count, nothing per member.
  auto known = db.sql("SELECT 1 FROM unread_rd WHERE conv = ?");
  known.bind(1, e.conv);
  if (!known.step()) {
    db.sql("INSERT INTO unread_rd(conv, rd_count, last_ts) VALUES(?, 0, 0)").bind(1, e.conv).run();
    ++job_stats_.row_writes;
  }
  auto& c = job_rd_[e.conv];
  c.rd += 1;
  c.last_ts = std::max(c.last_ts, e.ts_ms);
  job_[Key{e.sender, e.conv}].rd_own += 1;
  ++job_stats_.updates;
}

UnreadCounters::Row UnreadCounters::row(const ParticipantDb& db, const Key& k) {
  auto s = db.sql("SELECT count, rd_base, rd_own, muted, floor_seq FROM unread_convs WHERE user = ? AND conv = ?");
  s.bind(1, k.user).bind(2, k.conv);
  Row r;
  if (!s.step()) return r;
  r.exists = true;
  r.count = s.integer(0);
  r.rd_base = s.integer(1);
  r.rd_own = s.integer(2);
  r.muted = s.integer(3) != 0;
  r.floor_seq = static_cast<uint64_t>(s.integer(4));
  return r;
}

int64_t UnreadCounters::pending_rd(const std::string& conv) const {
  int64_t n = 0;
  if (auto it = batch_rd_.find(conv); it != batch_rd_.end()) n += it->second.rd;
  if (auto it = job_rd_.find(conv); it != job_rd_.end()) n += it->second.rd;
  return n;
}

int64_t UnreadCounters::rd_count(const ParticipantDb& db, const std::string& conv) {
  auto s = db.sql("SELECT rd_count FROM unread_rd WHERE conv = ?");
  s.bind(1, conv);
  return (s.step() ? s.integer(0) : 0) + pending_rd(conv);
}

UnreadCounters::Pending UnreadCounters::pending(const Key& k) const {
  Pending p;
  auto merge = [&](const Pending& q) {
    p.count += q.count;
    p.rd_own += q.rd_own;
    p.last_ts = std::max(p.last_ts, q.last_ts);
  };
  if (!job_drops_.count(k))
    if (auto it = batch_.find(k); it != batch_.end()) merge(it->second);
  if (auto it = job_.find(k); it != job_.end()) merge(it->second);
  return p;
}

void UnreadCounters::drop_pending(const Key& k) {
  job_.erase(k);
  job_drops_.insert(k);
}

void UnreadCounters::add_total(const ParticipantDb& db, const std::string& user, int64_t delta) {
  if (delta == 0) return;
  db.sql("INSERT INTO unread_users(user, total) VALUES(?, ?) ON CONFLICT(user) DO UPDATE SET total = total + excluded.total")
      .bind(1, user).bind(2, delta).run();
  ++job_stats_.row_writes;
}

void UnreadCounters::set_row(const ParticipantDb& db, const Key& k, const Row& old, uint64_t seen_seq) {
  // A recount from the messages themselves: it includes this batch's messages, so the batch's
  // pending increments for the row are dropped.
  auto q = db.sql("SELECT COUNT(*), COALESCE(MAX(ts), 0) FROM im_messages WHERE conv = ? AND seq > ? AND sender != ?");
  q.bind(1, k.conv).bind(2, seen_seq).bind(3, k.user);
  q.step();
  int64_t count = q.integer(0);
  int64_t last_ts = q.integer(1);
  int64_t rd = rd_count(db, k.conv);
  db.sql("INSERT INTO unread_convs(user, conv, count, rd_base, rd_own, last_ts) VALUES(?, ?, ?, ?, 0, ?) "
         "ON CONFLICT(user, conv) DO UPDATE SET count = excluded.count, rd_base = excluded.rd_base, rd_own = 0, "
         "last_ts = excluded.last_ts")
      .bind(1, k.user).bind(2, k.conv).bind(3, count).bind(4, rd).bind(5, last_ts).run();
  ++job_stats_.row_writes;
  if (counted(old.muted)) add_total(db, k.user, count - (old.exists ? old.count : 0));
  drop_pending(k);
}

void UnreadCounters::seen(const ParticipantDb& db, const std::string& user, const std::string& conv,
                          uint64_t seen_seq) {
  Key k{user, conv};
  Row old = row(db, k);
  set_row(db, k, old, std::max(seen_seq, old.floor_seq));
  ++job_stats_.reads;
}

void UnreadCounters::left(const ParticipantDb& db, const std::string& user, const std::string& conv) {
  Key k{user, conv};
  Row old = row(db, k);
  if (old.exists) {
    db.sql("DELETE FROM unread_convs WHERE user = ? AND conv = ?").bind(1, user).bind(2, conv).run();
    ++job_stats_.row_writes;
    if (counted(old.muted)) add_total(db, user, -old.count);
  }
  drop_pending(k);
}

bool UnreadCounters::participates(const ParticipantDb& db, const std::string& user, const std::string& conv) {
  // Every group member has a row from their join on; a c2c row appears with the first message.
  if (row(db, Key{user, conv}).exists) return true;
  if (!conv.starts_with("c2c:")) return false;
  auto colon = conv.find(':', 4);
  return colon != std::string::npos && (conv.substr(4, colon - 4) == user || conv.substr(colon + 1) == user);
}

bool UnreadCounters::mute(const ParticipantDb& db, const std::string& user, const std::string& conv, bool muted) {
  Key k{user, conv};
  Row old = row(db, k);
  if (!old.exists) {
    // A c2c conversation without messages yet: nothing unread.
    db.sql("INSERT INTO unread_convs(user, conv, count, rd_base, rd_own, muted) VALUES(?, ?, 0, ?, 0, ?)")
        .bind(1, user).bind(2, conv).bind(3, rd_count(db, conv)).bind(4, muted ? 1 : 0).run();
    ++job_stats_.row_writes;
    return muted;
  }
  if (old.muted == muted) return false;
  db.sql("UPDATE unread_convs SET muted = ? WHERE user = ? AND conv = ?").bind(1, muted ? 1 : 0).bind(2, user).bind(3, conv).run();
  ++job_stats_.row_writes;
  if (options_.mute_excludes_from_total) add_total(db, user, muted ? -old.count : old.count);
  return true;
}

uint64_t UnreadCounters::total(const ParticipantDb& db, const std::string& user) {
  int64_t sum = 0;
  {
    auto s = db.sql("SELECT total FROM unread_users WHERE user = ?");
    s.bind(1, user);
    if (s.step()) sum = s.integer(0);
  }
  // This batch's increments not yet written (usually one or two rows of this user).
  std::set<std::string> pending_convs;
  for (auto* m : {&batch_, &job_})
    for (auto it = m->lower_bound(Key{user, ""}); it != m->end() && it->first.user == user; ++it)
      pending_convs.insert(it->first.conv);
  for (const auto& conv : pending_convs) {
    Key k{user, conv};
    Pending p = pending(k);
    if (p.count != 0 && counted(row(db, k).muted)) sum += p.count;
  }
  // Read-diffusion conversations: derived, never written per message.
  auto s = db.sql("SELECT c.conv, c.rd_base, c.rd_own, c.muted, r.rd_count FROM unread_convs c "
                  "JOIN unread_rd r ON r.conv = c.conv WHERE c.user = ?");
  s.bind(1, user);
  while (s.step()) {
    if (!counted(s.integer(3) != 0)) continue;
    std::string conv = s.text(0);
    int64_t derived = s.integer(4) + pending_rd(conv) - s.integer(1) - s.integer(2) - pending(Key{user, conv}).rd_own;
    sum += std::max<int64_t>(0, derived);
  }
  return static_cast<uint64_t>(std::max<int64_t>(0, sum));
}

std::vector<ConvUnread> UnreadCounters::convs(const ParticipantDb& db, const std::string& user,
                                              const std::vector<std::string>& listed) {
  std::vector<ConvUnread> out;
  auto value = [&](const std::string& conv, const Row& r, bool has_rd, int64_t stored_rd) {
    Pending p = pending(Key{user, conv});
    int64_t n = r.count + p.count;
    if (has_rd) n += std::max<int64_t>(0, stored_rd + pending_rd(conv) - r.rd_base - r.rd_own - p.rd_own);
    return static_cast<uint64_t>(std::max<int64_t>(0, n));
  };
  auto stored_rd = [&](const std::string& conv, bool* has) {
    auto s = db.sql("SELECT rd_count FROM unread_rd WHERE conv = ?");
    s.bind(1, conv);
    *has = s.step() || pending_rd(conv) != 0;
    return *has && s.integer(0) ? s.integer(0) : 0;
  };
  if (!listed.empty()) {
    for (const auto& conv : listed) {
      Row r = row(db, Key{user, conv});
      Pending p = pending(Key{user, conv});
      if (!r.exists && p.count == 0) continue;  // not a conversation of this user
      bool has = false;
      int64_t rd = stored_rd(conv, &has);
      out.push_back(ConvUnread{conv, value(conv, r, has, rd), r.muted});
    }
    return out;
  }
  std::set<std::string> seen_convs;
  auto s = db.sql("SELECT c.conv, c.count, c.rd_base, c.rd_own, c.muted, r.rd_count FROM unread_convs c "
                  "LEFT JOIN unread_rd r ON r.conv = c.conv WHERE c.user = ?");
  s.bind(1, user);
  struct Listed {
    std::string conv;
    Row row;
    bool has_rd;
    int64_t rd;
  };
  std::vector<Listed> rows;
  while (s.step()) {
    Row r;
    r.exists = true;
    r.count = s.integer(1);
    r.rd_base = s.integer(2);
    r.rd_own = s.integer(3);
    r.muted = s.integer(4) != 0;
    std::string conv = s.text(0);
    rows.push_back(Listed{conv, r, s.integer(5) != 0 || pending_rd(conv) != 0, s.integer(5)});
  }
  for (auto& l : rows) {
    seen_convs.insert(l.conv);
    uint64_t n = value(l.conv, l.row, l.has_rd, l.rd);
    if (n > 0) out.push_back(ConvUnread{l.conv, n, l.row.muted});
  }
  for (auto* m : {&batch_, &job_})
    for (auto it = m->lower_bound(Key{user, ""}); it != m->end() && it->first.user == user; ++it) {
      if (!seen_convs.insert(it->first.conv).second) continue;
      uint64_t n = value(it->first.conv, Row{}, false, 0);
      if (n > 0) out.push_back(ConvUnread{it->first.conv, n, false});
    }
  return out;
}

void UnreadCounters::job_end(bool kept) {
  if (kept) {
    for (const auto& k : job_drops_) batch_.erase(k);
    for (auto& [k, p] : job_) {
      auto& b = batch_[k];
      b.count += p.count;
      b.rd_own += p.rd_own;
      b.last_ts = std::max(b.last_ts, p.last_ts);
    }
    for (auto& [conv, c] : job_rd_) {
      auto& b = batch_rd_[conv];
      b.rd += c.rd;
      b.last_ts = std::max(b.last_ts, c.last_ts);
    }
    add(batch_stats_, job_stats_);
  }
  job_.clear();
  job_drops_.clear();
  job_rd_.clear();
  job_stats_ = {};
}

void UnreadCounters::flush(const ParticipantDb& db) {
  for (auto& [conv, c] : batch_rd_) {
    db.sql("INSERT INTO unread_rd(conv, rd_count, last_ts) VALUES(?, ?, ?) ON CONFLICT(conv) DO UPDATE SET "
           "rd_count = rd_count + excluded.rd_count, last_ts = MAX(last_ts, excluded.last_ts)")
        .bind(1, conv).bind(2, c.rd).bind(3, c.last_ts).run();
    ++job_stats_.row_writes;
  }
  batch_rd_.clear();
  std::map<std::string, int64_t> totals;
  for (auto& [k, p] : batch_) {
    if (p.count == 0 && p.rd_own == 0) continue;
    if (p.count == 0) {
      // Only own read-diffusion messages: a sender without a row is no participant (e.g. the admin
      // API speaking as the system), and must not get one.
      db.sql("UPDATE unread_convs SET rd_own = rd_own + ? WHERE user = ? AND conv = ?")
          .bind(1, p.rd_own).bind(2, k.user).bind(3, k.conv).run();
      ++job_stats_.row_writes;
      continue;
    }
    // One write per (user, conv) for the whole batch (merged updates, lesson 20).
    auto s = db.sql("INSERT INTO unread_convs(user, conv, count, rd_base, rd_own, last_ts) "
                    "VALUES(?, ?, ?, COALESCE((SELECT rd_count FROM unread_rd WHERE conv = ?), 0) - ?, ?, ?) "
                    "ON CONFLICT(user, conv) DO UPDATE SET count = count + excluded.count, "
                    "rd_own = rd_own + excluded.rd_own, last_ts = MAX(last_ts, excluded.last_ts) RETURNING muted");
    s.bind(1, k.user).bind(2, k.conv).bind(3, p.count).bind(4, k.conv).bind(5, p.rd_own).bind(6, p.rd_own)
        .bind(7, p.last_ts);
    bool muted = s.step() && s.integer(0) != 0;
    s.run();
    ++job_stats_.row_writes;
    if (p.count != 0 && counted(muted)) totals[k.user] += p.count;
  }
  batch_.clear();
  for (auto& [user, delta] : totals) add_total(db, user, delta);
  expire(db);
  add(batch_stats_, job_stats_);
  job_stats_ = {};
}

void UnreadCounters::expire(const ParticipantDb& db) {
  if (options_.expire_after.count() <= 0) return;
  auto now = std::chrono::steady_clock::now();
  if (now < next_expiry_) return;
  next_expiry_ = now + options_.expiry_sweep_interval;
  uint64_t cutoff = wall_ms() - static_cast<uint64_t>(options_.expire_after.count());
  struct Stale {
    Key key;
    int64_t count;
    bool muted;
  };
  std::vector<Stale> stale;
  int visited = 0;
  {
    auto s = db.sql("SELECT c.user, c.conv, c.count, c.rd_base, c.rd_own, c.muted, c.last_ts, "
                    "COALESCE(r.rd_count, 0), COALESCE(r.last_ts, 0) FROM unread_convs c "
                    "LEFT JOIN unread_rd r ON r.conv = c.conv WHERE (c.user, c.conv) > (?, ?) "
                    "ORDER BY c.user, c.conv LIMIT ?");
    s.bind(1, expiry_cursor_user_).bind(2, expiry_cursor_conv_).bind(3, kExpiryRows);
    while (s.step()) {
      ++visited;
      expiry_cursor_user_ = s.text(0);
      expiry_cursor_conv_ = s.text(1);
      int64_t unread = s.integer(2) + std::max<int64_t>(0, s.integer(7) - s.integer(3) - s.integer(4));
      uint64_t newest = static_cast<uint64_t>(std::max(s.integer(6), s.integer(8)));
      if (unread > 0 && newest < cutoff)
        stale.push_back(Stale{Key{expiry_cursor_user_, expiry_cursor_conv_}, s.integer(2), s.integer(5) != 0});
    }
  }
  if (visited < kExpiryRows) {  // wrapped around: start again from the first row next time
    expiry_cursor_user_.clear();
    expiry_cursor_conv_.clear();
  }
  for (const auto& st : stale) {
    // Expired: nothing of it counts any more; the floor stays above later reads of older seqs.
    auto last = db.sql("SELECT COALESCE(MAX(seq), 0) FROM im_messages WHERE conv = ?");
    last.bind(1, st.key.conv);
    last.step();
    int64_t floor_seq = last.integer(0);
    db.sql("UPDATE unread_convs SET count = 0, rd_base = ?, rd_own = 0, floor_seq = ? WHERE user = ? AND conv = ?")
        .bind(1, rd_count(db, st.key.conv)).bind(2, floor_seq).bind(3, st.key.user).bind(4, st.key.conv).run();
    ++job_stats_.row_writes;
    ++job_stats_.expired;
    if (counted(st.muted)) add_total(db, st.key.user, -st.count);
  }
}

void UnreadCounters::batch_end(bool committed) {
  if (committed) add(committed_, batch_stats_);
  batch_stats_ = {};
  job_stats_ = {};
  job_.clear();
  job_drops_.clear();
  job_rd_.clear();
  batch_.clear();
  batch_rd_.clear();
}

}  // namespace herald::unread
