// Topic ACLs: first-match rules from config over built-in rules nobody can override. Subscriptions are
// checked as sets: a filter is allowed only if every topic it can match is allowed, so `#` or
// `$im/inbox/+` cannot be used to read another user's traffic.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "herald/reason_codes.h"

namespace herald::gateway::auth {

enum class AclAccess : uint8_t { kRead = 1, kWrite = 2, kReadWrite = 3 };

struct AclRuleConfig {
  std::string user;   // a user id, "*" (any authenticated user) or "$anonymous"
  std::string topic;  // MQTT filter; "%u" = the user id, "%c" = the client id
  AclAccess access = AclAccess::kReadWrite;
  bool allow = false;
};

struct AclConfig {
  bool default_allow = false;  // when no rule matches
  std::vector<AclRuleConfig> rules;
};

struct AclDecision {
  static constexpr int kBuiltIn = -2, kDefault = -1;
  bool allowed = false;
  herald_reason reason = HERALD_REASON_NOT_AUTHORIZED;  // OK, NOT_AUTHORIZED or TOPIC_*_INVALID
  int rule = kDefault;   // index into AclConfig::rules that decided, or kBuiltIn / kDefault
  const char* why = "";  // static text for logs
};

class AclRules {
 public:
  explicit AclRules(AclConfig config);  // expects a config that passed validate_acl_pattern

  // `user`: the authenticated user id, empty for an anonymous client. Thread-safe (immutable).
  AclDecision check_subscribe(std::string_view user, std::string_view client_id,
                              std::string_view filter) const;
  AclDecision check_publish(std::string_view user, std::string_view client_id, std::string_view topic) const;

  const AclConfig& config() const { return config_; }

 private:
  struct Level {
    std::string text;
    bool substituted;  // holds %u or %c
  };
  struct Rule {
    enum class Who { kUser, kAny, kAnonymous } who;
    std::string user;
    std::vector<Level> levels;
    uint8_t access;
    bool allow;
  };
  bool applies(const Rule& r, std::string_view user, AclAccess access) const;
  // Expands placeholders into `out`; false when a value would not be one plain topic level.
  static bool expand(const Rule& r, std::string_view user, std::string_view client_id,
                     std::vector<std::string>& out);

  AclConfig config_;
  std::vector<Rule> rules_;
};

// Checks a rule's topic pattern: a valid MQTT filter once placeholders are filled, and no '%' other
// than %u / %c. Returns an error message, or empty when fine.
std::string validate_acl_pattern(std::string_view pattern);

// Set relations between MQTT filters (wildcards on both sides; '$' topics as MQTT 4.7.2 says).
// Exposed for tests. Both arguments must be valid, non-shared filters.
bool filter_covers(std::string_view outer, std::string_view inner);  // every topic inner matches, outer does
bool filter_intersects(std::string_view a, std::string_view b);      // some topic matches both

}  // namespace herald::gateway::auth
