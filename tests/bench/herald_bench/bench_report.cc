// Renders BenchResult: a few aligned lines for people, JSON (nlohmann) for ops/bench.sh.
#include "bench_report.h"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

namespace herald::bench {

namespace {

double us(std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

}  // namespace

void print_table(const BenchResult& r) {
  std::printf("%-8s %-8s %-6s %-10s conns %d/%llu up in %.1fs\n", r.scenario.c_str(), r.protocol.c_str(),
              r.mode.c_str(), r.label.c_str(), r.connections, static_cast<unsigned long long>(r.connected),
              r.connect_seconds);
  if (r.scenario != "idle") {
    if (r.scenario == "reconnect")
      std::printf("  reconnects/s %10.0f   (window %.1fs; latency = connect start to ready)\n", r.msgs_per_s,
                  r.measured_seconds);
    else
      std::printf("  msgs/s %10.0f   deliveries/s %10.0f   (window %.1fs)\n", r.msgs_per_s, r.deliveries_per_s,
                  r.measured_seconds);
    std::printf("  latency us  p50 %.0f  p90 %.0f  p99 %.0f  p999 %.0f  max %.0f  (%llu samples)\n",
                us(r.latency.percentile(0.50)), us(r.latency.percentile(0.90)), us(r.latency.percentile(0.99)),
                us(r.latency.percentile(0.999)), us(r.latency.max()), static_cast<unsigned long long>(r.latency.count()));
    std::printf("  sent %llu  acked %llu  delivered %llu  expected %llu  lost %llu\n",
                static_cast<unsigned long long>(r.sent), static_cast<unsigned long long>(r.acked),
                static_cast<unsigned long long>(r.delivered), static_cast<unsigned long long>(r.expected),
                static_cast<unsigned long long>(r.lost));
  }
  std::printf("  errors %llu%s%s\n", static_cast<unsigned long long>(r.errors), r.first_error.empty() ? "" : "  first: ",
              r.first_error.c_str());
  if (r.have_server) {
    std::printf("  server RSS %llu kB", static_cast<unsigned long long>(r.server_rss_kb));
    if (r.scenario == "idle")
      std::printf(" (before %llu kB, %.0f B per connection)", static_cast<unsigned long long>(r.server_rss_before_kb),
                  r.rss_per_connection_b);
    else
      std::printf("   server CPU %.0f%%   client CPU %.0f%%", r.server_cpu_pct, r.client_cpu_pct);
    std::printf("\n");
  }
}

void write_json(const BenchResult& r, const BenchOptions& o, const std::string& path) {
  nlohmann::json j = {
      {"scenario", r.scenario},
      {"protocol", r.protocol},
      {"mode", r.mode},
      {"label", r.label},
      {"params",
       {{"clients", o.clients}, {"threads", o.threads}, {"rate", o.rate}, {"window", o.window},
        {"fanout_window", o.fanout_window}, {"payload", o.payload}, {"qos", o.qos},
        {"clean_session", o.clean_session}, {"warmup_s", o.warmup_s}, {"duration_s", o.duration_s}}},
      {"connections", r.connections},
      {"connected", r.connected},
      {"connect_seconds", r.connect_seconds},
      {"measured_seconds", r.measured_seconds},
      {"msgs_per_s", r.msgs_per_s},
      {"deliveries_per_s", r.deliveries_per_s},
      {"latency_us",
       {{"p50", us(r.latency.percentile(0.50))}, {"p90", us(r.latency.percentile(0.90))},
        {"p99", us(r.latency.percentile(0.99))}, {"p999", us(r.latency.percentile(0.999))},
        {"max", us(r.latency.max())}, {"samples", r.latency.count()}}},
      {"sent", r.sent},
      {"acked", r.acked},
      {"delivered", r.delivered},
      {"expected", r.expected},
      {"lost", r.lost},
      {"errors", r.errors},
      {"first_error", r.first_error},
      {"client_cpu_pct", r.client_cpu_pct},
  };
  if (r.have_server) {
    j["server"] = {{"rss_kb", r.server_rss_kb}, {"rss_before_kb", r.server_rss_before_kb},
                   {"cpu_pct", r.server_cpu_pct}};
    if (r.scenario == "idle") j["server"]["rss_per_connection_b"] = r.rss_per_connection_b;
  }
  std::ofstream out(path);
  out << j.dump(2) << "\n";
  if (!out) std::fprintf(stderr, "herald-bench: cannot write %s\n", path.c_str());
}

}  // namespace herald::bench
