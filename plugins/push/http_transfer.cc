// libcurl transfers (http_transfer.h).
#include "http_transfer.h"

#include <algorithm>
#include <cctype>

namespace herald::push {

Transfer::Transfer(const HttpCall& call, const TlsOptions& tls) : easy_(curl_easy_init()), request_body_(call.body) {
  for (const auto& h : call.headers) headers_ = curl_slist_append(headers_, h.c_str());
  curl_easy_setopt(easy_, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(easy_, CURLOPT_POST, 1L);
  curl_easy_setopt(easy_, CURLOPT_POSTFIELDS, request_body_.c_str());
  curl_easy_setopt(easy_, CURLOPT_POSTFIELDSIZE, static_cast<long>(request_body_.size()));
  curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers_);
  curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS, static_cast<long>(tls.timeout.count()));
  curl_easy_setopt(easy_, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min<long long>(tls.timeout.count(), 5000)));
  curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy_, CURLOPT_HTTP_VERSION, call.http2 ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(easy_, CURLOPT_PIPEWAIT, 1L);  // wait for the HTTP/2 connection and multiplex on it
  if (!tls.ca_file.empty()) curl_easy_setopt(easy_, CURLOPT_CAINFO, tls.ca_file.c_str());
  curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &Transfer::on_body);
  curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(easy_, CURLOPT_HEADERFUNCTION, &Transfer::on_header);
  curl_easy_setopt(easy_, CURLOPT_HEADERDATA, this);
}

Transfer::~Transfer() {
  curl_easy_cleanup(easy_);
  curl_slist_free_all(headers_);
}

size_t Transfer::on_body(char* data, size_t size, size_t n, void* self) {
  auto* t = static_cast<Transfer*>(self);
  if (t->answer_.body.size() < 64 * 1024) t->answer_.body.append(data, size * n);  // answers are small
  return size * n;
}

size_t Transfer::on_header(char* data, size_t size, size_t n, void* self) {
  std::string line(data, size * n);
  std::string lower = line;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower.rfind("retry-after:", 0) == 0) {
    std::string v = line.substr(12);
    v.erase(0, v.find_first_not_of(" \t"));
    v.erase(v.find_last_not_of(" \t\r\n") + 1);
    static_cast<Transfer*>(self)->answer_.retry_after = v;
  }
  return size * n;
}

HttpAnswer Transfer::finish(CURLcode code) {
  if (code == CURLE_OK) {
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &answer_.status);
  } else {
    answer_.status = 0;
    answer_.timed_out = code == CURLE_OPERATION_TIMEDOUT;
    answer_.error = curl_easy_strerror(code);
  }
  return answer_;
}

HttpAnswer fetch(const HttpCall& call, const TlsOptions& tls) {
  Transfer t(call, tls);
  return t.finish(curl_easy_perform(t.handle()));
}

}  // namespace herald::push
