// One provider endpoint's queue, worker and breaker (dispatcher.h).
#include "dispatcher.h"

#include <curl/curl.h>

#include <algorithm>

#include "http_transfer.h"

namespace herald::push {

using SteadyClock = std::chrono::steady_clock;

namespace {
const char* const kResults[] = {"ok", "invalid_token", "throttled", "server_error", "timeout", "transport_error",
                                "auth_expired", "auth_error", "failed", "breaker_open", "queue_full", "gave_up"};
}

DispatcherMetrics DispatcherMetrics::create(const sdk::Host& host, const std::string& provider) {
  DispatcherMetrics m;
  for (const char* r : kResults)
    m.sent[r] = host.counter("herald_push_sent_total",
                             "Push notifications by provider and result (every attempt's outcome).",
                             {{"provider", provider}, {"result", r}});
  m.queue_depth = host.gauge("herald_push_queue_depth", "Notifications waiting (queued or backing off).",
                             {{"provider", provider}});
  m.latency = host.histogram("herald_push_latency_seconds", "Provider request time, request to answer.",
                             {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}, {{"provider", provider}});
  m.tokens_removed = host.counter("herald_push_tokens_removed_total", "Tokens removed after the provider said dead.",
                                  {{"provider", provider}});
  m.retries = host.counter("herald_push_retries_total", "Attempts scheduled again after a transient failure.",
                           {{"provider", provider}});
  m.collapsed = host.counter("herald_push_collapsed_total",
                             "Notifications folded into a held one for the same device and conversation.",
                             {{"provider", provider}});
  return m;
}

void DispatcherMetrics::count(const std::string& result) {
  auto it = sent.find(result);
  (it != sent.end() ? it : sent.find("failed"))->second.add();  // never inserts: called from any thread
}

struct Dispatcher::InFlight {
  Job job;
  std::unique_ptr<Transfer> transfer;
  sdk::CircuitBreaker::Permit permit;
  SteadyClock::time_point started;
};

Dispatcher::Dispatcher(ProviderConfig config, std::unique_ptr<Provider> provider, DispatcherMetrics metrics,
                       sdk::CircuitBreakerMetrics breaker_metrics, TokenGone token_gone, Warn warn)
    : config_(std::move(config)), provider_(std::move(provider)), metrics_(std::move(metrics)),
      breaker_("push:" + config_.name, config_.breaker, sdk::system_clock(), std::move(breaker_metrics)),
      token_gone_(std::move(token_gone)), warn_(std::move(warn)) {
  breaker_.on_transition([this](sdk::CircuitState from, sdk::CircuitState to) {
    if (warn_)
      warn_("push: provider \"" + config_.name + "\" (" + config_.url + ") breaker " + sdk::to_string(from) + " -> " +
            sdk::to_string(to));
  });
  multi_ = curl_multi_init();
  curl_multi_setopt(static_cast<CURLM*>(multi_), CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  thread_ = std::thread([this] { run(); });
}

Dispatcher::~Dispatcher() {
  stop();
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

void Dispatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
  if (thread_.joinable()) thread_.join();
}

bool Dispatcher::submit(Notification n) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    if (queue_.size() + delayed_size_hint_ >= config_.queue) {
      metrics_.count("queue_full");
      return false;
    }
    queue_.push_back(Job{std::move(n), 0});
    metrics_.queue_depth.set(static_cast<double>(queue_.size() + delayed_size_hint_));
  }
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
  return true;
}

void Dispatcher::run() {
  auto* multi = static_cast<CURLM*>(multi_);
  for (;;) {
    std::deque<Job> ready;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
      // Start what fits in the concurrency window, oldest first.
      while (!queue_.empty() && in_flight_.size() + ready.size() < config_.concurrency) {
        ready.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::erase_if(ready, [this](Job& job) { return hold(job); });
    auto now = SteadyClock::now();
    while (!delayed_.empty() && delayed_.begin()->first <= now && in_flight_.size() + ready.size() < config_.concurrency) {
      Job& job = delayed_.begin()->second;
      if (job.attempt == 0 && !job.n.collapse_id.empty()) held_.erase(job.n.token + '\n' + job.n.collapse_id);
      ready.push_back(std::move(job));
      delayed_.erase(delayed_.begin());
    }
    for (auto& job : ready) start_job(std::move(job));
    {
      std::lock_guard lock(mutex_);
      delayed_size_hint_ = delayed_.size();
      metrics_.queue_depth.set(static_cast<double>(queue_.size() + delayed_.size()));
    }

    int running = 0;
    curl_multi_perform(multi, &running);
    while (CURLMsg* msg = curl_multi_info_read(multi, &running)) {
      if (msg->msg != CURLMSG_DONE) continue;
      auto it = in_flight_.find(msg->easy_handle);
      if (it == in_flight_.end()) continue;
      std::unique_ptr<InFlight> f = std::move(it->second);
      in_flight_.erase(it);
      curl_multi_remove_handle(multi, f->transfer->handle());
      finished(*f, f->transfer->finish(msg->data.result));
    }
    int wait_ms = 200;
    if (!delayed_.empty()) {
      auto until = std::chrono::duration_cast<std::chrono::milliseconds>(delayed_.begin()->first - SteadyClock::now());
      wait_ms = static_cast<int>(std::clamp<int64_t>(until.count(), 0, wait_ms));
    }
    curl_multi_poll(multi, nullptr, 0, wait_ms, nullptr);
  }
  for (auto& [handle, f] : in_flight_) curl_multi_remove_handle(multi, f->transfer->handle());
  in_flight_.clear();
}

void Dispatcher::start_job(Job job) {
  auto permit = breaker_.acquire();
  if (!permit) {
    // Failing fast keeps the queue from piling up behind a dead endpoint; the device syncs on open.
    metrics_.count("breaker_open");
    return;
  }
  ++job.attempt;
  std::string error;
  std::optional<HttpCall> call;
  auto started = SteadyClock::now();
  try {
    call = provider_->request(job.n, &error);
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (!call) {
    breaker_.record(permit, sdk::CircuitBreaker::Outcome::kFailure);
    metrics_.count("auth_error");
    if (warn_ && started - last_auth_warning_ > std::chrono::seconds(10)) {
      last_auth_warning_ = started;
      warn_("push: provider \"" + config_.name + "\": no auth token: " + error);
    }
    if (job.attempt < config_.retry.max_attempts) retry_later(std::move(job), {});
    return;
  }
  auto f = std::make_unique<InFlight>();
  f->transfer = std::make_unique<Transfer>(*call, TlsOptions{config_.ca_file, config_.timeout});
  f->job = std::move(job);
  f->permit = permit;
  f->started = started;
  CURL* handle = f->transfer->handle();
  in_flight_.emplace(handle, std::move(f));
  curl_multi_add_handle(static_cast<CURLM*>(multi_), handle);
}

void Dispatcher::finished(InFlight& f, HttpAnswer answer) {
  metrics_.latency.observe(std::chrono::duration<double>(SteadyClock::now() - f.started).count());
  Outcome o = provider_->classify(answer);
  metrics_.count(o.reason);
  // A dead token or a refused payload is the provider working as designed, and throttling is paced
  // by Retry-After; only transport failures, timeouts and server errors count against the endpoint
  // (and the breaker measures slowness).
  bool endpoint_failed = o.kind == Outcome::kRetry && !o.reauth && o.reason != "throttled";
  breaker_.record(f.permit, endpoint_failed ? sdk::CircuitBreaker::Outcome::kFailure : sdk::CircuitBreaker::Outcome::kSuccess);
  switch (o.kind) {
    case Outcome::kSent:
    case Outcome::kFailed:
      return;
    case Outcome::kInvalidToken:
      metrics_.tokens_removed.add();
      if (token_gone_) token_gone_(f.job.n);
      return;
    case Outcome::kRetry:
      if (f.job.attempt >= config_.retry.max_attempts) {
        metrics_.count("gave_up");
        return;
      }
      retry_later(std::move(f.job), o.retry_after);
      return;
  }
}

bool Dispatcher::hold(Job& job) {
  if (config_.collapse_window.count() == 0 || job.attempt != 0 || job.n.silent || job.n.collapse_id.empty())
    return false;
  std::string key = job.n.token + '\n' + job.n.collapse_id;
  auto it = held_.find(key);
  if (it != held_.end()) {
    Notification& held = it->second->second.n;
    uint32_t count = held.collapsed + 1;
    held = std::move(job.n);  // the newest message and badge; still sent when the first window ends
    held.collapsed = count;
    metrics_.collapsed.add();
    return true;
  }
  held_.emplace(std::move(key), delayed_.emplace(SteadyClock::now() + config_.collapse_window, std::move(job)));
  return true;
}

void Dispatcher::retry_later(Job job, std::chrono::milliseconds server_delay) {
  // Exponential backoff with full jitter in [delay/2, delay]; a server's Retry-After wins (capped).
  auto exp = config_.retry.base * (1LL << std::min<uint32_t>(job.attempt - 1, 20));
  auto delay = std::min<std::chrono::milliseconds>(exp, config_.retry.max);
  std::uniform_int_distribution<int64_t> jitter(delay.count() / 2, std::max<int64_t>(delay.count(), 1));
  delay = std::chrono::milliseconds(jitter(rng_));
  if (server_delay.count() > 0) delay = std::min(server_delay, config_.retry.max);
  metrics_.retries.add();
  delayed_.emplace(SteadyClock::now() + delay, std::move(job));
}

}  // namespace herald::push
