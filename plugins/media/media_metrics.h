// The media plugin's Prometheus series (registered once on the control thread, updated from any thread).
#pragma once

#include <map>

#include <herald/sdk.hpp>

namespace herald::media {

struct MediaMetrics {
  sdk::Metric bytes_in;       // part bytes stored
  sdk::Metric bytes_out;      // download body bytes sent
  sdk::Metric parts;          // parts stored
  sdk::Metric dedup_hits;     // uploads answered with existing content (init or complete)
  sdk::Metric uploads_started, uploads_completed, uploads_expired;
  sdk::Metric active_uploads;  // gauge
  sdk::Metric downloads;
  std::map<uint16_t, sdk::Metric> errors;  // by reason; unknown reasons count under UNSPECIFIED_ERROR

  static MediaMetrics create(const sdk::Host& host);
  void error(herald_reason reason) const;
};

}  // namespace herald::media
