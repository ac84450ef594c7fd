// The strict JSON reader and base64url codec the JWT code relies on.
#include <catch2/catch.hpp>

#include "herald/gateway/auth/base64url.h"
#include "herald/gateway/auth/json.h"

using namespace herald::gateway::auth;

TEST_CASE("json: accepts RFC 8259 values") {
  auto r = json::parse(R"( {"a":1,"b":[true,false,null],"c":{"d":"e\u00e9\ud83d\ude00\n"},"f":-1.5e3} )");
  REQUIRE(r.value);
  const json::Value& v = *r.value;
  CHECK(v.find("a")->as_number() == 1);
  CHECK(v.find("b")->as_array().size() == 3);
  CHECK(v.find("c")->find("d")->as_string() == "e\xC3\xA9\xF0\x9F\x98\x80\n");
  CHECK(v.find("f")->as_number() == -1500);
  CHECK(v.find("zz") == nullptr);
}

TEST_CASE("json: rejects what a lenient parser might accept") {
  for (std::string bad : std::vector<std::string>{"",
                                                  "{",
                                                  "{\"a\":1,}",
                                                  "[1,]",
                                                  "{'a':1}",
                                                  "{\"a\":01}",
                                                  "{\"a\":1}x",
                                                  "{\"a\":1,\"a\":2}",
                                                  "{\"a\":\"\\x\"}",
                                                  "{\"a\":\"\\ud800\"}",
                                                  "{\"a\":\"\\udc00\"}",
                                                  "NaN",
                                                  "{\"a\":.5}",
                                                  "{\"a\":1.}",
                                                  "{\"a\":tru}",
                                                  "\"\x01\"",
                                                  "\"\xC0\xAF\"",
                                                  "\"\xED\xA0\x80\"",
                                                  "\"\xF5\x80\x80\x80\"",
                                                  "// c\n{}",
                                                  "{\"a\":1e999}"}) {
    INFO(bad);
    CHECK_FALSE(json::parse(bad).value);
  }
  CHECK_FALSE(json::parse(std::string(100, '[') + std::string(100, ']')).value);  // depth bound
  CHECK(json::parse("[[[1]]]", 3).value);
  CHECK_FALSE(json::parse("[[[[1]]]]", 3).value);
}

TEST_CASE("json: writer escapes and round-trips") {
  const std::string s = "q\"b\\n\n\x01 \xC3\xA9";
  const std::string quoted = json::quote(s);
  CHECK(quoted == "\"q\\\"b\\\\n\\n\\u0001 \xC3\xA9\"");
  auto r = json::parse(quoted);
  REQUIRE(r.value);
  CHECK(r.value->as_string() == s);
  CHECK(json::valid_utf8("plain \xC3\xA9"));
  CHECK_FALSE(json::valid_utf8("\xFF"));
  CHECK_FALSE(json::valid_utf8("\xE0\x80\x80"));  // overlong
}

TEST_CASE("base64url: RFC 4648 vectors without padding") {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    CHECK(base64url_encode(plain) == encoded);
    CHECK(base64url_decode(encoded) == plain);
  }
  CHECK(base64url_encode("\xFB\xFF") == "-_8");
  CHECK(base64url_decode("-_8") == std::string("\xFB\xFF"));
}

TEST_CASE("base64url: strict decoding") {
  CHECK_FALSE(base64url_decode("Zg=="));   // padding
  CHECK_FALSE(base64url_decode("Zm9v+"));  // standard alphabet
  CHECK_FALSE(base64url_decode("Z"));      // impossible length
  CHECK_FALSE(base64url_decode("Zh"));     // non-zero trailing bits: a second spelling of "f"
  CHECK_FALSE(base64url_decode("Zm 9v"));
  CHECK(base64_decode_lenient("Zm9vYg==") == "foob");
  CHECK(base64_decode_lenient("+/8") == std::string("\xFB\xFF"));
}
