// The host side of the plugin ABI: the herald_host_v1 function table and the per-plugin context.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "admin/route_table.h"
#include "herald/plugin_abi.h"

namespace herald {

class LoopGroup;
class PipelineEngine;
class MetricsRegistry;

// A function table one plugin offers the others (herald_host_v1::service_register).
struct ServiceEntry {
  const void* table;
  std::string owner;  // plugin name
};

// What the host API reaches into; owned by the Server, outlives every plugin.
struct HostServices {
  LoopGroup* loops = nullptr;
  PipelineEngine* engine = nullptr;
  MetricsRegistry* metrics = nullptr;
  std::string data_dir;
  std::string node_id;

  std::mutex mutex;
  std::vector<std::string> listeners;  // "<protocol> <address> (<plugin>)"
  std::deque<struct MetricHandle> metric_handles;
  std::map<std::string, ServiceEntry> services;  // service_register: name -> table
  admin::RouteTable routes;                       // http_route (its own lock)
};

struct MetricHandle {
  enum class Kind { kCounter, kGauge, kHistogram } kind;
  void* series;  // FastCounter* / FastGauge* / FastHistogram* (metrics/striped_series.h)
};

const herald_host_v1* host_api_v1();

}  // namespace herald

struct herald_host_ctx {
  herald::HostServices* services;
  std::string plugin;
};
