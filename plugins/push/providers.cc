// APNs (HTTP/2, ES256 provider tokens), FCM HTTP v1 (OAuth2 from a service account, RS256 grant),
// Huawei Push Kit and Honor Push (OAuth2 client credentials), Xiaomi (app secret), OPPO (sha256-signed
// auth token) and vivo (md5-signed auth token), as their public developer docs describe.
#include "providers.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "http_transfer.h"
#include "jwt.h"
#include "vendor_signatures.h"

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

int64_t unix_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t ttl_seconds(const ProviderConfig& c, int64_t min, int64_t max) {
  return std::clamp<int64_t>(c.ttl.count() / 1000, min, max);
}

// Clips to `max` display units, keeping whole code points; `wide` units per non-ASCII character (vivo
// counts a Chinese character as two English ones, OPPO as one).
std::string clip_units(const std::string& s, size_t max, size_t wide) {
  size_t units = 0, i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    size_t cost = c < 0x80 ? 1 : wide;
    if (units + cost > max) return s.substr(0, i);
    units += cost;
    i += len;
  }
  return s;
}

// An id that stays the same across retries of one notification to one device, for vendors that drop
// duplicates by it (OPPO app_message_id, vivo requestId).
std::string dedup_id(const Notification& n) {
  return n.msg_id + "-" + std::to_string(std::hash<std::string>{}(n.token) % 1000000);
}

// One notification slot per conversation (Xiaomi notify_id, Honor notifyId): a newer one replaces it.
int64_t collapse_number(const std::string& collapse_id) {
  return static_cast<int64_t>(std::hash<std::string>{}(collapse_id) % 1000000);
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

// A refusal that retrying will not change, labelled by the vendor's code (or the HTTP status).
Outcome refused(const HttpAnswer& a, const std::string& code) {
  return {Outcome::kFailed, {}, false, code.empty() ? "status_" + std::to_string(a.status) : "code_" + code};
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

// A result code from the answer body as text, whether the vendor sends a string (Huawei) or a
// number (Honor, OPPO, vivo, Xiaomi); "" when absent.
std::string code_of(const Json& j, const char* key) {
  if (!j.contains(key)) return "";
  const Json& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return "";
}

// An auth token (OAuth2 bearer, OPPO auth_token, vivo authToken), fetched on first use and again
// shortly before it expires or when refused.
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
  // The provider refused the token: fetch a new one and retry.
  Outcome refused() {
    invalidate();
    return {Outcome::kRetry, {}, true, "auth_expired"};
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
    if (a.status == 401) return bearer_.refused();
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

// ---- Huawei Push Kit and Honor Push -------------------------------------------------------------
// Both take an OAuth2 client-credentials token and answer with a result code in the body; Honor's
// Push API is Huawei's (same codes: 80300007 all tokens invalid, 80100000 some tokens failed, which
// with our single token means it, 80200001/80200003 OAuth token refused/expired, 81000001 internal
// error), with camelCase fields, its own endpoints and success code 200.
class HuaweiStyle : public Provider {
 public:
  HuaweiStyle(const ProviderConfig& c, std::vector<std::string> ok_codes) : c_(c), ok_codes_(std::move(ok_codes)) {}

  Outcome classify(const HttpAnswer& a) override {
    if (auto t = transient(a)) return *t;
    std::string code = code_of(json_or_empty(a.body), "code");
    bool ok = std::find(ok_codes_.begin(), ok_codes_.end(), code) != ok_codes_.end();
    if (a.status == 200 && ok) return {Outcome::kSent, {}, false, "ok"};
    if (code == "80300007" || code == "80100000") return {Outcome::kInvalidToken, {}, false, "invalid_token"};
    if (a.status == 401 || code == "80200003" || code == "80200001") return bearer_.refused();
    if (code == "81000001") return {Outcome::kRetry, {}, false, "server_error"};  // internal error
    return refused(a, code);
  }

 protected:
  std::optional<std::string> bearer(std::string* error) {
    return bearer_.get(
        [this](std::string* e) {
          HttpCall call{c_.token_uri,
                        {"content-type: application/x-www-form-urlencoded"},
                        "grant_type=client_credentials&client_id=" + form_escape(c_.client_id) +
                            "&client_secret=" + form_escape(c_.client_secret),
                        false};
          return oauth_answer(fetch(call, TlsOptions{c_.ca_file, c_.timeout}), e);
        },
        error);
  }
  std::string custom_data(const Notification& n) const {
    return Json{{"conv", n.conv}, {"msg_id", n.msg_id}, {"badge", n.badge}}.dump();
  }

  const ProviderConfig c_;

 private:
  std::vector<std::string> ok_codes_;
  BearerCache bearer_;
};

// POST /v1/<app id>/messages:send (code "80000000" success).
class Huawei : public HuaweiStyle {
 public:
  explicit Huawei(const ProviderConfig& c) : HuaweiStyle(c, {"80000000"}) {}

  std::optional<HttpCall> request(const Notification& n, std::string* error) override {
    auto token = bearer(error);
    if (!token) return std::nullopt;
    Json message = {{"token", Json::array({n.token})}, {"data", custom_data(n)}};
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
    call.headers = {"authorization: Bearer " + *token, "content-type: application/json"};
    call.body = Json{{"validate_only", false}, {"message", message}}.dump();
    return call;
  }
};

// POST /api/v1/<app id>/sendMessage with a millisecond `timestamp` header; the token, data and
// android fields at the top level (code 200 success).
class Honor : public HuaweiStyle {
 public:
  explicit Honor(const ProviderConfig& c) : HuaweiStyle(c, {"200", "80000000"}) {}

  std::optional<HttpCall> request(const Notification& n, std::string* error) override {
    auto token = bearer(error);
    if (!token) return std::nullopt;
    Json body = {{"token", Json::array({n.token})}, {"data", custom_data(n)}};
    Json android = {{"ttl", std::to_string(c_.ttl.count() / 1000) + "s"}};
    if (!n.silent) {  // silent: a data message, handed to the app without a notification
      Json notification = {{"title", n.title}, {"body", n.body}, {"clickAction", {{"type", 3}}},
                           {"badge", {{"setNum", n.badge}}}};
      if (!n.collapse_id.empty()) notification["notifyId"] = collapse_number(n.collapse_id);
      android["notification"] = notification;
    }
    body["android"] = android;
    HttpCall call;
    call.url = c_.url + "/api/v1/" + c_.app_id + "/sendMessage";
    call.headers = {"authorization: Bearer " + *token, "content-type: application/json; charset=UTF-8",
                    "timestamp: " + std::to_string(unix_millis())};
    call.body = body.dump();
    return call;
  }
};

// ---- Xiaomi (MiPush) ---------------------------------------------------------------------------
// POST /v3/message/regid, form-encoded, "Authorization: key=<AppSecret>"; the result is in the body:
// {"result": "ok", "code": 0} (a dead regId is listed in data.bad_regids), code 20301 "No valid
// targets" when every regId of the request is dead.
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
    if (!n.collapse_id.empty()) form += "&notify_id=" + std::to_string(collapse_number(n.collapse_id));
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
    if (a.status == 200 && j.value("result", "") == "ok" && code == 0) {
      // A dead regId is still code 0, listed in data.bad_regids; each request names one regId.
      std::string bad;
      if (j.contains("data") && j["data"].is_object() && j["data"].contains("bad_regids") &&
          j["data"]["bad_regids"].is_string())
        bad = j["data"]["bad_regids"].get<std::string>();
      if (!bad.empty()) return {Outcome::kInvalidToken, {}, false, "invalid_token"};
      return {Outcome::kSent, {}, false, "ok"};
    }
    if (code == 20301) return {Outcome::kInvalidToken, {}, false, "invalid_token"};  // every target invalid
    return {Outcome::kFailed, {}, false, code < 0 ? "status_" + std::to_string(a.status) : "code_" + std::to_string(code)};
  }

 private:
  const ProviderConfig c_;
};

// ---- OPPO Push ---------------------------------------------------------------------------------
bool mentions_registration(const Json& answer) {
  std::string m = answer.contains("message") && answer["message"].is_string() ? answer["message"].get<std::string>() : "";
  std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::tolower(c); });
  return m.find("regist") != std::string::npos || m.find("regid") != std::string::npos;
}

// Auth: POST /server/v1/auth (form app_key, timestamp in ms, sign = sha256(app_key + timestamp +
// master_secret)) gives an auth_token valid 24 h. Send: POST /server/v1/message/notification/unicast,
// form auth_token and message (JSON: target_type 2 = registration_id). The result is the body's
// code: 0 success, 11 invalid auth token, -1 service unavailable, -2 flow control, 13/55 call
// frequency limited, 33 daily quota used up, 10000 with a message naming the registration id: the
// token is dead (a business code of the unicast call). OPPO carries notification-bar messages only:
// no silent pushes.
class Oppo : public Provider {
 public:
  explicit Oppo(const ProviderConfig& c) : c_(c) {}
  bool takes_silent() const override { return false; }

  std::optional<HttpCall> request(const Notification& n, std::string* error) override {
    auto token = bearer_.get([this](std::string* e) { return fetch_token(e); }, error);
    if (!token) return std::nullopt;
    Json notification = {{"title", clip_units(n.title, 50, 1)},
                         {"content", clip_units(n.body, 200, 1)},
                         {"click_action_type", 0},  // open the app
                         {"action_parameters", Json{{"conv", n.conv}, {"msg_id", n.msg_id}, {"badge", n.badge}}.dump()},
                         {"off_line", true},
                         {"off_line_ttl", ttl_seconds(c_, 1, 864000)},
                         // OPPO drops a second message with the same id: the same notification retried.
                         {"app_message_id", dedup_id(n)}};
    if (!c_.channel_id.empty()) notification["channel_id"] = c_.channel_id;
    Json message = {{"target_type", 2}, {"target_value", n.token}, {"notification", notification}};
    HttpCall call;
    call.url = c_.url + "/server/v1/message/notification/unicast";
    call.headers = {"content-type: application/x-www-form-urlencoded"};
    call.body = "auth_token=" + form_escape(*token) + "&message=" + form_escape(message.dump());
    return call;
  }

  Outcome classify(const HttpAnswer& a) override {
    if (auto t = transient(a)) return *t;
    Json j = json_or_empty(a.body);
    std::string code = code_of(j, "code");
    if (a.status == 200 && code == "0") return {Outcome::kSent, {}, false, "ok"};
    // 10000 is in OPPO's range of business codes (10000-20000); only when its message names the
    // registration id is the token taken for dead, so another business error never removes a live one.
    if (code == "10000" && mentions_registration(j)) return {Outcome::kInvalidToken, {}, false, "invalid_token"};
    if (code == "11") return bearer_.refused();
    if (code == "-1") return {Outcome::kRetry, {}, false, "server_error"};
    if (code == "-2" || code == "13" || code == "55") return {Outcome::kRetry, {}, false, "throttled"};
    return refused(a, code);
  }

 private:
  std::pair<std::string, std::chrono::seconds> fetch_token(std::string* error) {
    int64_t ts = unix_millis();
    HttpCall call{c_.url + "/server/v1/auth",
                  {"content-type: application/x-www-form-urlencoded"},
                  "app_key=" + form_escape(c_.app_key) + "&timestamp=" + std::to_string(ts) +
                      "&sign=" + oppo_sign(c_.app_key, ts, c_.master_secret),
                  false};
    HttpAnswer a = fetch(call, TlsOptions{c_.ca_file, c_.timeout});
    Json j = json_or_empty(a.body);
    if (a.status == 200 && code_of(j, "code") == "0" && j.contains("data") && j["data"].is_object() &&
        j["data"].contains("auth_token") && j["data"]["auth_token"].is_string())
      return {j["data"]["auth_token"].get<std::string>(), std::chrono::hours(24)};
    *error = "OPPO auth answered " + std::to_string(a.status) + " code " + code_of(j, "code") +
             (a.error.empty() ? "" : " (" + a.error + ")");
    return {};
  }

  const ProviderConfig c_;
  BearerCache bearer_;
};

// ---- vivo Push ---------------------------------------------------------------------------------
// Auth: POST /message/auth (JSON appId, appKey, timestamp in ms, sign = md5(appId + appKey +
// timestamp + appSecret)) gives an authToken valid a day (vivo asks for a new one every hour or two).
// Send: POST /message/send with the authToken header, JSON regId and the notification; the result is
// the body's result: 0 success, 10302 invalid regId, 10000 authentication failed, 10070/10071/10073
// daily quota used up. vivo carries notification-bar messages only: no silent pushes.
class Vivo : public Provider {
 public:
  explicit Vivo(const ProviderConfig& c) : c_(c) {}
  bool takes_silent() const override { return false; }

  std::optional<HttpCall> request(const Notification& n, std::string* error) override {
    auto token = bearer_.get([this](std::string* e) { return fetch_token(e); }, error);
    if (!token) return std::nullopt;
    Json body = {{"appId", app_id_json()},
                 {"regId", n.token},
                 {"notifyType", 4},  // ring and vibrate
                 {"title", clip_units(n.title, 40, 2)},
                 {"content", clip_units(n.body, 100, 2)},
                 {"timeToLive", ttl_seconds(c_, 60, 7 * 86400)},
                 {"skipType", 1},  // open the app
                 {"networkType", -1},
                 {"classification", 1},  // system message (instant messages are)
                 {"category", c_.category},
                 // vivo deduplicates by requestId: a retried notification keeps it.
                 {"requestId", dedup_id(n)},
                 {"clientCustomMap", {{"conv", n.conv}, {"msg_id", n.msg_id}, {"badge", std::to_string(n.badge)}}}};
    HttpCall call;
    call.url = c_.url + "/message/send";
    call.headers = {"authToken: " + *token, "content-type: application/json"};
    call.body = body.dump();
    return call;
  }

  Outcome classify(const HttpAnswer& a) override {
    if (auto t = transient(a)) return *t;
    std::string code = code_of(json_or_empty(a.body), "result");
    if (a.status == 200 && code == "0") return {Outcome::kSent, {}, false, "ok"};
    if (code == "10302") return {Outcome::kInvalidToken, {}, false, "invalid_token"};
    if (code == "10000") return bearer_.refused();
    return refused(a, code);
  }

 private:
  Json app_id_json() const {  // vivo's appId is a number
    bool digits = !c_.app_id.empty() && c_.app_id.size() < 18 &&
                  c_.app_id.find_first_not_of("0123456789") == std::string::npos;
    return digits ? Json(std::stoll(c_.app_id)) : Json(c_.app_id);
  }

  std::pair<std::string, std::chrono::seconds> fetch_token(std::string* error) {
    int64_t ts = unix_millis();
    Json body = {{"appId", app_id_json()},
                 {"appKey", c_.app_key},
                 {"timestamp", ts},
                 {"sign", vivo_sign(c_.app_id, c_.app_key, ts, c_.app_secret)}};
    HttpCall call{c_.url + "/message/auth", {"content-type: application/json"}, body.dump(), false};
    HttpAnswer a = fetch(call, TlsOptions{c_.ca_file, c_.timeout});
    Json j = json_or_empty(a.body);
    if (a.status == 200 && code_of(j, "result") == "0" && j.contains("authToken") && j["authToken"].is_string())
      return {j["authToken"].get<std::string>(), std::chrono::hours(1)};
    *error = "vivo auth answered " + std::to_string(a.status) + " result " + code_of(j, "result") +
             (a.error.empty() ? "" : " (" + a.error + ")");
    return {};
  }

  const ProviderConfig c_;
  BearerCache bearer_;
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
    case ProviderType::kOppo: return std::make_unique<Oppo>(config);
    case ProviderType::kVivo: return std::make_unique<Vivo>(config);
    case ProviderType::kHonor: return std::make_unique<Honor>(config);
  }
  throw std::runtime_error("unknown provider type");
}

}  // namespace herald::push
