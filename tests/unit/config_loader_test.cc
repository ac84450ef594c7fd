// Config errors: every problem found in one pass, each with its exact YAML path and line.
#include <catch2/catch.hpp>

#include "config/config_loader.h"
#include "plugin/plugin_catalog.h"
#include "test_files.h"

using namespace herald;

namespace {
std::string messages(const ConfigIssues& issues) { return issues.format("f.yaml"); }

bool has_issue(const ConfigIssues& issues, const std::string& path, const std::string& text, int line = 0) {
  for (const auto& i : issues.all()) {
    if (i.path == path && i.message.find(text) != std::string::npos && (line == 0 || i.line == line)) return true;
  }
  return false;
}

const std::string kPluginPaths = std::string("  plugin_paths: [\"") + HERALD_PLUGIN_DIR + "\", \"" +
                                 HERALD_TEST_PLUGIN_DIR + "\"]\n";
}  // namespace

TEST_CASE("an empty file is all defaults") {
  auto load = load_config_text("", "f.yaml");
  REQUIRE(load.issues.empty());
  CHECK(load.config.service.data_dir == "./var");
  CHECK(load.config.metrics.listen == "0.0.0.0:9464");
}

TEST_CASE("host sections: wrong types, unknown keys and bad values carry path and line") {
  auto load = load_config_text(
      "service:\n"
      "  loops: many\n"            // line 2
      "  log_level: loud\n"        // line 3
      "  colour: blue\n"           // line 4
      "metrics:\n"
      "  enabled: maybe\n"         // line 6
      "pipelines:\n"
      "  inbound:\n"
      "    - config: {}\n"         // line 9: no stage
      "    - stage: tag\n"
      "      extra: 1\n"           // line 11
      "plugins:\n"
      "  - name: tag\n"
      "  - name: tag\n"            // line 14: duplicate
      "bogus: true\n",             // line 15
      "f.yaml");
  const auto& issues = load.issues;
  INFO(messages(issues));
  CHECK(has_issue(issues, "service.loops", "expected integer, got \"many\"", 2));
  CHECK(has_issue(issues, "service.log_level", "expected one of trace, debug, info, warn, error", 3));
  CHECK(has_issue(issues, "service.colour", "unknown key; valid keys:", 4));
  CHECK(has_issue(issues, "metrics.enabled", "expected true or false, got \"maybe\"", 6));
  CHECK(has_issue(issues, "pipelines.inbound[0].stage", "missing required key", 9));
  CHECK(has_issue(issues, "pipelines.inbound[1].extra", "unknown key", 11));
  CHECK(has_issue(issues, "plugins[1].name", "duplicate plugin name \"tag\"", 14));
  CHECK(has_issue(issues, "bogus", "unknown key", 15));
  CHECK(issues.size() == 8);
}

TEST_CASE("not YAML at all is one error with its line") {
  auto load = load_config_text("service:\n  loops: [1, 2\n", "f.yaml");
  REQUIRE(load.issues.size() == 1);
  CHECK(load.issues.all()[0].message.find("not valid YAML") != std::string::npos);
  CHECK(load.issues.all()[0].line >= 2);
}

TEST_CASE("check-config acceptance: unknown plugin, wrong type and missing required key all reported") {
  auto load = load_config_text(
      "service:\n" + kPluginPaths +
          "plugins:\n"
          "  - name: tag\n"
          "    config:\n"
          "      overwrite: sometimes\n"   // line 6: wrong type
          "  - name: nosuch\n"             // line 7: unknown plugin
          "pipelines:\n"
          "  inbound:\n"
          "    - stage: tag\n"             // line 10: missing required key header
          "      config:\n"
          "        value: x\n",
      "f.yaml");
  REQUIRE(load.issues.empty());
  ConfigIssues issues;
  auto catalog = build_catalog(load.config, issues);
  INFO(messages(issues));
  CHECK(has_issue(issues, "plugins[0].config.overwrite", "expected true or false, got \"sometimes\"", 6));
  CHECK(has_issue(issues, "plugins[1].name", "unknown plugin \"nosuch\": libherald_nosuch.so not found in", 7));
  CHECK(has_issue(issues, "pipelines.inbound[0].config.header", "missing required key (stage \"tag\")"));
  CHECK(issues.size() == 3);
}

TEST_CASE("plugin schemas: unknown keys list the valid ones, plugin validators add deep errors") {
  auto load = load_config_text(
      "service:\n" + kPluginPaths +
          "plugins:\n"
          "  - name: tag\n"
          "    config:\n"
          "      colour: red\n"
          "pipelines:\n"
          "  inbound:\n"
          "    - stage: tag\n"
          "      config:\n"
          "        header: \":user\"\n"   // line 11: rejected by the tag stage's own validator
          "    - stage: nope\n",
      "f.yaml");
  ConfigIssues issues;
  auto catalog = build_catalog(load.config, issues);
  INFO(messages(issues));
  CHECK(has_issue(issues, "plugins[0].config.colour", "unknown key for plugin \"tag\"; valid keys: overwrite"));
  CHECK(has_issue(issues, "pipelines.inbound[0].config.header", "reserved for Herald's fields", 11));
  CHECK(has_issue(issues, "pipelines.inbound[1].stage", "unknown stage \"nope\"; stages of the loaded plugins: tag"));
  CHECK(issues.size() == 3);
}

TEST_CASE("defaults are filled in before the plugin sees its config") {
  auto load = load_config_text("service:\n" + kPluginPaths +
                                   "plugins:\n  - name: tag\n"
                                   "pipelines:\n  inbound:\n    - stage: tag\n      config: {header: x-a}\n",
                               "f.yaml");
  ConfigIssues issues;
  auto catalog = build_catalog(load.config, issues);
  REQUIRE(issues.empty());
  CHECK(catalog.plugins[0].effective_config["overwrite"].as<bool>() == true);
  CHECK(catalog.pipelines[0].stages[0].effective_config["value"].as<std::string>() == "tagged");
  CHECK(catalog.pipelines[0].stages[0].effective_config["header"].as<std::string>() == "x-a");
}
