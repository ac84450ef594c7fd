// Topic name / filter validation and matching, with the spec's own examples (MQTT 5 section 4.7,
// 4.8.2; 3.1.1 section 4.7).
#include "test_util.h"

namespace herald::mqtt::test {
namespace {

using E = DecodeError;

TEST_CASE("topic filters: valid and invalid wildcard placement", "[mqtt][topic]") {
  // 4.7.1.2 / 4.7.1.3 examples.
  for (const char* ok : {"#", "sport/#", "sport/tennis/player1/#", "+", "+/tennis/#", "sport/+/player1", "/+", "+/+",
                         "sport/", "/", "//", "a//b", "$SYS/#", "$SYS/monitor/+", "+/#", "$share", "$sharex/g"}) {
    INFO(ok);
    CHECK(validate_topic_filter(ok) == E::kNone);
  }
  CHECK(validate_topic_filter("sport/tennis#") == E::kMultiLevelWildcardMisplaced);
  CHECK(validate_topic_filter("sport/tennis/#/ranking") == E::kMultiLevelWildcardMisplaced);
  CHECK(validate_topic_filter("##") == E::kMultiLevelWildcardMisplaced);
  CHECK(validate_topic_filter("#/") == E::kMultiLevelWildcardMisplaced);
  CHECK(validate_topic_filter("sport+") == E::kSingleLevelWildcardMisplaced);
  CHECK(validate_topic_filter("sport/+tennis") == E::kSingleLevelWildcardMisplaced);
  CHECK(validate_topic_filter("++") == E::kSingleLevelWildcardMisplaced);
  CHECK(validate_topic_filter("") == E::kTopicFilterEmpty);
}

TEST_CASE("topic names: no wildcards, not empty", "[mqtt][topic]") {
  for (const char* ok : {"sport/tennis/player1", "/", "a//b", "$SYS/broker/load", "sport/tennis/player1/", "ä/ö"}) {
    INFO(ok);
    CHECK(validate_topic_name(ok) == E::kNone);
  }
  CHECK(validate_topic_name("") == E::kTopicNameEmpty);
  CHECK(validate_topic_name("a/+") == E::kTopicNameHasWildcard);
  CHECK(validate_topic_name("#") == E::kTopicNameHasWildcard);
  CHECK(validate_topic_name("a#b") == E::kTopicNameHasWildcard);
}

TEST_CASE("topic matching follows the spec's examples", "[mqtt][topic]") {
  struct Case {
    const char* filter;
    const char* name;
    bool match;
  };
  const std::vector<Case> cases = {
      // 4.7.1.2 multi-level wildcard
      {"sport/tennis/player1/#", "sport/tennis/player1", true},
      {"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
      {"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
      {"sport/#", "sport", true},
      {"#", "sport/tennis", true},
      {"#", "/", true},
      // 4.7.1.3 single-level wildcard
      {"sport/tennis/+", "sport/tennis/player1", true},
      {"sport/tennis/+", "sport/tennis/player2", true},
      {"sport/tennis/+", "sport/tennis/player1/ranking", false},
      {"sport/+", "sport", false},
      {"sport/+", "sport/", true},
      {"+/+", "/finance", true},
      {"/+", "/finance", true},
      {"+", "/finance", false},
      {"+/tennis/#", "sport/tennis/player1", true},
      {"sport/+/player1", "sport/tennis/player1", true},
      {"sport/+/player1", "sport/tennis/player2", false},
      // 4.7.2: wildcards at the first level do not match $-topics [MQTT-4.7.2-1]
      {"#", "$SYS/monitor/Clients", false},
      {"+/monitor/Clients", "$SYS/monitor/Clients", false},
      {"$SYS/#", "$SYS/monitor/Clients", true},
      {"$SYS/monitor/+", "$SYS/monitor/Clients", true},
      {"+", "$SYS", false},
      {"a/+", "a/$b", true},  // only the first level is special
      // 4.7.3: case sensitive, every character significant, empty levels are levels
      {"ACCOUNTS", "Accounts", false},
      {"sport/tennis/player1", "sport/tennis/player1/", false},
      {"a/b", "a//b", false},
      {"a//b", "a//b", true},
      {"a/+/b", "a//b", true},
      {"+/+/+", "//", true},
      {"/", "/", true},
      {"a/#", "a/", true},
      {"a/b/#", "a", false},
  };
  for (const Case& c : cases) {
    INFO(c.filter << " vs " << c.name);
    CHECK(topic_matches(c.filter, c.name) == c.match);
  }
  CHECK(is_system_topic("$SYS/x"));
  CHECK(is_system_topic("$share/g/x"));
  CHECK_FALSE(is_system_topic("SYS/$x"));
  CHECK_FALSE(is_system_topic(""));
}

TEST_CASE("shared subscriptions", "[mqtt][topic]") {
  // 4.8.2 examples.
  auto shared = parse_shared_subscription("$share/consumer1/sport/tennis/+");
  REQUIRE(shared);
  CHECK(shared->group == "consumer1");
  CHECK(shared->filter == "sport/tennis/+");
  CHECK(topic_matches(shared->filter, "sport/tennis/player1"));
  shared = parse_shared_subscription("$share/consumer1//finance");
  REQUIRE(shared);
  CHECK(shared->filter == "/finance");
  shared = parse_shared_subscription("$share/consumer1/+/finance");
  REQUIRE(shared);
  CHECK(shared->filter == "+/finance");
  CHECK(topic_matches(shared->filter, "/finance"));
  CHECK_FALSE(parse_shared_subscription("$share"));
  CHECK_FALSE(parse_shared_subscription("$SHARE/g/x"));
  CHECK_FALSE(parse_shared_subscription("sport/#"));

  CHECK(validate_topic_filter("$share/consumer1/sport/tennis/+") == E::kNone);
  CHECK(validate_topic_filter("$share/g/#") == E::kNone);
  CHECK(validate_topic_filter("$share/g/$SYS/#") == E::kNone);
  CHECK(validate_topic_filter("$share//x") == E::kShareNameInvalid);      // [MQTT-4.8.2-1]
  CHECK(validate_topic_filter("$share/a+b/x") == E::kShareNameInvalid);   // [MQTT-4.8.2-2]
  CHECK(validate_topic_filter("$share/#/x") == E::kShareNameInvalid);
  CHECK(validate_topic_filter("$share/g") == E::kSharedFilterMissing);
  CHECK(validate_topic_filter("$share/g/") == E::kSharedFilterMissing);
  CHECK(validate_topic_filter("$share/") == E::kShareNameInvalid);
  CHECK(validate_topic_filter("$share/g/a+") == E::kSingleLevelWildcardMisplaced);
}

}  // namespace
}  // namespace herald::mqtt::test
