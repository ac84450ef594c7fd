// Implementation of the moderation hook (see moderation_client.h): blocking libcurl calls, one per
// worker at a time, so a slow service holds a worker and never a loop.
#include "moderation_client.h"

#include <curl/curl.h>

#include <nlohmann/json.hpp>

namespace herald::filter {

namespace {
constexpr size_t kMaxResponseBytes = 16 * 1024;

size_t on_body(char* data, size_t size, size_t nmemb, void* user) {
  auto* out = static_cast<std::string*>(user);
  const size_t n = size * nmemb;
  if (out->size() + n > kMaxResponseBytes) return 0;  // aborts the transfer
  out->append(data, n);
  return n;
}

void answer(const ModerationClient::Done& done, ModerationAnswer a) {
  try {
    done(std::move(a));
  } catch (...) {
    // A throwing callback must not take a worker down.
  }
}
}  // namespace

ModerationMetrics ModerationMetrics::create(const sdk::Host& host) {
  ModerationMetrics m;
  constexpr std::string_view help = "External moderation calls, by result.";
  m.allow = host.counter("herald_filter_moderation_total", help, {{"result", "allow"}});
  m.reject = host.counter("herald_filter_moderation_total", help, {{"result", "reject"}});
  m.error = host.counter("herald_filter_moderation_total", help, {{"result", "error"}});
  m.circuit_open = host.counter("herald_filter_moderation_total", help, {{"result", "circuit_open"}});
  m.busy = host.counter("herald_filter_moderation_total", help, {{"result", "busy"}});
  return m;
}

ModerationClient::ModerationClient(ModerationConfig config, sdk::CircuitBreakerMetrics breaker_metrics,
                                   ModerationMetrics metrics)
    : config_(std::move(config)),
      breaker_("moderation", config_.breaker, sdk::system_clock(), std::move(breaker_metrics)),
      metrics_(std::move(metrics)) {
  static std::once_flag once;  // not thread-safe on every libcurl build: once per process
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

ModerationClient::~ModerationClient() { stop(); }

void ModerationClient::start() {
  std::lock_guard lock(mu_);
  if (!workers_.empty() || stopping_) return;
  for (uint32_t i = 0; i < config_.workers; ++i) workers_.emplace_back([this] { run(); });
}

void ModerationClient::stop() {
  std::deque<Request> left;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    left.swap(queue_);
  }
  cv_.notify_all();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
  for (auto& r : left) {
    breaker_.record(r.permit, sdk::CircuitBreaker::Outcome::kIgnored);
    answer(r.done, {ModerationVerdict::kUnavailable, "herald is stopping"});
  }
}

void ModerationClient::check(std::string body, Done done) {
  auto permit = breaker_.acquire();
  if (!permit) {
    metrics_.circuit_open.add();
    return answer(done, {ModerationVerdict::kUnavailable, "moderation service unavailable (circuit open)"});
  }
  {
    std::unique_lock lock(mu_);
    if (!stopping_ && !workers_.empty() && queue_.size() < config_.max_queue) {
      queue_.push_back(Request{std::move(body), std::move(done), permit});
      lock.unlock();
      cv_.notify_one();
      return;
    }
  }
  breaker_.record(permit, sdk::CircuitBreaker::Outcome::kIgnored);
  metrics_.busy.add();
  answer(done, {ModerationVerdict::kUnavailable, "moderation queue full"});
}

ModerationAnswer ModerationClient::call(const std::string& body, bool& service_failed) {
  service_failed = true;
  CURL* easy = curl_easy_init();
  if (!easy) return {ModerationVerdict::kUnavailable, "cannot create an HTTP request"};
  std::string response;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(easy, CURLOPT_URL, config_.url.c_str());
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.timeout.count()));
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(easy, CURLOPT_USERAGENT, "herald-filter-moderation");
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &response);
  const CURLcode code = curl_easy_perform(easy);
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(easy);
  if (code == CURLE_OPERATION_TIMEDOUT) return {ModerationVerdict::kUnavailable, "moderation service timed out"};
  if (code != CURLE_OK) return {ModerationVerdict::kUnavailable, "moderation service unreachable"};
  if (status < 200 || status >= 300)
    return {ModerationVerdict::kUnavailable, "moderation service answered HTTP " + std::to_string(status)};
  auto j = nlohmann::json::parse(response, nullptr, false);
  if (!j.is_object() || !j.contains("result") || !j["result"].is_string())
    return {ModerationVerdict::kUnavailable, "moderation answer malformed"};
  const std::string result = j["result"].get<std::string>();
  std::string reason = j.contains("reason") && j["reason"].is_string() ? j["reason"].get<std::string>() : "";
  if (result == "allow") {
    service_failed = false;
    return {ModerationVerdict::kAllow, ""};
  }
  if (result == "reject") {
    service_failed = false;
    return {ModerationVerdict::kReject, reason.empty() ? "refused by moderation" : "refused by moderation: " + reason};
  }
  return {ModerationVerdict::kUnavailable, "moderation answer malformed"};
}

void ModerationClient::run() {
  for (;;) {
    Request req;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;  // stop() answers what is left
      req = std::move(queue_.front());
      queue_.pop_front();
    }
    bool failed = true;
    ModerationAnswer a = call(req.body, failed);
    breaker_.record(req.permit, failed ? sdk::CircuitBreaker::Outcome::kFailure : sdk::CircuitBreaker::Outcome::kSuccess);
    (a.verdict == ModerationVerdict::kAllow ? metrics_.allow
     : a.verdict == ModerationVerdict::kReject ? metrics_.reject
                                                : metrics_.error).add();
    answer(req.done, std::move(a));
  }
}

}  // namespace herald::filter
