// APNs (HTTP/2, ES256 provider tokens), FCM HTTP v1 (OAuth2 from a service account, RS256 grant),
// Huawei Push Kit (OAuth2 client credentials) and Xiaomi (app secret), as their public docs describe.
#include "providers.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "http_transfer.h"
#include "jwt.h"

namespace herald::push {
namespace {

using Json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string form_escape(const std::string& v) {
  std::string out;
  char* e = curl_easy_escape(nullptr, v.data(), static_cast<int>(v.size()));
  if (e) {
    out = e;
    curl_free(e);
  }
  return out;
}

// Answers every provider shares: no answer, throttling, server errors.
std::optional<Outcome> transient(const HttpAnswer& a) {
  if (a.status == 0) return Outcome{Outcome::kRetry, {}, false, a.timed_out ? "timeout" : "transport_error"};
  if (a.status == 429) return Outcome{Outcome::kRetry, parse_retry_after(a.retry_after), false, "throttled"};
  if (a.status >= 500) return Outcome{Outcome::kRetry, parse_retry_after(a.retry_after), false, "server_error"};
  return std::nullopt;
}

Json json_or_empty(const std::string& body) {
  Json j = Json::parse(body, nullptr, false);
  return j.is_discarded() || !j.is_object() ? Json::object() : j;
}

// An OAuth2 bearer token, fetched on first use and again shortly before it expires or when refused.
class BearerCache {
 public:
  template <class Fetch>
  std::optional<std::string> get(Fetch&& fetch, std::string* error) {
    std::lock_guard lock(mutex_);
    if (!token_.empty() && SteadyClock::now() < refresh_at_) return token_;
    auto [token, lifetime] = fetch(error);
    if (token.empty()) return std::nullopt;
    token_ = token;
    // Renew a minute early (or at half the lifetime when it is short) so no request carries a token
    // that expires in flight.
    auto margin = std::min<std::chrono::seconds>(std::chrono::seconds(60), lifetime / 2);
    refresh_at_ = SteadyClock::now() + lifetime - margin;
    return token_;
  }
  void invalidate() {
    std::lock_guard lock(mutex_);
    token_.clear();
  }

 private:
  std::mutex mutex_;
  std::string token_;
  SteadyClock::time_point refresh_at_{};
};

// {"access_token": ..., "expires_in": n} from an OAuth2 token endpoint.
std::pair<std::string, std::chrono::seconds> oauth_answer(const HttpAnswer& a, std::string* error) {
  if (a.status != 200) {
    *error = "token endpoint answered " + std::to_string(a.status) + (a.error.empty() ? "" : " (" + a.error + ")");
    return {};
  }
  Json j = json_or_empty(a.body);
  if (!j.contains("access_token") || !j["access_token"].is_string()) {
    *error = "token endpoint gave no access_token";
    return {};
  }
  int64_t ttl = j.value("expires_in", 3600);
  if (j["expires_in"].is_string()) ttl = std::stoll(j["expires_in"].get<std::string>());
  return {j["access_token"].get<std::string>(), std::chrono::seconds(std::max<int64_t>(ttl, 1))};
}

// ---- APNs --------------------------------------------------------------------------------------
// POST /3/device/<token> over HTTP/2; auth: bearer ES256 JWT {iss: team, iat} with kid = key id.
class Apns : public Provider {
 public:
  explicit Apns(const ProviderConfig& c) : c_(c), key_(SigningKey::from_pem(read_file(c.key_file))) {
    if (!key_.is_ec()) throw std::runtime_error(c.key_file + ": an APNs key must be an EC P-256 (.p8) key");
  }

  std::optional<HttpCall> request(const Notification& n, std::string*) override {
    HttpCall call;
    call.http2 = true;
    call.url = (n.sandbox ? c_.sandbox_url : c_.url) + "/3/device/" + n.token;
    call.headers = {"authorization: bearer " + provider_token(),
                    "apns-topic: " + (c_.topic.empty() ? n.app_id : c_.topic),
                    std::string("apns-push-type: ") + (n.silent ? "background" : "alert"),
                    std::string("apns-priority: ") + (n.silent ? "5" : "10"),
                    "apns-expiration: " + std::to_string(unix_seconds() + c_.ttl.count() / 1000),
                    "content-type: application/json"};
    if (!n.collapse_id.empty() && !n.silent) call.headers.push_back("apns-collapse-id: " + n.collapse_id.substr(0, 64));
    Json aps;
    aps["badge"] = n.badge;  // APNs replaces the app's badge with this number (a read lowers it too)
    if (n.silent) {
      aps["content-available"] = 1;
    } else {
      aps["alert"] = {{"title", n.title}, {"body", n.body}};
      aps["sound"] = "default";
      if (!n.conv.empty()) aps["thread-id"] = n.conv;
    }
    call.body = Json{{"aps", aps}, {"conv", n.conv}, {"msg_id", n.msg_id}}.dump();
    return call;
  }

  Outcome classify(const HttpAnswer& a) override {
    if (a.status == 200) return {Outcome::kSent, {}, false, "ok"};
    if (auto t = transient(a)) return *t;
    std::string reason = json_or_empty(a.body).value("reason", "");
    if (a.status == 410 || (a.status == 400 && (reason == "BadDeviceToken" || reason == "DeviceTokenNotForTopic")))
      return {Outcome::kInvalidToken, {}, false, "invalid_token"};
    if (a.status == 403 && reason == "ExpiredProviderToken") {
      std::lock_guard lock(mutex_);
      token_.clear();
      return {Outcome::kRetry, {}, true, "auth_expired"};
    }
    return {Outcome::kFailed, {}, false, reason.empty() ? "status_" + std::to_string(a.status) : reason};
  }

 private:
  // Apple wants a token no older than an hour and no fresher than every 20 minutes: one per
  // token_refresh, shared by every request.
  std::string provider_token() {
    std::lock_guard lock(mutex_);
    if (token_.empty() || SteadyClock::now() >= refresh_at_) {
      token_ = key_.sign_jwt(Json{{"alg", "ES256"}, {"kid", c_.key_id}}.dump(),
                             Json{{"iss", c_.team_id}, {"iat", unix_seconds()}}.dump());
      refresh_at_ = SteadyClock::now() + c_.token_refresh;
    }
    return token_;
  }

  const ProviderConfig c_;
  SigningKey key_;
  std::mutex mutex_;
  std::string token_;
  SteadyClock::time_point refresh_at_{};
};

// ---- FCM HTTP v1 -------------------------------------------------------------------------------
// POST /v1/projects/<project>/messages:send with an OAuth2 token from the service account (RS256
// JWT bearer grant to its token_uri, scope firebase.messaging).
class Fcm : public Provider {
 public:
  explicit Fcm(const ProviderConfig& c) : c_(c) {
    Json sa = json_or_empty(read_file(c.service_account_file));
    for (const char* k : {"project_id", "private_key", "client_email"})
      if (!sa.contains(k) || !sa[k].is_string()) throw std::runtime_error(c.service_account_file + ": no " + k);
    project_ = sa["project_id"];
    email_ = sa["client_email"];
    token_uri_ = !c.token_uri.empty() ? c.token_uri : sa.value("token_uri", "https://oauth2.googleapis.com/token");
    key_.emplace(SigningKey::from_pem(sa["private_key"].get<std::string>()));
    if (!key_->is_rsa()) throw std::runtime_error(c.service_account_file + ": private_key must be RSA");
  }

  std::optional<HttpCall> request(const Notification& n, std::string* error) override {
    auto bearer = bearer_.get([this](std::string* e) { return fetch_token(e); }, error);
    if (!bearer) return std::nullopt;
    Json data = {{"conv", n.conv}, {"msg_id", n.msg_id}, {"badge", std::to_string(n.badge)}};
    Json message = {{"token", n.token}, {"data", data}};
    Json android = {{"priority", n.silent ? "NORMAL" : "HIGH"}, {"ttl", std::to_string(c_.ttl.count() / 1000) + "s"}};
    if (!n.silent) {
      message["notification"] = {{"title", n.title}, {"body", n.body}};
      Json an = {{"notification_count", n.badge}};
      if (!n.collapse_id.empty()) an["tag"] = n.collapse_id;
      android["notification"] = an;
      message["apns"] = {{"payload", {{"aps", {{"badge", n.badge}}}}}};
    }
    if (!n.collapse_id.empty()) android["collapse_key"] = n.collapse_id;
    message["android"] = android;
    HttpCall call;
    call.url = c_.url + "/v1/projects/" + project_ + "/messages:send";
    call.headers = {"authorization: Bearer " + *bearer, "content-type: application/json"};
    call.body = Json{{"message", message}}.dump();
    return call;
  }

  Outcome classify(const HttpAnswer& a) override {
    if (a.status == 200) return {Outcome::kSent, {}, false, "ok"};
    if (auto t = transient(a)) return *t;
    Json err = json_or_empty(a.body).value("error", Json::object());
    std::string status = err.is_object() ? err.value("status", "") : "";
    std::string code;  // google.firebase.fcm.v1.FcmError errorCode in details
    if (err.is_object() && err.contains("details") && err["details"].is_array())
      for (const auto& d : err["details"])
        if (d.is_object() && d.contains("errorCode") && d["errorCode"].is_string()) code = d["errorCode"];
    if (a.status == 404 || status == "NOT_FOUND" || code == "UNREGISTERED" || status == "UNREGISTERED")
      return {Outcome::kInvalidToken, {}, false, "invalid_token"};
    if (a.status == 401) {
      bearer_.invalidate();
      return {Outcome::kRetry, {}, true, "auth_expired"};
    }
    return {Outcome::kFailed, {}, false, code.empty() ? "status_" + std::to_string(a.status) : code};
  }

 private:
  std::pair<std::string, std::chrono::seconds> fetch_token(std::string* error) {
    int64_t now = unix_seconds();
    std::string jwt = key_->sign_jwt(Json{{"alg", "RS256"}, {"typ", "JWT"}}.dump(),
                                     Json{{"iss", email_},
                                          {"scope", "https://www.googleapis.com/auth/firebase.messaging"},
                                          {"aud", token_uri_},
                                          {"iat", now},
                                          {"exp", now + 3600}}
                                         .dump());
    HttpCall call{token_uri_,
                  {"content-type: application/x-www-form-urlencoded"},
                  "grant_type=" + form_escape("urn:ietf:params:oauth:grant-type:jwt-bearer") + "&assertion=" + jwt,
                  false};
    return oauth_answer(fetch(call, TlsOptions{c_.ca_file, c_.timeout}), error);
  }

  const ProviderConfig c_;
  std::string project_, email_, token_uri_;
  std::optional<SigningKey> key_;
  BearerCache bearer_;
};

// ---- Huawei Push Kit ---------------------------------------------------------------------------
// POST /v1/<app id>/messages:send with an OAuth2 client-credentials token; the result is in the
// body's "code" (80000000 success, 80300007 all tokens invalid, 80200003 token expired).
class Huawei : public Provider {
 public:
  explicit Huawei(const ProviderConfig& c) : c_(c) {}

  std::optional<HttpCall> request(const Notification& n, std::string* error) override {
    auto bearer = bearer_.get([this](std::string* e) { return fetch_token(e); }, error);
    if (!bearer) return std::nullopt;
    Json message = {{"token", Json::array({n.token})},
                    {"data", Json{{"conv", n.conv}, {"msg_id", n.msg_id}, {"badge", n.badge}}.dump()}};
    Json android = {{"ttl", std::to_string(c_.ttl.count() / 1000) + "s"}};
    if (!n.collapse_id.empty()) android["collapse_key"] = -1;  // -1: keep every message of the app
    if (!n.silent) {
      Json notification = {{"title", n.title}, {"body", n.body}, {"click_action", {{"type", 3}}},
                           {"badge", {{"set_num", n.badge}}}};
      if (!n.collapse_id.empty()) notification["tag"] = n.collapse_id;
      android["notification"] = notification;
    }
    message["android"] = android;
    HttpCall call;
    call.url = c_.url + "/v1/" + c_.app_id + "/messages:send";
    call.headers = {"authorization: Bearer " + *bearer, "content-type: application/json"};
    call.body = Json{{"validate_only", false}, {"message", message}}.dump();
    return call;
  }

  Outcome classify(const HttpAnswer& a) override {
    if (auto t = transient(a)) return *t;
    std::string code = json_or_empty(a.body).value("code", "");
    if (a.status == 200 && code == "80000000") return {Outcome::kSent, {}, false, "ok"};
    if (code == "80300007" || code == "80100000") return {Outcome::kInvalidToken, {}, false, "invalid_token"};
    if (a.status == 401 || code == "80200003") {
      bearer_.invalidate();
      return {Outcome::kRetry, {}, true, "auth_expired"};
    }
    if (code == "81000001") return {Outcome::kRetry, {}, false, "server_error"};  // internal error
    return {Outcome::kFailed, {}, false, code.empty() ? "status_" + std::to_string(a.status) : "code_" + code};
  }

 private:
  std::pair<std::string, std::chrono::seconds> fetch_token(std::string* error) {
    HttpCall call{c_.token_uri,
                  {"content-type: application/x-www-form-urlencoded"},
                  "grant_type=client_credentials&client_id=" + form_escape(c_.client_id) +
                      "&client_secret=" + form_escape(c_.client_secret),
                  false};
    return oauth_answer(fetch(call, TlsOptions{c_.ca_file, c_.timeout}), error);
  }

  const ProviderConfig c_;
  BearerCache bearer_;
};

// ---- Xiaomi (MiPush) ---------------------------------------------------------------------------
// POST /v3/message/regid, form-encoded, "Authorization: key=<AppSecret>"; the result is in the body
// ({"result": "ok", "code": 0}; code 20301 "No valid targets": the regId is dead).
class Xiaomi : public Provider {
 public:
  explicit Xiaomi(const ProviderConfig& c) : c_(c) {}

  std::optional<HttpCall> request(const Notification& n, std::string*) override {
    std::string payload = Json{{"conv", n.conv}, {"msg_id", n.msg_id}, {"badge", n.badge}}.dump();
    std::string form = "registration_id=" + form_escape(n.token) + "&restricted_package_name=" + form_escape(n.app_id) +
                       "&payload=" + form_escape(payload) + "&time_to_live=" + std::to_string(c_.ttl.count()) +
                       "&pass_through=" + (n.silent ? "1" : "0");
    if (!n.silent)
      form += "&title=" + form_escape(n.title) + "&description=" + form_escape(n.body) + "&notify_type=-1" +
              "&extra.badge=" + std::to_string(n.badge);
    // notify_id: one notification slot per conversation replaces the previous one (collapse).
    if (!n.collapse_id.empty()) form += "&notify_id=" + std::to_string(std::hash<std::string>{}(n.collapse_id) % 1000000);
    HttpCall call;
    call.url = c_.url + "/v3/message/regid";
    call.headers = {"authorization: key=" + c_.app_secret, "content-type: application/x-www-form-urlencoded"};
    call.body = std::move(form);
    return call;
  }

  Outcome classify(const HttpAnswer& a) override {
    if (auto t = transient(a)) return *t;
    Json j = json_or_empty(a.body);
    int64_t code = j.contains("code") && j["code"].is_number_integer() ? j["code"].get<int64_t>() : -1;
    if (a.status == 200 && j.value("result", "") == "ok" && code == 0) return {Outcome::kSent, {}, false, "ok"};
    if (code == 20301) return {Outcome::kInvalidToken, {}, false, "invalid_token"};
    return {Outcome::kFailed, {}, false, code < 0 ? "status_" + std::to_string(a.status) : "code_" + std::to_string(code)};
  }

 private:
  const ProviderConfig c_;
};

}  // namespace

std::chrono::milliseconds parse_retry_after(const std::string& value) {
  if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos || value.size() > 9) return {};
  return std::chrono::seconds(std::stoll(value));
}

std::unique_ptr<Provider> make_provider(const ProviderConfig& config) {
  switch (config.type) {
    case ProviderType::kApns: return std::make_unique<Apns>(config);
    case ProviderType::kFcm: return std::make_unique<Fcm>(config);
    case ProviderType::kHuawei: return std::make_unique<Huawei>(config);
    case ProviderType::kXiaomi: return std::make_unique<Xiaomi>(config);
  }
  throw std::runtime_error("unknown provider type");
}

}  // namespace herald::push
