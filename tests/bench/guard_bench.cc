// guard_bench: throughput of the guard plugins (issue #8), not a timed test. Runs 1 KB messages
// through a real herald Server with one loop (so messages/s = per core) and the real plugin .so
// files: the `filter` stage with a 100,000-word list, then `filter` + `ratelimit`; also the bare
// matcher (normalize + Aho-Corasick) on one thread. Usage: guard_bench [messages] [words]
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "pipeline/envelope.h"
#include "pipeline/pipeline_engine.h"
#include "server/server.h"
#include "word_lists.h"

namespace {

using Clock = std::chrono::steady_clock;

std::string random_word(std::mt19937& rng, size_t min_len, size_t max_len) {
  std::string w;
  const size_t len = min_len + rng() % (max_len - min_len + 1);
  for (size_t i = 0; i < len; ++i) w += static_cast<char>('a' + rng() % 26);
  return w;
}

// ~1 KB of word-like text; every tenth message carries one listed word.
std::vector<std::string> make_messages(std::mt19937& rng, const std::vector<std::string>& listed, size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    std::string m;
    while (m.size() < 1000) m += random_word(rng, 2, 9) + (rng() % 7 == 0 ? ", " : " ");
    if (i % 10 == 0) m.replace(500, listed[i % listed.size()].size(), listed[i % listed.size()]);
    m.resize(1024, '.');
    out.push_back(std::move(m));
  }
  return out;
}

struct Run {
  std::mutex mu;
  std::condition_variable cv;
  size_t in_flight = 0, done = 0, rejected = 0;
};

// Submits every message through `pipeline` on loop 0 with a bounded window in flight.
double pipeline_rate(herald::Server& server, const std::string& pipeline, const std::vector<std::string>& messages,
                     size_t total, size_t* rejected) {
  Run run;
  const size_t window = 512;
  const auto t0 = Clock::now();
  for (size_t i = 0; i < total; ++i) {
    {
      std::unique_lock lock(run.mu);
      run.cv.wait(lock, [&] { return run.in_flight < window; });
      ++run.in_flight;
    }
    auto env = std::make_unique<herald_envelope>();
    env->set(":im", "send");
    env->set(":type", "text");
    env->set(":user", "user" + std::to_string(i % 10'000));
    env->set(":conv", "c2c:a:b");
    env->payload = messages[i % messages.size()];
    server.engine().submit(
        pipeline, 0, std::move(env),
        [](void* arg, herald_envelope*, uint32_t verdict, uint16_t, herald_str) {
          auto* r = static_cast<Run*>(arg);
          std::lock_guard lock(r->mu);
          --r->in_flight;
          ++r->done;
          if (verdict == HERALD_VERDICT_REJECT) ++r->rejected;
          r->cv.notify_all();
        },
        &run);
  }
  std::unique_lock lock(run.mu);
  run.cv.wait(lock, [&] { return run.done == total; });
  *rejected = run.rejected;
  return static_cast<double>(total) / std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const size_t total = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 100'000;
  const size_t n_words = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 100'000;
  const auto dir = std::filesystem::temp_directory_path() / ("guard_bench." + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::mt19937 rng(2026);

  std::vector<std::string> words;
  {
    std::ofstream f(dir / "words.txt");
    for (size_t i = 0; i < n_words; ++i) {
      words.push_back(random_word(rng, 5, 10));
      f << words.back() << "\n";
    }
  }
  std::vector<std::string> listed(words.begin(), words.begin() + std::min<size_t>(words.size(), 1000));
  const auto messages = make_messages(rng, listed, 2000);

  // The bare matcher on this thread.
  herald::filter::FilterConfig fc;
  fc.categories.push_back({"bench", herald::filter::Action::kMask, {(dir / "words.txt").string()}, {}, false});
  auto lists = herald::filter::WordLists::load(fc);
  std::printf("word list: %zu words loaded in %.1f ms\n", lists->words(), lists->load_ms());
  {
    herald::filter::NormalizedText scratch;
    std::vector<herald::filter::Hit> hits;
    size_t found = 0;
    const auto t0 = Clock::now();
    for (size_t i = 0; i < total; ++i) {
      lists->find(messages[i % messages.size()], scratch, hits);
      found += hits.size();
    }
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("matcher (normalize + Aho-Corasick), 1 KB messages: %.0f messages/s per core (%.1f MB/s, %zu hits)\n",
                total / s, total * 1024.0 / s / 1e6, found);
  }

  {
    std::ofstream f(dir / "herald.yaml");
    f << "service:\n  loops: 1\n  data_dir: " << (dir / "var").string() << "\n  plugin_paths: [\"" << HERALD_PLUGIN_DIR
      << "\"]\n  log_level: warn\n"
      << "plugins:\n"
      << "  - name: filter\n    config:\n      categories:\n"
      << "        - {name: bench, action: mask, files: [\"" << (dir / "words.txt").string() << "\"], penalize: false}\n"
      << "  - name: ratelimit\n    config:\n      rules:\n"
      << "        - {name: per-user, key: user, rate: 1000000/s, burst: 1000000}\n"
      << "        - {name: per-conv, key: conv, algorithm: sliding_window, limit: 1000000000, window: 1s, bucket: 100ms}\n"
      << "pipelines:\n  filter_only:\n    - stage: filter\n  guard:\n    - stage: filter\n    - stage: ratelimit\n"
      << "  ratelimit_only:\n    - stage: ratelimit\n";
  }
  herald::Server server((dir / "herald.yaml").string());
  if (auto st = server.start(); !st.ok()) {
    std::fprintf(stderr, "guard_bench: server did not start: %s\n", st.error().message.c_str());
    return 1;
  }
  for (const char* p : {"filter_only", "guard", "ratelimit_only"}) {
    size_t rejected = 0;
    pipeline_rate(server, p, messages, total / 10, &rejected);  // warm-up
    const double rate = pipeline_rate(server, p, messages, total, &rejected);
    std::printf("pipeline %-15s (1 loop, 1 KB messages): %.0f messages/s per core (%zu rejected)\n", p, rate, rejected);
  }
  server.stop();
  std::filesystem::remove_all(dir);
  return 0;
}
