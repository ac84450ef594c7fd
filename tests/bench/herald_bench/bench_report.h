// The result of one run and its two renderings: a human table on stdout and a JSON object.
#pragma once

#include <cstdint>
#include <string>

#include "bench_options.h"
#include "latency_histogram.h"

namespace herald::bench {

struct BenchResult {
  std::string scenario, protocol, mode, label;
  int connections = 0;         // connections opened
  std::uint64_t connected = 0;  // of which came up
  double connect_seconds = 0;
  double measured_seconds = 0;
  double msgs_per_s = 0;        // sends acknowledged (reconnect: reconnects completed) per second
  double deliveries_per_s = 0;  // messages received per second in the measured window
  std::uint64_t sent = 0, acked = 0, delivered = 0, expected = 0, lost = 0, errors = 0;
  std::string first_error;
  LatencyHistogram latency;
  bool have_server = false;
  std::uint64_t server_rss_kb = 0, server_rss_before_kb = 0;
  double server_cpu_pct = 0;    // of one core, over the measured window
  double rss_per_connection_b = 0;  // idle
  double client_cpu_pct = 0;
  double offered_rate = 0;
};

void print_table(const BenchResult& r);
void write_json(const BenchResult& r, const BenchOptions& o, const std::string& path);

}  // namespace herald::bench
