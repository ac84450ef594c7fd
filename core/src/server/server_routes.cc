// Core's own admin API routes: health, status, reload and the route list (docs/admin-api.md).
#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>

#include "herald/sdk.hpp"
#include "herald/version.h"
#include "loop/loop_group.h"
#include "metrics/metrics_registry.h"
#include "server/server.h"

namespace herald {
namespace {
using Json = nlohmann::json;

void core_trampoline(void* arg, const herald_http_request* req, herald_http_response* resp) {
  sdk::HttpResponse out;
  try {
    out = static_cast<CoreRoute*>(arg)->fn(*req);
  } catch (const std::exception& e) {
    out = sdk::HttpResponse::error(HERALD_REASON_UNSPECIFIED_ERROR, e.what());
  }
  resp->set = true;
  resp->status = static_cast<uint16_t>(out.status);
  resp->content_type = out.content_type;
  resp->body = std::move(out.body);
}
}  // namespace

void Server::add_core_routes() {
  auto add = [&](const char* method, const char* pattern, const char* description,
                 std::function<sdk::HttpResponse(const herald_http_request&)> fn) {
    core_routes_.push_back(CoreRoute{std::move(fn)});
    (void)services_.routes.add(admin::RouteInfo{method, pattern, "herald", description}, &core_trampoline,
                               &core_routes_.back());
  };

  add("GET", "/healthz", "liveness: 200 while serving (no token needed)", [this](const herald_http_request&) {
    std::lock_guard lock(status_mutex_);
    return sdk::HttpResponse::json(200, Json{{"status", draining_now_ ? "draining" : "ok"}}.dump());
  });

  add("GET", "/v1/status", "node, version, uptime, loops, plugins, pipelines, listeners",
      [this](const herald_http_request&) {
        Json out;
        {
          std::lock_guard lock(status_mutex_);
          out = Json::parse(status_json_.empty() ? "{}" : status_json_);
          out["draining"] = draining_now_;
          Json reloads = Json::array();
          for (const auto& r : reloads_) reloads.push_back({{"at", r.unix_ms}, {"ok", r.ok}, {"message", r.message}});
          out["reloads"] = reloads;
        }
        out["uptime_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                                 started_at_).count();
        Json listeners = Json::array();
        {
          std::lock_guard lock(services_.mutex);
          for (const auto& l : services_.listeners) listeners.push_back(l);
        }
        if (!metrics_address_.empty()) listeners.push_back("metrics http://" + metrics_address_ + "/metrics");
        if (!admin_address_.empty()) listeners.push_back("admin http://" + admin_address_);
        out["listeners"] = listeners;
        return sdk::HttpResponse::json(200, out.dump());
      });

  add("POST", "/v1/reload", "re-read the config file, as SIGHUP does; 200 or 400 with every problem",
      [this](const herald_http_request&) {
        auto done = std::make_shared<std::promise<Status>>();
        auto result = done->get_future();
        if (!post_control([this, done] { done->set_value(reload()); }))
          return sdk::HttpResponse::error(HERALD_REASON_SERVER_SHUTTING_DOWN, "herald is stopping");
        if (result.wait_for(std::chrono::seconds(30)) != std::future_status::ready)
          return sdk::HttpResponse::error(HERALD_REASON_TIMEOUT, "the reload did not finish within 30 s");
        try {
          Status s = result.get();
          if (!s) return sdk::HttpResponse::error(s.error().reason, s.error().message);
        } catch (const std::future_error&) {
          return sdk::HttpResponse::error(HERALD_REASON_SERVER_SHUTTING_DOWN, "herald is stopping");
        }
        return sdk::HttpResponse::json(200, Json{{"reloaded", true}, {"config", config_file_}}.dump());
      });

  add("GET", "/v1/metrics", "every metric in Prometheus text format (what /metrics serves)",
      [this](const herald_http_request&) {
        sdk::HttpResponse r = sdk::HttpResponse::json(200, metrics_->text());
        r.content_type = "text/plain; version=0.0.4; charset=utf-8";
        return r;
      });

  // The web console (web/console): static files, readable without the token (they hold no data).
  {
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    console_dir_ = !config_.admin.console_dir.empty() ? config_.admin.console_dir
                   : ec ? std::string()
                        : (exe.parent_path().parent_path() / "share" / "herald" / "console").string();
  }
  auto console_file = [this](const std::string& name) {
    static const std::pair<const char*, const char*> kTypes[] = {
        {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},   {".svg", "image/svg+xml"},
        {".png", "image/png"},                 {".json", "application/json"}};
    bool plain = !name.empty() && name[0] != '.' &&
                 name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
                     std::string::npos;
    const char* type = nullptr;
    for (const auto& [ext, t] : kTypes)
      if (name.size() > std::strlen(ext) && name.ends_with(ext)) type = t;
    std::ifstream in(std::filesystem::path(console_dir_) / name, std::ios::binary);
    if (!plain || !type || console_dir_.empty() || !in)
      return sdk::HttpResponse::error(HERALD_REASON_NOT_FOUND, "no console file " + name);
    sdk::HttpResponse r;
    r.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    r.content_type = type;
    return r;
  };
  add("GET", "/", "the web console", [console_file](const herald_http_request&) { return console_file("index.html"); });
  add("GET", "/console", "the web console",
      [console_file](const herald_http_request&) { return console_file("index.html"); });
  add("GET", "/console/{file}", "the web console's files", [console_file](const herald_http_request& req) {
    return console_file(req.path_params.empty() ? "index.html" : req.path_params[0].second);
  });

  add("GET", "/v1/routes", "every admin route: method, pattern, plugin, description", [this](const herald_http_request&) {
    Json out = Json::array();
    for (const auto& r : services_.routes.list())
      out.push_back({{"method", r.method}, {"pattern", r.pattern}, {"plugin", r.owner}, {"description", r.description}});
    return sdk::HttpResponse::json(200, Json{{"routes", out}}.dump());
  });
}

void Server::record_reload(bool ok, const std::string& message) {
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  std::lock_guard lock(status_mutex_);
  reloads_.push_back(ReloadRecord{now.count(), ok, message});
  while (reloads_.size() > 10) reloads_.pop_front();
}

void Server::refresh_status() {
  Json plugins = Json::array();
  for (const auto& p : catalog_.plugins) {
    const auto& d = p.library->descriptor();
    plugins.push_back({{"name", p.entry.name}, {"version", std::string(d.version.data, d.version.size)}});
  }
  Json pipelines = Json::object();
  for (const auto& p : config_.pipelines) {
    Json stages = Json::array();
    for (const auto& s : p.stages) stages.push_back(s.stage);
    pipelines[p.name] = stages;
  }
  Json out{{"node", config_.service.node_id},
           {"version", HERALD_VERSION},
           {"abi", HERALD_ABI_VERSION_1},
           {"config", config_file_},
           {"loops", loops_ ? loops_->size() : 0},
           {"plugins", plugins},
           {"pipelines", pipelines}};
  std::lock_guard lock(status_mutex_);
  status_json_ = out.dump();
}

}  // namespace herald
