// libcurl easy handles for provider calls: one transfer's setup and result (shared by the
// dispatcher's multi loop and the blocking auth-token fetches, both on worker threads only).
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <string>

#include "notification.h"

namespace herald::push {

struct TlsOptions {
  std::string ca_file;  // "" = system store
  std::chrono::milliseconds timeout{10'000};
};

// One transfer: owns its easy handle and header list; the answer fills as data arrives.
class Transfer {
 public:
  Transfer(const HttpCall& call, const TlsOptions& tls);
  ~Transfer();
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;
  CURL* handle() const { return easy_; }
  // After curl says the transfer is done, with its result code.
  HttpAnswer finish(CURLcode code);

 private:
  static size_t on_body(char* data, size_t size, size_t n, void* self);
  static size_t on_header(char* data, size_t size, size_t n, void* self);
  CURL* easy_;
  curl_slist* headers_ = nullptr;
  std::string request_body_;
  HttpAnswer answer_;
};

// Blocking POST (worker threads only): OAuth token endpoints.
HttpAnswer fetch(const HttpCall& call, const TlsOptions& tls);

}  // namespace herald::push
