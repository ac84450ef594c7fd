// A small strict JSON (RFC 8259) reader and string writer for JWT headers/claims and the HTTP callback
// bodies. Strict on purpose: duplicate keys, trailing data, bad UTF-8 and deep nesting are errors, so
// two parsers can never disagree about what a signed token says.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace herald::gateway::auth::json {

class Value;
using Array = std::vector<Value>;
using Object = std::vector<std::pair<std::string, Value>>;  // insertion order; keys unique

class Value {
 public:
  Value() = default;
  explicit Value(bool b) : v_(b) {}
  explicit Value(double d) : v_(d) {}
  explicit Value(std::string s) : v_(std::move(s)) {}
  explicit Value(Array a) : v_(std::move(a)) {}
  explicit Value(Object o) : v_(std::move(o)) {}

  bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_number() const { return std::holds_alternative<double>(v_); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_array() const { return std::holds_alternative<Array>(v_); }
  bool is_object() const { return std::holds_alternative<Object>(v_); }

  bool as_bool() const { return std::get<bool>(v_); }
  double as_number() const { return std::get<double>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const Array& as_array() const { return std::get<Array>(v_); }
  const Object& as_object() const { return std::get<Object>(v_); }

  // Object member lookup; nullptr when not an object or absent.
  const Value* find(std::string_view key) const;

 private:
  std::variant<std::monostate, bool, double, std::string, Array, Object> v_;
};

struct ParseResult {
  std::optional<Value> value;
  std::string error;  // when !value: what and where ("duplicate key \"exp\" at offset 31")
};

// Parses one JSON text. max_depth bounds nesting (arrays and objects) so hostile input cannot recurse
// deep; the whole input must be consumed (whitespace aside).
ParseResult parse(std::string_view text, int max_depth = 16);

// Appends `s` as a JSON string literal (with quotes), escaping what RFC 8259 requires.
void append_string(std::string& out, std::string_view s);
std::string quote(std::string_view s);

// Well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF). The writer passes
// bytes through, so callers check text of unknown origin (an MQTT password is binary) first.
bool valid_utf8(std::string_view s);

}  // namespace herald::gateway::auth::json
