// Implements every function of herald_host_v1 over the core's loops, pipelines and metrics.
#include "plugin/host_api.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <cctype>

#include "log/logger.h"
#include "loop/loop_group.h"
#include "metrics/metrics_registry.h"
#include "pipeline/pipeline_engine.h"
#include "herald/str.hpp"

namespace herald {
namespace {

using sdk::to_str;
using sdk::view;

void host_log(herald_host_ctx* ctx, uint32_t level, herald_str message) {
  auto l = static_cast<log::Level>(std::min<uint32_t>(level, HERALD_LOG_ERROR));
  log::write(l, ctx ? ctx->plugin : "plugin", view(message));
}

herald_envelope* envelope_create(herald_host_ctx*) { return new herald_envelope(); }
void envelope_release(herald_envelope* env) { delete env; }
int envelope_get(const herald_envelope* env, herald_str name, herald_str* out) {
  const std::string* v = env->find(view(name));
  if (!v) return 0;
  *out = to_str(*v);
  return 1;
}
void envelope_set(herald_envelope* env, herald_str name, herald_str value) { env->set(view(name), view(value)); }
void envelope_remove(herald_envelope* env, herald_str name) { env->remove(view(name)); }
uint32_t envelope_header_count(const herald_envelope* env) { return static_cast<uint32_t>(env->headers.size()); }
int envelope_header_at(const herald_envelope* env, uint32_t i, herald_str* name, herald_str* value) {
  if (i >= env->headers.size()) return 0;
  *name = to_str(env->headers[i].first);
  *value = to_str(env->headers[i].second);
  return 1;
}
herald_str envelope_payload(const herald_envelope* env) { return to_str(env->payload); }
void envelope_set_payload(herald_envelope* env, herald_str payload) { env->payload.assign(view(payload)); }

herald_envelope* call_envelope(herald_stage_call* call) { return call->exec->env.get(); }
uint32_t call_loop(herald_stage_call* call) { return call->exec->loop; }
herald_str call_pipeline(herald_stage_call* call) { return to_str(call->exec->pipeline->name); }
void call_reject(herald_stage_call* call, uint16_t reason, herald_str text) {
  PipelineEngine::reject(call, reason, view(text));
}
herald_completion* call_defer(herald_stage_call* call) { return PipelineEngine::defer(call); }
void complete(herald_completion* c, uint32_t verdict, uint16_t reason, herald_str text) {
  c->exec->engine->complete(c, verdict, reason, view(text));
}

uint32_t pipeline_submit(herald_host_ctx* ctx, herald_str pipeline, uint32_t loop, herald_envelope* env,
                         herald_pipeline_done_fn done, void* arg) {
  return ctx->services->engine->submit(view(pipeline), loop, std::unique_ptr<herald_envelope>(env), done, arg);
}

uint32_t loop_count(herald_host_ctx* ctx) { return ctx->services->loops->size(); }
uint32_t current_loop(herald_host_ctx* ctx) {
  EventLoop* l = EventLoop::current();
  if (!l) return UINT32_MAX;
  // Only loops of this host count (a plugin could run its own EventLoop-like threads).
  for (uint32_t i = 0; i < ctx->services->loops->size(); ++i)
    if (&ctx->services->loops->at(i) == l) return i;
  return UINT32_MAX;
}
int loop_post(herald_host_ctx* ctx, uint32_t loop, herald_task_fn fn, void* arg) {
  auto& loops = *ctx->services->loops;
  if (loop >= loops.size()) return 1;
  return loops.at(loop).post([fn, arg] { fn(arg); }) ? 0 : 1;
}

EventLoop* owned_loop(herald_host_ctx* ctx, uint32_t loop, const char* what) {
  auto& loops = *ctx->services->loops;
  if (loop >= loops.size() || !loops.at(loop).in_loop_thread()) {
    HLOG_ERROR(ctx->plugin) << what << " called off loop " << loop << "'s thread; ignored";
    return nullptr;
  }
  return &loops.at(loop);
}

herald_fd_watch* fd_watch(herald_host_ctx* ctx, uint32_t loop, int fd, uint32_t events, herald_fd_fn cb,
                          void* arg) {
  EventLoop* l = owned_loop(ctx, loop, "fd_watch");
  if (!l) return nullptr;
  auto* w = l->watch(fd, events, [cb, arg](int f, uint32_t ev) { cb(arg, f, ev); });
  return reinterpret_cast<herald_fd_watch*>(w);
}
int fd_modify(herald_fd_watch* watch, uint32_t events) {
  auto* w = reinterpret_cast<EventLoop::Watch*>(watch);
  return w->loop->modify(w, events) ? 0 : 1;
}
void fd_unwatch(herald_fd_watch* watch) {
  auto* w = reinterpret_cast<EventLoop::Watch*>(watch);
  if (w) w->loop->unwatch(w);
}
herald_timer* timer_start(herald_host_ctx* ctx, uint32_t loop, uint64_t delay_ms, uint64_t repeat_ms,
                          herald_task_fn cb, void* arg) {
  EventLoop* l = owned_loop(ctx, loop, "timer_start");
  if (!l) return nullptr;
  return reinterpret_cast<herald_timer*>(l->start_timer(delay_ms, repeat_ms, [cb, arg] { cb(arg); }));
}
void timer_cancel(herald_timer* timer) {
  auto* t = reinterpret_cast<EventLoop::Timer*>(timer);
  if (t) t->loop->cancel_timer(t);
}

prometheus::Labels labels_of(const herald_str* pairs, uint32_t count) {
  prometheus::Labels labels;
  for (uint32_t i = 0; i < count; ++i) labels.emplace(std::string(view(pairs[2 * i])), std::string(view(pairs[2 * i + 1])));
  return labels;
}

herald_metric* keep(herald_host_ctx* ctx, MetricHandle::Kind kind, void* series) {
  std::lock_guard lock(ctx->services->mutex);
  ctx->services->metric_handles.push_back(MetricHandle{kind, series});
  return reinterpret_cast<herald_metric*>(&ctx->services->metric_handles.back());
}

template <class R>
herald_metric* checked(herald_host_ctx* ctx, R result, MetricHandle::Kind kind) {
  if (!result) {
    HLOG_ERROR(ctx->plugin) << result.error().message;
    return nullptr;
  }
  return keep(ctx, kind, result.value());
}

herald_metric* metric_counter(herald_host_ctx* ctx, herald_str name, herald_str help, const herald_str* labels,
                              uint32_t n) {
  return checked(ctx,
                 ctx->services->metrics->fast_counter(std::string(view(name)), std::string(view(help)),
                                                      labels_of(labels, n)),
                 MetricHandle::Kind::kCounter);
}
herald_metric* metric_gauge(herald_host_ctx* ctx, herald_str name, herald_str help, const herald_str* labels,
                            uint32_t n) {
  return checked(ctx,
                 ctx->services->metrics->fast_gauge(std::string(view(name)), std::string(view(help)),
                                                    labels_of(labels, n)),
                 MetricHandle::Kind::kGauge);
}
herald_metric* metric_histogram(herald_host_ctx* ctx, herald_str name, herald_str help, const herald_str* labels,
                                uint32_t n, const double* bounds, uint32_t bucket_count) {
  prometheus::Histogram::BucketBoundaries buckets(bounds, bounds + bucket_count);
  if (buckets.empty()) buckets = latency_buckets();
  return checked(ctx,
                 ctx->services->metrics->fast_histogram(std::string(view(name)), std::string(view(help)),
                                                        labels_of(labels, n), buckets),
                 MetricHandle::Kind::kHistogram);
}
void metric_add(herald_metric* m, double v) {
  auto* h = reinterpret_cast<MetricHandle*>(m);
  if (h->kind == MetricHandle::Kind::kCounter)
    static_cast<FastCounter*>(h->series)->add(v);
  else if (h->kind == MetricHandle::Kind::kGauge)
    static_cast<FastGauge*>(h->series)->add(v);
}
void metric_set(herald_metric* m, double v) {
  auto* h = reinterpret_cast<MetricHandle*>(m);
  if (h->kind == MetricHandle::Kind::kGauge) static_cast<FastGauge*>(h->series)->set(v);
}
void metric_observe(herald_metric* m, double v) {
  auto* h = reinterpret_cast<MetricHandle*>(m);
  if (h->kind == MetricHandle::Kind::kHistogram) static_cast<FastHistogram*>(h->series)->observe(v);
}

herald_str data_dir(herald_host_ctx* ctx) { return to_str(ctx->services->data_dir); }
herald_str node_id(herald_host_ctx* ctx) { return to_str(ctx->services->node_id); }
void listener_opened(herald_host_ctx* ctx, herald_str protocol, herald_str address) {
  std::string entry = std::string(view(protocol)) + " " + std::string(view(address)) + " (" + ctx->plugin + ")";
  HLOG_INFO("host") << "listener " << entry;
  std::lock_guard lock(ctx->services->mutex);
  ctx->services->listeners.push_back(entry);
}

uint32_t service_register(herald_host_ctx* ctx, herald_str name, const void* table) {
  std::string key(view(name));
  std::lock_guard lock(ctx->services->mutex);
  auto [it, inserted] = ctx->services->services.emplace(key, ServiceEntry{table, ctx->plugin});
  if (!inserted) {
    HLOG_ERROR("host") << "plugin \"" << ctx->plugin << "\" cannot register service \"" << key
                       << "\": plugin \"" << it->second.owner << "\" already did";
    return HERALD_REASON_ALREADY_EXISTS;
  }
  HLOG_DEBUG("host") << "service " << key << " registered by plugin \"" << ctx->plugin << "\"";
  return 0;
}
const void* service_lookup(herald_host_ctx* ctx, herald_str name) {
  std::lock_guard lock(ctx->services->mutex);
  auto it = ctx->services->services.find(std::string(view(name)));
  return it == ctx->services->services.end() ? nullptr : it->second.table;
}

uint32_t http_route(herald_host_ctx* ctx, herald_str method, herald_str pattern, herald_str description,
                    herald_http_handler_fn fn, void* arg) {
  admin::RouteInfo info{std::string(view(method)), std::string(view(pattern)), ctx->plugin,
                        std::string(view(description))};
  std::string name = info.method + " " + info.pattern;
  uint32_t rc = ctx->services->routes.add(std::move(info), fn, arg);
  if (rc != 0)
    HLOG_ERROR("host") << "plugin \"" << ctx->plugin << "\" cannot add admin route " << name << ": "
                       << (rc == HERALD_REASON_ALREADY_EXISTS ? "another route has that method and path"
                                                               : "expected GET/POST/PUT/PATCH/DELETE and /a/{b}/c");
  return rc;
}
herald_str http_request_method(const herald_http_request* r) { return to_str(r->method); }
herald_str http_request_path(const herald_http_request* r) { return to_str(r->path); }
herald_str http_request_query(const herald_http_request* r) { return to_str(r->query); }
herald_str http_request_body(const herald_http_request* r) { return to_str(r->body); }
int find_pair(const std::vector<std::pair<std::string, std::string>>& pairs, std::string_view name, herald_str* out) {
  for (const auto& [k, v] : pairs) {
    if (k != name) continue;
    *out = to_str(v);
    return 1;
  }
  return 0;
}
int http_request_param(const herald_http_request* r, herald_str name, herald_str* out) {
  return find_pair(r->path_params, view(name), out) || find_pair(r->query_params, view(name), out);
}
int http_request_header(const herald_http_request* r, herald_str name, herald_str* out) {
  std::string key(view(name));
  for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return find_pair(r->headers, key, out);
}
void http_respond(herald_http_response* resp, uint16_t status, herald_str content_type, herald_str body) {
  resp->set = true;
  resp->status = status;
  resp->content_type.assign(view(content_type));
  resp->body.assign(view(body));
}

}  // namespace

const herald_host_v1* host_api_v1() {
  static const herald_host_v1 api = [] {
    herald_host_v1 a{};
    a.struct_size = sizeof(a);
    a.abi_version = HERALD_ABI_VERSION_1;
    a.log = host_log;
    a.envelope_create = envelope_create;
    a.envelope_release = envelope_release;
    a.envelope_get = envelope_get;
    a.envelope_set = envelope_set;
    a.envelope_remove = envelope_remove;
    a.envelope_header_count = envelope_header_count;
    a.envelope_header_at = envelope_header_at;
    a.envelope_payload = envelope_payload;
    a.envelope_set_payload = envelope_set_payload;
    a.call_envelope = call_envelope;
    a.call_loop = call_loop;
    a.call_pipeline = call_pipeline;
    a.call_reject = call_reject;
    a.call_defer = call_defer;
    a.complete = complete;
    a.pipeline_submit = pipeline_submit;
    a.loop_count = loop_count;
    a.current_loop = current_loop;
    a.loop_post = loop_post;
    a.fd_watch = fd_watch;
    a.fd_modify = fd_modify;
    a.fd_unwatch = fd_unwatch;
    a.timer_start = timer_start;
    a.timer_cancel = timer_cancel;
    a.metric_counter = metric_counter;
    a.metric_gauge = metric_gauge;
    a.metric_histogram = metric_histogram;
    a.metric_add = metric_add;
    a.metric_set = metric_set;
    a.metric_observe = metric_observe;
    a.data_dir = data_dir;
    a.node_id = node_id;
    a.listener_opened = listener_opened;
    a.service_register = service_register;
    a.service_lookup = service_lookup;
    a.http_route = http_route;
    a.http_request_method = http_request_method;
    a.http_request_path = http_request_path;
    a.http_request_query = http_request_query;
    a.http_request_body = http_request_body;
    a.http_request_param = http_request_param;
    a.http_request_header = http_request_header;
    a.http_respond = http_respond;
    return a;
  }();
  return &api;
}

}  // namespace herald
