// PipelineEngine: runs envelopes through the current PipelineSet on their owning loop. A stage returns
// continue, reject or defer; a deferred envelope resumes (from any thread) back on its loop. A reload
// installs a new set atomically; envelopes in flight finish on the set they started with.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "herald/plugin_abi.h"
#include "pipeline/envelope.h"
#include "pipeline/pipeline.h"

namespace herald {

class LoopGroup;
class MetricsRegistry;
struct Execution;

}  // namespace herald

struct herald_stage_call {
  herald::Execution* exec;
};
struct herald_completion {
  herald::Execution* exec;
};

namespace herald {

struct Execution {
  class PipelineEngine* engine = nullptr;
  std::shared_ptr<const PipelineSet> set;  // keeps the set alive across a reload
  const Pipeline* pipeline = nullptr;
  size_t next = 0;
  std::unique_ptr<herald_envelope> env;
  uint32_t loop = 0;
  herald_pipeline_done_fn done = nullptr;
  void* done_arg = nullptr;
  herald_stage_call call{this};
  herald_completion completion{this};
  bool deferred = false;
  uint32_t verdict = HERALD_VERDICT_CONTINUE;
  uint16_t reason = HERALD_REASON_OK;
  std::string text;
  std::chrono::steady_clock::time_point stage_started;
};

class PipelineEngine {
 public:
  PipelineEngine(LoopGroup& loops, MetricsRegistry& metrics);

  // Control thread. The previous set retires; it is destroyed (on the control thread) by
  // collect_retired() once no envelope uses it.
  void install(std::shared_ptr<PipelineSet> set);
  std::shared_ptr<const PipelineSet> current() const { return current_.load(); }
  // Control thread: destroys retired sets nobody uses any more. Returns how many remain.
  size_t collect_retired();
  // Control thread, after the loops stopped: drops every set.
  void clear();

  // Any thread. See herald_host_v1::pipeline_submit.
  uint32_t submit(std::string_view pipeline, uint32_t loop, std::unique_ptr<herald_envelope> env,
                  herald_pipeline_done_fn done, void* arg);
  // Any thread, once per deferred call.
  void complete(herald_completion* completion, uint32_t verdict, uint16_t reason, std::string_view text);

  static void reject(herald_stage_call* call, uint16_t reason, std::string_view text);
  static herald_completion* defer(herald_stage_call* call);

 private:
  void run(Execution* e);
  // Accounts the verdict of the stage at e->next; returns false when the envelope is finished.
  bool finish_stage(Execution* e);
  FastCounter* reject_counter(StageInstance& st, uint16_t reason);
  void finish(Execution* e);

  LoopGroup& loops_;
  MetricsRegistry& metrics_;
  std::atomic<std::shared_ptr<const PipelineSet>> current_;
  std::mutex retired_mutex_;
  std::vector<std::shared_ptr<const PipelineSet>> retired_;
};

}  // namespace herald
