// Penalties: hits in a window mute, escalation, expiry, forgiveness, admin mute/unmute, bounded size.
#include <catch2/catch.hpp>

#include "filter_admin.h"
#include "penalty_box.h"

using namespace herald::filter;
using namespace std::chrono_literals;
using herald::sdk::ManualClock;

namespace {
PenaltyConfig three_in_a_minute() {
  PenaltyConfig c;
  c.hits = 3;
  c.window = 60s;
  c.mutes = {10s, 60s};
  c.forgive_after = 1h;
  return c;
}
}  // namespace

TEST_CASE("penalties: the hit that reaches the threshold mutes, escalating each time") {
  ManualClock clock;
  PenaltyBox box(three_in_a_minute(), clock);
  CHECK_FALSE(box.hit("u"));
  CHECK_FALSE(box.hit("u"));
  CHECK_FALSE(box.muted("u"));
  auto m = box.hit("u");
  REQUIRE(m);
  CHECK(*m == 10s);
  CHECK(box.muted("u") == 10s);
  CHECK_FALSE(box.muted("other"));
  clock.advance(10s);
  CHECK_FALSE(box.muted("u"));  // served
  box.hit("u");
  box.hit("u");
  CHECK(box.hit("u") == 60s);  // second offence: the next duration
  clock.advance(60s);
  box.hit("u");
  box.hit("u");
  CHECK(box.hit("u") == 60s);  // the last duration repeats
}

TEST_CASE("penalties: hits outside the window do not add up, a quiet period forgives") {
  ManualClock clock;
  PenaltyBox box(three_in_a_minute(), clock);
  box.hit("u");
  box.hit("u");
  clock.advance(61s);
  CHECK_FALSE(box.hit("u"));
  box.hit("u");
  CHECK(box.hit("u") == 10s);
  clock.advance(2h);
  box.hit("u");
  box.hit("u");
  CHECK(box.hit("u") == 10s);  // escalation reset after forgive_after
}

TEST_CASE("penalties: admin list, mute and unmute") {
  ManualClock clock;
  PenaltyBox box(three_in_a_minute(), clock);
  CHECK(list_mutes(box).body == "{\"mutes\":[]}");
  CHECK(mute(box, "bob", std::nullopt, R"({"duration": "5m"})").status == 200);
  CHECK(mute(box, "bob", "soon").status == 400);
  CHECK(mute(box, "bob", std::nullopt).status == 400);
  for (int i = 0; i < 3; ++i) box.hit("alice");
  clock.advance(1s);
  CHECK(list_mutes(box).body ==
        "{\"mutes\":[{\"level\":1,\"remaining_ms\":9000,\"user\":\"alice\"},"
        "{\"level\":0,\"remaining_ms\":299000,\"user\":\"bob\"}]}");
  CHECK(unmute(box, "alice").status == 200);
  CHECK(unmute(box, "alice").status == 404);
  CHECK_FALSE(box.muted("alice"));
  CHECK(box.muted("bob"));
}

TEST_CASE("penalties: hits = 0 never mutes, records stay bounded") {
  ManualClock clock;
  PenaltyConfig off;
  off.hits = 0;
  PenaltyBox none(off, clock);
  for (int i = 0; i < 10; ++i) CHECK_FALSE(none.hit("u"));

  PenaltyConfig small = three_in_a_minute();
  small.max_users = 160;  // 10 per shard
  PenaltyBox box(small, clock);
  for (int i = 0; i < 5000; ++i) box.hit("user" + std::to_string(i));
  CHECK(box.tracked() <= 160 + 16);
}
