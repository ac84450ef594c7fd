// Test harness: a Server started from a YAML snippet, and synchronous envelope submission.
#pragma once

#include <catch2/catch.hpp>

#include <future>
#include <map>
#include <string>

#include "loop/event_loop.h"
#include "pipeline/pipeline_engine.h"
#include "server/server.h"
#include "test_files.h"

namespace herald::test {

struct Outcome {
  uint32_t verdict = 99;
  uint16_t reason = 0;
  std::string text;
  std::map<std::string, std::string> headers;
  int done_on_loop = -1;  // the loop thread that ran `done`
};

class ServerHarness {
 public:
  explicit ServerHarness(const std::string& body) { write(body); }
  void write(const std::string& body) {
    test::write_file(config(), "service:\n  loops: 2\n  data_dir: " + dir_.file("var") + "\n  plugin_paths: [\"" +
                                   HERALD_PLUGIN_DIR + "\", \"" + HERALD_TEST_PLUGIN_DIR +
                                   "\"]\nmetrics:\n  listen: 127.0.0.1:0\n" + body);
  }
  std::string config() const { return dir_.file("herald.yaml"); }
  Server& server() { return server_; }
  void start() {
    auto st = server_.start();
    INFO((st.ok() ? std::string() : st.error().message));
    REQUIRE(st.ok());
  }

  // Submits and waits for the verdict (bounded wait, not a sleep).
  std::future<Outcome> submit_async(const std::string& pipeline, std::map<std::string, std::string> headers,
                                    uint32_t loop = 0) {
    auto env = std::make_unique<herald_envelope>();
    for (auto& [k, v] : headers) env->set(k, v);
    auto* promise = new std::promise<Outcome>();
    auto fut = promise->get_future();
    uint32_t rc = server_.engine().submit(
        pipeline, loop, std::move(env),
        [](void* arg, herald_envelope* e, uint32_t verdict, uint16_t reason, herald_str text) {
          std::unique_ptr<std::promise<Outcome>> p(static_cast<std::promise<Outcome>*>(arg));
          Outcome o;
          o.verdict = verdict;
          o.reason = reason;
          o.text.assign(text.data, text.size);
          for (auto& [k, v] : e->headers) o.headers[k] = v;
          o.done_on_loop = EventLoop::current() ? static_cast<int>(EventLoop::current()->index()) : -1;
          p->set_value(std::move(o));
        },
        promise);
    if (rc != 0) {
      Outcome o;
      o.reason = static_cast<uint16_t>(rc);
      promise->set_value(o);
      delete promise;
    }
    return fut;
  }
  Outcome submit(const std::string& pipeline, std::map<std::string, std::string> headers, uint32_t loop = 0) {
    return wait(submit_async(pipeline, std::move(headers), loop));
  }
  static Outcome wait(std::future<Outcome> fut) {
    REQUIRE(fut.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    return fut.get();
  }

 private:
  TempDir dir_;
  Server server_{dir_.file("herald.yaml")};
};

}  // namespace herald::test
