// Stage-by-stage execution with continue / reject / defer and per-stage metrics.
#include "pipeline/pipeline_engine.h"

#include "log/logger.h"
#include "loop/loop_group.h"
#include "metrics/metrics_registry.h"

namespace herald {

PipelineEngine::PipelineEngine(LoopGroup& loops, MetricsRegistry& metrics) : loops_(loops), metrics_(metrics) {
  current_.store(std::make_shared<PipelineSet>());
}

void PipelineEngine::install(std::shared_ptr<PipelineSet> set) {
  auto old = current_.exchange(std::move(set));
  std::lock_guard lock(retired_mutex_);
  if (old) retired_.push_back(std::move(old));
}

size_t PipelineEngine::collect_retired() {
  std::vector<std::shared_ptr<const PipelineSet>> dead;
  {
    std::lock_guard lock(retired_mutex_);
    for (auto it = retired_.begin(); it != retired_.end();) {
      if (it->use_count() == 1) {
        dead.push_back(std::move(*it));
        it = retired_.erase(it);
      } else {
        ++it;
      }
    }
  }
  dead.clear();  // stage instances destroyed here, on the control thread
  std::lock_guard lock(retired_mutex_);
  return retired_.size();
}

void PipelineEngine::clear() {
  current_.store(nullptr);
  std::lock_guard lock(retired_mutex_);
  retired_.clear();
}

uint32_t PipelineEngine::submit(std::string_view name, uint32_t loop, std::unique_ptr<herald_envelope> env,
                                herald_pipeline_done_fn done, void* arg) {
  auto set = current_.load();
  const Pipeline* pipeline = set ? set->find(name) : nullptr;
  if (!pipeline) return HERALD_REASON_NOT_FOUND;
  auto* e = new Execution();
  e->engine = this;
  e->set = std::move(set);
  e->pipeline = pipeline;
  e->env = std::move(env);
  e->loop = loop % loops_.size();
  e->done = done;
  e->done_arg = arg;
  EventLoop& target = loops_.at(e->loop);
  if (EventLoop::current() == &target) {
    run(e);  // already on the owning loop: no hop, and `done` may run before submit returns
  } else if (!target.post([this, e] { run(e); })) {
    e->verdict = HERALD_VERDICT_REJECT;
    e->reason = HERALD_REASON_SERVER_SHUTTING_DOWN;
    e->text = "server shutting down";
    finish(e);
  }
  return 0;
}

void PipelineEngine::run(Execution* e) {
  const auto& stages = e->pipeline->stages;
  while (e->next < stages.size()) {
    StageInstance& st = *stages[e->next];
    e->deferred = false;
    e->reason = HERALD_REASON_OK;
    e->text.clear();
    e->stage_started = std::chrono::steady_clock::now();
    if (st.calls) st.calls->add();
    uint32_t verdict = st.decl->process(st.instance, &e->call);
    if (e->deferred) {
      if (verdict != HERALD_VERDICT_DEFER)
        HLOG_WARN("pipeline") << "stage " << st.stage << " took a completion but returned " << verdict
                              << "; waiting for the completion";
      return;  // complete() resumes it
    }
    if (verdict == HERALD_VERDICT_DEFER) {
      HLOG_ERROR("pipeline") << "stage " << st.stage << " returned defer without call_defer; rejecting";
      verdict = HERALD_VERDICT_REJECT;
      e->reason = HERALD_REASON_UNSPECIFIED_ERROR;
      e->text = "internal error in stage " + st.stage;
    }
    e->verdict = verdict;
    if (!finish_stage(e)) return;
  }
  finish(e);
}

bool PipelineEngine::finish_stage(Execution* e) {
  StageInstance& st = *e->pipeline->stages[e->next];
  if (st.duration)
    st.duration->observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - e->stage_started).count());
  if (e->verdict == HERALD_VERDICT_REJECT) {
    if (e->reason == HERALD_REASON_OK) e->reason = HERALD_REASON_UNSPECIFIED_ERROR;
    if (e->text.empty()) e->text = "rejected by stage " + st.stage;
    if (FastCounter* rejects = reject_counter(st, e->reason)) rejects->add();
    finish(e);
    return false;
  }
  ++e->next;
  return true;
}

FastCounter* PipelineEngine::reject_counter(StageInstance& st, uint16_t reason) {
  std::atomic<FastCounter*>* slot = reason < st.rejects.size() ? &st.rejects[reason] : nullptr;
  if (slot) {
    if (FastCounter* cached = slot->load(std::memory_order_acquire)) return cached;
  }
  char code[8];
  snprintf(code, sizeof(code), "0x%04x", reason);
  auto found =
      metrics_.fast_counter("herald_stage_rejects_total", "Envelopes a stage rejected, by reason code.",
                            {{"pipeline", st.pipeline}, {"stage", st.stage}, {"code", code}});
  if (!found) return nullptr;
  // Two loops racing here store the same series: the registry hands out one child per label set.
  if (slot) slot->store(found.value(), std::memory_order_release);
  return found.value();
}

void PipelineEngine::finish(Execution* e) {
  bool accepted = e->verdict != HERALD_VERDICT_REJECT;
  if (e->pipeline) {
    auto* c = accepted ? e->pipeline->accepted : e->pipeline->rejected;
    if (c) c->add();
  }
  if (e->done) {
    e->done(e->done_arg, e->env.get(), accepted ? HERALD_VERDICT_CONTINUE : HERALD_VERDICT_REJECT,
            accepted ? uint16_t{HERALD_REASON_OK} : e->reason, herald_str{e->text.data(), e->text.size()});
  }
  delete e;
}

void PipelineEngine::complete(herald_completion* c, uint32_t verdict, uint16_t reason, std::string_view text) {
  Execution* e = c->exec;
  std::string copied(text);
  bool posted = loops_.at(e->loop).post([this, e, verdict, reason, copied = std::move(copied)]() mutable {
    e->verdict = verdict == HERALD_VERDICT_REJECT ? HERALD_VERDICT_REJECT : HERALD_VERDICT_CONTINUE;
    e->reason = reason;
    e->text = std::move(copied);
    if (finish_stage(e)) run(e);
  });
  if (!posted) HLOG_WARN("pipeline") << "completion after shutdown dropped";
}

void PipelineEngine::reject(herald_stage_call* call, uint16_t reason, std::string_view text) {
  call->exec->reason = reason;
  call->exec->text.assign(text);
}

herald_completion* PipelineEngine::defer(herald_stage_call* call) {
  call->exec->deferred = true;
  return &call->exec->completion;
}

}  // namespace herald
