// Herald plugin SDK: a header-only C++ layer over the C ABI (plugin_abi.h) so a plugin author writes
// classes. Every extern "C" trampoline here catches exceptions; nothing C++ crosses the boundary.
//
//   class MyStage : public herald::sdk::Stage {
//    public:
//     MyStage(MyPlugin& plugin, const herald::sdk::Config& config);
//     herald::sdk::Verdict process(herald::sdk::StageCall& call) override;
//   };
//   class MyPlugin : public herald::sdk::Plugin {
//    public:
//     MyPlugin(herald::sdk::Host host, const herald::sdk::Config& config);
//   };
//   herald::sdk::PluginSpec<MyPlugin> herald_spec() {
//     return herald::sdk::PluginSpec<MyPlugin>("mine", "1.0.0", "what it does")
//         .stage<MyStage>("my_stage", "what the stage does", {herald::sdk::key_string("k", "\"v\"", "doc")});
//   }
//   HERALD_PLUGIN(MyPlugin, herald_spec)
//
// Optional: a static `void validate(const Config&, Errors&)` on the plugin or a stage class adds deep
// validation that `herald check-config` runs without initialising the plugin.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "herald/config_values.hpp"
#include "herald/plugin_abi.h"
#include "herald/str.hpp"

namespace herald::sdk {


enum class Verdict : uint32_t {
  kContinue = HERALD_VERDICT_CONTINUE,
  kReject = HERALD_VERDICT_REJECT,
  kDefer = HERALD_VERDICT_DEFER,
};

// Thrown inside a plugin to fail init/create/start with a reason; the trampoline turns it into an error.
class PluginError : public std::runtime_error {
 public:
  explicit PluginError(const std::string& message, herald_reason reason = HERALD_REASON_UNSPECIFIED_ERROR)
      : std::runtime_error(message), reason_(reason) {}
  herald_reason reason() const { return reason_; }

 private:
  herald_reason reason_;
};

namespace detail {
// The host API of this plugin's host. One plugin per shared object (hidden visibility), so one value.
inline const herald_host_v1* g_api = nullptr;
inline herald_host_ctx* g_ctx = nullptr;
}  // namespace detail

// One labelled metric series. Cheap to copy; keep it for the hot path.
class Metric {
 public:
  Metric() = default;
  Metric(const herald_host_v1* api, herald_metric* m) : api_(api), m_(m) {}
  void add(double v = 1.0) const { if (m_) api_->metric_add(m_, v); }
  void set(double v) const { if (m_) api_->metric_set(m_, v); }
  void observe(double v) const { if (m_) api_->metric_observe(m_, v); }
  explicit operator bool() const { return m_ != nullptr; }

 private:
  const herald_host_v1* api_ = nullptr;
  herald_metric* m_ = nullptr;
};

namespace detail {
// Runs a loop callback; an exception is logged, never thrown into the host's C code.
template <class Fn>
void guard_callback(Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    if (g_api) g_api->log(g_ctx, HERALD_LOG_ERROR, to_str(e.what()));
  } catch (...) {
    if (g_api) g_api->log(g_ctx, HERALD_LOG_ERROR, to_str("unknown exception in a loop callback"));
  }
}

// Frees a loop callback's closure on the loop's next task, so a watch or timer may be destroyed from
// inside its own callback without freeing the closure that is running.
template <class T>
void release_later(const herald_host_v1* api, herald_host_ctx* ctx, uint32_t loop, std::unique_ptr<T> p) {
  if (!p) return;
  T* raw = p.release();
  if (api->loop_post(ctx, loop, [](void* a) { delete static_cast<T*>(a); }, raw) != 0) delete raw;  // loop gone
}
}  // namespace detail

// A file descriptor watched by one loop. Create and destroy it on that loop's thread; the callback
// runs there. Destroying it (also from its own callback) stops the watch; it does not close the fd.
class FdWatch {
 public:
  using Callback = std::function<void(int fd, uint32_t events)>;
  FdWatch() = default;
  FdWatch(const herald_host_v1* api, herald_host_ctx* ctx, uint32_t loop, int fd, uint32_t events, Callback cb)
      : api_(api), ctx_(ctx), loop_(loop), cb_(std::make_unique<Callback>(std::move(cb))) {
    w_ = api_->fd_watch(ctx, loop, fd, events, &trampoline, cb_.get());
  }
  FdWatch(FdWatch&& o) noexcept { *this = std::move(o); }
  FdWatch& operator=(FdWatch&& o) noexcept {
    if (this != &o) {
      reset();
      api_ = o.api_;
      ctx_ = o.ctx_;
      loop_ = o.loop_;
      w_ = std::exchange(o.w_, nullptr);
      cb_ = std::move(o.cb_);
    }
    return *this;
  }
  ~FdWatch() { reset(); }
  explicit operator bool() const { return w_ != nullptr; }
  bool modify(uint32_t events) { return w_ && api_->fd_modify(w_, events) == 0; }
  void reset() {
    if (w_) api_->fd_unwatch(std::exchange(w_, nullptr));
    if (cb_) detail::release_later(api_, ctx_, loop_, std::move(cb_));
  }

 private:
  static void trampoline(void* arg, int fd, uint32_t events) {
    detail::guard_callback([&] { (*static_cast<Callback*>(arg))(fd, events); });
  }
  const herald_host_v1* api_ = nullptr;
  herald_host_ctx* ctx_ = nullptr;
  uint32_t loop_ = 0;
  herald_fd_watch* w_ = nullptr;
  std::unique_ptr<Callback> cb_;
};

// A timer on one loop. Create, cancel and destroy it on that loop's thread (also from its own
// callback); the callback runs there.
class Timer {
 public:
  using Callback = std::function<void()>;
  Timer() = default;
  Timer(const herald_host_v1* api, herald_host_ctx* ctx, uint32_t loop, uint64_t delay_ms, uint64_t repeat_ms,
        Callback cb)
      : api_(api), ctx_(ctx), loop_(loop), state_(std::make_unique<State>()) {
    state_->cb = std::move(cb);
    state_->one_shot = repeat_ms == 0;
    state_->handle = api_->timer_start(ctx, loop, delay_ms, repeat_ms, &trampoline, state_.get());
  }
  Timer(Timer&& o) noexcept { *this = std::move(o); }
  Timer& operator=(Timer&& o) noexcept {
    if (this != &o) {
      cancel();
      api_ = o.api_;
      ctx_ = o.ctx_;
      loop_ = o.loop_;
      state_ = std::move(o.state_);
    }
    return *this;
  }
  ~Timer() { cancel(); }
  bool active() const { return state_ && state_->handle; }
  void cancel() {
    if (!state_) return;
    if (state_->handle) api_->timer_cancel(std::exchange(state_->handle, nullptr));
    detail::release_later(api_, ctx_, loop_, std::move(state_));
  }

 private:
  struct State {
    Callback cb;
    bool one_shot = false;
    herald_timer* handle = nullptr;  // null once cancelled or a one-shot fired (the host freed it)
  };
  static void trampoline(void* arg) {
    auto* st = static_cast<State*>(arg);
    if (st->one_shot) st->handle = nullptr;
    detail::guard_callback([&] { st->cb(); });
  }
  const herald_host_v1* api_ = nullptr;
  herald_host_ctx* ctx_ = nullptr;
  uint32_t loop_ = 0;
  std::unique_ptr<State> state_;
};

using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

// The registry name of a reason code ("NOT_FOUND"), or "UNKNOWN".
constexpr std::string_view reason_name(uint16_t code) {
  switch (code) {
#define HERALD_REASON_NAME_(name, value, mqtt5, text) \
  case value:                                         \
    return #name;
    HERALD_REASON_CODES(HERALD_REASON_NAME_)
#undef HERALD_REASON_NAME_
  }
  return "UNKNOWN";
}

// The HTTP status an admin API error of this reason answers with.
constexpr int http_status_of(uint16_t code) {
  switch (code) {
    case HERALD_REASON_OK: return 200;
    case HERALD_REASON_BAD_CREDENTIALS: case HERALD_REASON_TOKEN_EXPIRED: return 401;
    case HERALD_REASON_NOT_AUTHORIZED: case HERALD_REASON_NOT_MEMBER: case HERALD_REASON_FORBIDDEN_ROLE:
    case HERALD_REASON_MUTED: case HERALD_REASON_BANNED: return 403;
    case HERALD_REASON_NOT_FOUND: return 404;
    case HERALD_REASON_ALREADY_EXISTS: return 409;
    case HERALD_REASON_PAYLOAD_TOO_LARGE: case HERALD_REASON_PACKET_TOO_LARGE: return 413;
    case HERALD_REASON_MESSAGE_RATE_TOO_HIGH: case HERALD_REASON_QUOTA_EXCEEDED: case HERALD_REASON_RATE_LIMITED:
      return 429;
    case HERALD_REASON_UNSUPPORTED_FEATURE: return 501;
    case HERALD_REASON_SERVER_UNAVAILABLE: case HERALD_REASON_SERVER_BUSY: case HERALD_REASON_SERVER_SHUTTING_DOWN:
    case HERALD_REASON_STORAGE_UNAVAILABLE: case HERALD_REASON_DEPENDENCY_UNAVAILABLE: return 503;
    case HERALD_REASON_TIMEOUT: return 504;
    case HERALD_REASON_UNSPECIFIED_ERROR: case HERALD_REASON_IMPLEMENTATION_SPECIFIC: return 500;
    default: return 400;
  }
}

// `text` as a JSON string literal, quotes included.
inline std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

// One admin API request, valid for the handler call (see herald_http_handler_fn).
struct HttpRequest {
  HttpRequest(const herald_host_v1* api, const herald_http_request* req)
      : method(view(api->http_request_method(req))), path(view(api->http_request_path(req))),
        query(view(api->http_request_query(req))), body(view(api->http_request_body(req))), api_(api), req_(req) {}
  std::string_view method, path, query, body;

  // A {name} of the route's pattern, else a query parameter (URL-decoded).
  std::optional<std::string> param(std::string_view name) const {
    herald_str out{};
    if (!api_->http_request_param(req_, to_str(name), &out)) return std::nullopt;
    return std::string(view(out));
  }
  std::optional<std::string> header(std::string_view name) const {  // case-insensitive
    herald_str out{};
    if (!api_->http_request_header(req_, to_str(name), &out)) return std::nullopt;
    return std::string(view(out));
  }

 private:
  const herald_host_v1* api_;
  const herald_http_request* req_;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";

  static HttpResponse json(int status, std::string body) { return HttpResponse{status, std::move(body)}; }
  // {"error":{"code":N,"name":"NAME","message":"..."}} with the status http_status_of(reason).
  static HttpResponse error(herald_reason reason, std::string_view message) {
    auto code = static_cast<uint16_t>(reason);
    return json(http_status_of(code), "{\"error\":{\"code\":" + std::to_string(code) + ",\"name\":" +
                                          json_quote(reason_name(code)) + ",\"message\":" + json_quote(message) +
                                          "}}");
  }
};

// Admin worker thread; an exception becomes a 500 with its text.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

namespace detail {
// Handlers live as long as the library: routes are registered only in init/start, so this is bounded.
inline std::deque<HttpHandler>& http_handlers() {
  static std::deque<HttpHandler> handlers;
  return handlers;
}
inline void http_trampoline(void* arg, const herald_http_request* req, herald_http_response* resp) {
  HttpResponse out;
  try {
    out = (*static_cast<HttpHandler*>(arg))(HttpRequest(g_api, req));
  } catch (const std::exception& e) {
    out = HttpResponse::error(HERALD_REASON_UNSPECIFIED_ERROR, e.what());
  } catch (...) {
    out = HttpResponse::error(HERALD_REASON_UNSPECIFIED_ERROR, "unknown exception");
  }
  g_api->http_respond(resp, static_cast<uint16_t>(out.status), to_str(out.content_type), to_str(out.body));
}
}  // namespace detail

// The host as seen by a plugin: logging, loops, metrics, pipelines.
class Host {
 public:
  Host(const herald_host_v1* api, herald_host_ctx* ctx) : api_(api), ctx_(ctx) {}
  const herald_host_v1* api() const { return api_; }
  herald_host_ctx* ctx() const { return ctx_; }

  void log(herald_log_level level, std::string_view message) const { api_->log(ctx_, level, to_str(message)); }
  void debug(std::string_view m) const { log(HERALD_LOG_DEBUG, m); }
  void info(std::string_view m) const { log(HERALD_LOG_INFO, m); }
  void warn(std::string_view m) const { log(HERALD_LOG_WARN, m); }
  void error(std::string_view m) const { log(HERALD_LOG_ERROR, m); }

  uint32_t loop_count() const { return api_->loop_count(ctx_); }
  uint32_t current_loop() const { return api_->current_loop(ctx_); }
  // Runs fn on `loop`. Returns false when the loop is stopping (fn is then dropped).
  bool post(uint32_t loop, std::function<void()> fn) const {
    auto* boxed = new std::function<void()>(std::move(fn));
    int rc = api_->loop_post(ctx_, loop, &run_boxed, boxed);
    if (rc != 0) delete boxed;
    return rc == 0;
  }

  // Loop thread of `loop` only (see FdWatch / Timer).
  FdWatch watch_fd(uint32_t loop, int fd, uint32_t events, FdWatch::Callback cb) const {
    return FdWatch(api_, ctx_, loop, fd, events, std::move(cb));
  }
  Timer start_timer(uint32_t loop, uint64_t delay_ms, uint64_t repeat_ms, Timer::Callback cb) const {
    return Timer(api_, ctx_, loop, delay_ms, repeat_ms, std::move(cb));
  }

  Metric counter(std::string_view name, std::string_view help, const Labels& labels = {}) const {
    auto pairs = flatten(labels);
    return Metric(api_, api_->metric_counter(ctx_, to_str(name), to_str(help), pairs.data(),
                                             static_cast<uint32_t>(labels.size())));
  }
  Metric gauge(std::string_view name, std::string_view help, const Labels& labels = {}) const {
    auto pairs = flatten(labels);
    return Metric(api_, api_->metric_gauge(ctx_, to_str(name), to_str(help), pairs.data(),
                                           static_cast<uint32_t>(labels.size())));
  }
  Metric histogram(std::string_view name, std::string_view help, const std::vector<double>& buckets,
                   const Labels& labels = {}) const {
    auto pairs = flatten(labels);
    return Metric(api_, api_->metric_histogram(ctx_, to_str(name), to_str(help), pairs.data(),
                                               static_cast<uint32_t>(labels.size()), buckets.data(),
                                               static_cast<uint32_t>(buckets.size())));
  }

  std::string_view data_dir() const { return view(api_->data_dir(ctx_)); }
  std::string_view node_id() const { return view(api_->node_id(ctx_)); }
  void listener_opened(std::string_view protocol, std::string_view address) const {
    api_->listener_opened(ctx_, to_str(protocol), to_str(address));
  }

  // Control thread, in init() or start(): serves `method` `pattern` (e.g. "/v1/groups/{group}") on the
  // admin API; see herald_host_v1::http_route. Throws PluginError when the host refuses the route.
  void http_route(std::string_view method, std::string_view pattern, std::string_view description,
                  HttpHandler handler) const {
    if (!HERALD_STRUCT_HAS(api_, herald_host_v1, http_respond))
      throw PluginError("host has no admin API (too old)", HERALD_REASON_UNSUPPORTED_FEATURE);
    auto& handlers = detail::http_handlers();
    handlers.push_back(std::move(handler));
    uint32_t rc = api_->http_route(ctx_, to_str(method), to_str(pattern), to_str(description),
                                   &detail::http_trampoline, &handlers.back());
    if (rc != 0) {
      handlers.pop_back();
      throw PluginError("admin route " + std::string(method) + " " + std::string(pattern) + " refused (" +
                            std::string(reason_name(static_cast<uint16_t>(rc))) + ")",
                        static_cast<herald_reason>(rc));
    }
  }

 private:
  static void run_boxed(void* arg) {
    std::unique_ptr<std::function<void()>> fn(static_cast<std::function<void()>*>(arg));
    detail::guard_callback(*fn);
  }
  static std::vector<herald_str> flatten(const Labels& labels) {
    std::vector<herald_str> out;
    out.reserve(labels.size() * 2);
    for (const auto& [k, v] : labels) {
      out.push_back(to_str(k));
      out.push_back(to_str(v));
    }
    return out;
  }

  const herald_host_v1* api_;
  herald_host_ctx* ctx_;
};

// A message in a pipeline. Header names starting with ':' are well-known fields (see plugin_abi.h).
class Envelope {
 public:
  Envelope(const herald_host_v1* api, herald_envelope* env) : api_(api), env_(env) {}
  std::optional<std::string_view> get(std::string_view name) const {
    herald_str out{};
    if (!api_->envelope_get(env_, to_str(name), &out)) return std::nullopt;
    return view(out);
  }
  void set(std::string_view name, std::string_view value) { api_->envelope_set(env_, to_str(name), to_str(value)); }
  void remove(std::string_view name) { api_->envelope_remove(env_, to_str(name)); }
  std::string_view payload() const { return view(api_->envelope_payload(env_)); }
  void set_payload(std::string_view payload) { api_->envelope_set_payload(env_, to_str(payload)); }
  herald_envelope* raw() const { return env_; }

 private:
  const herald_host_v1* api_;
  herald_envelope* env_;
};

// Resumes a deferred stage. Move-only; call exactly one of resume()/reject(), from any thread.
class Completion {
 public:
  Completion(const herald_host_v1* api, herald_completion* c) : api_(api), c_(c) {}
  Completion(Completion&& other) noexcept : api_(other.api_), c_(std::exchange(other.c_, nullptr)) {}
  Completion& operator=(Completion&&) = delete;
  Completion(const Completion&) = delete;
  ~Completion() {
    // A completion dropped without an answer would stall its envelope forever: fail it instead.
    if (c_) reject(HERALD_REASON_UNSPECIFIED_ERROR, "deferred stage dropped its completion");
  }
  void resume() { finish(HERALD_VERDICT_CONTINUE, HERALD_REASON_OK, {}); }
  void reject(herald_reason reason, std::string_view text) { finish(HERALD_VERDICT_REJECT, reason, text); }

 private:
  void finish(uint32_t verdict, herald_reason reason, std::string_view text) {
    if (!c_) return;
    api_->complete(std::exchange(c_, nullptr), verdict, static_cast<uint16_t>(reason), to_str(text));
  }
  const herald_host_v1* api_;
  herald_completion* c_;
};

// One invocation of a stage, valid during process().
class StageCall {
 public:
  StageCall(const herald_host_v1* api, herald_stage_call* call) : api_(api), call_(call) {}
  Envelope envelope() const { return Envelope(api_, api_->call_envelope(call_)); }
  uint32_t loop() const { return api_->call_loop(call_); }
  std::string_view pipeline() const { return view(api_->call_pipeline(call_)); }
  Verdict reject(herald_reason reason, std::string_view text) {
    api_->call_reject(call_, static_cast<uint16_t>(reason), to_str(text));
    return Verdict::kReject;
  }
  // Return Verdict::kDefer after calling this; hand the completion to whoever finishes the work.
  Completion defer() { return Completion(api_, api_->call_defer(call_)); }

 private:
  const herald_host_v1* api_;
  herald_stage_call* call_;
};

// A plugin's or stage's config (every declared default already filled in by the host).
class Config {
 public:
  explicit Config(std::string_view yaml_text) : node_(YAML::Load(std::string(yaml_text))) {}
  explicit Config(YAML::Node node) : node_(std::move(node)) {}
  const YAML::Node& node() const { return node_; }
  bool has(std::string_view key) const { return node_.IsMap() && node_[std::string(key)].IsDefined(); }
  YAML::Node operator[](std::string_view key) const { return node_[std::string(key)]; }

  std::string string(std::string_view key) const { return scalar(key); }
  int64_t integer(std::string_view key) const { return node_[std::string(key)].as<int64_t>(); }
  double number(std::string_view key) const { return node_[std::string(key)].as<double>(); }
  bool boolean(std::string_view key) const { return node_[std::string(key)].as<bool>(); }
  uint64_t duration_ms(std::string_view key) const {
    return required(config_values::parse_duration_ms(scalar(key)), key, "duration");
  }
  uint64_t size_bytes(std::string_view key) const {
    return required(config_values::parse_size_bytes(scalar(key)), key, "size");
  }
  double rate_per_second(std::string_view key) const {
    return required(config_values::parse_rate_per_second(scalar(key)), key, "rate");
  }

 private:
  std::string scalar(std::string_view key) const {
    auto n = node_[std::string(key)];
    if (!n.IsDefined() || !n.IsScalar()) throw PluginError("config key '" + std::string(key) + "' is missing");
    return n.Scalar();
  }
  template <class T>
  static T required(std::optional<T> v, std::string_view key, const char* what) {
    if (!v) throw PluginError("config key '" + std::string(key) + "' is not a valid " + what);
    return *v;
  }
  YAML::Node node_;
};

// A plugin's config parsed once by `parse(node, report)`, which calls report(path, message) for each
// problem (the ConfigSection style): throws PluginError("<plugin> config: <path>: <message>; ...")
// when anything was wrong, so init fails naming every bad key at once.
template <class Parse>
auto parse_config_or_throw(std::string_view plugin, const YAML::Node& node, Parse&& parse) {
  std::string problems;
  auto parsed = parse(node, [&](std::string path, std::string message) {
    problems += (problems.empty() ? "" : "; ") + path + ": " + message;
  });
  if (!problems.empty())
    throw PluginError(std::string(plugin) + " config: " + problems, HERALD_REASON_INVALID_REQUEST);
  return parsed;
}

// Validation errors with paths relative to the validated node.
class Errors {
 public:
  Errors(herald_error_sink* sink, herald_error_sink_fn add_fn) : sink_(sink), add_(add_fn) {}
  void add(std::string_view path, std::string_view message) {
    ++count_;
    add_(sink_, to_str(path), to_str(message));
  }
  uint32_t count() const { return count_; }

 private:
  herald_error_sink* sink_;
  herald_error_sink_fn add_;
  uint32_t count_ = 0;
};

class Stage {
 public:
  virtual ~Stage() = default;
  // Loop thread; may run concurrently on several loops for one instance.
  virtual Verdict process(StageCall& call) = 0;
};

class Plugin {
 public:
  explicit Plugin(Host host) : host_(host) {}
  virtual ~Plugin() = default;
  virtual void start() {}                     // control thread, loops running
  virtual void stop() {}                      // control thread; join your threads here
  virtual bool reconfigure(const Config&) { return false; }  // false: restart needed to apply
  virtual void drain() {}                     // control thread: stop accepting, move clients elsewhere
  const Host& host() const { return host_; }

 private:
  Host host_;
};

// A config key declaration. default_yaml is YAML text ("10", "\"abc\"", "[a, b]"); empty = required.
struct KeySpec {
  std::string name;
  herald_config_type type;
  bool required;
  std::string default_yaml;
  std::string description;
};
inline KeySpec key(std::string name, herald_config_type type, std::string default_yaml, std::string description) {
  return KeySpec{std::move(name), type, false, std::move(default_yaml), std::move(description)};
}
inline KeySpec required_key(std::string name, herald_config_type type, std::string description) {
  return KeySpec{std::move(name), type, true, {}, std::move(description)};
}

namespace detail {

inline void fill_error(herald_error* err, herald_reason reason, std::string_view message) {
  if (!err) return;
  err->reason = static_cast<uint16_t>(reason);
  size_t n = std::min(message.size(), sizeof(err->message) - 1);
  std::memcpy(err->message, message.data(), n);
  err->message[n] = '\0';
}

// Runs fn, turning any exception into an error status for the host.
template <class Fn>
int guarded(herald_error* err, Fn&& fn) {
  try {
    fn();
    return 0;
  } catch (const PluginError& e) {
    fill_error(err, e.reason(), e.what());
  } catch (const YAML::Exception& e) {
    fill_error(err, HERALD_REASON_INVALID_REQUEST, std::string("config: ") + e.what());
  } catch (const std::exception& e) {
    fill_error(err, HERALD_REASON_UNSPECIFIED_ERROR, e.what());
  } catch (...) {
    fill_error(err, HERALD_REASON_UNSPECIFIED_ERROR, "unknown exception");
  }
  return 1;
}

template <class T>
concept HasValidate = requires(const Config& c, Errors& e) { T::validate(c, e); };

template <class T>
uint32_t validate_trampoline(herald_str yaml, herald_error_sink* sink, herald_error_sink_fn add) {
  Errors errors(sink, add);
  try {
    Config config(view(yaml));
    T::validate(config, errors);
  } catch (const std::exception& e) {
    errors.add("", e.what());
  }
  return errors.count();
}

template <class P, class S>
int create_stage(void* plugin, herald_str yaml, void** out, herald_error* err) {
  return guarded(err, [&] { *out = static_cast<Stage*>(new S(*static_cast<P*>(plugin), Config(view(yaml)))); });
}

inline uint32_t process_stage(void* stage, herald_stage_call* call) {
  StageCall c(g_api, call);
  try {
    return static_cast<uint32_t>(static_cast<Stage*>(stage)->process(c));
  } catch (const std::exception& e) {
    c.reject(HERALD_REASON_UNSPECIFIED_ERROR, e.what());
  } catch (...) {
    c.reject(HERALD_REASON_UNSPECIFIED_ERROR, "unknown exception in stage");
  }
  return HERALD_VERDICT_REJECT;
}

inline void destroy_stage(void* stage) { delete static_cast<Stage*>(stage); }

template <auto Fn>
int run_command(herald_str yaml, uint32_t argc, const herald_str* args, herald_output_fn out, void* out_ctx,
                herald_output_fn err, void* err_ctx) {
  std::string out_text, err_text;
  int code = 1;
  try {
    std::vector<std::string> argv;
    for (uint32_t i = 0; i < argc; ++i) argv.emplace_back(view(args[i]));
    code = Fn(Config(view(yaml)), argv, out_text, err_text);
  } catch (const std::exception& e) {
    err_text += std::string(e.what()) + "\n";
    code = 1;
  }
  if (!out_text.empty()) out(out_ctx, to_str(out_text));
  if (!err_text.empty()) err(err_ctx, to_str(err_text));
  return code;
}

}  // namespace detail

// Declares a plugin: its identity, config keys, stages, listeners and routes.
template <class P>
class PluginSpec {
 public:
  PluginSpec(std::string name, std::string version, std::string description)
      : name_(std::move(name)), version_(std::move(version)), description_(std::move(description)) {}

  PluginSpec& keys(std::vector<KeySpec> keys) {
    keys_ = std::move(keys);
    return *this;
  }
  template <class S>
  PluginSpec& stage(std::string name, std::string description, std::vector<KeySpec> keys = {}) {
    herald_stage_decl_v1 decl{};
    decl.struct_size = sizeof(decl);
    if constexpr (detail::HasValidate<S>) decl.validate = &detail::validate_trampoline<S>;
    decl.create = &detail::create_stage<P, S>;
    decl.process = &detail::process_stage;
    decl.destroy = &detail::destroy_stage;
    stages_.push_back(StageEntry{std::move(name), std::move(description), std::move(keys), {}, decl});
    return *this;
  }
  // A CLI sub-command: `herald <name> -c FILE args...`. Fn: int(const Config&, const std::vector<std::string>&
  // args, std::string& out, std::string& err); runs without init. Returns the exit code.
  template <auto Fn>
  PluginSpec& command(std::string name, std::string usage, std::string description) {
    herald_command_decl decl{};
    decl.struct_size = sizeof(decl);
    decl.run = &detail::run_command<Fn>;
    commands_.push_back(CommandEntry{std::move(name), std::move(usage), std::move(description), decl});
    return *this;
  }
  PluginSpec& listener(std::string name, std::string description) {
    listeners_.push_back({std::move(name), std::move(description)});
    return *this;
  }
  PluginSpec& route(std::string name, std::string description) {
    routes_.push_back({std::move(name), std::move(description)});
    return *this;
  }

  // Builds the C descriptor. Called once; `this` must outlive the library (a function-local static).
  const herald_plugin_v1* descriptor() {
    key_table_ = build_keys(keys_);
    for (auto& s : stages_) {
      s.key_table = build_keys(s.keys);
      s.decl.name = to_str(s.name);
      s.decl.description = to_str(s.description);
      s.decl.config_keys = s.key_table.data();
      s.decl.config_key_count = static_cast<uint32_t>(s.key_table.size());
      stage_table_.push_back(s.decl);
    }
    for (auto& c : commands_) {
      c.decl.name = to_str(c.name);
      c.decl.usage = to_str(c.usage);
      c.decl.description = to_str(c.description);
      command_table_.push_back(c.decl);
    }
    listener_table_ = build_provides(listeners_);
    route_table_ = build_provides(routes_);

    desc_ = herald_plugin_v1{};
    desc_.struct_size = sizeof(desc_);
    desc_.name = to_str(name_);
    desc_.version = to_str(version_);
    desc_.description = to_str(description_);
    desc_.config_keys = key_table_.data();
    desc_.config_key_count = static_cast<uint32_t>(key_table_.size());
    desc_.stages = stage_table_.data();
    desc_.stage_count = static_cast<uint32_t>(stage_table_.size());
    desc_.listeners = listener_table_.data();
    desc_.listener_count = static_cast<uint32_t>(listener_table_.size());
    desc_.routes = route_table_.data();
    desc_.route_count = static_cast<uint32_t>(route_table_.size());
    if constexpr (detail::HasValidate<P>) desc_.validate = &detail::validate_trampoline<P>;
    desc_.init = &init;
    desc_.start = &start;
    desc_.reconfigure = &reconfigure;
    desc_.stop = &stop;
    desc_.destroy = &destroy;
    desc_.commands = command_table_.data();
    desc_.command_count = static_cast<uint32_t>(command_table_.size());
    desc_.drain = &drain;
    return &desc_;
  }

 private:
  struct StageEntry {
    std::string name, description;
    std::vector<KeySpec> keys;
    std::vector<herald_config_key> key_table;
    herald_stage_decl_v1 decl;
  };
  struct Provide {
    std::string name, description;
  };
  struct CommandEntry {
    std::string name, usage, description;
    herald_command_decl decl;
  };

  static std::vector<herald_config_key> build_keys(const std::vector<KeySpec>& keys) {
    std::vector<herald_config_key> out;
    for (const auto& k : keys) {
      herald_config_key c{};
      c.struct_size = sizeof(c);
      c.name = to_str(k.name);
      c.type = k.type;
      c.required = k.required ? 1 : 0;
      c.default_yaml = k.required ? herald_str{nullptr, 0} : to_str(k.default_yaml);
      c.description = to_str(k.description);
      out.push_back(c);
    }
    return out;
  }
  static std::vector<herald_provide_decl> build_provides(const std::vector<Provide>& in) {
    std::vector<herald_provide_decl> out;
    for (const auto& p : in) out.push_back(herald_provide_decl{sizeof(herald_provide_decl), to_str(p.name), to_str(p.description)});
    return out;
  }

  static int init(const herald_host_v1* api, herald_host_ctx* ctx, herald_str yaml, void** out, herald_error* err) {
    detail::g_api = api;
    detail::g_ctx = ctx;
    return detail::guarded(err, [&] { *out = static_cast<Plugin*>(new P(Host(api, ctx), Config(view(yaml)))); });
  }
  static int start(void* plugin, herald_error* err) {
    return detail::guarded(err, [&] { static_cast<Plugin*>(plugin)->start(); });
  }
  static int reconfigure(void* plugin, herald_str yaml, herald_error* err) {
    return detail::guarded(err, [&] {
      if (!static_cast<Plugin*>(plugin)->reconfigure(Config(view(yaml))))
        throw PluginError("this plugin applies config changes only on restart");
    });
  }
  static void stop(void* plugin) {
    herald_error ignored{};
    detail::guarded(&ignored, [&] { static_cast<Plugin*>(plugin)->stop(); });
  }
  static void drain(void* plugin) {
    herald_error ignored{};
    detail::guarded(&ignored, [&] { static_cast<Plugin*>(plugin)->drain(); });
  }
  static void destroy(void* plugin) {
    herald_error ignored{};
    detail::guarded(&ignored, [&] { delete static_cast<Plugin*>(plugin); });
  }

  std::string name_, version_, description_;
  std::vector<KeySpec> keys_;
  std::deque<StageEntry> stages_;  // deque: stable addresses while descriptor() builds tables
  std::vector<Provide> listeners_, routes_;
  std::deque<CommandEntry> commands_;
  std::vector<herald_command_decl> command_table_;
  std::vector<herald_config_key> key_table_;
  std::vector<herald_stage_decl_v1> stage_table_;
  std::vector<herald_provide_decl> listener_table_, route_table_;
  herald_plugin_v1 desc_{};
};

namespace detail {
template <class P, class SpecFn>
const void* negotiate(SpecFn spec_fn, const uint32_t* versions, uint32_t count, uint32_t* chosen) {
  for (uint32_t i = 0; i < count; ++i) {
    if (versions[i] == HERALD_ABI_VERSION_1) {
      static PluginSpec<P> spec = spec_fn();
      static const herald_plugin_v1* desc = spec.descriptor();
      *chosen = HERALD_ABI_VERSION_1;
      return desc;
    }
  }
  return nullptr;
}
}  // namespace detail

}  // namespace herald::sdk

// Exports the plugin's entry point. Use once per shared object, at namespace scope.
#define HERALD_PLUGIN(PluginClass, spec_fn)                                                            \
  extern "C" HERALD_PLUGIN_EXPORT const void* herald_plugin_negotiate(const uint32_t* versions,       \
                                                                      uint32_t count, uint32_t* chosen) { \
    try {                                                                                              \
      return ::herald::sdk::detail::negotiate<PluginClass>(spec_fn, versions, count, chosen);          \
    } catch (...) {                                                                                    \
      return nullptr;                                                                                  \
    }                                                                                                  \
  }
