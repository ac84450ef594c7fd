// Pipelines: ordered stage instances built from a PluginCatalog, grouped in an immutable PipelineSet
// that a reload replaces as a whole.
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "herald/plugin_abi.h"
#include "metrics/striped_series.h"

namespace herald {

class MetricsRegistry;
struct PluginCatalog;

// One stage at one place in one pipeline. Destroyed on the control thread.
struct StageInstance {
  std::string pipeline;
  std::string stage;
  std::string plugin;
  const herald_stage_decl_v1* decl = nullptr;
  void* instance = nullptr;
  FastCounter* calls = nullptr;
  FastHistogram* duration = nullptr;
  // herald_stage_rejects_total{code} per reason code, looked up on the first reject of each code so a
  // stage that rejects most traffic (a rate limiter at 10x) does not go to the registry every time.
  std::array<std::atomic<FastCounter*>, 0x200> rejects{};
  ~StageInstance();
};

struct Pipeline {
  std::string name;
  std::vector<std::unique_ptr<StageInstance>> stages;
  FastCounter* accepted = nullptr;
  FastCounter* rejected = nullptr;
};

struct PipelineSet {
  std::map<std::string, std::unique_ptr<Pipeline>, std::less<>> pipelines;
  const Pipeline* find(std::string_view name) const {
    auto it = pipelines.find(name);
    return it == pipelines.end() ? nullptr : it->second.get();
  }
};

// Creates every stage instance of the catalog's pipelines. plugin_instances[i] is the initialised
// plugin object of catalog.plugins[i]. Control thread. On failure nothing is left created.
Result<std::shared_ptr<PipelineSet>> build_pipelines(const PluginCatalog& catalog,
                                                     const std::vector<void*>& plugin_instances,
                                                     MetricsRegistry& metrics);

}  // namespace herald
