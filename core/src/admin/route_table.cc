// RouteTable: admin route registration and matching (see route_table.h).
#include "admin/route_table.h"

#include <algorithm>
#include <mutex>

namespace herald::admin {
namespace {
bool is_param(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}
bool valid_method(std::string_view m) {
  return m == "GET" || m == "POST" || m == "PUT" || m == "PATCH" || m == "DELETE";
}
}  // namespace

std::vector<std::string> RouteTable::split(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool RouteTable::matches(const Route& r, const std::vector<std::string>& segments) {
  if (r.segments.size() != segments.size()) return false;
  for (size_t i = 0; i < segments.size(); ++i)
    if (!is_param(r.segments[i]) && r.segments[i] != segments[i]) return false;
  return true;
}

uint32_t RouteTable::add(RouteInfo info, herald_http_handler_fn fn, void* arg) {
  if (!fn || !valid_method(info.method) || info.pattern.empty() || info.pattern.front() != '/')
    return HERALD_REASON_INVALID_REQUEST;
  Route r{std::move(info), {}, fn, arg};
  r.segments = split(r.info.pattern);
  for (const auto& s : r.segments)
    if ((s.find('{') != std::string::npos || s.find('}') != std::string::npos) && !is_param(s))
      return HERALD_REASON_INVALID_REQUEST;
  std::unique_lock lock(mutex_);
  for (const auto& other : routes_) {
    if (other.info.method != r.info.method || other.segments.size() != r.segments.size()) continue;
    bool same = true;
    for (size_t i = 0; i < r.segments.size() && same; ++i) {
      bool a = is_param(r.segments[i]), b = is_param(other.segments[i]);
      same = a == b && (a || r.segments[i] == other.segments[i]);
    }
    if (same) return HERALD_REASON_ALREADY_EXISTS;
  }
  routes_.push_back(std::move(r));
  return 0;
}

void RouteTable::withdraw(const std::string& owner) {
  std::unique_lock lock(mutex_);  // waits for every running handler (they hold the shared lock)
  std::erase_if(routes_, [&](const Route& r) { return r.info.owner == owner; });
}

void RouteTable::clear() {
  std::unique_lock lock(mutex_);
  routes_.clear();
}

RouteTable::Match RouteTable::dispatch(herald_http_request& req, herald_http_response& resp,
                                       std::string* allowed) const {
  auto segments = split(req.path);
  std::shared_lock lock(mutex_);
  // A literal segment beats a parameter in the same place ("/v1/groups/search" over "/v1/groups/{g}").
  const Route* best = nullptr;
  auto literal_count = [](const Route& r) {
    return std::count_if(r.segments.begin(), r.segments.end(), [](const std::string& s) { return !is_param(s); });
  };
  bool path_known = false;
  for (const auto& r : routes_) {
    if (!matches(r, segments)) continue;
    path_known = true;
    if (r.info.method != req.method) {
      if (allowed && allowed->find(r.info.method) == std::string::npos)
        *allowed += (allowed->empty() ? "" : ", ") + r.info.method;
      continue;
    }
    if (!best || literal_count(r) > literal_count(*best)) best = &r;
  }
  if (!best) return path_known ? Match::kNoMethod : Match::kNoPath;
  for (size_t i = 0; i < segments.size(); ++i)
    if (is_param(best->segments[i]))
      req.path_params.emplace_back(best->segments[i].substr(1, best->segments[i].size() - 2), segments[i]);
  best->fn(best->arg, &req, &resp);
  return Match::kFound;
}

std::vector<RouteInfo> RouteTable::list() const {
  std::shared_lock lock(mutex_);
  std::vector<RouteInfo> out;
  for (const auto& r : routes_) out.push_back(r.info);
  std::sort(out.begin(), out.end(),
            [](const RouteInfo& a, const RouteInfo& b) { return std::tie(a.pattern, a.method) < std::tie(b.pattern, b.method); });
  return out;
}

}  // namespace herald::admin
