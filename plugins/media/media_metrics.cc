// MediaMetrics registration.
#include "media_metrics.h"

namespace herald::media {

MediaMetrics MediaMetrics::create(const sdk::Host& host) {
  MediaMetrics m;
  m.bytes_in = host.counter("herald_media_bytes_in_total", "Upload part bytes stored.");
  m.bytes_out = host.counter("herald_media_bytes_out_total", "Download body bytes sent.");
  m.parts = host.counter("herald_media_parts_total", "Upload parts stored.");
  m.dedup_hits = host.counter("herald_media_dedup_hits_total",
                              "Uploads answered with content already stored (nothing stored twice).");
  auto uploads = [&](const char* result) {
    return host.counter("herald_media_uploads_total", "Uploads by outcome.", {{"result", result}});
  };
  m.uploads_started = uploads("started");
  m.uploads_completed = uploads("completed");
  m.uploads_expired = uploads("expired");
  m.active_uploads = host.gauge("herald_media_active_uploads", "Unfinished uploads.");
  m.downloads = host.counter("herald_media_downloads_total", "Download responses with a body (200 and 206).");
  for (herald_reason r : {HERALD_REASON_MALFORMED, HERALD_REASON_INVALID_REQUEST, HERALD_REASON_BAD_CREDENTIALS,
                          HERALD_REASON_TOKEN_EXPIRED, HERALD_REASON_NOT_AUTHORIZED, HERALD_REASON_NOT_FOUND,
                          HERALD_REASON_PAYLOAD_TOO_LARGE, HERALD_REASON_QUOTA_EXCEEDED, HERALD_REASON_UNSUPPORTED_FEATURE,
                          HERALD_REASON_DEPENDENCY_UNAVAILABLE, HERALD_REASON_UNSPECIFIED_ERROR}) {
    auto code = static_cast<uint16_t>(r);
    m.errors[code] = host.counter("herald_media_errors_total", "Refused or failed media requests, by reason.",
                                  {{"reason", sdk::reason_name(code)}});
  }
  return m;
}

void MediaMetrics::error(herald_reason reason) const {
  auto it = errors.find(static_cast<uint16_t>(reason));
  if (it == errors.end()) it = errors.find(static_cast<uint16_t>(HERALD_REASON_UNSPECIFIED_ERROR));
  if (it != errors.end()) it->second.add();
}

}  // namespace herald::media
