// Server: the running herald. Loads and checks the config, initialises plugins, builds pipelines,
// starts loops, metrics and plugin listeners; reloads on SIGHUP; shuts down in reverse order.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "config/herald_config.h"
#include "plugin/host_api.h"
#include "plugin/plugin_catalog.h"
#include "server/core_route.h"

namespace herald {

class LoopGroup;
class MetricsRegistry;
class PipelineEngine;
namespace admin {
class AdminServer;
}

class Server {
 public:
  explicit Server(std::string config_file);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Everything up to a serving process. On failure the error names the cause and nothing is left
  // running or listening.
  Status start();
  // Re-reads the config file. A config that validates replaces pipelines and plugin configs
  // atomically; otherwise the running config stays and the error says why. Control thread.
  Status reload();
  void stop();
  // Control thread: asks every plugin to stop accepting and move its clients elsewhere (SIGUSR1).
  void drain();
  // Control thread: handles SIGUSR1 (drain) and SIGHUP (reload) until SIGINT or SIGTERM. The caller blocks those signals
  // before any thread starts (block_signals()).
  void run_until_signalled();
  static void block_signals();

  const std::string& metrics_address() const { return metrics_address_; }
  const std::string& admin_address() const { return admin_address_; }
  PipelineEngine& engine() { return *engine_; }

 private:
  struct RunningPlugin {
    std::string name;
    std::unique_ptr<herald_host_ctx> ctx;
    void* instance = nullptr;
    bool started = false;
    std::string config_text;  // effective config as YAML, to see what a reload changes
    const herald_plugin_v1* desc = nullptr;
  };
  void shutdown_plugins();
  // Core's own admin routes (/healthz, /v1/status, /v1/reload, /v1/routes): server_routes.cc.
  void add_core_routes();
  Status start_admin();
  void stop_admin();
  // Any thread: runs fn on the control thread (inside run_until_signalled). False when stopping.
  bool post_control(std::function<void()> fn);
  void run_control_tasks();
  // What /v1/status reports, refreshed on the control thread at start and after each reload.
  void refresh_status();

  std::map<std::string, std::shared_ptr<PluginLibrary>> loaded_libraries() const;

  std::string config_file_;
  HeraldConfig config_;
  PluginCatalog catalog_;
  std::unique_ptr<MetricsRegistry> metrics_;
  std::unique_ptr<LoopGroup> loops_;
  std::unique_ptr<PipelineEngine> engine_;
  HostServices services_;
  std::vector<RunningPlugin> plugins_;
  std::string metrics_address_;
  std::string admin_address_;
  std::unique_ptr<admin::AdminServer> admin_;
  std::deque<CoreRoute> core_routes_;  // stable addresses: the route table points at them
  std::chrono::steady_clock::time_point started_at_;

  std::mutex control_mutex_;
  std::deque<std::function<void()>> control_tasks_;
  bool control_open_ = false;

  mutable std::mutex status_mutex_;
  std::string status_json_;  // the config-derived part of /v1/status
  bool draining_now_ = false;
  struct ReloadRecord {
    int64_t unix_ms;
    bool ok;
    std::string message;
  };
  std::deque<ReloadRecord> reloads_;  // the last few reloads, newest last, for /v1/status
  void record_reload(bool ok, const std::string& message);
  std::string console_dir_;  // the web console's files (admin.console_dir)
  prometheus::Counter* reload_ok_ = nullptr;
  prometheus::Counter* reload_failed_ = nullptr;
  prometheus::Gauge* draining_ = nullptr;
  bool running_ = false;
};

}  // namespace herald
