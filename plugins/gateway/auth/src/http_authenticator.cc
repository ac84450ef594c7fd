// HTTP callback authentication over libcurl multi on one worker thread, behind a circuit breaker.
#include "herald/gateway/auth/http_authenticator.h"

#include <curl/curl.h>

#include <algorithm>
#include <unordered_map>

#include "herald/gateway/auth/json.h"

namespace herald::gateway::auth {
namespace {

constexpr size_t kMaxResponseBytes = 64 * 1024;

void global_init() {
  // curl_global_init is not thread-safe on every build: once per process. Never cleaned up, since
  // other code in the process may use libcurl too.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t on_body(char* data, size_t size, size_t nmemb, void* user) {
  auto* out = static_cast<std::string*>(user);
  const size_t n = size * nmemb;
  if (out->size() + n > kMaxResponseBytes) return 0;  // aborts the transfer: CURLE_WRITE_ERROR
  out->append(data, n);
  return n;
}

void deliver(AuthCallback& done, AuthResult result) {
  try {
    done(std::move(result));
  } catch (...) {
    // A throwing callback must not take the worker thread down with it.
  }
}

}  // namespace

struct HttpAuthenticator::Request {
  std::string body;
  std::string username, client_id;
  AuthCallback done;
  CircuitBreaker::Permit permit;
  std::chrono::steady_clock::time_point started;
  std::string response;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  ~Request() {
    if (easy) curl_easy_cleanup(easy);
    if (headers) curl_slist_free_all(headers);
  }
};

HttpAuthMetrics HttpAuthMetrics::create(const sdk::Host& host) {
  HttpAuthMetrics m;
  constexpr std::string_view help = "HTTP callback authentications, by result.";
  m.allow = host.counter("herald_auth_http_requests_total", help, {{"result", "allow"}});
  m.deny = host.counter("herald_auth_http_requests_total", help, {{"result", "deny"}});
  m.error = host.counter("herald_auth_http_requests_total", help, {{"result", "error"}});
  m.busy = host.counter("herald_auth_http_requests_total", help, {{"result", "busy"}});
  m.circuit_open = host.counter("herald_auth_http_requests_total", help, {{"result", "circuit_open"}});
  m.duration = host.histogram("herald_auth_http_duration_seconds", "HTTP callback round trip time.",
                              {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5});
  return m;
}

HttpAuthenticator::HttpAuthenticator(HttpAuthConfig config, Clock& clock,
                                     CircuitBreakerMetrics breaker_metrics, HttpAuthMetrics metrics)
    : config_(std::move(config)),
      clock_(clock),
      breaker_("auth_http", config_.breaker, clock, std::move(breaker_metrics)),
      metrics_(std::move(metrics)) {
  global_init();
  multi_ = curl_multi_init();
}

HttpAuthenticator::~HttpAuthenticator() {
  stop();
  if (multi_) curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

void HttpAuthenticator::start() {
  std::lock_guard lock(mu_);
  if (running_ || stopping_ || !multi_) return;
  running_ = true;
  worker_ = std::thread([this] { run(); });
}

void HttpAuthenticator::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    if (!running_) return;
  }
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
  if (worker_.joinable()) worker_.join();
}

std::string HttpAuthenticator::request_body(const Credentials& c) {
  std::string body = "{\"username\":";
  json::append_string(body, c.username);
  body += ",\"password\":";
  json::append_string(body, c.password);
  body += ",\"client_id\":";
  json::append_string(body, c.client_id);
  body += ",\"peer\":";
  json::append_string(body, c.peer_ip);
  body += ",\"listener\":";
  json::append_string(body, c.listener);
  body += ",\"tls_subject\":";
  json::append_string(body, c.tls_client_subject);
  body += '}';
  return body;
}

void HttpAuthenticator::authenticate(const Credentials& c, AuthCallback done) {
  // JSON carries text only; an MQTT password is binary and may not be UTF-8.
  for (const std::string* field : {&c.username, &c.password, &c.client_id, &c.tls_client_subject}) {
    if (!json::valid_utf8(*field)) {
      metrics_.deny.add();
      deliver(done, AuthResult::deny(HERALD_REASON_BAD_CREDENTIALS, "credentials are not UTF-8 text"));
      return;
    }
  }
  CircuitBreaker::Permit permit = breaker_.acquire();
  if (!permit) {
    metrics_.circuit_open.add();
    deliver(done, AuthResult::deny(HERALD_REASON_DEPENDENCY_UNAVAILABLE,
                                   "auth service unavailable (circuit open)"));
    return;
  }
  auto req = std::make_unique<Request>();
  req->body = request_body(c);
  req->username = c.username;
  req->client_id = c.client_id;
  req->done = std::move(done);
  req->permit = permit;
  req->started = clock_.steady();
  {
    std::unique_lock lock(mu_);
    if (!running_ || stopping_) {
      lock.unlock();
      breaker_.record(permit, CircuitBreaker::Outcome::kIgnored);
      metrics_.error.add();
      deliver(req->done,
              AuthResult::deny(HERALD_REASON_SERVER_UNAVAILABLE, "auth service client not running"));
      return;
    }
    if (in_flight_.load() >= config_.max_in_flight) {
      lock.unlock();
      breaker_.record(permit, CircuitBreaker::Outcome::kIgnored);
      metrics_.busy.add();
      deliver(req->done, AuthResult::deny(HERALD_REASON_SERVER_BUSY, "too many authentications in progress"));
      return;
    }
    ++in_flight_;
    queue_.push_back(std::move(req));
  }
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
}

AuthResult HttpAuthenticator::interpret(const Request& req, long status, int curl_code) const {
  if (curl_code == CURLE_OPERATION_TIMEDOUT)
    return AuthResult::deny(HERALD_REASON_SERVER_UNAVAILABLE, "auth service timed out");
  if (curl_code != CURLE_OK)
    return AuthResult::deny(HERALD_REASON_SERVER_UNAVAILABLE, "auth service unreachable");
  if (status == 429) return AuthResult::deny(HERALD_REASON_SERVER_BUSY, "auth service overloaded");
  if (status >= 400 && status < 500)
    return AuthResult::deny(HERALD_REASON_BAD_CREDENTIALS, "refused by auth service");
  if (status < 200 || status >= 300)
    return AuthResult::deny(HERALD_REASON_SERVER_UNAVAILABLE,
                            "auth service answered HTTP " + std::to_string(status));

  auto parsed = json::parse(req.response, 4);
  const json::Value* result = parsed.value ? parsed.value->find("result") : nullptr;
  if (!result || !result->is_string())
    return AuthResult::deny(HERALD_REASON_SERVER_UNAVAILABLE, "auth service answer malformed");
  if (result->as_string() == "deny")
    return AuthResult::deny(HERALD_REASON_BAD_CREDENTIALS, "refused by auth service");
  if (result->as_string() != "allow")
    return AuthResult::deny(HERALD_REASON_SERVER_UNAVAILABLE, "auth service answer malformed");

  std::string user = req.username, device = req.client_id;
  if (const json::Value* u = parsed.value->find("user")) {
    if (!u->is_string())
      return AuthResult::deny(HERALD_REASON_SERVER_UNAVAILABLE, "auth service answer malformed");
    user = u->as_string();
  }
  if (!is_valid_user_id(user))
    return AuthResult::deny(HERALD_REASON_INVALID_ID, "auth service returned an invalid user id");
  if (const json::Value* d = parsed.value->find("device")) {
    if (!d->is_string())
      return AuthResult::deny(HERALD_REASON_SERVER_UNAVAILABLE, "auth service answer malformed");
    device = d->as_string();
  }
  AuthResult r = AuthResult::allow(std::move(user), std::move(device), 0);
  r.cache_for = config_.cache_ttl;
  if (const json::Value* ttl = parsed.value->find("ttl")) {
    if (!ttl->is_number() || ttl->as_number() < 0)
      return AuthResult::deny(HERALD_REASON_SERVER_UNAVAILABLE, "auth service answer malformed");
    const double ms = std::min(ttl->as_number() * 1000.0, 1e12);
    r.cache_for = std::min(*r.cache_for, std::chrono::milliseconds(static_cast<int64_t>(ms)));
  }
  return r;
}

void HttpAuthenticator::finish(Request& req, int curl_code) {
  long status = 0;
  if (req.easy) curl_easy_getinfo(req.easy, CURLINFO_RESPONSE_CODE, &status);
  AuthResult result = interpret(req, status, curl_code);
  // The breaker judges the service, not the client: a clean refusal is a healthy answer.
  const bool service_failed =
      result.reason == HERALD_REASON_SERVER_UNAVAILABLE || result.reason == HERALD_REASON_SERVER_BUSY;
  breaker_.record(req.permit,
                  service_failed ? CircuitBreaker::Outcome::kFailure : CircuitBreaker::Outcome::kSuccess);
  metrics_.duration.observe(std::chrono::duration<double>(clock_.steady() - req.started).count());
  if (result.ok)
    metrics_.allow.add();
  else if (service_failed)
    metrics_.error.add();
  else
    metrics_.deny.add();
  --in_flight_;
  deliver(req.done, std::move(result));
}

void HttpAuthenticator::run() {
  auto* multi = static_cast<CURLM*>(multi_);
  std::unordered_map<CURL*, std::unique_ptr<Request>> active;
  for (;;) {
    std::deque<std::unique_ptr<Request>> fresh;
    bool stopping;
    {
      std::lock_guard lock(mu_);
      fresh.swap(queue_);
      stopping = stopping_;
    }
    if (stopping) {
      auto fail = [this](Request& req) {
        breaker_.record(req.permit, CircuitBreaker::Outcome::kIgnored);
        --in_flight_;
        metrics_.error.add();
        deliver(req.done, AuthResult::deny(HERALD_REASON_SERVER_UNAVAILABLE, "gateway shutting down"));
      };
      for (auto& [easy, req] : active) {
        curl_multi_remove_handle(multi, easy);
        fail(*req);
      }
      for (auto& req : fresh) fail(*req);
      return;
    }
    for (auto& req : fresh) {
      CURL* easy = curl_easy_init();
      if (!easy) {
        finish(*req, CURLE_FAILED_INIT);
        continue;
      }
      req->easy = easy;
      req->headers = curl_slist_append(req->headers, "Content-Type: application/json");
      req->headers = curl_slist_append(req->headers, "Expect:");  // no 100-continue round trip
      for (const auto& [k, v] : config_.headers)
        req->headers = curl_slist_append(req->headers, (k + ": " + v).c_str());
      curl_easy_setopt(easy, CURLOPT_URL, config_.url.c_str());
      curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
      curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
      curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.timeout.count()));
      curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config_.timeout.count()));
      curl_easy_setopt(easy, CURLOPT_HTTPHEADER, req->headers);
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(req->body.size()));
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->body.c_str());
      curl_easy_setopt(easy, CURLOPT_USERAGENT, "herald-gateway-auth");
      curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &on_body);
      curl_easy_setopt(easy, CURLOPT_WRITEDATA, &req->response);
      curl_easy_setopt(easy, CURLOPT_PRIVATE, req.get());
      if (curl_multi_add_handle(multi, easy) != CURLM_OK) {
        finish(*req, CURLE_FAILED_INIT);
        continue;
      }
      active.emplace(easy, std::move(req));
    }

    int running = 0;
    curl_multi_perform(multi, &running);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      const CURLcode code = msg->data.result;
      curl_multi_remove_handle(multi, easy);
      auto it = active.find(easy);
      if (it == active.end()) continue;
      std::unique_ptr<Request> req = std::move(it->second);
      active.erase(it);
      finish(*req, code);
    }
    // Sleeps until a socket is ready, a timeout is due, or authenticate()/stop() wakes us.
    curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }
}

}  // namespace herald::gateway::auth
