// Builds PipelineSets from a checked catalog, with each stage's metrics series.
#include "pipeline/pipeline.h"

#include "metrics/metrics_registry.h"
#include "plugin/plugin_catalog.h"

namespace herald {

StageInstance::~StageInstance() {
  if (decl && instance && decl->destroy) decl->destroy(instance);
}

Result<std::shared_ptr<PipelineSet>> build_pipelines(const PluginCatalog& catalog,
                                                     const std::vector<void*>& plugin_instances,
                                                     MetricsRegistry& metrics) {
  auto set = std::make_shared<PipelineSet>();
  for (const auto& cp : catalog.pipelines) {
    auto pipeline = std::make_unique<Pipeline>();
    pipeline->name = cp.name;
    auto acc = metrics.fast_counter("herald_pipeline_envelopes_total",
                                    "Envelopes that finished a pipeline, by result.",
                                    {{"pipeline", cp.name}, {"result", "accepted"}});
    auto rej = metrics.fast_counter("herald_pipeline_envelopes_total",
                                    "Envelopes that finished a pipeline, by result.",
                                    {{"pipeline", cp.name}, {"result", "rejected"}});
    if (acc) pipeline->accepted = acc.value();
    if (rej) pipeline->rejected = rej.value();
    for (const auto& cs : cp.stages) {
      auto inst = std::make_unique<StageInstance>();
      inst->pipeline = cp.name;
      inst->stage = cs.ref.stage;
      inst->plugin = catalog.plugins[cs.plugin_index].entry.name;
      inst->decl = cs.decl;
      std::string text = yaml_text(cs.effective_config);
      herald_error err{};
      err.struct_size = sizeof(err);
      void* created = nullptr;
      if (cs.decl->create(plugin_instances[cs.plugin_index], herald_str{text.data(), text.size()}, &created, &err) != 0) {
        return make_error(reason_or(err.reason),
                          cs.ref.yaml_path + ": stage \"" + cs.ref.stage + "\" of plugin \"" + inst->plugin +
                              "\" failed to start: " + err.message);
      }
      inst->instance = created;
      prometheus::Labels labels{{"pipeline", cp.name}, {"stage", cs.ref.stage}};
      auto calls = metrics.fast_counter("herald_stage_calls_total", "Envelopes a stage processed.", labels);
      auto dur = metrics.fast_histogram("herald_stage_duration_seconds",
                                        "Time a stage took per envelope, deferred time included.", labels,
                                        latency_buckets());
      if (calls) inst->calls = calls.value();
      if (dur) inst->duration = dur.value();
      pipeline->stages.push_back(std::move(inst));
    }
    set->pipelines.emplace(cp.name, std::move(pipeline));
  }
  return set;
}

}  // namespace herald
