// Parser for the push plugin's config (push_config.h).
#include "push_config.h"

#include <map>
#include <set>

namespace herald::push {

const char* to_string(ProviderType t) {
  switch (t) {
    case ProviderType::kApns: return "apns";
    case ProviderType::kFcm: return "fcm";
    case ProviderType::kHuawei: return "huawei";
    case ProviderType::kXiaomi: return "xiaomi";
    case ProviderType::kOppo: return "oppo";
    case ProviderType::kVivo: return "vivo";
    case ProviderType::kHonor: return "honor";
  }
  return "unknown";
}

namespace {

const char* default_url(ProviderType t) {
  switch (t) {
    case ProviderType::kApns: return "https://api.push.apple.com";
    case ProviderType::kFcm: return "https://fcm.googleapis.com";
    case ProviderType::kHuawei: return "https://push-api.cloud.huawei.com";
    case ProviderType::kXiaomi: return "https://api.xmpush.xiaomi.com";
    case ProviderType::kOppo: return "https://api.push.oppomobile.com";
    case ProviderType::kVivo: return "https://api-push.vivo.com.cn";
    case ProviderType::kHonor: return "https://push-api.cloud.honor.com";
  }
  return "";
}

void required(const sdk::ConfigSection& r, const char* key, std::string& out, const char* why) {
  if (!r.string(key, out) || out.empty()) r.error(key, std::string("required for ") + why);
}

// The keys only some provider types take; one given to another type is refused (a vivo entry with
// a key_file is a mistake, not something to ignore).
void refuse_foreign_keys(const sdk::ConfigSection& r, ProviderType type) {
  static const std::map<std::string, std::set<ProviderType>> kOwners = {
      {"sandbox_url", {ProviderType::kApns}},
      {"key_file", {ProviderType::kApns}},
      {"key_id", {ProviderType::kApns}},
      {"team_id", {ProviderType::kApns}},
      {"topic", {ProviderType::kApns}},
      {"token_refresh", {ProviderType::kApns}},
      {"service_account_file", {ProviderType::kFcm}},
      {"token_uri", {ProviderType::kFcm, ProviderType::kHuawei, ProviderType::kHonor}},
      {"app_id", {ProviderType::kHuawei, ProviderType::kHonor, ProviderType::kVivo}},
      {"client_id", {ProviderType::kHuawei, ProviderType::kHonor}},
      {"client_secret", {ProviderType::kHuawei, ProviderType::kHonor}},
      {"app_secret", {ProviderType::kXiaomi, ProviderType::kVivo}},
      {"app_key", {ProviderType::kOppo, ProviderType::kVivo}},
      {"master_secret", {ProviderType::kOppo}},
      {"channel_id", {ProviderType::kOppo}},
      {"category", {ProviderType::kVivo}},
  };
  if (!r.present()) return;
  for (const auto& kv : r.node()) {
    auto it = kOwners.find(kv.first.as<std::string>(""));
    if (it != kOwners.end() && !it->second.count(type))
      r.error(it->first, std::string("not a key of provider type ") + to_string(type));
  }
}

ProviderConfig parse_provider(const sdk::ConfigSection& r) {
  ProviderConfig p;
  r.allow_keys({"name", "type", "app_ids", "url", "sandbox_url", "ca_file", "timeout", "ttl", "queue", "concurrency",
                "retry", "breaker", "key_file", "key_id", "team_id", "topic", "token_refresh", "service_account_file",
                "token_uri", "app_id", "client_id", "client_secret", "app_secret", "app_key", "master_secret",
                "channel_id", "category"});
  if (!r.choice("type", p.type, {{"apns", ProviderType::kApns}, {"fcm", ProviderType::kFcm}, {"huawei", ProviderType::kHuawei},
                               {"xiaomi", ProviderType::kXiaomi}, {"oppo", ProviderType::kOppo}, {"vivo", ProviderType::kVivo},
                               {"honor", ProviderType::kHonor}}) &&
      !r.scalar("type"))
    r.error("type", "required (apns, fcm, huawei, xiaomi, oppo, vivo or honor)");
  else
    refuse_foreign_keys(r, p.type);
  p.name = to_string(p.type);
  r.string("name", p.name);
  YAML::Node apps = r.node()["app_ids"];
  if (!apps.IsDefined() || apps.IsNull()) {
    // every app of the type
  } else if (apps.IsSequence()) {
    for (const auto& a : apps) p.app_ids.push_back(a.as<std::string>());
  } else {
    r.error("app_ids", "expected a list of app ids");
  }
  p.url = default_url(p.type);
  r.string("url", p.url);
  p.sandbox_url = "https://api.sandbox.push.apple.com";
  r.string("sandbox_url", p.sandbox_url);
  r.string("ca_file", p.ca_file);
  r.duration("timeout", p.timeout, false);
  r.duration("ttl", p.ttl);
  r.integer("queue", p.queue, 1, 10'000'000);
  r.integer("concurrency", p.concurrency, 1, 10'000);
  sdk::ConfigSection retry = r.child("retry");
  if (retry.present()) {
    retry.allow_keys({"max_attempts", "base", "max"});
    retry.integer("max_attempts", p.retry.max_attempts, 1, 100);
    retry.duration("base", p.retry.base, false);
    retry.duration("max", p.retry.max, false);
  }
  sdk::parse_circuit_breaker(r.child("breaker"), p.breaker);
  switch (p.type) {
    case ProviderType::kApns:
      required(r, "key_file", p.key_file, "apns (the .p8 key)");
      required(r, "key_id", p.key_id, "apns");
      required(r, "team_id", p.team_id, "apns");
      r.string("topic", p.topic);
      r.duration("token_refresh", p.token_refresh, false);
      if (p.token_refresh >= std::chrono::minutes(60)) r.error("token_refresh", "must be under 1h (Apple's limit)");
      break;
    case ProviderType::kFcm:
      required(r, "service_account_file", p.service_account_file, "fcm");
      r.string("token_uri", p.token_uri);
      break;
    case ProviderType::kHuawei:
    case ProviderType::kHonor: {
      const char* what = p.type == ProviderType::kHuawei ? "huawei" : "honor";
      required(r, "app_id", p.app_id, what);
      required(r, "client_id", p.client_id, what);
      required(r, "client_secret", p.client_secret, what);
      p.token_uri = p.type == ProviderType::kHuawei ? "https://oauth-login.cloud.huawei.com/oauth2/v3/token"
                                                    : "https://iam.developer.honor.com/auth/token";
      r.string("token_uri", p.token_uri);
      break;
    }
    case ProviderType::kXiaomi:
      required(r, "app_secret", p.app_secret, "xiaomi");
      break;
    case ProviderType::kOppo:
      required(r, "app_key", p.app_key, "oppo");
      required(r, "master_secret", p.master_secret, "oppo (the MasterSecret signs the auth request)");
      r.string("channel_id", p.channel_id);
      break;
    case ProviderType::kVivo:
      required(r, "app_id", p.app_id, "vivo");
      required(r, "app_key", p.app_key, "vivo");
      required(r, "app_secret", p.app_secret, "vivo (the AppSecret signs the auth request)");
      r.string("category", p.category);
      break;
  }
  return p;
}

}  // namespace

PushConfig parse_push_config(const YAML::Node& node, const sdk::ConfigSection::Report& report) {
  PushConfig c;
  c.bodies = {{"text", "{text}"}, {"image", "[Image]"}, {"audio", "[Voice]"}, {"video", "[Video]"},
              {"file", "[File]"},  {"system", "{text}"}, {"custom", "[Message]"}};
  sdk::ConfigSection root(node, "", report);
  root.allow_keys({"providers", "templates", "privacy", "silent_signals", "collapse", "collapse_window"});
  root.duration("collapse_window", c.collapse_window);
  root.boolean("silent_signals", c.silent_signals);
  root.boolean("collapse", c.collapse);
  if (root.present() && node["privacy"].IsDefined() && node["privacy"].IsScalar()) {
    root.boolean("privacy", c.privacy);
  } else if (sdk::ConfigSection privacy = root.child("privacy"); privacy.present()) {
    privacy.allow_keys({"enabled", "title", "body"});
    privacy.boolean("enabled", c.privacy);
    privacy.string("title", c.privacy_title);
    privacy.string("body", c.privacy_body);
  }
  sdk::ConfigSection templates = root.child("templates");
  if (templates.present()) {
    templates.allow_keys({"title", "text", "image", "audio", "video", "file", "system", "custom"});
    templates.string("title", c.title);
    for (auto& [kind, body] : c.bodies) templates.string(kind, body);
  }
  YAML::Node list = root.present() ? node["providers"] : YAML::Node();
  if (!list.IsDefined() || !list.IsSequence() || list.size() == 0) {
    root.error("providers", "expected a list of at least one provider");
    return c;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) {
    sdk::ConfigSection r = root.at("providers[" + std::to_string(i) + "]", list[i]);
    if (!r.present()) {
      r.error("", "expected a map");
      continue;
    }
    ProviderConfig p = parse_provider(r);
    if (!names.insert(p.name).second) r.error("name", "duplicate provider name \"" + p.name + "\"");
    p.collapse_window = c.collapse ? c.collapse_window : std::chrono::milliseconds(0);
    c.providers.push_back(std::move(p));
  }
  return c;
}

}  // namespace herald::push
