// Topic ACLs: filter set relations, built-in rules, first-match config rules, %u/%c, wildcard subscriptions.
#include <catch2/catch.hpp>

#include "herald/gateway/auth/acl_rules.h"

using namespace herald::gateway::auth;

namespace {

AclRuleConfig rule(std::string user, std::string topic, AclAccess access, bool allow) {
  return AclRuleConfig{std::move(user), std::move(topic), access, allow};
}

AclRules typical(bool default_allow = false) {
  AclConfig c;
  c.default_allow = default_allow;
  c.rules = {
      rule("*", "chat/%u/#", AclAccess::kReadWrite, true),          // 0
      rule("bob", "rooms/secret/#", AclAccess::kReadWrite, false),  // 1
      rule("*", "rooms/#", AclAccess::kRead, true),                 // 2
      rule("*", "rooms/+/messages", AclAccess::kWrite, true),       // 3
      rule("*", "devices/%c/#", AclAccess::kReadWrite, true),       // 4
      rule("$anonymous", "public/#", AclAccess::kRead, true),       // 5
      rule("admin", "$SYS/#", AclAccess::kRead, true),              // 6
      rule("*", "$im/send", AclAccess::kWrite, true),               // 7
      rule("*", "$im/+/alice", AclAccess::kRead, true),             // 8 (partly inside the inbox)
  };
  return AclRules(c);
}

}  // namespace

TEST_CASE("acl: filter covers / intersects") {
  CHECK(filter_covers("#", "a/b"));
  CHECK(filter_covers("#", "+/b/#"));
  CHECK(filter_covers("a/#", "a"));  // '#' includes the parent level
  CHECK(filter_covers("a/#", "a/+/c"));
  CHECK(filter_covers("a/+", "a/+"));
  CHECK(filter_covers("a/+/c", "a/b/c"));
  CHECK_FALSE(filter_covers("a/+", "a/#"));
  CHECK_FALSE(filter_covers("a/b", "a/+"));
  CHECK_FALSE(filter_covers("a/+", "a/b/c"));
  CHECK_FALSE(filter_covers("a/b/#", "a/#"));
  CHECK_FALSE(filter_covers("#", "$SYS/x"));  // MQTT 4.7.2
  CHECK_FALSE(filter_covers("+/x", "$SYS/x"));
  CHECK(filter_covers("$SYS/#", "$SYS/x"));

  CHECK(filter_intersects("a/+", "+/b"));
  CHECK(filter_intersects("a/#", "a"));
  CHECK(filter_intersects("#", "a/b/c"));
  CHECK(filter_intersects("a/b", "a/b"));
  CHECK_FALSE(filter_intersects("a/b", "a/c"));
  CHECK_FALSE(filter_intersects("a/+", "a/b/c"));
  CHECK_FALSE(filter_intersects("#", "$im/inbox/x"));
  CHECK_FALSE(filter_intersects("+/inbox/+", "$im/inbox/x"));
  CHECK(filter_intersects("$im/+/x", "$im/inbox/+"));
  CHECK(filter_intersects("", ""));
  CHECK(filter_intersects("a//b", "a/+/b"));
}

TEST_CASE("acl: own topics via %u, other users' refused, also through wildcards") {
  const AclRules acl = typical();
  CHECK(acl.check_subscribe("alice", "c1", "chat/alice/#").allowed);
  CHECK(acl.check_subscribe("alice", "c1", "chat/alice/+/x").allowed);
  CHECK(acl.check_subscribe("alice", "c1", "chat/alice").allowed);
  CHECK(acl.check_publish("alice", "c1", "chat/alice/to/bob").allowed);
  CHECK_FALSE(acl.check_subscribe("alice", "c1", "chat/bob/#").allowed);
  CHECK_FALSE(acl.check_publish("alice", "c1", "chat/bob/x").allowed);
  CHECK_FALSE(acl.check_subscribe("alice", "c1", "chat/+/x").allowed);
  CHECK_FALSE(acl.check_subscribe("alice", "c1", "chat/#").allowed);
  CHECK_FALSE(acl.check_subscribe("alice", "c1", "+/alice/#").allowed);
  const AclDecision all = acl.check_subscribe("alice", "c1", "#");
  CHECK_FALSE(all.allowed);
  CHECK(all.reason == HERALD_REASON_NOT_AUTHORIZED);
  CHECK(all.rule == AclDecision::kDefault);
}

TEST_CASE("acl: inbox is readable only by its owner and writable by nobody") {
  for (bool default_allow : {false, true}) {
    const AclRules acl = typical(default_allow);
    INFO("default allow: " << default_allow);
    CHECK(acl.check_subscribe("alice", "c1", "$im/inbox/alice").allowed);
    CHECK(acl.check_subscribe("alice", "c1", "$im/inbox/alice/#").allowed);
    CHECK(acl.check_subscribe("alice", "c1", "$im/inbox/alice").rule == AclDecision::kBuiltIn);
    CHECK_FALSE(acl.check_subscribe("alice", "c1", "$im/inbox/bob").allowed);
    CHECK_FALSE(acl.check_subscribe("alice", "c1", "$im/inbox/+").allowed);
    CHECK_FALSE(acl.check_subscribe("alice", "c1", "$im/inbox/#").allowed);
    CHECK_FALSE(acl.check_subscribe("alice", "c1", "$im/#").allowed);
    CHECK_FALSE(acl.check_subscribe("alice", "c1", "$im/+/+").allowed);
    CHECK_FALSE(acl.check_subscribe("alice", "c1", "$share/g/$im/inbox/+").allowed);
    CHECK_FALSE(acl.check_subscribe("mallory", "c1", "$im/inbox/alice").allowed);
    CHECK_FALSE(acl.check_publish("alice", "c1", "$im/inbox/alice").allowed);
    CHECK_FALSE(acl.check_publish("bob", "c1", "$im/inbox/alice").allowed);
    CHECK_FALSE(acl.check_publish("bob", "c1", "$im/inbox").allowed);
    // "$im/+/alice" reaches alice's inbox and other $im topics: rule 8 covers the whole filter.
    CHECK(acl.check_subscribe("alice", "c1", "$im/+/alice").allowed);
    CHECK_FALSE(acl.check_subscribe("bob", "c1", "$im/+/alice").allowed);  // reaches alice's inbox
  }
}

TEST_CASE("acl: anonymous clients") {
  const AclRules acl = typical(true);
  CHECK(acl.check_subscribe("", "anon", "public/#").allowed);
  CHECK_FALSE(acl.check_subscribe("", "anon", "$im/inbox/+").allowed);
  CHECK_FALSE(acl.check_subscribe("", "anon", "$im/send").allowed);
  CHECK_FALSE(acl.check_publish("", "anon", "$im/send").allowed);
  CHECK(acl.check_publish("alice", "c1", "$im/send").allowed);
  // IM request topics need no rule; a configured deny still wins.
  AclConfig im_cfg;
  im_cfg.rules.push_back(rule("mallory", "$im/#", AclAccess::kWrite, false));
  AclRules im_acl(im_cfg);
  CHECK(im_acl.check_publish("bob", "c1", "$im/send/c2c/alice").allowed);
  CHECK(im_acl.check_publish("bob", "c1", "$im/sync").allowed);
  CHECK_FALSE(im_acl.check_publish("mallory", "c1", "$im/sync").allowed);
  CHECK_FALSE(im_acl.check_publish("bob", "c1", "$im/inbox/bob").allowed);
  CHECK_FALSE(im_acl.check_publish("", "anon", "$im/sync").allowed);

  const AclRules strict = typical(false);
  CHECK(strict.check_subscribe("", "anon", "public/news").allowed);
  CHECK_FALSE(strict.check_subscribe("", "anon", "chat/x/#").allowed);   // "*" means authenticated users
  CHECK_FALSE(strict.check_publish("", "anon", "public/news").allowed);  // read-only rule
}

TEST_CASE("acl: first match wins, a deny reaching part of a filter refuses it") {
  const AclRules acl = typical();
  CHECK_FALSE(acl.check_subscribe("bob", "c1", "rooms/secret/x").allowed);
  CHECK(acl.check_subscribe("bob", "c1", "rooms/secret/x").rule == 1);
  CHECK_FALSE(acl.check_subscribe("bob", "c1", "rooms/#").allowed);
  CHECK_FALSE(acl.check_subscribe("bob", "c1", "rooms/+/x").allowed);
  CHECK(acl.check_subscribe("bob", "c1", "rooms/lobby/#").allowed);
  CHECK(acl.check_subscribe("bob", "c1", "rooms/lobby/#").rule == 2);
  CHECK(acl.check_subscribe("alice", "c1", "rooms/#").allowed);
  // Access kinds are separate: rooms/# is read-only, only .../messages is writable.
  CHECK(acl.check_publish("alice", "c1", "rooms/lobby/messages").allowed);
  CHECK_FALSE(acl.check_publish("alice", "c1", "rooms/lobby/topic").allowed);
  CHECK_FALSE(acl.check_publish("bob", "c1", "rooms/secret/messages").allowed);
}

TEST_CASE("acl: %c substitution never turns into a wildcard") {
  const AclRules acl = typical();
  CHECK(acl.check_subscribe("alice", "phone1", "devices/phone1/#").allowed);
  CHECK_FALSE(acl.check_subscribe("alice", "phone1", "devices/phone2/#").allowed);
  CHECK_FALSE(acl.check_subscribe("alice", "#", "devices/#").allowed);
  CHECK_FALSE(acl.check_subscribe("alice", "+", "devices/x/#").allowed);
  CHECK_FALSE(acl.check_subscribe("alice", "a/b", "devices/a/b/#").allowed);

  AclConfig c;
  c.default_allow = true;
  c.rules = {rule("*", "private/%c/#", AclAccess::kReadWrite, false)};
  const AclRules deny_first(c);
  CHECK_FALSE(deny_first.check_publish("alice", "x", "private/x/1").allowed);
  CHECK(deny_first.check_publish("alice", "x", "private/y/1").allowed);
  // A deny rule that cannot be filled in fails closed.
  CHECK_FALSE(deny_first.check_publish("alice", "x/y", "anything").allowed);
}

TEST_CASE("acl: $SYS is read-only, shared subscriptions check their inner filter") {
  const AclRules acl = typical(true);
  CHECK(acl.check_subscribe("admin", "c", "$SYS/#").allowed);
  CHECK_FALSE(acl.check_publish("admin", "c", "$SYS/broker/x").allowed);
  CHECK_FALSE(typical(false).check_subscribe("alice", "c", "$SYS/#").allowed);
  CHECK(acl.check_subscribe("alice", "c", "#").allowed);  // default allow; '#' never reaches '$' topics

  const AclRules strict = typical(false);
  CHECK(strict.check_subscribe("alice", "c", "$share/workers/chat/alice/#").allowed);
  CHECK_FALSE(strict.check_subscribe("alice", "c", "$share/workers/chat/+/x").allowed);
}

TEST_CASE("acl: invalid topics and filters") {
  const AclRules acl = typical(true);
  CHECK(acl.check_subscribe("alice", "c", "a/#/b").reason == HERALD_REASON_TOPIC_FILTER_INVALID);
  CHECK(acl.check_subscribe("alice", "c", "").reason == HERALD_REASON_TOPIC_FILTER_INVALID);
  CHECK(acl.check_publish("alice", "c", "a/+").reason == HERALD_REASON_TOPIC_NAME_INVALID);
  CHECK_FALSE(acl.check_publish("alice", "c", "").allowed);

  CHECK(validate_acl_pattern("chat/%u/#").empty());
  CHECK(validate_acl_pattern("dev-%c/x").empty());
  CHECK_FALSE(validate_acl_pattern("chat/%x").empty());
  CHECK_FALSE(validate_acl_pattern("a/#/b").empty());
  CHECK_FALSE(validate_acl_pattern("$share/g/a").empty());
  CHECK_FALSE(validate_acl_pattern("").empty());
}
