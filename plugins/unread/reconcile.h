// Reconciliation: recomputes every (user, conversation) unread count from the messages themselves
// (the core's im_messages / im_participants views) and compares it, and every user's stored total,
// with what the counters hold. Used by `herald unread check` (its own read-only connection) and by
// the plugin at start-up (check_on_start, on the writer's connection). Db: anything with
// sql(text) -> statement with bind / step / integer / text (ParticipantDb, check_command's reader).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace herald::unread {

struct ReconcileReport {
  uint64_t participants = 0;      // (user, conversation) pairs checked
  uint64_t users = 0;             // users with a stored total
  uint64_t conv_mismatches = 0;   // a conversation's count != messages after the user's seen point
  uint64_t total_mismatches = 0;  // a stored total != the sum of the user's counted conversations
  std::vector<std::string> examples;  // the first few mismatches, one line each
  uint64_t mismatches() const { return conv_mismatches + total_mismatches; }
};

namespace reconcile_sql {
// Truth per participant: messages above max(join, read cursor, expiry floor) not sent by the user.
// Kept: the stored count plus the read-diffusion derivation (not clamped: a negative is a mismatch).
inline constexpr const char* kConvs = R"SQL(
WITH truth AS MATERIALIZED (
  SELECT p.user AS user, p.conv AS conv,
    (SELECT COUNT(*) FROM im_messages m WHERE m.conv = p.conv
       AND m.seq > MAX(p.join_seq, p.read_seq, COALESCE(c.floor_seq, 0)) AND m.sender != p.user) AS expected
  FROM im_participants p LEFT JOIN unread_convs c ON c.user = p.user AND c.conv = p.conv),
kept AS MATERIALIZED (
  SELECT c.user AS user, c.conv AS conv, c.count + COALESCE(r.rd_count - c.rd_base - c.rd_own, 0) AS actual
  FROM unread_convs c LEFT JOIN unread_rd r ON r.conv = c.conv)
SELECT t.user, t.conv, t.expected, COALESCE(k.actual, 0), 1 FROM truth t
  LEFT JOIN kept k ON k.user = t.user AND k.conv = t.conv
UNION ALL
SELECT k.user, k.conv, 0, k.actual, 0 FROM kept k
  LEFT JOIN truth t ON t.user = k.user AND t.conv = k.conv WHERE t.user IS NULL
)SQL";

// Stored totals against the sum of counted rows (?1 = 1 when muted rows are excluded).
inline constexpr const char* kTotals = R"SQL(
SELECT u.user, u.total, COALESCE((SELECT SUM(c.count) FROM unread_convs c
    WHERE c.user = u.user AND (c.muted = 0 OR ?1 = 0)), 0) FROM unread_users u
UNION ALL
SELECT c.user, 0, SUM(c.count) FROM unread_convs c
  WHERE (c.muted = 0 OR ?1 = 0) AND NOT EXISTS (SELECT 1 FROM unread_users u WHERE u.user = c.user)
  GROUP BY c.user
)SQL";

inline constexpr const char* kMuteRule = "SELECT value FROM unread_meta WHERE key = 'mute_rule'";
}  // namespace reconcile_sql

template <class Db>
ReconcileReport reconcile(const Db& db, size_t max_examples = 20) {
  ReconcileReport report;
  auto note = [&](std::string line) {
    if (report.examples.size() < max_examples) report.examples.push_back(std::move(line));
  };
  {
    auto s = db.sql(reconcile_sql::kConvs);
    while (s.step()) {
      if (s.integer(4)) ++report.participants;
      if (s.integer(2) == s.integer(3)) continue;
      ++report.conv_mismatches;
      note("conv user=" + s.text(0) + " conv=" + s.text(1) + " expected=" + std::to_string(s.integer(2)) +
           " counted=" + std::to_string(s.integer(3)));
    }
  }
  int64_t excludes_muted = 1;
  {
    auto s = db.sql(reconcile_sql::kMuteRule);
    if (s.step()) excludes_muted = s.text(0) == "include" ? 0 : 1;
  }
  auto s = db.sql(reconcile_sql::kTotals);
  s.bind(1, excludes_muted);
  while (s.step()) {
    ++report.users;
    if (s.integer(1) == s.integer(2)) continue;
    ++report.total_mismatches;
    note("total user=" + s.text(0) + " stored=" + std::to_string(s.integer(1)) +
         " sum_of_convs=" + std::to_string(s.integer(2)));
  }
  return report;
}

}  // namespace herald::unread
