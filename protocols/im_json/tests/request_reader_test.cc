// The direct reader of send requests against the nlohmann path it stands in front of: for generated
// payloads (escapes, non-ASCII and invalid UTF-8, wrong types, nesting, duplicates, stray bytes, bad
// topics) parse_request gives exactly what the nlohmann path alone gives, and the common request
// does take the direct path.
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "herald/binary/codec.h"
#include "request_reader.h"

using namespace herald;
using herald::im_json::ParseResult;
using herald::im_json::detail::fast_send_request;
using herald::im_json::detail::reference_parse_request;

namespace {
const std::vector<std::string> kTextPieces = {
    "a", "hello", " ", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t", "\x01", "\x7f",
    "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "{}", "[1]", "\xff", "\xc3", "\xed\xa0\x80"};

std::string random_text(std::mt19937_64& rng) {
  std::string out;
  for (size_t i = 0, n = rng() % 8; i < n; ++i) out += kTextPieces[rng() % kTextPieces.size()];
  return out;
}

// A JSON string literal for `text`, escaped one of several valid (and, rarely, invalid) ways.
std::string literal(std::mt19937_64& rng, const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    int style = static_cast<int>(rng() % 10);
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += style == 0 ? "\\u000a" : "\\n";
    else if (c == '\t') out += style == 0 ? "\\u0009" : "\\t";
    else if (c == '\b') out += "\\b";
    else if (c == '\f') out += "\\f";
    else if (c == '\r') out += "\\r";
    else if (c == '/' && style < 3) out += "\\/";
    else if (u < 0x20) out += style == 0 ? std::string(1, c) : "\\u0001";  // raw: invalid JSON
    else if (c == 'a' && style == 0) out += "\\u0061";
    else if (c == 'h' && style == 0) out += "\\q";  // not an escape
    else out += c;
  }
  return out + "\"";
}

std::string random_value(std::mt19937_64& rng, const std::string& good) {
  switch (rng() % 40) {  // mostly the good value, so that whole requests are often valid
    case 0: return "42";
    case 1: return "null";
    case 2: return "{\"a\":1}";
    case 3: return "[\"x\"]";
    case 4: return "true";
    case 5: return literal(rng, random_text(rng));
    case 6: return literal(rng, std::string(70, 'r'));
    default: return literal(rng, good);
  }
}

std::string ws(std::mt19937_64& rng) {
  static const char* kWs[] = {"", "", "", " ", "\n", "\t ", "\r\n"};
  return kWs[rng() % 7];
}

std::string random_payload(std::mt19937_64& rng) {
  struct Field {
    const char* key;
    std::string good;
  };
  std::vector<Field> fields = {{"req_id", "r-1"},  {"cmid", "m-" + std::to_string(rng() % 1000)},
                               {"type", "text"},   {"body", random_text(rng)},
                               {"custom_type", "x"}, {"extra", "e"}};
  std::string out = ws(rng) + "{";
  bool first = true;
  for (size_t i = 0, n = 3 + rng() % 5; i < n; ++i) {
    const Field& f = rng() % 4 == 0 ? fields[rng() % fields.size()] : fields[i % fields.size()];
    if (rng() % 12 == 0) continue;  // a missing field
    if (!first) out += ",";
    first = false;
    std::string key = f.key;
    if (rng() % 40 == 0) key = "c\\u006did";  // an escaped key
    out += ws(rng) + "\"" + key + "\"" + ws(rng) + ":" + ws(rng) + random_value(rng, f.good) + ws(rng);
  }
  out += "}" + ws(rng);
  switch (rng() % 30) {
    case 0: out += "x"; break;                          // trailing garbage
    case 1: out = "\xef\xbb\xbf" + out; break;           // a byte order mark
    case 2: out = out.substr(0, out.size() / 2); break;  // truncated
    case 3: out = "[" + out + "]"; break;
    default: break;
  }
  return out;
}

std::string random_topic(std::mt19937_64& rng) {
  static const char* kTopics[] = {"send/c2c/bob", "$im/send/c2c/bob", "send/c2c/bob", "send/group/g1",
                                  "send/room/lobby", "send/c2c/alice", "send/c2c/", "send/c2c/bob/x",
                                  "send/x/bob", "send/c2c/b d", "send/group/", "sync"};
  return kTopics[rng() % std::size(kTopics)];
}

std::vector<uint8_t> bytes_of(const ParseResult& r) {
  std::vector<uint8_t> out;
  if (r.request) REQUIRE(binary::encode_frame(binary::Frame{0, false, *r.request}, out) == binary::EncodeStatus::kOk);
  return out;
}
}  // namespace

TEST_CASE("parse_request with the direct send reader equals the nlohmann path on generated payloads") {
  std::mt19937_64 rng(20261207);
  size_t fast = 0, accepted = 0;
  for (int i = 0; i < 30000; ++i) {
    std::string topic = random_topic(rng), payload = random_payload(rng);
    CAPTURE(topic, payload);
    ParseResult got = im_json::parse_request(topic, payload, "alice");
    ParseResult want = reference_parse_request(topic, payload, "alice");
    CHECK(got.code == want.code);
    CHECK(got.reason == want.reason);
    CHECK(got.context.req_id == want.context.req_id);
    CHECK(got.context.cmid == want.context.cmid);
    CHECK(got.context.conv == want.context.conv);
    CHECK(got.context.topic == want.context.topic);
    CHECK(got.context.op == want.context.op);
    REQUIRE(got.ok() == want.ok());
    CHECK(bytes_of(got) == bytes_of(want));
    std::string_view op = topic;
    if (op.starts_with("$im/")) op.remove_prefix(4);
    if (fast_send_request(op, payload, "alice")) ++fast;
    if (want.ok()) ++accepted;
  }
  // The generator reaches both paths (each run is the same: the seed is fixed).
  CAPTURE(fast, accepted);
  CHECK(fast > 300);
  CHECK(accepted > fast);
}

TEST_CASE("the common send request takes the direct path") {
  std::string payload = R"({"req_id":"r1","cmid":"m-1","type":"text","body":"h\u00e9llo \"you\"\n"})";
  CHECK_FALSE(fast_send_request("send/c2c/bob", payload, "alice"));  // \u: the nlohmann path
  payload = "{\"req_id\":\"r1\",\"cmid\":\"m-1\",\"type\":\"text\",\"body\":\"h\xc3\xa9llo \\\"you\\\"\\n\"}";
  auto r = fast_send_request("send/c2c/bob", payload, "alice");
  REQUIRE(r);
  REQUIRE(r->ok());
  const auto& send = std::get<binary::SendFrame>(*r->request);
  CHECK(std::string(send.body.begin(), send.body.end()) == "h\xc3\xa9llo \"you\"\n");
  CHECK(send.conv.value == r->context.conv);
  CHECK(r->context.op == "send/c2c");
  CHECK(r->context.topic == "$im/send/c2c/bob");
  CHECK(r->context.req_id == "r1");
}
