// The writer and the id generator on their own: savepoint isolation inside a batch, answers only
// after the commit, and msg ids that never go back.
#include <catch2/catch.hpp>

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
}  // namespace

TEST_CASE("a refused job's writes are undone while its batch neighbours commit") {
  herald::test::TempDir dir;
  std::map<std::string, uint64_t> published;
  std::mutex m;
  Writer w(std::make_unique<MessageStore>(dir.file("im.db"), Synchronous::kNormal), WriterMetrics{},
           [&](const std::map<std::string, uint64_t>& v) {
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
