// The push plugin's configuration, parsed once into typed structs (README.md documents every key).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <herald/circuit_breaker.hpp>
#include <herald/config_section.hpp>

namespace herald::push {

// = binary::PushProvider values
enum class ProviderType : uint32_t { kApns = 1, kFcm = 2, kHuawei = 3, kXiaomi = 4, kOppo = 5, kVivo = 6, kHonor = 7 };
const char* to_string(ProviderType t);

struct RetryConfig {
  uint32_t max_attempts = 5;                  // first try included
  std::chrono::milliseconds base{500};        // backoff: base * 2^(attempt-1), jittered, capped
  std::chrono::milliseconds max{60'000};      // also caps a Retry-After
};

struct ProviderConfig {
  std::string name;          // metrics label and breaker target (push:<name>)
  ProviderType type = ProviderType::kApns;
  std::vector<std::string> app_ids;  // tokens registered with these app ids; empty: every app of the type
  std::string url;           // base URL (tests point it at a stand-in)
  std::string sandbox_url;   // APNs development environment
  std::string ca_file;       // extra CA bundle for the TLS peer ("" = system store)
  std::chrono::milliseconds timeout{10'000};
  std::chrono::milliseconds ttl{86'400'000};  // apns-expiration / FCM ttl / Huawei ttl
  uint32_t queue = 10'000;    // bounded queue; a full queue drops (counted)
  uint32_t concurrency = 64;  // requests in flight (HTTP/2 streams)
  std::chrono::milliseconds collapse_window{0};  // the plugin's collapse_window, copied here
  RetryConfig retry;
  sdk::CircuitBreakerConfig breaker;
  // APNs
  std::string key_file, key_id, team_id, topic;  // topic "" = the token's app id (bundle id)
  std::chrono::milliseconds token_refresh{50 * 60'000};  // Apple refuses tokens older than an hour
  // FCM
  std::string service_account_file, token_uri;  // token_uri "" = the service account's
  // Huawei, Honor (OAuth2 client credentials; app_id in the send URL); vivo (app_id in the signature)
  std::string app_id, client_id, client_secret;
  // Xiaomi (Authorization: key=), vivo (signature)
  std::string app_secret;
  // OPPO (sha256 signature), vivo (md5 signature)
  std::string app_key, master_secret;
  std::string channel_id;        // OPPO: notification channel ("" = the app's default)
  std::string category = "IM";   // vivo: message category (IM = instant messages, a system-class category)
};

struct PushConfig {
  std::vector<ProviderConfig> providers;
  std::map<std::string, std::string> bodies;  // message kind name -> body template
  std::string title = "{sender}";
  bool privacy = false;                  // hide sender and content
  std::string privacy_title = "New message";
  std::string privacy_body = "You have a new message";
  bool silent_signals = true;            // recall/read/delete: background push to sync
  bool collapse = true;                  // apns-collapse-id / collapse_key per conversation
  std::chrono::milliseconds collapse_window{0};  // > 0: a burst per (device, conversation) sends once
};

// Reports every problem with its YAML path; returns what parsed.
PushConfig parse_push_config(const YAML::Node& node, const sdk::ConfigSection::Report& report);

}  // namespace herald::push
