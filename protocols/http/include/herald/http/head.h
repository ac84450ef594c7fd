// Minimal HTTP/1.1 message heads (request and response) and a pure, bounded parser for them. Used by
// the gateway's WebSocket upgrade and HTTP tunnel, which run inside Herald's own epoll loops next to
// every other transport. Written here rather than taken from Poco: Poco's HTTPServer serves each
// connection from its own thread pool, which does not hold up at 10k+ mostly idle long-poll clients.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::http {

struct Header {
  std::string name;  // as received; compare case-insensitively
  std::string value; // leading and trailing whitespace removed
};

struct Limits {
  size_t max_head_bytes = 8192;  // request line + headers + the blank line
  size_t max_headers = 64;
};

enum class ParseStatus { kIncomplete, kComplete, kError };

enum class ParseError {
  kNone,
  kHeadTooLarge,        // -> 431
  kTooManyHeaders,      // -> 431
  kMalformed,           // -> 400
  kUnsupportedVersion,  // -> 505
  kBadContentLength,    // -> 400
};

std::string_view to_string(ParseError error);

struct RequestHead {
  std::string method;   // "GET", "POST", ... (case-sensitive per RFC 9110)
  std::string target;   // request-target as sent, e.g. "/herald/v1/tunnel/x/down?after=3"
  std::string path;     // target up to '?'
  std::string query;    // after '?', without it; empty if none
  int version_minor = 1;  // HTTP/1.<minor>
  std::vector<Header> headers;

  // First header with this name (case-insensitive).
  std::optional<std::string_view> header(std::string_view name) const;
  // True if a comma-separated header (Connection, Upgrade, ...) contains `token` (case-insensitive).
  bool header_has_token(std::string_view name, std::string_view token) const;
  // Body framing: Content-Length (0 when absent); `chunked` set for Transfer-Encoding: chunked.
  uint64_t content_length = 0;
  bool chunked = false;
  // HTTP/1.1 defaults to keep-alive unless "Connection: close"; 1.0 needs "Connection: keep-alive".
  bool keep_alive = true;
};

struct ResponseHead {
  int version_minor = 1;
  int status = 0;
  std::string reason;
  std::vector<Header> headers;
  std::optional<std::string_view> header(std::string_view name) const;
  bool header_has_token(std::string_view name, std::string_view token) const;
  uint64_t content_length = 0;
  bool has_content_length = false;
  bool chunked = false;
};

struct ParseResult {
  ParseStatus status = ParseStatus::kIncomplete;
  size_t consumed = 0;  // bytes of the head including the blank line (kComplete only)
  ParseError error = ParseError::kNone;
};

// Parses a head at the start of `buffer`. Stateless: call again with more bytes after kIncomplete.
// Accepts CRLF and bare LF line ends; rejects obsolete line folding, bytes outside token/field-value
// grammar, duplicate or conflicting Content-Length and Content-Length together with Transfer-Encoding.
ParseResult parse_request_head(std::string_view buffer, const Limits& limits, RequestHead& out);
ParseResult parse_response_head(std::string_view buffer, const Limits& limits, ResponseHead& out);

// The value of `name` in a query string "a=1&b=2" (no percent-decoding: Herald's parameters are
// numbers and ids). nullopt if absent.
std::optional<std::string_view> query_param(std::string_view query, std::string_view name);

// Case-insensitive ASCII comparison.
bool iequals(std::string_view a, std::string_view b);

// The standard reason phrase for a status code ("OK", "Not Found", ...), or "Unknown".
std::string_view reason_phrase(int status);

// Serialises a response head. Content-Length is added from `content_length` unless it is negative
// (e.g. 101 Switching Protocols carries none).
std::string format_response_head(int status, const std::vector<Header>& headers, int64_t content_length);

}  // namespace herald::http
