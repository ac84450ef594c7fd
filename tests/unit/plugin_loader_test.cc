// The plugin loader's failures: each gives one clear message naming the file and the cause, and the
// server refuses to start (before opening any listener).
#include <catch2/catch.hpp>

#include <dlfcn.h>

#include "config/config_loader.h"
#include "plugin/plugin_catalog.h"
#include "plugin/plugin_library.h"
#include "server/server.h"
#include "test_files.h"

using namespace herald;

namespace {
const std::string kTestDir = HERALD_TEST_PLUGIN_DIR;
const std::string kPluginDir = HERALD_PLUGIN_DIR;

std::string open_error(const std::string& file) {
  auto lib = PluginLibrary::open(file);
  REQUIRE_FALSE(lib.ok());
  return lib.error().message;
}
}  // namespace

TEST_CASE("a good plugin loads and negotiates ABI 1") {
  auto lib = PluginLibrary::open(kPluginDir + "/libherald_tag.so");
  REQUIRE(lib.ok());
  CHECK(lib.value()->name() == "tag");
  CHECK(lib.value()->abi_version() == HERALD_ABI_VERSION_1);
  CHECK(lib.value()->descriptor().stage_count == 1);
}

TEST_CASE("missing file") {
  auto msg = open_error(kTestDir + "/libherald_absent.so");
  CHECK(msg == kTestDir + "/libherald_absent.so: no such file");
}

TEST_CASE("not a shared object") {
  test::TempDir dir;
  std::string fake = dir.file("libherald_fake.so");
  test::write_file(fake, "#!/bin/sh\necho I am not a library\n");
  CHECK(open_error(fake) == fake + ": not a shared object (no ELF header)");
}

TEST_CASE("missing entry symbol") {
  std::string file = kTestDir + "/libherald_no_entry.so";
  CHECK(open_error(file) == file + ": not a Herald plugin (no exported symbol herald_plugin_negotiate)");
}

TEST_CASE("no common ABI version") {
  std::string file = kTestDir + "/libherald_refuses_abi.so";
  CHECK(open_error(file) == file + ": no common ABI version (host offers 1; the plugin refused all)");
}

TEST_CASE("only the entry point is exported") {
  auto lib = PluginLibrary::open(kPluginDir + "/libherald_tag.so");
  REQUIRE(lib.ok());
  // The SDK's inline globals and the plugin's classes stay hidden (no cross-plugin symbol clashes).
  void* h = dlopen((kPluginDir + "/libherald_tag.so").c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
  REQUIRE(h != nullptr);
  CHECK(dlsym(h, "herald_plugin_negotiate") != nullptr);
  CHECK(dlsym(h, "_ZN6herald3sdk6detail5g_apiE") == nullptr);
  dlclose(h);
}

TEST_CASE("init failure, duplicate name and unknown plugin stop the server before it listens") {
  test::TempDir dir;
  std::string paths = "service:\n  data_dir: " + dir.file("var") + "\n  plugin_paths: [\"" + kPluginDir + "\", \"" +
                      kTestDir + "\"]\nmetrics:\n  listen: 127.0.0.1:0\n";

  SECTION("init failure carries the plugin's own reason") {
    test::write_file(dir.file("h.yaml"), paths + "plugins:\n  - name: init_fails\n");
    Server server(dir.file("h.yaml"));
    auto st = server.start();
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find("plugins[0]: plugin \"init_fails\" (" + kTestDir +
                                  "/libherald_init_fails.so) failed to initialise: cannot reach license.example:443") !=
          std::string::npos);
    CHECK(st.error().reason == HERALD_REASON_SERVER_UNAVAILABLE);
    CHECK(server.metrics_address().empty());  // the metrics listener never opened
  }
  SECTION("duplicate plugin name") {
    test::write_file(dir.file("h.yaml"), paths + "plugins:\n  - name: tag\n  - name: tag\n    path: libherald_tag.so\n");
    Server server(dir.file("h.yaml"));
    auto st = server.start();
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find("plugins[1].name: duplicate plugin name \"tag\"") != std::string::npos);
  }
  SECTION("a file that declares another name") {
    test::write_file(dir.file("h.yaml"), paths + "plugins:\n  - name: other\n    path: libherald_tag.so\n");
    Server server(dir.file("h.yaml"));
    auto st = server.start();
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find("libherald_tag.so is plugin \"tag\", not \"other\"") != std::string::npos);
  }
  SECTION("unknown plugin") {
    test::write_file(dir.file("h.yaml"), paths + "plugins:\n  - name: nosuch\n");
    Server server(dir.file("h.yaml"));
    auto st = server.start();
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find("unknown plugin \"nosuch\"") != std::string::npos);
  }
  SECTION("the loader's failures reach the operator through the config path") {
    test::write_file(dir.file("h.yaml"), paths + "plugins:\n  - name: no_entry\n");
    Server server(dir.file("h.yaml"));
    auto st = server.start();
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find("plugins[0]: cannot load plugin \"no_entry\": " + kTestDir +
                                  "/libherald_no_entry.so: not a Herald plugin") != std::string::npos);
  }
}

TEST_CASE("HERALD_PLUGIN_PATH is searched") {
  setenv("HERALD_PLUGIN_PATH", ("/nonexistent:" + kTestDir).c_str(), 1);
  auto file = resolve_plugin_file("verdict", "", {});
  unsetenv("HERALD_PLUGIN_PATH");
  REQUIRE(file.ok());
  CHECK(file.value() == kTestDir + "/libherald_verdict.so");
}
