// Verdict semantics: continue, reject with the stage's reason, defer resumed from another thread on
// the envelope's own loop; per-stage metrics read back over HTTP.
#include <catch2/catch.hpp>

#include "pipeline_harness.h"
#include "prometheus_text.h"

using herald::test::Outcome;
using herald::test::ServerHarness;

namespace {
const char* kPipelines =
    "plugins:\n"
    "  - name: verdict\n"
    "  - name: tag\n"
    "pipelines:\n"
    "  gate:\n"
    "    - stage: record\n"
    "      config: {name: a}\n"
    "    - stage: reject_if\n"
    "      config: {header: x-block, equals: \"yes\", reason: 151}\n"
    "    - stage: tag\n"
    "      config: {header: x-tag, value: v1}\n"
    "    - stage: record\n"
    "      config: {name: b}\n"
    "  async:\n"
    "    - stage: record\n"
    "      config: {name: a}\n"
    "    - stage: defer\n"
    "    - stage: record\n"
    "      config: {name: b}\n";
}  // namespace

TEST_CASE("continue runs every stage in order") {
  ServerHarness h(kPipelines);
  h.start();
  Outcome o = h.submit("gate", {});
  CHECK(o.verdict == HERALD_VERDICT_CONTINUE);
  CHECK(o.reason == HERALD_REASON_OK);
  CHECK(o.headers["trail"] == "a,b");
  CHECK(o.headers["x-tag"] == "v1");
}

TEST_CASE("reject stops the pipeline with the stage's reason and text") {
  ServerHarness h(kPipelines);
  h.start();
  Outcome o = h.submit("gate", {{"x-block", "yes"}});
  CHECK(o.verdict == HERALD_VERDICT_REJECT);
  CHECK(o.reason == HERALD_REASON_QUOTA_EXCEEDED);  // 151 = 0x97, from the stage config
  CHECK(o.text == "header x-block is yes");
  CHECK(o.headers["trail"] == "a");  // later stages never ran
  CHECK(o.headers.count("x-tag") == 0);
}

TEST_CASE("defer resumes from a worker thread and continues on the envelope's loop") {
  ServerHarness h(kPipelines);
  h.start();
  for (uint32_t loop = 0; loop < 2; ++loop) {
    Outcome o = h.submit("async", {}, loop);
    CHECK(o.verdict == HERALD_VERDICT_CONTINUE);
    CHECK(o.headers["trail"] == "a,b");
    CHECK(o.headers["loop"] == std::to_string(loop));  // the stage after the deferred one ran on that loop
    CHECK(o.done_on_loop == static_cast<int>(loop));
  }
  Outcome denied = h.submit("async", {{"x-deny", "1"}}, 1);
  CHECK(denied.verdict == HERALD_VERDICT_REJECT);
  CHECK(denied.reason == HERALD_REASON_NOT_AUTHORIZED);
  CHECK(denied.text == "denied by deferred check");
  CHECK(denied.headers["trail"] == "a");
}

TEST_CASE("many concurrent deferred envelopes all finish") {
  ServerHarness h(kPipelines);
  h.start();
  std::vector<std::future<Outcome>> futures;
  for (int i = 0; i < 2000; ++i) futures.push_back(h.submit_async("async", {{"n", std::to_string(i)}}, i % 2));
  int ok = 0;
  for (auto& f : futures) ok += ServerHarness::wait(std::move(f)).verdict == HERALD_VERDICT_CONTINUE;
  CHECK(ok == 2000);
}

TEST_CASE("an unknown pipeline is refused at submit") {
  ServerHarness h(kPipelines);
  h.start();
  Outcome o = h.submit("nope", {});
  CHECK(o.reason == HERALD_REASON_NOT_FOUND);
}

TEST_CASE("stage metrics: calls, rejects by code and durations on /metrics") {
  ServerHarness h(kPipelines);
  h.start();
  for (int i = 0; i < 3; ++i) h.submit("gate", {});
  h.submit("gate", {{"x-block", "yes"}});
  h.submit("gate", {{"x-block", "yes"}}, 1);  // the second reject of a code counts through the cached series
  h.submit("async", {});
  auto m = herald::test::parse_prometheus_text(herald::test::http_get(h.server().metrics_address(), "/metrics"));
  using herald::test::metric_value;
  CHECK(metric_value(m, "herald_stage_calls_total", {"pipeline=\"gate\"", "stage=\"reject_if\""}) == 5);
  CHECK(metric_value(m, "herald_stage_calls_total", {"pipeline=\"gate\"", "stage=\"tag\""}) == 3);
  CHECK(metric_value(m, "herald_stage_rejects_total", {"stage=\"reject_if\"", "code=\"0x0097\""}) == 2);
  CHECK(metric_value(m, "herald_stage_duration_seconds_count", {"pipeline=\"async\"", "stage=\"defer\""}) == 1);
  CHECK(metric_value(m, "herald_pipeline_envelopes_total", {"pipeline=\"gate\"", "result=\"accepted\""}) == 3);
  CHECK(metric_value(m, "herald_pipeline_envelopes_total", {"pipeline=\"gate\"", "result=\"rejected\""}) == 2);
  CHECK(metric_value(m, "herald_tag_tagged_total", {"header=\"x-tag\""}) == 3);
  CHECK(metric_value(m, "herald_plugins_loaded") == 2);
  CHECK(metric_value(m, "herald_build_info", {"version=\""}) == 1);
  CHECK(metric_value(m, "process_resident_memory_bytes") > 0);
  CHECK(metric_value(m, "process_open_fds") > 0);
}
