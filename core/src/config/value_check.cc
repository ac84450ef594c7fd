// Type checks for config values (scalars parsed the same way yaml-cpp's as<T>() would).
#include "config/value_check.h"

#include "herald/config_values.hpp"

namespace herald {

const char* config_type_name(herald_config_type type) {
  switch (type) {
    case HERALD_CONFIG_STRING: return "string";
    case HERALD_CONFIG_INTEGER: return "integer";
    case HERALD_CONFIG_NUMBER: return "number";
    case HERALD_CONFIG_BOOLEAN: return "boolean";
    case HERALD_CONFIG_DURATION: return "duration";
    case HERALD_CONFIG_SIZE: return "size";
    case HERALD_CONFIG_RATE: return "rate";
    case HERALD_CONFIG_LIST: return "list";
    case HERALD_CONFIG_MAP: return "map";
    case HERALD_CONFIG_ANY: return "any";
  }
  return "?";
}

std::string describe_value(const YAML::Node& value) {
  if (!value.IsDefined() || value.IsNull()) return "null";
  if (value.IsScalar()) return "\"" + value.Scalar() + "\"";
  if (value.IsSequence()) return "a list";
  return "a map";
}

std::optional<std::string> check_value(const YAML::Node& value, herald_config_type type) {
  auto expected = [&](const char* what) {
    return std::optional<std::string>(std::string("expected ") + what + ", got " + describe_value(value));
  };
  switch (type) {
    case HERALD_CONFIG_ANY: return std::nullopt;
    case HERALD_CONFIG_LIST: return value.IsSequence() ? std::nullopt : expected("a list");
    case HERALD_CONFIG_MAP: return value.IsMap() ? std::nullopt : expected("a map");
    default: break;
  }
  if (!value.IsScalar()) return expected(config_type_name(type));
  const std::string& s = value.Scalar();
  switch (type) {
    case HERALD_CONFIG_STRING: return std::nullopt;
    case HERALD_CONFIG_INTEGER: {
      int64_t v;
      return YAML::convert<int64_t>::decode(value, v) ? std::nullopt : expected("integer");
    }
    case HERALD_CONFIG_NUMBER: {
      double v;
      return YAML::convert<double>::decode(value, v) ? std::nullopt : expected("number");
    }
    case HERALD_CONFIG_BOOLEAN: {
      bool v;
      return YAML::convert<bool>::decode(value, v) ? std::nullopt : expected("true or false");
    }
    case HERALD_CONFIG_DURATION:
      return config_values::parse_duration_ms(s) ? std::nullopt : expected("a duration like \"10s\"");
    case HERALD_CONFIG_SIZE:
      return config_values::parse_size_bytes(s) ? std::nullopt : expected("a size like \"64KiB\"");
    case HERALD_CONFIG_RATE:
      return config_values::parse_rate_per_second(s) ? std::nullopt : expected("\"<n>/s\"");
    default: return std::nullopt;
  }
}

}  // namespace herald
