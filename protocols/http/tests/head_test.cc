// HTTP head parser: well-formed requests and responses, split at every byte, limits, malformed input,
// body framing rules and query parameters.
#include <catch2/catch.hpp>

#include <string>

#include "herald/http/head.h"

using namespace herald::http;

namespace {
const std::string kUpgrade =
    "GET /herald/v1/ws?x=1 HTTP/1.1\r\n"
    "Host: example.com\r\n"
    "Upgrade: websocket\r\n"
    "Connection: keep-alive, Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "\r\n";
}

TEST_CASE("parses a WebSocket upgrade request", "[http]") {
  RequestHead h;
  auto r = parse_request_head(kUpgrade + "trailing", {}, h);
  REQUIRE(r.status == ParseStatus::kComplete);
  CHECK(r.consumed == kUpgrade.size());
  CHECK(h.method == "GET");
  CHECK(h.path == "/herald/v1/ws");
  CHECK(h.query == "x=1");
  CHECK(h.version_minor == 1);
  CHECK(h.header("sec-websocket-key") == "dGhlIHNhbXBsZSBub25jZQ==");
  CHECK(h.header_has_token("Connection", "upgrade"));
  CHECK(h.header_has_token("upgrade", "WebSocket"));
  CHECK_FALSE(h.header_has_token("Connection", "close"));
  CHECK(h.keep_alive);
  CHECK(h.content_length == 0);
}

TEST_CASE("incomplete at every split point, complete at the end", "[http]") {
  for (size_t i = 0; i < kUpgrade.size(); ++i) {
    RequestHead h;
    INFO("prefix " << i);
    REQUIRE(parse_request_head(kUpgrade.substr(0, i), {}, h).status == ParseStatus::kIncomplete);
  }
  std::string post = "POST /herald/v1/tunnel/a/up?seq=1 HTTP/1.1\nContent-Length: 5\n\nhello";
  for (size_t i = 0; i < post.size() - 5; ++i) {
    RequestHead h;
    REQUIRE(parse_request_head(post.substr(0, i), {}, h).status == ParseStatus::kIncomplete);
  }
  RequestHead h;
  auto r = parse_request_head(post, {}, h);
  REQUIRE(r.status == ParseStatus::kComplete);
  CHECK(post.substr(r.consumed) == "hello");
  CHECK(h.content_length == 5);
  CHECK(query_param(h.query, "seq") == "1");
}

TEST_CASE("keep-alive defaults per version", "[http]") {
  RequestHead h;
  REQUIRE(parse_request_head("GET / HTTP/1.0\r\n\r\n", {}, h).status == ParseStatus::kComplete);
  CHECK_FALSE(h.keep_alive);
  REQUIRE(parse_request_head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", {}, h).status ==
          ParseStatus::kComplete);
  CHECK(h.keep_alive);
  REQUIRE(parse_request_head("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", {}, h).status == ParseStatus::kComplete);
  CHECK_FALSE(h.keep_alive);
}

TEST_CASE("leading empty lines are skipped", "[http]") {
  RequestHead h;
  auto r = parse_request_head("\r\n\r\nGET / HTTP/1.1\r\n\r\n", {}, h);
  REQUIRE(r.status == ParseStatus::kComplete);
  CHECK(h.path == "/");
}

TEST_CASE("limits", "[http]") {
  Limits l;
  l.max_head_bytes = 64;
  l.max_headers = 2;
  RequestHead h;
  auto r = parse_request_head("GET / HTTP/1.1\r\nA: " + std::string(100, 'a'), l, h);
  CHECK(r.status == ParseStatus::kError);
  CHECK(r.error == ParseError::kHeadTooLarge);
  r = parse_request_head("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", l, h);
  CHECK(r.error == ParseError::kTooManyHeaders);
  r = parse_request_head("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n", l, h);
  CHECK(r.status == ParseStatus::kComplete);
  // Without a newline in sight, the bound still applies.
  r = parse_request_head(std::string(65, 'G'), l, h);
  CHECK(r.error == ParseError::kHeadTooLarge);
  r = parse_request_head(std::string(64, 'G'), l, h);
  CHECK(r.status == ParseStatus::kIncomplete);
}

TEST_CASE("malformed requests", "[http]") {
  struct Case {
    const char* text;
    ParseError error;
  } cases[] = {
      {"GET /\r\n\r\n", ParseError::kMalformed},
      {"GET  / HTTP/1.1\r\n\r\n", ParseError::kMalformed},
      {"GET / HTTP/1.1 x\r\n\r\n", ParseError::kMalformed},
      {"G(T / HTTP/1.1\r\n\r\n", ParseError::kMalformed},
      {"GET / HTTX/1.1\r\n\r\n", ParseError::kMalformed},
      {"GET / HTTP/2.0\r\n\r\n", ParseError::kUnsupportedVersion},
      {"GET / HTTP/1.1\r\nNo colon\r\n\r\n", ParseError::kMalformed},
      {"GET / HTTP/1.1\r\nName : v\r\n\r\n", ParseError::kMalformed},
      {"GET / HTTP/1.1\r\nA: 1\r\n folded\r\n\r\n", ParseError::kMalformed},
      {"GET / HTTP/1.1\r\nA: x\x01y\r\n\r\n", ParseError::kMalformed},
      {"GET / HTTP/1.1\r\nA: x\ry\r\n\r\n", ParseError::kMalformed},
      {"GET /\x7f HTTP/1.1\r\n\r\n", ParseError::kMalformed},
      {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", ParseError::kBadContentLength},
      {"POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", ParseError::kBadContentLength},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", ParseError::kBadContentLength},
      {"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", ParseError::kBadContentLength},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", ParseError::kBadContentLength},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", ParseError::kMalformed},
  };
  for (auto& c : cases) {
    INFO(c.text);
    RequestHead h;
    auto r = parse_request_head(c.text, {}, h);
    CHECK(r.status == ParseStatus::kError);
    CHECK(r.error == c.error);
  }
  RequestHead h;
  CHECK(parse_request_head("POST / HTTP/1.1\r\nContent-Length: 7\r\ncontent-length: 7\r\n\r\n", {}, h).status ==
        ParseStatus::kComplete);
  CHECK(h.content_length == 7);
  CHECK(parse_request_head("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", {}, h).status ==
        ParseStatus::kComplete);
  CHECK(h.chunked);
}

TEST_CASE("response heads", "[http]") {
  std::string text = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
  for (size_t i = 0; i < text.size(); ++i) {
    ResponseHead h;
    REQUIRE(parse_response_head(text.substr(0, i), {}, h).status == ParseStatus::kIncomplete);
  }
  ResponseHead h;
  auto r = parse_response_head(text, {}, h);
  REQUIRE(r.status == ParseStatus::kComplete);
  CHECK(h.status == 101);
  CHECK(h.reason == "Switching Protocols");
  CHECK_FALSE(h.has_content_length);
  r = parse_response_head("HTTP/1.1 204\r\n\r\n", {}, h);
  REQUIRE(r.status == ParseStatus::kComplete);
  CHECK(h.status == 204);
  CHECK(parse_response_head("HTTP/1.1 20 OK\r\n\r\n", {}, h).status == ParseStatus::kError);
  CHECK(parse_response_head("HTTP/1.1 099 X\r\n\r\n", {}, h).status == ParseStatus::kError);
}

TEST_CASE("formatted responses parse back", "[http]") {
  std::string head = format_response_head(200, {{"Herald-Tunnel", "0-abc"}, {"Cache-Control", "no-store"}}, 12);
  ResponseHead h;
  auto r = parse_response_head(head, {}, h);
  REQUIRE(r.status == ParseStatus::kComplete);
  CHECK(r.consumed == head.size());
  CHECK(h.status == 200);
  CHECK(h.content_length == 12);
  CHECK(h.header("herald-tunnel") == "0-abc");
  CHECK(format_response_head(101, {}, -1).find("Content-Length") == std::string::npos);
}

TEST_CASE("query parameters", "[http]") {
  CHECK(query_param("after=12&wait=5", "wait") == "5");
  CHECK(query_param("after=12&wait=5", "after") == "12");
  CHECK(query_param("after=12&wait=5", "seq") == std::nullopt);
  CHECK(query_param("flag&x=1", "flag") == "");
  CHECK(query_param("", "x") == std::nullopt);
  CHECK(query_param("waitx=1&wait=2", "wait") == "2");
}
