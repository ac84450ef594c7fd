// Server lifecycle: start, reload, stop (see server.h).
#include "server/server.h"

#include <signal.h>
#include <unistd.h>
#include <sys/resource.h>

#include <filesystem>

#include "admin/admin_server.h"
#include "admin/admin_token.h"
#include "config/config_loader.h"
#include "herald/version.h"
#include "log/logger.h"
#include "loop/loop_group.h"
#include "metrics/metrics_registry.h"
#include "pipeline/pipeline_engine.h"
#include "herald/str.hpp"

namespace herald {
namespace {
using sdk::to_str;

std::string plugin_summary(const PluginCatalog& catalog) {
  std::string out;
  for (const auto& p : catalog.plugins) {
    const auto& d = p.library->descriptor();
    out += (out.empty() ? "" : ", ") + p.entry.name + " " + std::string(d.version.data, d.version.size) + " (abi " +
           std::to_string(p.library->abi_version()) + ")";
  }
  return out.empty() ? "(none)" : out;
}

std::string pipeline_summary(const HeraldConfig& config) {
  std::string out;
  for (const auto& p : config.pipelines) {
    std::string stages;
    for (const auto& s : p.stages) stages += (stages.empty() ? "" : " > ") + s.stage;
    out += (out.empty() ? "" : "; ") + p.name + ": " + stages;
  }
  return out.empty() ? "(none)" : out;
}
}  // namespace

Server::Server(std::string config_file) : config_file_(std::move(config_file)) {}

Server::~Server() { stop(); }

std::map<std::string, std::shared_ptr<PluginLibrary>> Server::loaded_libraries() const {
  std::map<std::string, std::shared_ptr<PluginLibrary>> out;
  for (const auto& p : catalog_.plugins) out[p.entry.name] = p.library;
  return out;
}

namespace {
// Connections are file descriptors: take the whole hard limit the operator granted (systemd's
// LimitNOFILE or ulimit -Hn) instead of the usual soft 1024.
void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) HLOG_WARN("herald") << "cannot raise the open file limit";
  }
}
}  // namespace

Status Server::start() {
  raise_fd_limit();
  auto load = load_config_file(config_file_);
  if (!load.issues.empty())
    return make_error(HERALD_REASON_INVALID_REQUEST, "invalid config:\n" + load.issues.format(config_file_));
  config_ = std::move(load.config);
  log::set_level(config_.service.log_level);

  ConfigIssues issues;
  catalog_ = build_catalog(config_, issues);
  if (!issues.empty())
    return make_error(HERALD_REASON_INVALID_REQUEST, "invalid config:\n" + issues.format(config_file_));

  std::error_code ec;
  std::filesystem::create_directories(config_.service.data_dir, ec);
  if (ec) return make_error(HERALD_REASON_STORAGE_UNAVAILABLE, "cannot create data_dir " + config_.service.data_dir + ": " + ec.message());

  metrics_ = std::make_unique<MetricsRegistry>();
  loops_ = std::make_unique<LoopGroup>(config_.service.loops);
  engine_ = std::make_unique<PipelineEngine>(*loops_, *metrics_);
  services_.loops = loops_.get();
  services_.engine = engine_.get();
  services_.metrics = metrics_.get();
  services_.data_dir = config_.service.data_dir;
  services_.node_id = config_.service.node_id;

  if (auto g = metrics_->gauge("herald_build_info", "Herald build, value 1.",
                               {{"version", HERALD_VERSION}, {"abi", std::to_string(HERALD_ABI_VERSION_1)}}))
    g.value()->Set(1);
  if (auto g = metrics_->gauge("herald_plugins_loaded", "Plugins loaded and initialised.", {}))
    g.value()->Set(static_cast<double>(catalog_.plugins.size()));
  if (auto g = metrics_->gauge("herald_event_loops", "Event loop threads.", {})) g.value()->Set(loops_->size());
  reload_ok_ = metrics_->counter("herald_config_reloads_total", "Config reloads, by result.", {{"result", "success"}}).value();
  reload_failed_ = metrics_->counter("herald_config_reloads_total", "Config reloads, by result.", {{"result", "failure"}}).value();
  draining_ = metrics_->gauge("herald_draining", "1 once a drain was requested (SIGUSR1).", {}).value();
  started_at_ = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(control_mutex_);
    control_open_ = true;
  }
  add_core_routes();

  // Initialise plugins in config order (control thread, loops not yet running).
  for (const auto& cp : catalog_.plugins) {
    RunningPlugin rp;
    rp.name = cp.entry.name;
    rp.desc = &cp.library->descriptor();
    rp.ctx = std::make_unique<herald_host_ctx>(herald_host_ctx{&services_, rp.name});
    rp.config_text = yaml_text(cp.effective_config);
    herald_error err{};
    err.struct_size = sizeof(err);
    if (rp.desc->init(host_api_v1(), rp.ctx.get(), to_str(rp.config_text), &rp.instance, &err) != 0) {
      std::string why = err.message[0] ? err.message : "no reason given";
      shutdown_plugins();
      return make_error(reason_or(err.reason),
                        cp.entry.yaml_path + ": plugin \"" + rp.name + "\" (" + cp.library->file() +
                            ") failed to initialise: " + why);
    }
    plugins_.push_back(std::move(rp));
  }

  std::vector<void*> instances;
  for (const auto& rp : plugins_) instances.push_back(rp.instance);
  auto set = build_pipelines(catalog_, instances, *metrics_);
  if (!set) {
    shutdown_plugins();
    return set.error();
  }
  engine_->install(std::move(set.value()));

  if (config_.metrics.enabled) {
    auto bound = metrics_->serve(config_.metrics.listen);
    if (!bound) {
      shutdown_plugins();
      return bound.error();
    }
    metrics_address_ = bound.value();
    metrics_->watch_disk(config_.service.data_dir);
  }

  loops_->start();
  running_ = true;
  for (auto& rp : plugins_) {
    herald_error err{};
    err.struct_size = sizeof(err);
    if (rp.desc->start && rp.desc->start(rp.instance, &err) != 0) {
      std::string why = err.message[0] ? err.message : "no reason given";
      stop();
      return make_error(reason_or(err.reason),
                        "plugin \"" + rp.name + "\" failed to start: " + why);
    }
    rp.started = true;
  }
  // After every plugin started, so no request sees a half-started server.
  if (auto admin = start_admin(); !admin) {
    stop();
    return admin;
  }
  refresh_status();

  std::string listeners;
  if (!metrics_address_.empty()) listeners = "metrics http://" + metrics_address_ + "/metrics";
  if (!admin_address_.empty()) listeners += (listeners.empty() ? "" : ", ") + ("admin http://" + admin_address_);
  {
    std::lock_guard lock(services_.mutex);
    for (const auto& l : services_.listeners) listeners += (listeners.empty() ? "" : ", ") + l;
  }
  HLOG_INFO("herald") << "herald " << HERALD_VERSION << " started: config=" << config_file_
                      << " node=" << config_.service.node_id << " loops=" << loops_->size()
                      << " plugins=[" << plugin_summary(catalog_) << "] pipelines=[" << pipeline_summary(config_)
                      << "] listeners=[" << (listeners.empty() ? "(none)" : listeners) << "]";
  return Ok{};
}

Status Server::reload() {
  auto fail = [&](const std::string& why) -> Status {
    if (reload_failed_) reload_failed_->Increment();
    record_reload(false, why);
    HLOG_ERROR("herald") << "reload of " << config_file_ << " rejected, the running config stays: " << why;
    return make_error(HERALD_REASON_INVALID_REQUEST, why);
  };
  auto load = load_config_file(config_file_);
  if (!load.issues.empty()) return fail("invalid config:\n" + load.issues.format(config_file_));
  HeraldConfig next = std::move(load.config);

  std::string added, removed;
  for (const auto& p : next.plugins) {
    bool known = false;
    for (const auto& rp : plugins_) known = known || rp.name == p.name;
    if (!known) added += (added.empty() ? "" : ", ") + p.name;
  }
  for (const auto& rp : plugins_) {
    bool kept = false;
    for (const auto& p : next.plugins) kept = kept || rp.name == p.name;
    for (const auto& b : builtin_plugins()) kept = kept || rp.name == b.name;  // always loaded
    if (!kept) removed += (removed.empty() ? "" : ", ") + rp.name;
  }
  if (!added.empty() || !removed.empty())
    return fail("the set of plugins changed (added: " + (added.empty() ? "none" : added) +
                "; removed: " + (removed.empty() ? "none" : removed) + "); restart herald to apply");

  ConfigIssues issues;
  auto libs = loaded_libraries();
  PluginCatalog catalog = build_catalog(next, issues, &libs);
  if (!issues.empty()) return fail("invalid config:\n" + issues.format(config_file_));

  // Stage instances attach to the plugin instance of the same name.
  std::vector<void*> instances;
  for (const auto& cp : catalog.plugins) {
    for (const auto& rp : plugins_)
      if (rp.name == cp.entry.name) instances.push_back(rp.instance);
  }
  auto set = build_pipelines(catalog, instances, *metrics_);
  if (!set) return fail(set.error().message);

  // Reconfigure plugins whose config changed; undo on the first failure.
  std::vector<std::pair<RunningPlugin*, std::string>> changed;
  for (const auto& cp : catalog.plugins) {
    for (auto& rp : plugins_) {
      if (rp.name != cp.entry.name) continue;
      std::string text = yaml_text(cp.effective_config);
      if (text == rp.config_text) continue;
      herald_error err{};
      err.struct_size = sizeof(err);
      if (!rp.desc->reconfigure || rp.desc->reconfigure(rp.instance, to_str(text), &err) != 0) {
        for (auto& [undo, old_text] : changed) {
          herald_error ignored{};
          undo->desc->reconfigure(undo->instance, to_str(old_text), &ignored);
          undo->config_text = old_text;
        }
        return fail("plugin \"" + rp.name + "\" cannot apply its new config: " +
                    (err.message[0] ? err.message : "reconfigure not supported; restart herald"));
      }
      changed.emplace_back(&rp, rp.config_text);
      rp.config_text = text;
    }
  }

  engine_->install(std::move(set.value()));
  engine_->collect_retired();
  if (next.service.log_level != config_.service.log_level) log::set_level(next.service.log_level);
  if (next.service.loops != config_.service.loops || next.service.data_dir != config_.service.data_dir ||
      next.service.node_id != config_.service.node_id || next.metrics.listen != config_.metrics.listen)
    HLOG_WARN("herald") << "service/metrics changes (loops, data_dir, node_id, metrics.listen) apply on restart";
  if (next.admin.enabled != config_.admin.enabled || next.admin.listen != config_.admin.listen ||
      next.admin.token_file != config_.admin.token_file || next.admin.threads != config_.admin.threads ||
      next.admin.max_body != config_.admin.max_body)
    HLOG_WARN("herald") << "admin changes apply on restart";
  config_ = std::move(next);
  catalog_ = std::move(catalog);
  refresh_status();
  record_reload(true, "config reloaded");
  if (reload_ok_) reload_ok_->Increment();
  HLOG_INFO("herald") << "config reloaded: config=" << config_file_ << " plugins=[" << plugin_summary(catalog_)
                      << "] pipelines=[" << pipeline_summary(config_) << "]";
  return Ok{};
}

void Server::drain() {
  HLOG_INFO("herald") << "drain requested: plugins stop accepting and move their clients elsewhere";
  if (draining_) draining_->Set(1);
  {
    std::lock_guard lock(status_mutex_);
    draining_now_ = true;
  }
  for (auto& rp : plugins_) {
    const auto* d = rp.desc;
    bool has_drain = HERALD_STRUCT_HAS(d, herald_plugin_v1, drain) && d->drain;
    if (rp.started && has_drain) d->drain(rp.instance);
  }
  HLOG_INFO("herald") << "drained: no new clients are accepted; stop herald when the remaining ones are gone";
}

void Server::shutdown_plugins() {
  stop_admin();  // no handler runs once plugins start stopping
  for (auto it = plugins_.rbegin(); it != plugins_.rend(); ++it) {
    if (it->started && it->desc->stop) it->desc->stop(it->instance);
    it->started = false;
  }
  if (loops_) loops_->stop();
  if (engine_) engine_->clear();  // every stage instance, before the plugins that own them
  for (auto it = plugins_.rbegin(); it != plugins_.rend(); ++it) {
    if (it->instance) it->desc->destroy(it->instance);
    std::lock_guard lock(services_.mutex);  // its service tables die with it
    std::erase_if(services_.services, [&](const auto& kv) { return kv.second.owner == it->name; });
  }
  plugins_.clear();
}

void Server::stop() {
  if (!running_ && plugins_.empty()) return;
  bool was_running = running_;
  running_ = false;
  if (was_running) HLOG_INFO("herald") << "stopping: config=" << config_file_;
  shutdown_plugins();
  catalog_ = PluginCatalog{};  // dlclose after every plugin thread is joined
  if (was_running) HLOG_INFO("herald") << "stopped";
}

namespace {
// The signals the control thread handles with sigtimedwait; blocked everywhere else.
sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGUSR1);
  sigaddset(&set, SIGUSR2);  // wakes the control thread for a posted task (post_control)
  return set;
}
}  // namespace

void Server::block_signals() {
  sigset_t set = handled_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

void Server::run_until_signalled() {
  sigset_t set = handled_signals();
  for (;;) {
    timespec tick{1, 0};
    int sig = sigtimedwait(&set, nullptr, &tick);
    if (sig == SIGHUP) {
      HLOG_INFO("herald") << "SIGHUP: reloading " << config_file_;
      (void)reload();
    } else if (sig == SIGUSR1) {
      drain();
    } else if (sig == SIGINT || sig == SIGTERM) {
      HLOG_INFO("herald") << (sig == SIGINT ? "SIGINT" : "SIGTERM") << " received";
      return;
    }
    run_control_tasks();
    engine_->collect_retired();  // old pipeline sets die here, on the control thread
  }
}

bool Server::post_control(std::function<void()> fn) {
  {
    std::lock_guard lock(control_mutex_);
    if (!control_open_) return false;
    control_tasks_.push_back(std::move(fn));
  }
  ::kill(::getpid(), SIGUSR2);  // blocked in every thread: only sigtimedwait on the control thread takes it
  return true;
}

void Server::run_control_tasks() {
  for (;;) {
    std::function<void()> fn;
    {
      std::lock_guard lock(control_mutex_);
      if (control_tasks_.empty()) return;
      fn = std::move(control_tasks_.front());
      control_tasks_.pop_front();
    }
    fn();
  }
}

Status Server::start_admin() {
  if (!config_.admin.enabled) return Ok{};
  std::string file = config_.admin.token_file.empty()
                         ? (std::filesystem::path(config_.service.data_dir) / "admin.token").string()
                         : config_.admin.token_file;
  auto tokens = admin::load_or_create_tokens(file);
  if (!tokens) return tokens.error();
  if (tokens->created) HLOG_INFO("herald") << "admin API token created in " << file << " (mode 0600)";
  admin_ = std::make_unique<admin::AdminServer>(config_.admin, services_.routes, std::move(tokens->tokens), *metrics_);
  auto bound = admin_->start();
  if (!bound) {
    admin_.reset();
    return bound.error();
  }
  admin_address_ = bound.value();
  return Ok{};
}

void Server::stop_admin() {
  {
    // Requests waiting for the control thread get "shutting down" instead of waiting forever.
    std::lock_guard lock(control_mutex_);
    control_open_ = false;
    control_tasks_.clear();
  }
  if (admin_) admin_->stop();
  services_.routes.clear();  // waits for handlers still running
  admin_.reset();
}

}  // namespace herald
