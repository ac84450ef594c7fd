// Topic ACL evaluation: built-in rules, then configured first-match rules, then the default.
#include "herald/gateway/auth/acl_rules.h"

#include "herald/mqtt/topic.h"

namespace herald::gateway::auth {
namespace {

using Levels = std::vector<std::string_view>;

Levels split(std::string_view s) {
  Levels out;
  size_t pos = 0;
  for (;;) {
    const size_t slash = s.find('/', pos);
    if (slash == std::string_view::npos) {
      out.push_back(s.substr(pos));
      return out;
    }
    out.push_back(s.substr(pos, slash - pos));
    pos = slash + 1;
  }
}

bool wild(std::string_view level) {
  return level == "+" || level == "#";
}
bool dollar(std::string_view level) {
  return !level.empty() && level.front() == '$';
}

// MQTT 4.7.2: a filter starting with a wildcard never matches a topic starting with '$'.
bool dollar_excluded(const Levels& wildcard_side, const Levels& literal_side) {
  return wild(wildcard_side[0]) && !wild(literal_side[0]) && dollar(literal_side[0]);
}

bool covers(const Levels& p, const Levels& s) {
  if (dollar_excluded(p, s)) return false;
  for (size_t i = 0;; ++i) {
    if (i < p.size() && p[i] == "#") return true;  // also matches the parent level ("a/#" matches "a")
    if (i == s.size()) return i == p.size();
    if (i == p.size()) return false;
    if (s[i] == "#") return false;  // s goes arbitrarily deep; p does not
    if (s[i] == "+") {
      if (p[i] != "+") return false;
      continue;
    }
    if (p[i] != "+" && p[i] != s[i]) return false;
  }
}

bool intersects(const Levels& a, const Levels& b) {
  if (dollar_excluded(a, b) || dollar_excluded(b, a)) return false;
  for (size_t i = 0;; ++i) {
    if ((i < a.size() && a[i] == "#") || (i < b.size() && b[i] == "#")) return true;
    if (i == a.size() || i == b.size()) return a.size() == b.size();
    if (a[i] != "+" && b[i] != "+" && a[i] != b[i]) return false;
  }
}

Levels view_levels(const std::vector<std::string>& v) {
  return Levels(v.begin(), v.end());
}

bool plain_level_value(std::string_view v) {
  return !v.empty() && v.find_first_of("/+#") == std::string_view::npos;
}

AclDecision decide(bool allowed, int rule, const char* why) {
  AclDecision d;
  d.allowed = allowed;
  d.reason = allowed ? HERALD_REASON_OK : HERALD_REASON_NOT_AUTHORIZED;
  d.rule = rule;
  d.why = why;
  return d;
}

const Levels kImAll = split("$im/#");
const Levels kInboxAll = split("$im/inbox/+/#");

}  // namespace

bool filter_covers(std::string_view outer, std::string_view inner) {
  return covers(split(outer), split(inner));
}
bool filter_intersects(std::string_view a, std::string_view b) {
  return intersects(split(a), split(b));
}

std::string validate_acl_pattern(std::string_view pattern) {
  std::string filled;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') {
      filled += pattern[i];
      continue;
    }
    if (i + 1 < pattern.size() && (pattern[i + 1] == 'u' || pattern[i + 1] == 'c')) {
      filled += 'x';
      ++i;
      continue;
    }
    return "only %u (user id) and %c (client id) may follow '%'";
  }
  if (herald::mqtt::validate_topic_filter(filled) != herald::mqtt::DecodeError::kNone)
    return "not a valid MQTT topic filter";
  if (herald::mqtt::parse_shared_subscription(filled))
    return "a rule names topics, not a $share/ subscription";
  return {};
}

AclRules::AclRules(AclConfig config) : config_(std::move(config)) {
  for (const auto& rc : config_.rules) {
    Rule r;
    if (rc.user == "*")
      r.who = Rule::Who::kAny;
    else if (rc.user == "$anonymous")
      r.who = Rule::Who::kAnonymous;
    else
      r.who = Rule::Who::kUser, r.user = rc.user;
    for (std::string_view level : split(rc.topic))
      r.levels.push_back(Level{std::string(level), level.find('%') != std::string_view::npos});
    r.access = static_cast<uint8_t>(rc.access);
    r.allow = rc.allow;
    rules_.push_back(std::move(r));
  }
}

bool AclRules::applies(const Rule& r, std::string_view user, AclAccess access) const {
  if ((r.access & static_cast<uint8_t>(access)) == 0) return false;
  switch (r.who) {
    case Rule::Who::kAny:
      return !user.empty();
    case Rule::Who::kAnonymous:
      return user.empty();
    case Rule::Who::kUser:
      return !user.empty() && r.user == user;
  }
  return false;
}

bool AclRules::expand(const Rule& r, std::string_view user, std::string_view client_id,
                      std::vector<std::string>& out) {
  out.clear();
  for (const Level& level : r.levels) {
    if (!level.substituted) {
      out.push_back(level.text);
      continue;
    }
    std::string s;
    for (size_t i = 0; i < level.text.size(); ++i) {
      if (level.text[i] == '%' && i + 1 < level.text.size()) {
        const std::string_view value = level.text[i + 1] == 'u' ? user : client_id;
        // A client id such as "#" or "a/b" would turn the rule into a wildcard: never substitute it.
        if (!plain_level_value(value)) return false;
        s += value;
        ++i;
      } else {
        s += level.text[i];
      }
    }
    out.push_back(std::move(s));
  }
  return true;
}

AclDecision AclRules::check_subscribe(std::string_view user, std::string_view client_id,
                                      std::string_view filter) const {
  if (herald::mqtt::validate_topic_filter(filter) != herald::mqtt::DecodeError::kNone) {
    AclDecision d = decide(false, AclDecision::kBuiltIn, "invalid topic filter");
    d.reason = HERALD_REASON_TOPIC_FILTER_INVALID;
    return d;
  }
  // A shared subscription reads the topics of its inner filter.
  if (auto shared = herald::mqtt::parse_shared_subscription(filter)) filter = shared->filter;
  const Levels s = split(filter);

  // Built-in rules, before any configured one.
  if (user.empty() && intersects(kImAll, s))
    return decide(false, AclDecision::kBuiltIn, "anonymous clients cannot reach $im/");
  if (intersects(kInboxAll, s)) {
    // The filter reaches inbox topics: it must pin the inbox owner (level 2) to this user.
    // (s[0] and s[1] cannot be '#' when s has a level 2: '#' is always last.)
    const bool pinned = !user.empty() && s.size() > 2 && s[2] == user;
    if (!pinned) return decide(false, AclDecision::kBuiltIn, "an inbox is readable only by its owner");
    const std::string own = "$im/inbox/" + std::string(user) + "/#";
    if (covers(split(own), s)) return decide(true, AclDecision::kBuiltIn, "own inbox");
    // Otherwise the part outside the inbox is for the configured rules to decide.
  }

  std::vector<std::string> expanded;
  for (size_t i = 0; i < rules_.size(); ++i) {
    const Rule& r = rules_[i];
    if (!applies(r, user, AclAccess::kRead)) continue;
    if (!expand(r, user, client_id, expanded)) {
      if (r.allow) continue;  // fail closed: a deny rule that cannot be filled in denies
      return decide(false, static_cast<int>(i), "deny rule with an unusable user or client id");
    }
    const Levels p = view_levels(expanded);
    if (!intersects(p, s)) continue;
    // First match wins topic by topic. A deny reaching any topic of the filter refuses the filter; an
    // allow decides only if it covers the whole filter, otherwise later rules decide the rest. (This is
    // conservative: a filter allowed only by a union of several rules is refused.)
    if (!r.allow) return decide(false, static_cast<int>(i), "denied by rule");
    if (covers(p, s)) return decide(true, static_cast<int>(i), "allowed by rule");
  }
  return config_.default_allow
             ? decide(true, AclDecision::kDefault, "default allow")
             : decide(false, AclDecision::kDefault, "no rule allows every topic of this filter");
}

AclDecision AclRules::check_publish(std::string_view user, std::string_view client_id,
                                    std::string_view topic) const {
  if (herald::mqtt::validate_topic_name(topic) != herald::mqtt::DecodeError::kNone) {
    AclDecision d = decide(false, AclDecision::kBuiltIn, "invalid topic name");
    d.reason = HERALD_REASON_TOPIC_NAME_INVALID;
    return d;
  }
  const Levels t = split(topic);
  if (t[0] == "$SYS") return decide(false, AclDecision::kBuiltIn, "$SYS is read-only");
  if (t[0] == "$im" && t.size() >= 2 && t[1] == "inbox")
    return decide(false, AclDecision::kBuiltIn, "nobody publishes to an inbox");
  if (user.empty() && t[0] == "$im")
    return decide(false, AclDecision::kBuiltIn, "anonymous clients cannot reach $im/");

  std::vector<std::string> expanded;
  for (size_t i = 0; i < rules_.size(); ++i) {
    const Rule& r = rules_[i];
    if (!applies(r, user, AclAccess::kWrite)) continue;
    if (!expand(r, user, client_id, expanded)) {
      if (r.allow) continue;
      return decide(false, static_cast<int>(i), "deny rule with an unusable user or client id");
    }
    if (!covers(view_levels(expanded), t)) continue;
    return r.allow ? decide(true, static_cast<int>(i), "allowed by rule")
                   : decide(false, static_cast<int>(i), "denied by rule");
  }
  // IM requests (docs/protocol.md Part II): the messaging core authorizes each one (membership, roles),
  // so an authenticated user may publish on `$im/` unless a configured rule denies it.
  if (t[0] == "$im") return decide(true, AclDecision::kBuiltIn, "IM request topic");
  return config_.default_allow ? decide(true, AclDecision::kDefault, "default allow")
                               : decide(false, AclDecision::kDefault, "no rule allows this topic");
}

}  // namespace herald::gateway::auth
