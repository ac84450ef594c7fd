// The subscription trie alone: wildcard semantics, the '$' rule, removal and pruning, shared groups.
#include <catch2/catch.hpp>

#include <set>

#include "session.h"
#include "subscription_trie.h"

namespace herald::gateway::mqtt {
namespace {

std::set<std::string> matches(const SubscriptionTrie& t, std::string_view topic) {
  std::set<std::string> out;
  t.match(topic, [&](const SubEntry& e, bool shared) { out.insert((shared ? "S:" : "") + e.cell->client_id); });
  return out;
}

}  // namespace

TEST_CASE("trie: wildcards and the $ rule") {
  SubscriptionTrie t;
  auto cell = [](const char* id) { return std::make_shared<SessionCell>(id, 0); };
  auto a = cell("a"), b = cell("b"), c = cell("c"), d = cell("d"), e = cell("e");
  t.subscribe("sport/#", {}, {a, {}, 0});
  t.subscribe("sport/+/player1", {}, {b, {}, 0});
  t.subscribe("#", {}, {c, {}, 0});
  t.subscribe("$SYS/#", {}, {d, {}, 0});
  t.subscribe("+/tennis", {}, {e, {}, 0});
  CHECK(matches(t, "sport") == std::set<std::string>{"a", "c"});  // "sport/#" matches its parent
  CHECK(matches(t, "sport/tennis/player1") == std::set<std::string>{"a", "b", "c"});
  CHECK(matches(t, "sport/tennis") == std::set<std::string>{"a", "c", "e"});
  CHECK(matches(t, "$SYS/load") == std::set<std::string>{"d"});
  CHECK(matches(t, "/tennis") == std::set<std::string>{"c", "e"});
  CHECK(t.size() == 5);
  CHECK(t.unsubscribe("sport/+/player1", {}, b.get()));
  CHECK_FALSE(t.unsubscribe("sport/+/player1", {}, b.get()));
  CHECK(matches(t, "sport/tennis/player1") == std::set<std::string>{"a", "c"});
}

TEST_CASE("trie: shared groups pick one online member") {
  SubscriptionTrie t;
  auto a = std::make_shared<SessionCell>("a", 0), b = std::make_shared<SessionCell>("b", 0);
  a->online = false;
  b->online = true;
  t.subscribe("jobs/+", "g", {a, {}, 0});
  t.subscribe("jobs/+", "g", {b, {}, 0});
  for (int i = 0; i < 4; ++i) CHECK(matches(t, "jobs/1") == std::set<std::string>{"S:b"});
  b->online = false;
  std::multiset<std::string> seen;
  for (int i = 0; i < 4; ++i) seen.insert(*matches(t, "jobs/1").begin());
  CHECK(seen.count("S:a") == 2);
  CHECK(t.unsubscribe("jobs/+", "g", a.get()));
  CHECK(t.unsubscribe("jobs/+", "g", b.get()));
  CHECK(t.size() == 0);
}

}  // namespace herald::gateway::mqtt
