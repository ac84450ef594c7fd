// UnreadCounters against a real SQLite database shaped like the messaging core's (the im_* views of
// herald/im_store_service.h), driven the way the writer drives a participant: jobs in savepoints,
// merged writes before COMMIT, rollbacks. Every case ends with the reconciliation finding 0.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <map>
#include <memory>
#include <random>
#include <set>

#include "reconcile.h"
#include "unread_counters.h"

// The test's own implementation of the statement API (the core's lives in core/src/messaging).
struct herald_im_stmt {
  sqlite3_stmt* stmt = nullptr;
  herald_im_sql* owner = nullptr;
};
struct herald_im_sql {
  sqlite3* db = nullptr;
  std::string error;
  std::map<std::string, std::unique_ptr<herald_im_stmt>> cache;
};

using namespace herald::unread;

namespace {

const herald_im_store_service_v1* fake_api() {
  static herald_im_store_service_v1 api = [] {
    herald_im_store_service_v1 a{};
    a.struct_size = sizeof(a);
    a.prepare = [](herald_im_sql* sql, herald_str text) -> herald_im_stmt* {
      std::string key(text.data, text.size);
      auto& slot = sql->cache[key];
      if (!slot) {
        slot = std::make_unique<herald_im_stmt>();
        slot->owner = sql;
        if (sqlite3_prepare_v2(sql->db, key.c_str(), -1, &slot->stmt, nullptr) != SQLITE_OK) {
          sql->error = sqlite3_errmsg(sql->db);
          sql->cache.erase(key);
          return nullptr;
        }
      }
      sqlite3_reset(slot->stmt);
      sqlite3_clear_bindings(slot->stmt);
      return slot.get();
    };
    a.bind_int = [](herald_im_stmt* s, int i, int64_t v) { return sqlite3_bind_int64(s->stmt, i, v) == SQLITE_OK ? 0 : -1; };
    a.bind_text = [](herald_im_stmt* s, int i, herald_str v) {
      return sqlite3_bind_text(s->stmt, i, v.data, static_cast<int>(v.size), SQLITE_TRANSIENT) == SQLITE_OK ? 0 : -1;
    };
    a.step = [](herald_im_stmt* s) {
      int rc = sqlite3_step(s->stmt);
      if (rc == SQLITE_ROW) return 1;
      if (rc == SQLITE_DONE) return 0;
      s->owner->error = sqlite3_errmsg(s->owner->db);
      return -1;
    };
    a.column_int = [](herald_im_stmt* s, int c) { return static_cast<int64_t>(sqlite3_column_int64(s->stmt, c)); };
    a.column_text = [](herald_im_stmt* s, int c) {
      auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s->stmt, c));
      return p ? herald_str{p, static_cast<size_t>(sqlite3_column_bytes(s->stmt, c))} : herald_str{"", 0};
    };
    a.changes = [](herald_im_sql* sql) { return sqlite3_changes(sql->db); };
    a.last_error = [](herald_im_sql* sql) { return herald_str{sql->error.data(), sql->error.size()}; };
    return a;
  }();
  return &api;
}

// The parts of the messaging core's schema the views read, and the views themselves.
constexpr const char* kCoreSchema = R"SQL(
CREATE TABLE messages (conv TEXT NOT NULL, seq INTEGER NOT NULL, sender TEXT NOT NULL, ts INTEGER NOT NULL,
  PRIMARY KEY(conv, seq));
CREATE TABLE user_convs (user TEXT NOT NULL, conv TEXT NOT NULL, PRIMARY KEY(user, conv));
CREATE TABLE members (grp TEXT NOT NULL, user TEXT NOT NULL, join_seq INTEGER NOT NULL, PRIMARY KEY(grp, user));
CREATE TABLE read_cursors (user TEXT NOT NULL, conv TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(user, conv));
CREATE VIEW im_messages(conv, seq, sender, ts) AS SELECT conv, seq, sender, ts FROM messages;
CREATE VIEW im_participants(user, conv, join_seq, read_seq) AS
  SELECT p.user, p.conv, p.join_seq, COALESCE(r.seq, 0) FROM (
    SELECT user, conv, 0 AS join_seq FROM user_convs WHERE conv LIKE 'c2c:%'
    UNION ALL SELECT user, 'group:' || grp, join_seq FROM members) p
  LEFT JOIN read_cursors r ON r.user = p.user AND r.conv = p.conv;
CREATE VIEW im_read_cursors(user, conv, seq) AS SELECT user, conv, seq FROM read_cursors;
)SQL";

uint64_t now_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

// A tiny stand-in for the messaging core: stores messages and cursors, and calls the counters the
// way the writer does (each op a job in a savepoint; a batch = BEGIN .. flush .. COMMIT).
class Core {
 public:
  explicit Core(UnreadOptions options = {}, uint32_t write_diffusion_max = 500)
      : counters(options), write_diffusion_max_(write_diffusion_max) {
    REQUIRE(sqlite3_open(":memory:", &sql_.db) == SQLITE_OK);
    exec(kCoreSchema);
    exec(UnreadCounters::schema());
    begin();
    counters.opened(db());
    commit();
  }
  ~Core() {
    sql_.cache.clear();
    sqlite3_close(sql_.db);
  }
  ParticipantDb db() { return ParticipantDb(fake_api(), &sql_); }
  void exec(const char* text) { REQUIRE(sqlite3_exec(sql_.db, text, nullptr, nullptr, nullptr) == SQLITE_OK); }
  void begin() { exec("BEGIN"); }
  void commit() {
    counters.flush(db());
    exec("COMMIT");
    counters.batch_end(true);
  }
  void rollback_batch() {
    exec("ROLLBACK");
    counters.batch_end(false);
  }
  // One job; keep = false rolls it back like a refused request.
  template <class Fn>
  void job(Fn&& fn, bool keep = true) {
    exec("SAVEPOINT job");
    fn();
    if (keep) {
      exec("RELEASE job");
    } else {
      exec("ROLLBACK TO job");
      exec("RELEASE job");
    }
    counters.job_end(keep);
  }

  uint64_t last_seq(const std::string& conv) {
    auto s = db().sql("SELECT COALESCE(MAX(seq), 0) FROM messages WHERE conv = ?");
    s.bind(1, conv);
    s.step();
    return static_cast<uint64_t>(s.integer(0));
  }
  std::vector<std::string> members(const std::string& group) {
    std::vector<std::string> out;
    auto s = db().sql("SELECT user FROM members WHERE grp = ? ORDER BY user");
    s.bind(1, group);
    while (s.step()) out.push_back(s.text(0));
    return out;
  }
  // Inside a job.
  void send(const std::string& conv, const std::string& sender, uint64_t ts = 0) {
    uint64_t seq = last_seq(conv) + 1;
    db().sql("INSERT INTO messages(conv, seq, sender, ts) VALUES(?, ?, ?, ?)")
        .bind(1, conv).bind(2, seq).bind(3, sender).bind(4, ts ? ts : now_ms()).run();
    MessageEvent e{conv, seq, sender, ts ? ts : now_ms(), false, {}};
    if (conv.starts_with("c2c:")) {
      auto colon = conv.find(':', 4);
      e.recipients = {conv.substr(4, colon - 4), conv.substr(colon + 1)};
      for (auto& u : e.recipients)
        db().sql("INSERT OR IGNORE INTO user_convs(user, conv) VALUES(?, ?)").bind(1, u).bind(2, conv).run();
    } else {
      e.recipients = members(conv.substr(6));
      e.read_diffusion = e.recipients.size() > write_diffusion_max_;
      if (e.read_diffusion) e.recipients.clear();
    }
    counters.message_stored(db(), e);
  }
  void read(const std::string& user, const std::string& conv, uint64_t seq) {
    seq = std::min(seq, last_seq(conv));
    db().sql("INSERT INTO read_cursors(user, conv, seq) VALUES(?, ?, ?) ON CONFLICT(user, conv) DO UPDATE SET seq = MAX(seq, excluded.seq)")
        .bind(1, user).bind(2, conv).bind(3, seq).run();
    uint64_t join = 0;
    if (conv.starts_with("group:")) {
      auto s = db().sql("SELECT join_seq FROM members WHERE grp = ? AND user = ?");
      s.bind(1, conv.substr(6)).bind(2, user);
      if (s.step()) join = static_cast<uint64_t>(s.integer(0));
    }
    auto c = db().sql("SELECT seq FROM read_cursors WHERE user = ? AND conv = ?");
    c.bind(1, user).bind(2, conv);
    c.step();
    counters.seen(db(), user, conv, std::max(join, static_cast<uint64_t>(c.integer(0))));
  }
  void join(const std::string& group, const std::string& user) {
    uint64_t join_seq = last_seq("group:" + group);
    db().sql("INSERT INTO members(grp, user, join_seq) VALUES(?, ?, ?)").bind(1, group).bind(2, user).bind(3, join_seq).run();
    counters.seen(db(), user, "group:" + group, join_seq);
  }
  void leave(const std::string& group, const std::string& user) {
    db().sql("DELETE FROM members WHERE grp = ? AND user = ?").bind(1, group).bind(2, user).run();
    counters.left(db(), user, "group:" + group);
  }
  uint64_t unread(const std::string& user, const std::string& conv) {
    auto v = counters.convs(db(), user, {conv});
    return v.empty() ? 0 : v[0].count;
  }
  uint64_t total(const std::string& user) { return counters.total(db(), user); }
  ReconcileReport check() { return reconcile(db()); }

  UnreadCounters counters;

 private:
  herald_im_sql sql_;
  uint32_t write_diffusion_max_;
};

}  // namespace

TEST_CASE("c2c: the peer's messages count, one's own do not, a read clears up to its seq") {
  Core core;
  core.begin();
  core.job([&] { core.send("c2c:alice:bob", "alice"); });
  core.job([&] { core.send("c2c:alice:bob", "alice"); });
  core.job([&] { core.send("c2c:alice:bob", "bob"); });
  core.job([&] { core.send("c2c:alice:bob", "alice"); });
  // Inside the batch the answers already include the pending (unwritten) increments.
  CHECK(core.unread("bob", "c2c:alice:bob") == 3);
  CHECK(core.total("bob") == 3);
  core.commit();
  CHECK(core.unread("bob", "c2c:alice:bob") == 3);
  CHECK(core.unread("alice", "c2c:alice:bob") == 1);
  core.begin();
  core.job([&] { core.read("bob", "c2c:alice:bob", 2); });  // seqs 3 (own) and 4 stay: 1 unread
  core.commit();
  CHECK(core.unread("bob", "c2c:alice:bob") == 1);
  CHECK(core.total("bob") == 1);
  CHECK(core.check().mismatches() == 0);
}

TEST_CASE("merged updates: many messages to one member in one batch are one row write") {
  Core core;
  core.begin();
  core.job([&] { core.join("team", "alice"); });
  core.job([&] { core.join("team", "bob"); });
  core.commit();
  uint64_t before = core.counters.stats().row_writes;
  core.begin();
  for (int i = 0; i < 50; ++i) core.job([&] { core.send("group:team", "alice"); });
  core.commit();
  // bob's row and bob's total: 2 writes for 50 messages.
  CHECK(core.counters.stats().row_writes - before == 2);
  CHECK(core.total("bob") == 50);
  CHECK(core.check().mismatches() == 0);
}

TEST_CASE("a refused job's increments and a rolled-back batch leave no trace") {
  Core core;
  core.begin();
  core.job([&] { core.send("c2c:alice:bob", "alice"); });
  core.job([&] { core.send("c2c:alice:bob", "alice"); }, false);  // refused: its message is gone too
  core.job([&] { core.read("bob", "c2c:alice:bob", 100); }, false);  // a refused read drops nothing
  core.commit();
  CHECK(core.total("bob") == 1);
  core.begin();
  core.job([&] { core.send("c2c:alice:bob", "alice"); });
  core.rollback_batch();  // e.g. the COMMIT failed
  CHECK(core.total("bob") == 1);
  CHECK(core.check().mismatches() == 0);
}

TEST_CASE("a read in the same batch as the messages it covers drops their pending increments") {
  Core core;
  core.begin();
  core.job([&] { core.send("c2c:alice:bob", "alice"); });
  core.job([&] { core.send("c2c:alice:bob", "alice"); });
  core.job([&] { core.read("bob", "c2c:alice:bob", 2); });
  core.job([&] { core.send("c2c:alice:bob", "alice"); });
  core.commit();
  CHECK(core.unread("bob", "c2c:alice:bob") == 1);
  CHECK(core.total("bob") == 1);
  CHECK(core.check().mismatches() == 0);
}

TEST_CASE("read diffusion: a message into a 20,000-member group is O(1) writes and every count is exact") {
  Core core({}, 500);
  core.begin();
  for (int i = 0; i < 20000; ++i) core.job([&] { core.join("big", "u" + std::to_string(i)); });
  core.commit();
  uint64_t before = core.counters.stats().row_writes;
  uint64_t updates_before = core.counters.stats().updates;
  core.begin();
  core.job([&] { core.send("group:big", "u7"); });
  core.commit();
  // The conversation's running count (first message: its row too) and the sender's own count.
  CHECK(core.counters.stats().row_writes - before <= 3);
  CHECK(core.counters.stats().updates - updates_before == 1);
  before = core.counters.stats().row_writes;
  core.begin();
  core.job([&] { core.send("group:big", "u7"); });
  core.job([&] { core.send("group:big", "u9"); });
  core.commit();
  CHECK(core.counters.stats().row_writes - before == 3);  // conv row, u7's and u9's own counts
  CHECK(core.total("u0") == 3);
  CHECK(core.total("u7") == 1);
  CHECK(core.total("u9") == 2);
  CHECK(core.unread("u19999", "group:big") == 3);
  core.begin();
  core.job([&] { core.read("u0", "group:big", 2); });
  core.commit();
  CHECK(core.unread("u0", "group:big") == 1);
  CHECK(core.total("u0") == 1);
  CHECK(core.check().mismatches() == 0);
}

TEST_CASE("muted conversations keep their count but leave the total (configurable)") {
  for (bool excludes : {true, false}) {
    UnreadOptions options;
    options.mute_excludes_from_total = excludes;
    Core core(options);
    core.begin();
    core.job([&] { core.send("c2c:alice:bob", "alice"); });
    core.job([&] { core.send("c2c:bob:carol", "carol"); });
    core.job([&] { core.counters.mute(core.db(), "bob", "c2c:alice:bob", true); });
    core.job([&] { core.send("c2c:alice:bob", "alice"); });  // after the mute, same batch
    core.commit();
    CHECK(core.unread("bob", "c2c:alice:bob") == 2);
    CHECK(core.total("bob") == (excludes ? 1 : 3));
    CHECK(core.check().mismatches() == 0);
    core.begin();
    core.job([&] { core.counters.mute(core.db(), "bob", "c2c:alice:bob", false); });
    core.commit();
    CHECK(core.total("bob") == 3);
    CHECK(core.check().mismatches() == 0);
  }
}

TEST_CASE("leaving drops the conversation from the total, a rejoin counts from the join seq") {
  Core core;
  core.begin();
  core.job([&] { core.join("team", "alice"); });
  core.job([&] { core.join("team", "bob"); });
  core.job([&] { core.send("group:team", "alice"); });
  core.commit();
  core.begin();
  core.job([&] { core.send("group:team", "alice"); });
  core.job([&] { core.leave("team", "bob"); });  // with a pending increment in the same batch
  core.job([&] { core.send("group:team", "alice"); });
  core.commit();
  CHECK(core.total("bob") == 0);
  core.begin();
  core.job([&] { core.join("team", "bob"); });
  core.job([&] { core.send("group:team", "alice"); });
  core.commit();
  CHECK(core.total("bob") == 1);
  CHECK(core.check().mismatches() == 0);
}

TEST_CASE("stale unread expires after expire_after and stays consistent") {
  UnreadOptions options;
  options.expire_after = std::chrono::minutes(1);
  options.expiry_sweep_interval = std::chrono::milliseconds(0);
  Core core(options);
  core.begin();
  core.job([&] { core.send("c2c:alice:bob", "alice", now_ms() - 5 * 60 * 1000); });
  core.commit();  // the sweep runs in this commit's flush
  CHECK(core.total("bob") == 0);
  CHECK(core.counters.stats().expired == 1);
  core.begin();
  core.job([&] { core.send("c2c:alice:bob", "alice"); });
  core.commit();
  CHECK(core.total("bob") == 1);
  CHECK(core.check().mismatches() == 0);
}

TEST_CASE("a first open on an existing database rebuilds the counters from the messages") {
  Core core;
  core.exec("DELETE FROM unread_meta");
  core.begin();
  core.job([&] { core.send("c2c:alice:bob", "alice"); });
  core.commit();
  core.exec("DELETE FROM unread_convs; DELETE FROM unread_users;");  // as if stored without the plugin
  core.exec("INSERT INTO messages(conv, seq, sender, ts) VALUES('c2c:alice:bob', 2, 'alice', 0)");
  core.begin();
  core.counters.opened(core.db());
  core.commit();
  CHECK(core.total("bob") == 2);
  CHECK(core.check().mismatches() == 0);
}

TEST_CASE("the reconciliation finds a drifted count and a drifted total") {
  Core core;
  core.begin();
  core.job([&] { core.send("c2c:alice:bob", "alice"); });
  core.commit();
  core.exec("UPDATE unread_users SET total = total + 1 WHERE user = 'bob'");
  CHECK(core.check().total_mismatches == 1);
  core.exec("UPDATE unread_convs SET count = 5 WHERE user = 'bob'");
  auto r = core.check();
  CHECK(r.conv_mismatches == 1);
  CHECK(!r.examples.empty());
}

TEST_CASE("randomized: batches of mixed operations with refusals never leave counters apart") {
  std::mt19937 rng(Catch::rngSeed());
  Core core({}, 6);  // groups above 6 members are read-diffusion
  std::vector<std::string> users{"a", "b", "c", "d", "e", "f", "g", "h"};
  std::vector<std::string> groups{"small", "big"};
  auto pick = [&](const auto& v) { return v[rng() % v.size()]; };
  core.begin();
  for (auto& u : users) core.job([&] { core.join("big", u); });
  for (int i = 0; i < 3; ++i) core.job([&] { core.join("small", users[static_cast<size_t>(i)]); });
  core.commit();
  for (int batch = 0; batch < 150; ++batch) {
    core.begin();
    int jobs = 1 + static_cast<int>(rng() % 12);
    for (int j = 0; j < jobs; ++j) {
      bool keep = rng() % 10 != 0;
      std::string u = pick(users), v = pick(users), g = pick(groups);
      auto members = core.members(g);
      bool member = std::find(members.begin(), members.end(), u) != members.end();
      switch (rng() % 7) {
        case 0:
        case 1:
          if (u != v) core.job([&] { core.send("c2c:" + std::min(u, v) + ":" + std::max(u, v), u); }, keep);
          break;
        case 2:
          if (member) core.job([&] { core.send("group:" + g, u); }, keep);
          break;
        case 3:
          if (u != v) core.job([&] { core.read(u, "c2c:" + std::min(u, v) + ":" + std::max(u, v), rng() % 40); }, keep);
          if (member) core.job([&] { core.read(u, "group:" + g, rng() % 40); }, keep);
          break;
        case 4:
          core.job([&] { member ? core.leave(g, u) : core.join(g, u); }, keep);
          break;
        case 5:
          if (member) core.job([&] { core.counters.mute(core.db(), u, "group:" + g, rng() % 2 == 0); }, keep);
          else CHECK_FALSE(core.counters.participates(core.db(), u, "group:" + g));
          break;
        default: {
          // Inside the batch, a total is the sum of the conversations' counts.
          uint64_t sum = 0;
          for (auto& c : core.counters.convs(core.db(), u, {}))
            if (!c.muted) sum += c.count;
          CHECK(core.total(u) == sum);
        }
      }
    }
    if (rng() % 15 == 0) core.rollback_batch();
    else core.commit();
    auto r = core.check();
    INFO(batch << ": " << (r.examples.empty() ? "" : r.examples[0]));
    REQUIRE(r.mismatches() == 0);
  }
}
