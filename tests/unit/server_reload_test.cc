// Reload: a valid new config replaces pipelines and plugin configs atomically while envelopes in
// flight finish on the old pipelines; an invalid one leaves the running config untouched.
#include <catch2/catch.hpp>

#include "pipeline_harness.h"
#include "prometheus_text.h"

using herald::test::Outcome;
using herald::test::ServerHarness;

namespace {
std::string pipelines(const std::string& tag_value, const std::string& last_record) {
  return "plugins:\n"
         "  - name: verdict\n"
         "  - name: tag\n"
         "pipelines:\n"
         "  inbound:\n"
         "    - stage: record\n"
         "      config: {name: a}\n"
         "    - stage: defer\n"
         "    - stage: tag\n"
         "      config: {header: x-tag, value: " + tag_value + "}\n"
         "    - stage: record\n"
         "      config: {name: " + last_record + "}\n";
}

double reloads(ServerHarness& h, const char* result) {
  auto m = herald::test::parse_prometheus_text(herald::test::http_get(h.server().metrics_address(), "/metrics"));
  return herald::test::metric_value(m, "herald_config_reloads_total", {std::string("result=\"") + result + "\""});
}
}  // namespace

TEST_CASE("an accepted reload swaps pipelines, in-flight envelopes finish on the old ones") {
  ServerHarness h(pipelines("v1", "old"));
  h.start();
  CHECK(h.submit("inbound", {}).headers["x-tag"] == "v1");

  // Park one envelope inside the deferred stage of the old pipeline set.
  auto held = h.submit_async("inbound", {{"x-hold", "1"}});
  CHECK(held.wait_for(std::chrono::milliseconds(0)) == std::future_status::timeout);

  h.write(pipelines("v2", "new"));
  auto st = h.server().reload();
  INFO((st.ok() ? "" : st.error().message));
  REQUIRE(st.ok());

  // A new envelope runs the new set and releases the held one, which finishes on the old set.
  Outcome fresh = h.submit("inbound", {{"x-release", "1"}});
  CHECK(fresh.headers["x-tag"] == "v2");
  CHECK(fresh.headers["trail"] == "a,new");
  Outcome old = ServerHarness::wait(std::move(held));
  CHECK(old.verdict == HERALD_VERDICT_CONTINUE);
  CHECK(old.headers["x-tag"] == "v1");
  CHECK(old.headers["trail"] == "a,old");
  CHECK(reloads(h, "success") == 1);
  CHECK(reloads(h, "failure") == 0);
}

TEST_CASE("a rejected reload keeps the running config and says why") {
  ServerHarness h(pipelines("v1", "b"));
  h.start();

  SECTION("invalid stage config") {
    h.write(pipelines("v1", "b") + "    - stage: tag\n      config: {value: no-header}\n");
    auto st = h.server().reload();
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find("pipelines.inbound[4].config.header: missing required key") != std::string::npos);
  }
  SECTION("unknown stage") {
    h.write(pipelines("v9", "b") + "    - stage: nonexistent\n");
    auto st = h.server().reload();
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find("unknown stage \"nonexistent\"") != std::string::npos);
  }
  SECTION("a changed plugin set needs a restart") {
    h.write("plugins:\n  - name: tag\n");
    auto st = h.server().reload();
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find("the set of plugins changed (added: none; removed: verdict)") != std::string::npos);
  }
  SECTION("not YAML") {
    h.write("pipelines: [unclosed\n");
    auto st = h.server().reload();
    REQUIRE_FALSE(st.ok());
  }
  Outcome o = h.submit("inbound", {});
  CHECK(o.headers["x-tag"] == "v1");
  CHECK(o.headers["trail"] == "a,b");
  CHECK(reloads(h, "failure") == 1);
  CHECK(reloads(h, "success") == 0);
}

TEST_CASE("plugin config changes reach the plugin on reload") {
  auto with_overwrite = [](const char* v) {
    return std::string("plugins:\n  - name: tag\n    config: {overwrite: ") + v +
           "}\npipelines:\n  inbound:\n    - stage: tag\n      config: {header: x-tag, value: set}\n";
  };
  ServerHarness h(with_overwrite("true"));
  h.start();
  CHECK(h.submit("inbound", {{"x-tag", "mine"}}).headers["x-tag"] == "set");
  h.write(with_overwrite("false"));
  REQUIRE(h.server().reload().ok());
  CHECK(h.submit("inbound", {{"x-tag", "mine"}}).headers["x-tag"] == "mine");
}
