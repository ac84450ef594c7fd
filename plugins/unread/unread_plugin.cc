// unread: per-conversation and total unread counts that never drift from the messages. The counters
// are a storage participant of the messaging core (herald.im.store.v1): written inside the
// transaction that stores the message, so a crash can never leave the two apart. The plugin also
// answers UNREAD_REQUEST ($im/unread, binary, admin API), gives PUSH.badge, provides the `unread`
// stage (recipients' badges on the envelope for later stages such as offline push) and the
// `herald unread check` reconciliation command.
#include <chrono>
#include <future>
#include <mutex>

#include <herald/binary/codec.h>
#include <herald/im_service.h>
#include <herald/im_store_service.h>
#include <herald/sdk.hpp>

#include "check_command.h"
#include "reconcile.h"
#include "unread_admin.h"
#include "unread_counters.h"

namespace herald::unread {
namespace {

namespace bin = herald::binary;
using Clock = std::chrono::steady_clock;

std::string_view view(herald_str s) { return {s.data, s.size}; }

std::vector<uint8_t> encode(bin::FrameBody body) {
  bin::Frame frame;
  frame.body = std::move(body);
  std::vector<uint8_t> out;
  bin::EncodeOptions options;
  options.max_frame_size = bin::kMaxFrameSizeCeiling;
  if (bin::encode_frame(frame, out, options) != bin::EncodeStatus::kOk) throw SqlError("UNREAD_RESULT too large");
  return out;
}

struct PluginMetrics {
  sdk::Metric updates, row_writes, reads, expired, queries, mismatches, update_seconds;
};

class UnreadPlugin : public sdk::Plugin {
 public:
  UnreadPlugin(sdk::Host host, const sdk::Config& config)
      : Plugin(host), counters_(options(config)), check_on_start_(config.boolean("check_on_start")),
        metrics_{host.counter("herald_unread_updates_total", "Per-member unread increments, before merging."),
                 host.counter("herald_unread_row_writes_total",
                              "Rows written in the unread tables (merged: one per member and batch)."),
                 host.counter("herald_unread_reads_total", "Conversations recounted by a read, join or mark-all-read."),
                 host.counter("herald_unread_expired_total", "Conversations whose stale unread expired."),
                 host.counter("herald_unread_queries_total", "UNREAD_REQUESTs answered ($im/unread, binary, admin)."),
                 host.gauge("herald_unread_reconciliation_mismatches",
                            "Mismatches found by the last reconciliation (check_on_start); must stay 0."),
                 host.histogram("herald_unread_update_seconds",
                                "Time the unread counters took inside one commit (events and merged writes).",
                                {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05})} {
    const herald_host_v1* api = host.api();
    store_ = static_cast<const herald_im_store_service_v1*>(
        HERALD_STRUCT_HAS(api, herald_host_v1, service_lookup)
            ? api->service_lookup(host.ctx(), sdk::to_str(HERALD_IM_STORE_SERVICE_V1))
            : nullptr);
    if (!store_ || store_->struct_size < sizeof(herald_im_store_service_v1))
      throw sdk::PluginError("the messaging core's " HERALD_IM_STORE_SERVICE_V1 " service is missing (the im plugin)");
    participant_ = make_participant();
    if (uint32_t rc = store_->add_participant(store_->self, &participant_); rc != 0)
      throw sdk::PluginError("cannot join the messaging store (reason " + std::to_string(rc) + ", see the log)",
                             static_cast<herald_reason>(rc));
  }
  ~UnreadPlugin() override { store_->remove_participant(store_->self, &participant_); }

  static void validate(const sdk::Config& config, sdk::Errors& errors) {
    if (config.duration_ms("expire_after") != 0 && config.duration_ms("expire_after") < 60000)
      errors.add("expire_after", "expected 0 (never) or at least 1m, got \"" + config.string("expire_after") + "\"");
  }

  void start() override {
    im_ = static_cast<const herald_im_service_v1*>(host().api()->service_lookup(host().ctx(),
                                                                                sdk::to_str(HERALD_IM_SERVICE_V1)));
    host().http_route("GET", "/v1/users/{user}/unread",
                      "a user's unread counts and total (?convs=c1,c2 for those conversations only)",
                      [this](const sdk::HttpRequest& req) { return admin_route(req); });
  }

  // GET /v1/users/{user}/unread (admin HTTP worker thread): through the messaging core, so the
  // answer is the writer's view.
  sdk::HttpResponse admin_route(const sdk::HttpRequest& req) const {
    std::vector<std::string> convs;
    if (auto list = req.param("convs"); list && !list->empty()) {
      size_t from = 0;
      while (from <= list->size()) {
        size_t comma = list->find(',', from);
        if (comma == std::string::npos) comma = list->size();
        if (comma > from) convs.push_back(list->substr(from, comma - from));
        from = comma + 1;
      }
    }
    AdminAnswer a = admin_unread(im_, req.param("user").value_or(""), convs);
    if (a.status == 200) return sdk::HttpResponse::json(200, a.body);
    return sdk::HttpResponse::error(static_cast<herald_reason>(a.reason), a.body);
  }

  // The `unread` stage: the badges computed for the message's recipients in its commit.
  std::optional<std::string> take_badges(std::string_view conv, std::string_view seq) {
    std::lock_guard lock(badges_mutex_);
    auto it = badges_.find(std::string(conv) + "#" + std::string(seq));
    if (it == badges_.end()) return std::nullopt;
    std::string out = std::move(it->second);
    badges_.erase(it);
    return out;
  }
  void stage_attached(size_t max_badges) {
    size_t seen = max_badges_.load();
    while (seen < max_badges && !max_badges_.compare_exchange_weak(seen, max_badges)) {
    }
    stages_.fetch_add(1);
  }
  void stage_detached() { stages_.fetch_sub(1); }

 private:
  static UnreadOptions options(const sdk::Config& config) {
    UnreadOptions o;
    o.mute_excludes_from_total = config.boolean("mute_excludes_from_total");
    o.expire_after = std::chrono::milliseconds(config.duration_ms("expire_after"));
    return o;
  }
  static UnreadPlugin* self(void* arg) { return static_cast<UnreadPlugin*>(arg); }

  // Runs fn (writer thread) with the callback's database; an exception refuses the job.
  template <class Fn>
  int guarded(herald_im_sql* sql, Fn&& fn) {
    auto started = Clock::now();
    int rc = 0;
    try {
      fn(ParticipantDb(store_, sql));
    } catch (const std::exception& e) {
      host().error(std::string("unread: ") + e.what());
      rc = 1;
    }
    batch_time_ += Clock::now() - started;
    return rc;
  }

  herald_im_participant_v1 make_participant() {
    herald_im_participant_v1 p{};
    p.struct_size = sizeof(p);
    p.arg = this;
    p.name = herald_str{"unread", 6};
    p.schema = herald_str{UnreadCounters::schema(), std::char_traits<char>::length(UnreadCounters::schema())};
    p.opened = [](void* arg, herald_im_sql* sql) {
      return self(arg)->guarded(sql, [&](const ParticipantDb& db) { self(arg)->opened(db); });
    };
    p.message_stored = [](void* arg, herald_im_sql* sql, const herald_im_message_event* e) {
      return self(arg)->guarded(sql, [&](const ParticipantDb& db) { self(arg)->message_stored(db, *e); });
    };
    p.read_advanced = [](void* arg, herald_im_sql* sql, const herald_im_cursor_event* e) {
      return self(arg)->guarded(sql, [&](const ParticipantDb& db) {
        self(arg)->counters_.seen(db, std::string(view(e->user)), std::string(view(e->conv)), e->seen_seq);
      });
    };
    p.member_joined = p.read_advanced;
    p.member_left = [](void* arg, herald_im_sql* sql, const herald_im_cursor_event* e) {
      return self(arg)->guarded(sql, [&](const ParticipantDb& db) {
        self(arg)->counters_.left(db, std::string(view(e->user)), std::string(view(e->conv)));
      });
    };
    p.badge = [](void* arg, herald_im_sql* sql, herald_str user) -> uint32_t {
      uint64_t total = 0;
      self(arg)->guarded(sql, [&](const ParticipantDb& db) { total = self(arg)->counters_.total(db, std::string(view(user))); });
      return static_cast<uint32_t>(std::min<uint64_t>(total, UINT32_MAX));
    };
    p.unread = [](void* arg, herald_im_sql* sql, herald_str user, herald_str frame, herald_im_reply_fn reply,
                  void* reply_arg) {
      return self(arg)->guarded(sql, [&](const ParticipantDb& db) {
        auto out = self(arg)->answer(db, std::string(view(user)), view(frame));
        reply(reply_arg, herald_str{reinterpret_cast<const char*>(out.data()), out.size()});
      });
    };
    p.job_end = [](void* arg, int kept) { self(arg)->job_end(kept != 0); };
    p.before_commit = [](void* arg, herald_im_sql* sql) {
      return self(arg)->guarded(sql, [&](const ParticipantDb& db) { self(arg)->before_commit(db); });
    };
    p.batch_end = [](void* arg, int committed) { self(arg)->batch_end(committed != 0); };
    return p;
  }

  void opened(const ParticipantDb& db) {
    counters_.opened(db);
    if (!check_on_start_) return;
    ReconcileReport r = reconcile(db);
    metrics_.mismatches.set(static_cast<double>(r.mismatches()));
    std::string summary = "unread: reconciliation at start: " + std::to_string(r.participants) +
                          " conversations of " + std::to_string(r.users) + " users, " +
                          std::to_string(r.mismatches()) + " mismatches";
    if (r.mismatches() == 0) {
      host().info(summary);
      return;
    }
    host().error(summary);
    for (const auto& line : r.examples) host().error("unread: mismatch: " + line);
  }

  void message_stored(const ParticipantDb& db, const herald_im_message_event& e) {
    MessageEvent m;
    m.conv = std::string(view(e.conv));
    m.seq = e.seq;
    m.sender = std::string(view(e.sender));
    m.ts_ms = e.ts_ms;
    m.read_diffusion = e.read_diffusion != 0;
    for (uint32_t i = 0; i < e.recipient_count; ++i) m.recipients.emplace_back(view(e.recipients[i]));
    counters_.message_stored(db, m);
    if (stages_.load() > 0 && !m.read_diffusion) {
      auto& wanted = job_badges_[m.conv + "#" + std::to_string(m.seq)];
      for (auto& r : m.recipients)
        if (r != m.sender && wanted.size() < max_badges_.load()) wanted.push_back(r);
    }
  }

  void job_end(bool kept) {
    counters_.job_end(kept);
    if (kept)
      for (auto& [k, v] : job_badges_) batch_badges_[k] = std::move(v);
    job_badges_.clear();
  }

  void before_commit(const ParticipantDb& db) {
    counters_.flush(db);
    // Badges for the stage: each recipient's total at the end of the batch, one query per user.
    std::map<std::string, uint64_t> totals;
    for (auto& [key, users] : batch_badges_) {
      std::string text;
      for (auto& u : users) {
        auto [it, fresh] = totals.emplace(u, 0);
        if (fresh) it->second = counters_.total(db, u);
        text += (text.empty() ? "" : ",") + u + "=" + std::to_string(it->second);
      }
      ready_badges_[key] = std::move(text);
    }
    batch_badges_.clear();
  }

  void batch_end(bool committed) {
    UnreadStats before = counters_.stats();
    counters_.batch_end(committed);
    const UnreadStats& after = counters_.stats();
    if (committed) {
      metrics_.updates.add(static_cast<double>(after.updates - before.updates));
      metrics_.row_writes.add(static_cast<double>(after.row_writes - before.row_writes));
      metrics_.reads.add(static_cast<double>(after.reads - before.reads));
      metrics_.expired.add(static_cast<double>(after.expired - before.expired));
      metrics_.queries.add(static_cast<double>(batch_queries_));
      metrics_.update_seconds.observe(std::chrono::duration<double>(batch_time_).count());
      if (!ready_badges_.empty()) {
        std::lock_guard lock(badges_mutex_);
        // Bounded: badges nobody took (a pipeline without the stage) do not pile up.
        if (badges_.size() > 100000) badges_.clear();
        for (auto& [k, v] : ready_badges_) badges_[k] = std::move(v);
      }
    }
    ready_badges_.clear();
    batch_badges_.clear();
    job_badges_.clear();
    batch_queries_ = 0;
    batch_time_ = {};
  }

  std::vector<uint8_t> answer(const ParticipantDb& db, const std::string& user, std::string_view frame) {
    bin::DecodeLimits limits;
    limits.max_frame_size = bin::kMaxFrameSizeCeiling;
    auto decoded = bin::decode_frame(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(frame.data()), frame.size()), limits);
    auto* req = decoded.status == bin::DecodeStatus::kOk ? std::get_if<bin::UnreadRequestFrame>(&decoded.frame.body)
                                                          : nullptr;
    if (!req) return encode(bin::ErrorFrame{HERALD_REASON_MALFORMED, "not an UNREAD_REQUEST", 0});
    const bool muting = req->op == bin::UnreadOp::kMute || req->op == bin::UnreadOp::kUnmute;
    std::vector<std::string> listed;
    for (auto& c : req->convs) {
      if (c.value.starts_with("c2c:") || c.value.starts_with("group:")) listed.push_back(c.value);
      else if (muting) return encode(bin::ErrorFrame{HERALD_REASON_INVALID_REQUEST, c.value + " has no unread state", 0});
      // a query skips rooms (no read state), as the core's own answer does
    }
    if (muting) {
      for (auto& conv : listed)
        if (!counters_.participates(db, user, conv))
          return encode(bin::ErrorFrame{HERALD_REASON_NOT_MEMBER, "not a participant of " + conv, 0});
      for (auto& conv : listed) counters_.mute(db, user, conv, req->op == bin::UnreadOp::kMute);
    }
    ++batch_queries_;
    bin::UnreadResultFrame out;
    const bool only_rooms = !req->convs.empty() && listed.empty();  // empty `listed` would mean "all"
    for (auto& c : only_rooms ? std::vector<ConvUnread>{} : counters_.convs(db, user, listed)) {
      bin::UnreadEntry e;
      e.conv.value = c.conv;
      e.count = static_cast<uint32_t>(std::min<uint64_t>(c.count, UINT32_MAX));
      e.muted = c.muted;
      auto last = db.sql("SELECT COALESCE(MAX(seq), 0) FROM im_messages WHERE conv = ?");
      last.bind(1, c.conv);
      if (last.step()) e.last_seq = static_cast<uint64_t>(last.integer(0));
      auto read = db.sql("SELECT seq FROM im_read_cursors WHERE user = ? AND conv = ?");
      read.bind(1, user).bind(2, c.conv);
      if (read.step()) e.read_seq = static_cast<uint64_t>(read.integer(0));
      out.convs.push_back(std::move(e));
    }
    out.total = static_cast<uint32_t>(std::min<uint64_t>(counters_.total(db, user), UINT32_MAX));
    return encode(std::move(out));
  }

  // Writer thread only.
  UnreadCounters counters_;
  bool check_on_start_;
  std::map<std::string, std::vector<std::string>> job_badges_, batch_badges_;
  std::map<std::string, std::string> ready_badges_;
  uint64_t batch_queries_ = 0;
  Clock::duration batch_time_{};

  PluginMetrics metrics_;
  const herald_im_store_service_v1* store_ = nullptr;
  const herald_im_service_v1* im_ = nullptr;
  herald_im_participant_v1 participant_{};

  std::atomic<int> stages_{0};
  std::mutex badges_mutex_;
  std::atomic<size_t> max_badges_{0};
  std::map<std::string, std::string> badges_;  // "conv#seq" -> "user=badge,..." for the stage
};

class UnreadStage : public sdk::Stage {
 public:
  UnreadStage(UnreadPlugin& plugin, const sdk::Config& config) : plugin_(plugin) {
    plugin_.stage_attached(static_cast<size_t>(config.integer("max_badges")));
  }
  ~UnreadStage() override { plugin_.stage_detached(); }

  static void validate(const sdk::Config& config, sdk::Errors& errors) {
    if (config.integer("max_badges") < 0) errors.add("max_badges", "expected a count >= 0");
  }

  sdk::Verdict process(sdk::StageCall& call) override {
    auto env = call.envelope();
    auto conv = env.get(":conv");
    auto seq = env.get(":seq");
    if (!conv || !seq || env.get(":duplicate")) return sdk::Verdict::kContinue;  // not a newly stored message
    if (auto badges = plugin_.take_badges(*conv, *seq)) env.set(":badges", *badges);
    return sdk::Verdict::kContinue;
  }

 private:
  UnreadPlugin& plugin_;
};

sdk::PluginSpec<UnreadPlugin> spec() {
  using sdk::key;
  return sdk::PluginSpec<UnreadPlugin>("unread", "1.0.0",
                                       "per-conversation and total unread counts, atomic with the messages")
      .keys({key("mute_excludes_from_total", HERALD_CONFIG_BOOLEAN, "true",
                 "muted conversations keep their count but are left out of the total and the badge"),
             key("expire_after", HERALD_CONFIG_DURATION, "0s",
                 "unread older than this stops counting (0s: never); at least 1m"),
             key("check_on_start", HERALD_CONFIG_BOOLEAN, "false",
                 "reconcile every counter with the messages at start-up (logs and sets the mismatch gauge)")})
      .stage<UnreadStage>("unread",
                          "after im.store: sets :badges (\"user=total,...\") for the stored message's recipients",
                          {key("max_badges", HERALD_CONFIG_INTEGER, "1000",
                               "most recipients listed in :badges (read-diffusion groups: none)")})
      .command<&check_command>("unread", "check --db PATH [--examples N]",
                               "reconcile the unread counters with the messages (exit 1 on any mismatch)");
}

}  // namespace
}  // namespace herald::unread

HERALD_PLUGIN(herald::unread::UnreadPlugin, herald::unread::spec)
