// libFuzzer target: request and response head parsers, plus query_param, on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "herald/http/head.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace herald::http;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  Limits limits;
  limits.max_head_bytes = 2048;
  limits.max_headers = 16;
  RequestHead req;
  ParseResult r = parse_request_head(in, limits, req);
  if (r.status == ParseStatus::kComplete) {
    if (r.consumed > size || r.consumed > limits.max_head_bytes) __builtin_trap();
    (void)query_param(req.query, "after");
    (void)req.header_has_token("connection", "upgrade");
  }
  ResponseHead resp;
  r = parse_response_head(in, limits, resp);
  if (r.status == ParseStatus::kComplete && (r.consumed > size || resp.status < 100)) __builtin_trap();
  return 0;
}
