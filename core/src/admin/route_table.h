// RouteTable: the admin API's routes ("GET /v1/groups/{group}"), registered by plugins through the host
// API and matched per request. Withdrawing a plugin's routes waits for its running handlers, so no
// handler runs once its plugin is stopping.
#pragma once

#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "admin/http_exchange.h"
#include "herald/plugin_abi.h"

namespace herald::admin {

struct RouteInfo {
  std::string method;
  std::string pattern;
  std::string owner;  // plugin name ("herald" for core's own)
  std::string description;
};

class RouteTable {
 public:
  // 0, ALREADY_EXISTS (same method and shape: literals equal, {params} in the same places) or
  // INVALID_REQUEST (method not GET/POST/PUT/PATCH/DELETE, pattern not "/seg/{name}/...").
  uint32_t add(RouteInfo info, herald_http_handler_fn fn, void* arg);
  // Removes every route of `owner`, after the handlers running now have returned.
  void withdraw(const std::string& owner);
  void clear();

  enum class Match { kFound, kNoPath, kNoMethod };
  // Finds the route for req.method + req.path, fills req.path_params and runs the handler (under a
  // shared lock, so withdraw() waits for it). kNoPath: no route has that path; kNoMethod: one has,
  // for other methods (their names in *allowed).
  Match dispatch(herald_http_request& req, herald_http_response& resp, std::string* allowed) const;

  std::vector<RouteInfo> list() const;

 private:
  struct Route {
    RouteInfo info;
    std::vector<std::string> segments;  // "{x}" for a parameter
    herald_http_handler_fn fn;
    void* arg;
  };
  static std::vector<std::string> split(std::string_view path);
  static bool matches(const Route& r, const std::vector<std::string>& segments);

  mutable std::shared_mutex mutex_;
  std::vector<Route> routes_;
};

}  // namespace herald::admin
