// filter: the content filter plugin. Its inbound stage `filter` matches IM text sends and plain MQTT
// publishes against categorized word lists (normalized, Aho-Corasick), then masks, rejects or flags,
// counts penalties and mutes repeat offenders. Word lists reload on SIGHUP and through the admin API.
#include <sys/stat.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <herald/sdk.hpp>
#include <nlohmann/json.hpp>

#include "filter_admin.h"
#include "filter_config.h"
#include "moderation_client.h"
#include "penalty_box.h"
#include "word_lists.h"

namespace herald::filter {
namespace {

using sdk::Config;
using sdk::StageCall;
using sdk::Verdict;

FilterConfig parse_or_throw(const Config& config) {
  return sdk::parse_config_or_throw("filter", config.node(), parse_filter_config);
}

// What identifies the word files' contents without reading them: path, size and mtime of each.
std::string file_signature(const FilterConfig& c) {
  std::string sig;
  auto add = [&](const std::string& path) {
    struct stat st {};
    sig += path;
    if (::stat(path.c_str(), &st) == 0)
      sig += ":" + std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
             std::to_string(st.st_mtim.tv_nsec);
    sig += "\n";
  };
  for (const auto& cat : c.categories)
    for (const auto& f : cat.files) add(f);
  for (const auto& f : c.fold_files) add(f);
  return sig;
}

// Word lists plus their per-category metric series, swapped as one.
struct Compiled {
  std::shared_ptr<const WordLists> lists;
  std::vector<sdk::Metric> hits;  // by category index
  FilterConfig config;
};

class FilterPlugin : public sdk::Plugin {
 public:
  FilterPlugin(sdk::Host host, const Config& config)
      : Plugin(host), penalties_(PenaltyConfig{}) {
    const sdk::Host& h = this->host();
    constexpr std::string_view msg_help = "Messages the filter stage looked at, by result.";
    for (const char* r : {"clean", "masked", "rejected", "flagged", "muted"})
      results_[r] = h.counter("herald_filter_messages_total", msg_help, {{"result", r}});
    mutes_ = h.counter("herald_filter_mutes_total", "Senders muted by the filter's penalties.");
    words_ = h.gauge("herald_filter_words", "Words in the loaded lists.");
    load_seconds_ = h.gauge("herald_filter_load_seconds", "Time the last word-list load took.");
    reload_ok_ = h.counter("herald_filter_reloads_total", "Word-list reloads, by result.", {{"result", "ok"}});
    reload_failed_ = h.counter("herald_filter_reloads_total", "Word-list reloads, by result.", {{"result", "failed"}});
    FilterConfig parsed = parse_or_throw(config);
    if (!parsed.moderation.url.empty())
      moderation_ = std::make_unique<ModerationClient>(
          parsed.moderation, sdk::CircuitBreakerMetrics::create(h, "moderation"), ModerationMetrics::create(h));
    install(std::move(parsed), "loaded");
  }
  ~FilterPlugin() override { stop(); }

  static void validate(const Config& config, sdk::Errors& errors) {
    FilterConfig c = parse_filter_config(config.node(), [&](std::string path, std::string message) {
      errors.add(path, message);
    });
    if (errors.count() != 0) return;
    try {
      (void)WordLists::load(c);  // missing or unreadable word files fail check-config too
    } catch (const std::exception& e) {
      errors.add("categories", e.what());
    }
  }

  bool reconfigure(const Config& config) override {
    FilterConfig next = parse_or_throw(config);
    if (moderation_changed(next.moderation))
      host().warn("filter: moderation settings apply on restart; the word lists and penalties are applied now");
    install(std::move(next), "reconfigured");
    return true;
  }

  void stop() override {
    if (moderation_) moderation_->stop();
  }

  ModerationClient* moderation() const { return moderation_.get(); }

  // A SIGHUP rebuilds the pipelines (new stage instances) and calls reconfigure only when the config
  // text changed; stages call this on creation so edited word files are picked up by SIGHUP too.
  void refresh_if_files_changed() {
    FilterConfig c;
    {
      std::lock_guard lock(mu_);
      if (file_signature(current_->config) == signature_) return;
      c = current_->config;
    }
    try {
      install(std::move(c), "reloaded (word files changed)");
    } catch (const std::exception& e) {
      reload_failed_.add();
      host().error(std::string("filter: word lists not reloaded, the previous ones stay: ") + e.what());
    }
  }

  // Admin routes (handlers run on admin worker threads; the penalty box and reload are thread-safe).
  void start() override {
    if (moderation_) moderation_->start();
    try {
      host().http_route("GET", "/v1/filter/mutes", "senders muted by the filter, with the time left",
                        [this](const sdk::HttpRequest&) { return list_mutes(penalties_); });
      host().http_route("PUT", "/v1/filter/mutes/{user}", "mutes a sender: {\"duration\": \"10m\"} or ?duration=10m",
                        [this](const sdk::HttpRequest& r) {
                          return mute(penalties_, r.param("user").value_or(""), r.param("duration"), r.body);
                        });
      host().http_route("DELETE", "/v1/filter/mutes/{user}", "lifts a sender's mute",
                        [this](const sdk::HttpRequest& r) { return unmute(penalties_, r.param("user").value_or("")); });
      host().http_route("POST", "/v1/filter/reload", "re-reads the word and fold files",
                        [this](const sdk::HttpRequest&) { return reload_now(); });
    } catch (const sdk::PluginError& e) {
      host().warn(std::string("filter: admin routes unavailable: ") + e.what());
    }
  }

  // POST /v1/filter/reload: re-reads every file with the current config.
  sdk::HttpResponse reload_now() {
    FilterConfig c;
    {
      std::lock_guard lock(mu_);
      c = current_->config;
    }
    try {
      auto lists = install(std::move(c), "reloaded (admin API)");
      return sdk::HttpResponse::json(200, reload_json(*lists));
    } catch (const std::exception& e) {
      reload_failed_.add();
      host().error(std::string("filter: word lists not reloaded, the previous ones stay: ") + e.what());
      return sdk::HttpResponse::error(HERALD_REASON_INVALID_REQUEST, e.what());
    }
  }

  std::shared_ptr<const Compiled> compiled() const { return current_atomic_.load(std::memory_order_acquire); }
  PenaltyBox& penalties() { return penalties_; }
  sdk::Metric result(const char* r) const { return results_.at(r); }
  sdk::Metric mutes_metric() const { return mutes_; }

 private:
  // Loads the lists for `c` and swaps them in; throws (and keeps the old lists) on failure.
  std::shared_ptr<const WordLists> install(FilterConfig c, const char* what) {
    auto lists = WordLists::load(c);  // outside the lock: the slow part
    std::lock_guard lock(mu_);
    auto next = std::make_shared<Compiled>();
    next->lists = lists;
    for (const auto& cat : c.categories) {
      // Registered once per (category, action); metric registration happens on the control thread
      // (init, reconfigure, stage creation); an admin reload reuses the config, so its series exist.
      const std::string key = cat.name + "\n" + to_string(cat.action);
      auto it = hit_series_.find(key);
      if (it == hit_series_.end())
        it = hit_series_
                 .emplace(key, host().counter("herald_filter_hits_total", "Messages that hit a category, by action.",
                                              {{"category", cat.name}, {"action", to_string(cat.action)}}))
                 .first;
      next->hits.push_back(it->second);
    }
    penalties_.set_config(c.penalty);
    signature_ = file_signature(c);
    next->config = std::move(c);
    current_ = next;
    current_atomic_.store(std::shared_ptr<const Compiled>(next), std::memory_order_release);
    words_.set(static_cast<double>(lists->words()));
    load_seconds_.set(lists->load_ms() / 1000.0);
    reload_ok_.add();
    host().info("filter: word lists " + std::string(what) + ": " + std::to_string(lists->words()) + " words in " +
                std::to_string(next->config.categories.size()) + " categories, " +
                std::to_string(static_cast<int>(lists->load_ms())) + " ms");
    return lists;
  }

  bool moderation_changed(const ModerationConfig& next) {
    const ModerationConfig& now = moderation_ ? moderation_->config() : ModerationConfig{};
    return next.url != now.url || next.timeout != now.timeout || next.fail_open != now.fail_open ||
           next.workers != now.workers || next.max_queue != now.max_queue;
  }

  std::unique_ptr<ModerationClient> moderation_;
  std::mutex mu_;  // install() and the fields below
  std::shared_ptr<Compiled> current_;
  std::string signature_;
  std::map<std::string, sdk::Metric> hit_series_;
  std::atomic<std::shared_ptr<const Compiled>> current_atomic_;  // what the loops read

  PenaltyBox penalties_;
  std::map<std::string, sdk::Metric> results_;
  sdk::Metric mutes_, words_, load_seconds_, reload_ok_, reload_failed_;
};

class FilterStage : public sdk::Stage {
 public:
  FilterStage(FilterPlugin& plugin, const Config&)
      : plugin_(plugin), clean_(plugin.result("clean")), masked_(plugin.result("masked")),
        rejected_(plugin.result("rejected")), flagged_(plugin.result("flagged")), muted_(plugin.result("muted")) {
    plugin_.refresh_if_files_changed();
  }

  Verdict process(StageCall& call) override {
    auto env = call.envelope();
    const auto compiled = plugin_.compiled();
    const FilterConfig& cfg = compiled->config;
    const Scope scope = scope_of(env, cfg);
    if (scope == Scope::kNone) return Verdict::kContinue;
    // Copies: views into the envelope end with its next modification.
    const std::string user(env.get(":user").value_or(""));

    if (auto left = plugin_.penalties().muted(user)) {
      muted_.add();
      env.set(":retry_after_ms", std::to_string(left->count()));
      return call.reject(HERALD_REASON_MUTED,
                         "sender is muted for " + std::to_string((left->count() + 999) / 1000) + " s");
    }

    if (scope == Scope::kMuteOnly) return Verdict::kContinue;

    thread_local NormalizedText scratch;
    thread_local std::vector<Hit> hits;
    const std::string_view payload = env.payload();
    compiled->lists->find(payload, scratch, hits);
    if (hits.empty()) {
      clean_.add();
      return moderate(call, env, user);
    }

    const auto& cats = compiled->lists->categories();
    uint64_t seen = 0;
    for (const Hit& h : hits) seen |= h.categories;
    bool reject = false, penalize = false;
    uint64_t mask_bits = 0;
    std::string first_reject, flagged;
    for (uint32_t i = 0; i < cats.size(); ++i) {
      if (!(seen & (1ULL << i))) continue;
      compiled->hits[i].add();
      penalize = penalize || cats[i].penalize;
      switch (cats[i].action) {
        case Action::kReject:
          if (!reject) first_reject = cats[i].name;
          reject = true;
          break;
        case Action::kMask:
          mask_bits |= 1ULL << i;
          break;
        case Action::kFlag:
          flagged += (flagged.empty() ? "" : ",") + cats[i].name;
          break;
      }
    }
    if (penalize && !user.empty()) {
      if (auto mute = plugin_.penalties().hit(user)) {
        plugin_.mutes_metric().add();
        plugin_.host().warn("filter: user " + user + " muted for " + std::to_string(mute->count()) +
                            " ms after repeated word-list hits");
      }
    }
    if (reject) {
      rejected_.add();
      return call.reject(HERALD_REASON_CONTENT_REJECTED, "content refused by filter (category " + first_reject + ")");
    }
    if (mask_bits) {  // before any other change to the envelope: `payload` views into it
      std::vector<Hit> to_mask;
      for (const Hit& h : hits)
        if (h.categories & mask_bits) to_mask.push_back(h);
      masked_.add();
      env.set_payload(mask_ranges(payload, std::move(to_mask), cfg.mask_char));
    }
    if (!flagged.empty()) {
      flagged_.add();
      env.set("x-herald-filter-flagged", flagged);
      plugin_.host().info("filter: flagged a message from user " + user + " (" + flagged + ")");
    }
    return moderate(call, env, user);
  }

 private:
  // The external hook, when configured: the (masked) text goes to the service and the envelope
  // waits, off the loop, for its answer.
  Verdict moderate(StageCall& call, sdk::Envelope& env, std::string_view user) {
    ModerationClient* mod = plugin_.moderation();
    if (!mod) return Verdict::kContinue;
    nlohmann::json body = {{"user", user},
                           {"conv", env.get(":conv").value_or("")},
                           {"topic", env.get(":topic").value_or("")},
                           {"type", env.get(":type").value_or("")},
                           {"text", env.payload()}};
    auto completion = std::make_shared<sdk::Completion>(call.defer());
    const bool fail_open = mod->config().fail_open;
    mod->check(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
               [completion, fail_open](ModerationAnswer a) {
                 if (a.verdict == ModerationVerdict::kAllow) return completion->resume();
                 if (a.verdict == ModerationVerdict::kReject)
                   return completion->reject(HERALD_REASON_CONTENT_REJECTED, a.reason);
                 if (fail_open) return completion->resume();
                 completion->reject(HERALD_REASON_DEPENDENCY_UNAVAILABLE, a.reason);
               });
    return Verdict::kDefer;
  }

  // kText: IM sends of the configured kinds and plain MQTT publishes (when `mqtt` is on) are matched;
  // kMuteOnly: other IM sends (media) only honour a mute; kNone: not a message from a sender.
  enum class Scope { kNone, kMuteOnly, kText };
  static Scope scope_of(const sdk::Envelope& env, const FilterConfig& cfg) {
    if (auto im = env.get(":im")) {
      if (*im != "send") return Scope::kNone;
      const std::string_view type = env.get(":type").value_or("text");
      for (const auto& t : cfg.im_types)
        if (t == type) return Scope::kText;
      return Scope::kMuteOnly;
    }
    const bool publish = env.get(":protocol") == std::optional<std::string_view>("mqtt") && env.get(":topic");
    return publish && cfg.mqtt ? Scope::kText : Scope::kNone;
  }

  FilterPlugin& plugin_;
  sdk::Metric clean_, masked_, rejected_, flagged_, muted_;
};

sdk::PluginSpec<FilterPlugin> spec() {
  using sdk::key;
  return sdk::PluginSpec<FilterPlugin>("filter", "1.0.0",
                                       "Content filter: categorized word lists (mask, reject, flag), penalties and mutes")
      .keys({key("categories", HERALD_CONFIG_LIST, "[]", "word-list categories: name, action, files, words, penalize"),
             key("normalize", HERALD_CONFIG_MAP, "{}", "separators, fold, fold_files"),
             key("penalty", HERALD_CONFIG_MAP, "{}", "hits, window, mute, forgive_after, max_users"),
             key("mask_char", HERALD_CONFIG_STRING, "\"*\"", "replaces each masked character"),
             key("im_types", HERALD_CONFIG_LIST, "[text]", "IM message kinds whose body is filtered"),
             key("mqtt", HERALD_CONFIG_BOOLEAN, "true", "filter plain MQTT publish payloads"),
             key("moderation", HERALD_CONFIG_MAP, "{}", "external moderation hook: url, timeout, on_failure, workers, max_queue, breaker")})
      .stage<FilterStage>("filter", "matches message text against the word lists: mask, reject or flag");
}

}  // namespace
}  // namespace herald::filter

HERALD_PLUGIN(herald::filter::FilterPlugin, herald::filter::spec)
