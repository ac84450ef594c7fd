// The writer and the id generator on their own: savepoint isolation inside a batch, answers only
// after the commit, and msg ids that never go back.
#include <catch2/catch.hpp>

#include <atomic>
#include <future>

#include "messaging/msg_id_generator.h"
#include "messaging/writer.h"
#include "test_files.h"

using namespace herald::messaging;

namespace {
// Runs fn on the writer and waits (bounded) for its commit or refusal; returns the refusal reason.
int run(Writer& w, std::function<void(MessageStore&, Txn&)> fn) {
  auto done = std::make_shared<std::promise<int>>();
  auto fut = done->get_future();
  w.submit(WriterJob{[fn, done](MessageStore& s, Txn& t) {
                       fn(s, t);
                       t.on_commit.push_back([done] { done->set_value(0); });
                     },
                     [done](herald_reason r, const std::string&) { done->set_value(static_cast<int>(r)); }});
  REQUIRE(fut.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  return fut.get();
}

// A writer on `file` whose published versions nobody reads (the tests below look at the tables).
std::unique_ptr<Writer> open_writer(const std::string& file, TxnHooks* hooks = nullptr) {
  return std::make_unique<Writer>(std::make_unique<MessageStore>(file, Synchronous::kNormal), WriterMetrics{},
                                  [](const UserVersions&) {}, nullptr, hooks);
}
}  // namespace

TEST_CASE("a refused job's writes are undone while its batch neighbours commit") {
  herald::test::TempDir dir;
  std::map<std::string, uint64_t> published;
  std::mutex m;
  Writer w(std::make_unique<MessageStore>(dir.file("im.db"), Synchronous::kNormal), WriterMetrics{},
           [&](const UserVersions& v) {
             std::lock_guard lock(m);
             for (auto& [k, x] : v) published[k] = x;
           },
           nullptr);
  CHECK(run(w, [](MessageStore& s, Txn& t) {
          s.next_conv_seq("c2c:a:b");
          t.user_versions["a"] = s.next_user_version("a", nullptr);
        }) == 0);
  CHECK(run(w, [](MessageStore& s, Txn& t) {
          s.next_conv_seq("c2c:a:b");
          t.user_versions["a"] = s.next_user_version("a", nullptr);
          throw ImError(HERALD_REASON_NOT_MEMBER, "no");
        }) == HERALD_REASON_NOT_MEMBER);
  uint64_t seq = 0, version = 0;
  CHECK(run(w, [&](MessageStore& s, Txn&) {
          seq = s.conv_last_seq("c2c:a:b");
          version = s.user_last_version("a");
        }) == 0);
  CHECK(seq == 1);
  CHECK(version == 1);
  std::lock_guard lock(m);
  CHECK(published["a"] == 1);  // the refused job's version never reached the cache
}

TEST_CASE("msg ids increase strictly and stay above the stored floor") {
  uint64_t now = MsgIdGenerator::kEpochMs + 1000;
  MsgIdGenerator fresh("node-a", 0);
  auto a = fresh.next(now);
  auto b = fresh.next(now);
  CHECK(b == a + 1);
  CHECK(MsgIdGenerator::timestamp_ms(a) == now);
  MsgIdGenerator restarted("node-a", b + 100);  // the clock went back across a restart
  CHECK(restarted.next(now - 500) == b + 101);
}

namespace {
// Fails the commit of the batches it is told to: the writer's counter caches must then forget
// everything the batch handed out.
struct FailingCommit : TxnHooks {
  std::atomic<int> fail_next{0};
  void job_end(bool) override {}
  void before_commit(MessageStore&) override {
    if (fail_next.load() > 0) {
      --fail_next;
      throw StorageError("injected commit failure");
    }
  }
  void batch_end(bool) override {}
};

// Reads one integer with a connection of its own (what survives the writer: committed rows only).
uint64_t read_back(const std::string& file, const std::string& query) {
  MessageStore other(file, Synchronous::kNormal);
  auto& s = other.sql(query.c_str());
  uint64_t v = s.step() ? s.u64(0) : 0;
  s.reset();
  return v;
}
}  // namespace

TEST_CASE("cached counters are written with their batch and forgotten when its commit fails") {
  herald::test::TempDir dir;
  FailingCommit hooks;
  const std::string file = dir.file("im.db");
  {
    auto writer = open_writer(file, &hooks);
    Writer& w = *writer;
    uint64_t seq = 0, version = 0;
    CHECK(run(w, [&](MessageStore& s, Txn&) {
            seq = s.next_conv_seq("c2c:a:b");
            version = s.next_user_version("a", nullptr);
            s.ack_device("a", "phone", 7);
            s.ack_device("a", "phone", 3);  // never lowers
          }) == 0);
    CHECK(seq == 1);
    CHECK(version == 1);
    hooks.fail_next = 1;
    CHECK(run(w, [&](MessageStore& s, Txn&) {
            seq = s.next_conv_seq("c2c:a:b");
            version = s.next_user_version("a", nullptr);
            s.ack_device("a", "phone", 9);
          }) == HERALD_REASON_STORAGE_UNAVAILABLE);
    CHECK(seq == 2);  // handed out inside the failed batch: never acked, so it may be handed out again
    uint64_t prev = 0;
    CHECK(run(w, [&](MessageStore& s, Txn&) {
            seq = s.next_conv_seq("c2c:a:b");
            version = s.next_user_version("a", &prev);
            CHECK(s.device_ack("a", "phone") == 7);
          }) == 0);
    CHECK(seq == 2);  // contiguous: the failed batch left no gap
    CHECK(version == 2);
    CHECK(prev == 1);
  }
  // What another connection sees: the cached values reached the tables before the commit.
  CHECK(read_back(file, "SELECT last_seq FROM conversations WHERE conv = 'c2c:a:b'") == 2);
  CHECK(read_back(file, "SELECT last_version FROM users WHERE user = 'a'") == 2);
  CHECK(read_back(file, "SELECT version FROM device_acks WHERE user = 'a' AND device = 'phone'") == 7);
}

TEST_CASE("a refused job's first touch of a conversation leaves no cached row and no cached counter") {
  herald::test::TempDir dir;
  const std::string file = dir.file("im.db");
  {
    auto writer = open_writer(file);
    Writer& w = *writer;
    CHECK(run(w, [](MessageStore& s, Txn&) {
            s.touch_user_conv("a", "c2c:a:b", 100);
            s.next_conv_seq("c2c:a:b");
            throw ImError(HERALD_REASON_NOT_MEMBER, "no");
          }) == HERALD_REASON_NOT_MEMBER);
    uint64_t seq = 0;
    CHECK(run(w, [&](MessageStore& s, Txn&) {
            s.touch_user_conv("a", "c2c:a:b", 150);  // the refused job's row is gone: inserted again
            s.touch_user_conv("b", "c2c:a:b", 200);
            s.touch_user_conv("b", "c2c:a:b", 300);  // an update of a known row: written at the flush
            seq = s.conv_last_seq("c2c:a:b");
          }) == 0);
    CHECK(seq == 0);
  }
  CHECK(read_back(file, "SELECT updated FROM user_convs WHERE user = 'a'") == 150);
  CHECK(read_back(file, "SELECT updated FROM user_convs WHERE user = 'b'") == 300);
  CHECK(read_back(file, "SELECT COUNT(*) FROM conversations") == 0);
}

namespace {
// Submits jobs that all run in one batch: a job of the batch before holds the writer (it is running,
// so the queue was taken) until they are queued.
struct OneBatch {
  explicit OneBatch(Writer& w) : writer(w) {
    auto holding = std::make_shared<std::promise<void>>();  // shared: set on the writer thread
    auto held = holding->get_future();
    writer.submit(WriterJob{[this, holding](MessageStore&, Txn&) {
                              holding->set_value();
                              released.wait();
                            },
                            [](herald_reason, const std::string&) {}});
    REQUIRE(held.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  }
  // Queues fn (without a savepoint when `savepoint` is false); the result is 0 or the refusal.
  std::future<int> add(std::function<void(MessageStore&, Txn&)> fn, bool savepoint) {
    auto done = std::make_shared<std::promise<int>>();
    auto fut = done->get_future();
    writer.submit(WriterJob{[fn, done](MessageStore& s, Txn& t) {
                              fn(s, t);
                              t.on_commit.push_back([done] { done->set_value(0); });
                            },
                            [done](herald_reason r, const std::string&) { done->set_value(static_cast<int>(r)); },
                            savepoint});
    return fut;
  }
  void run() { release.set_value(); }
  Writer& writer;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
};

int result(std::future<int>& f) {
  REQUIRE(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  return f.get();
}

void insert_row(MessageStore& s, int64_t v) { s.sql("INSERT INTO t(v) VALUES(?)").bind(1, v).run(); }
}  // namespace

TEST_CASE("a job without a savepoint that refuses before writing leaves its batch neighbours committed") {
  herald::test::TempDir dir;
  const std::string file = dir.file("im.db");
  {
    auto writer = open_writer(file);
    Writer& w = *writer;
    w.exclusive([](MessageStore& s) { s.exec("CREATE TABLE t(v INTEGER)"); });
    OneBatch batch(w);
    auto before = batch.add([](MessageStore& s, Txn&) { insert_row(s, 1); }, false);
    auto refused = batch.add(
        [](MessageStore& s, Txn&) {
          (void)s.conv_last_seq("c2c:a:b");  // reads are not writes
          throw ImError(HERALD_REASON_NOT_MEMBER, "no");
        },
        false);
    auto after = batch.add([](MessageStore& s, Txn&) { insert_row(s, 2); }, false);
    batch.run();
    CHECK(result(before) == 0);
    CHECK(result(refused) == HERALD_REASON_NOT_MEMBER);
    CHECK(result(after) == 0);
  }
  CHECK(read_back(file, "SELECT COUNT(*) FROM t") == 2);
}

TEST_CASE("a job without a savepoint that fails after writing fails its whole batch and nothing of it is kept") {
  herald::test::TempDir dir;
  const std::string file = dir.file("im.db");
  {
    auto writer = open_writer(file);
    Writer& w = *writer;
    w.exclusive([](MessageStore& s) { s.exec("CREATE TABLE t(v INTEGER)"); });
    // Written either as a row or only as a cached counter: both count as writes.
    for (bool row : {true, false}) {
      CAPTURE(row);
      OneBatch batch(w);
      auto neighbour = batch.add([](MessageStore& s, Txn&) { insert_row(s, 1); }, true);
      auto broken = batch.add(
          [row](MessageStore& s, Txn&) {
            if (row) insert_row(s, 2);
            else s.next_conv_seq("c2c:a:b");
            throw StorageError("disk I/O error");
          },
          false);
      auto later = batch.add([](MessageStore& s, Txn&) { insert_row(s, 3); }, false);
      batch.run();
      CHECK(result(neighbour) == HERALD_REASON_STORAGE_UNAVAILABLE);
      CHECK(result(broken) == HERALD_REASON_STORAGE_UNAVAILABLE);
      CHECK(result(later) == HERALD_REASON_STORAGE_UNAVAILABLE);
    }
    uint64_t seq = 0;
    CHECK(run(w, [&](MessageStore& s, Txn&) { seq = s.next_conv_seq("c2c:a:b"); }) == 0);
    CHECK(seq == 1);  // the failed batches' counter was forgotten with them
  }
  CHECK(read_back(file, "SELECT COUNT(*) FROM t") == 0);
  CHECK(read_back(file, "SELECT last_seq FROM conversations WHERE conv = 'c2c:a:b'") == 1);
}
