// UnreadCounters: per (user, conversation) unread and per-user totals, kept in the messaging
// database by the writer's transaction (a herald.im.store.v1 participant). Writer thread only.
//
// A row per (user, conv) holds `count`, the write-diffusion messages above the user's seen point
// that others sent, and for read-diffusion groups the derivation base: the conversation's running
// count of read-diffusion messages (`unread_rd.rd_count`) when the row was last set, and the user's
// own read-diffusion messages since. So a message into a 20,000-member group writes the
// conversation's row and the sender's row, never one per member:
//   unread(user, conv) = count + (rd_count - rd_base - rd_own)
//   total(user)        = unread_users.total (sum of `count` over counted rows) + the derived parts
// Increments are merged per batch (one write per row and per user however many messages of the
// batch touched it); reads, joins, leaves and mutes set rows at once and drop the batch's pending
// increments for that row (the recount already includes them).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <herald/binary/frames.h>

#include "participant_db.h"

namespace herald::unread {

struct UnreadOptions {
  bool mute_excludes_from_total = true;
  std::chrono::milliseconds expire_after{0};  // 0: unread never expires
  std::chrono::milliseconds expiry_sweep_interval{1000};  // the sweep runs at most this often
};

// Counters for the metrics (plain numbers; the plugin publishes their deltas after each commit).
struct UnreadStats {
  uint64_t updates = 0;     // per-member counter increments (before merging)
  uint64_t row_writes = 0;  // rows written in unread_* tables (after merging)
  uint64_t reads = 0;       // rows set by a read / join / mark-all-read
  uint64_t expired = 0;     // rows cleared by expiry
};

struct MessageEvent {
  std::string conv;
  uint64_t seq = 0;
  std::string sender;
  uint64_t ts_ms = 0;
  bool read_diffusion = false;
  std::vector<std::string> recipients;  // write diffusion: every participant, sender included
};

// One conversation's counts as a query answers them.
struct ConvUnread {
  std::string conv;
  uint64_t count = 0;
  bool muted = false;
};

class UnreadCounters {
 public:
  explicit UnreadCounters(UnreadOptions options) : options_(options) {}

  static const char* schema();
  // After the schema: a first open on an existing database (or a changed mute option) rebuilds the
  // rows and totals from the conversations, so counting starts exact.
  void opened(const ParticipantDb& db);

  void message_stored(const ParticipantDb& db, const MessageEvent& event);
  // A read or a join: the user has seen everything up to seen_seq; the row is recounted.
  void seen(const ParticipantDb& db, const std::string& user, const std::string& conv, uint64_t seen_seq);
  void left(const ParticipantDb& db, const std::string& user, const std::string& conv);
  // Whether `user` takes part in `conv` (a group member, or one of a c2c conversation's two).
  bool participates(const ParticipantDb& db, const std::string& user, const std::string& conv);
  // Returns whether the mute state changed. Only for participants (see participates()).
  bool mute(const ParticipantDb& db, const std::string& user, const std::string& conv, bool muted);

  uint64_t total(const ParticipantDb& db, const std::string& user);
  // `convs` empty: every conversation with unread messages (muted ones included, flagged).
  std::vector<ConvUnread> convs(const ParticipantDb& db, const std::string& user, const std::vector<std::string>& convs);

  // The batch protocol (herald_im_participant_v1): job_end after each job, flush before COMMIT.
  void job_end(bool kept);
  void flush(const ParticipantDb& db);
  void batch_end(bool committed);

  // Stats of committed batches only.
  const UnreadStats& stats() const { return committed_; }

 private:
  struct Key {
    std::string user, conv;
    auto operator<=>(const Key&) const = default;
  };
  struct Pending {
    int64_t count = 0;   // write-diffusion increments
    int64_t rd_own = 0;  // the user's own read-diffusion messages
    uint64_t last_ts = 0;
  };
  struct ConvPending {
    int64_t rd = 0;
    uint64_t last_ts = 0;
  };
  struct Row {
    bool exists = false;
    int64_t count = 0, rd_base = 0, rd_own = 0;
    bool muted = false;
    uint64_t floor_seq = 0;
  };
  Row row(const ParticipantDb& db, const Key& k);
  int64_t rd_count(const ParticipantDb& db, const std::string& conv);  // stored + pending
  Pending pending(const Key& k) const;                                 // batch (unless dropped) + job
  int64_t pending_rd(const std::string& conv) const;
  void drop_pending(const Key& k);
  bool counted(bool muted) const { return !muted || !options_.mute_excludes_from_total; }
  void add_total(const ParticipantDb& db, const std::string& user, int64_t delta);
  void rebuild(const ParticipantDb& db);
  void expire(const ParticipantDb& db);
  void set_row(const ParticipantDb& db, const Key& k, const Row& old, uint64_t seen_seq);

  UnreadOptions options_;
  std::map<Key, Pending> job_, batch_;
  std::set<Key> job_drops_;
  std::map<std::string, ConvPending> job_rd_, batch_rd_;
  UnreadStats job_stats_, batch_stats_, committed_;
  std::chrono::steady_clock::time_point next_expiry_{};
  std::string expiry_cursor_user_, expiry_cursor_conv_;
};

}  // namespace herald::unread
