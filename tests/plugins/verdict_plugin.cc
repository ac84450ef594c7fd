// verdict: test stages for the pipeline engine. `reject_if` rejects envelopes whose header equals a
// value; `defer` parks each envelope and finishes it from a worker thread (as an async lookup would);
// `record` appends its name to a header so tests can see the order stages ran in.
#include <herald/sdk.hpp>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace {

using herald::sdk::Config;
using herald::sdk::StageCall;
using herald::sdk::Verdict;

class VerdictPlugin : public herald::sdk::Plugin {
 public:
  VerdictPlugin(herald::sdk::Host host, const Config&) : Plugin(host) {}
  ~VerdictPlugin() override { stop(); }
  // Anything still held at shutdown is answered (the Completion destructor rejects it).

  void start() override {
    worker_ = std::thread([this] { work(); });
  }
  void stop() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (worker_.joinable()) worker_.join();
  }
  bool reconfigure(const Config&) override { return true; }
  void drain() override { host().info("verdict: drain hook ran"); }

  // Parks a completion until release_held(): lets tests keep an envelope in flight across a reload.
  void hold(herald::sdk::Completion completion) {
    std::lock_guard lock(mutex_);
    held_.push_back(std::move(completion));
  }
  void release_held() {
    std::lock_guard lock(mutex_);
    while (!held_.empty()) {
      jobs_.push_back(Job{std::move(held_.front()), false});
      held_.pop_front();
    }
    cv_.notify_one();
  }

  // Hands a completion to the worker thread, which answers it off-loop.
  void enqueue(herald::sdk::Completion completion, bool reject) {
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back(Job{std::move(completion), reject});
    }
    cv_.notify_one();
  }

 private:
  struct Job {
    herald::sdk::Completion completion;
    bool reject;
  };
  void work() {
    std::unique_lock lock(mutex_);
    for (;;) {
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty() && stopping_) return;
      Job job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      if (job.reject) job.completion.reject(HERALD_REASON_NOT_AUTHORIZED, "denied by deferred check");
      else job.completion.resume();
      lock.lock();
    }
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  std::deque<herald::sdk::Completion> held_;
  bool stopping_ = false;
  std::thread worker_;
};

class RejectIf : public herald::sdk::Stage {
 public:
  RejectIf(VerdictPlugin&, const Config& c)
      : header_(c.string("header")), equals_(c.string("equals")), reason_(static_cast<herald_reason>(c.integer("reason"))) {}
  Verdict process(StageCall& call) override {
    auto v = call.envelope().get(header_);
    if (v && *v == equals_) return call.reject(reason_, "header " + header_ + " is " + equals_);
    return Verdict::kContinue;
  }

 private:
  std::string header_, equals_;
  herald_reason reason_;
};

class Defer : public herald::sdk::Stage {
 public:
  Defer(VerdictPlugin& plugin, const Config& c) : plugin_(plugin), reject_header_(c.string("reject_header")) {}
  Verdict process(StageCall& call) override {
    auto env = call.envelope();
    if (env.get("x-hold")) {
      plugin_.hold(call.defer());
      return Verdict::kDefer;
    }
    if (env.get("x-release")) plugin_.release_held();
    bool reject = env.get(reject_header_).has_value();
    plugin_.enqueue(call.defer(), reject);
    return Verdict::kDefer;
  }

 private:
  VerdictPlugin& plugin_;
  std::string reject_header_;
};

class Record : public herald::sdk::Stage {
 public:
  Record(VerdictPlugin&, const Config& c) : name_(c.string("name")) {}
  Verdict process(StageCall& call) override {
    auto env = call.envelope();
    std::string trail(env.get("trail").value_or(""));
    env.set("trail", trail.empty() ? name_ : trail + "," + name_);
    env.set("loop", std::to_string(call.loop()));
    return Verdict::kContinue;
  }

 private:
  std::string name_;
};

// `herald verdict-args -c FILE ...`: echoes its arguments; exit code 3 with --fail (tests the command ABI).
int verdict_args(const Config&, const std::vector<std::string>& args, std::string& out, std::string& err) {
  std::string joined;
  for (const auto& a : args) joined += (joined.empty() ? "" : " ") + a;
  if (std::find(args.begin(), args.end(), "--fail") != args.end()) {
    err = "verdict-args failing on request\n";
    return 3;
  }
  out = "args: " + joined + "\n";
  return 0;
}

herald::sdk::PluginSpec<VerdictPlugin> spec() {
  using herald::sdk::key;
  using herald::sdk::required_key;
  return herald::sdk::PluginSpec<VerdictPlugin>("verdict", "0.1.0", "test stages: reject_if, defer, record")
      .stage<RejectIf>("reject_if", "rejects when a header equals a value",
                       {required_key("header", HERALD_CONFIG_STRING, "header to test"),
                        required_key("equals", HERALD_CONFIG_STRING, "value that rejects"),
                        key("reason", HERALD_CONFIG_INTEGER, "135", "reason code (default NOT_AUTHORIZED)")})
      .stage<Defer>("defer", "finishes on a worker thread",
                    {key("reject_header", HERALD_CONFIG_STRING, "\"x-deny\"", "present: the worker rejects")})
      .stage<Record>("record", "appends its name to the trail header",
                     {required_key("name", HERALD_CONFIG_STRING, "name to append")})
      .listener("none", "declares no real listener; shows up in `herald plugins`")
      .route("GET /verdict/stats", "example route declaration")
      .command<&verdict_args>("verdict-args", "[args...]", "echoes its arguments");
}

}  // namespace

HERALD_PLUGIN(VerdictPlugin, spec)
