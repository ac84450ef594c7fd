// The media plugin object: owns the library, the HTTP listener, the access policy and the worker thread.
#pragma once

#include <memory>

#include <herald/sdk.hpp>

#include "access_policy.h"
#include "media_config.h"
#include "media_http_server.h"
#include "media_library.h"
#include "media_metrics.h"
#include "token_verifier.h"
#include "worker_thread.h"

namespace herald::media {

class MediaPlugin : public sdk::Plugin {
 public:
  MediaPlugin(sdk::Host host, const sdk::Config& config);
  ~MediaPlugin() override;
  static void validate(const sdk::Config& config, sdk::Errors& errors);

  void start() override;
  void stop() override;

  MediaLibrary& library() { return *library_; }
  AccessPolicy& access() { return *access_; }
  WorkerThread& worker() { return worker_; }
  const MediaMetrics& metrics() const { return metrics_; }

 private:
  void sweep();
  void register_admin_route();

  MediaConfig config_;
  MediaMetrics metrics_;
  std::unique_ptr<MediaLibrary> library_;
  std::unique_ptr<AccessPolicy> access_;
  TokenVerifier tokens_;
  std::unique_ptr<MediaHttpServer> http_;
  WorkerThread worker_;
  bool started_ = false;
};

}  // namespace herald::media
