// sdk::ConfigSection: typed reads of a plugin's config map, every problem reported with its full path.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>

#include "herald/config_section.hpp"

using herald::sdk::ConfigSection;

namespace {
struct Collected {
  std::map<std::string, std::string> by_path;
  ConfigSection::Report report() {
    return [this](std::string p, std::string m) { by_path[std::move(p)] = std::move(m); };
  }
};
enum class Mode { kA, kB, kC };
}  // namespace

TEST_CASE("an absent section keeps every default and reports nothing") {
  Collected c;
  ConfigSection s(YAML::Node(), "mqtt", c.report());
  int n = 7;
  CHECK_FALSE(s.present());
  CHECK_FALSE(s.integer("x", n, 0, 10));
  CHECK(n == 7);
  CHECK(c.by_path.empty());
}

TEST_CASE("every problem is reported with its path, and reading goes on") {
  Collected c;
  ConfigSection s(YAML::Load(R"(
count: 12
big: 99
span: soon
zero: 0s
size: 2MiB
flag: maybe
rate: 1.5
mode: d
list: [1]
colour: red
inner: {depth: 3, extra: 1}
items: [{name: x}]
)"),
                  "gw", c.report());
  REQUIRE(s.present());
  s.allow_keys({"count", "big", "span", "zero", "size", "flag", "rate", "mode", "list", "inner", "items"});
  uint32_t count = 0, big = 0, size = 0;
  std::chrono::milliseconds span{1}, zero{1};
  bool flag = false;
  double rate = 0.5;
  Mode mode = Mode::kA;
  CHECK(s.integer("count", count, 0, 100));
  CHECK(count == 12);
  CHECK_FALSE(s.integer("big", big, 0, 50));
  CHECK_FALSE(s.duration("span", span));
  CHECK_FALSE(s.duration("zero", zero, false));
  CHECK(zero == std::chrono::milliseconds(1));
  CHECK(s.size("size", size, 0, 4u << 20));
  CHECK(size == 2u << 20);
  CHECK_FALSE(s.boolean("flag", flag));
  CHECK_FALSE(s.fraction("rate", rate));
  CHECK_FALSE(s.choice("mode", mode, {{"a", Mode::kA}, {"b", Mode::kB}, {"c", Mode::kC}}));
  CHECK_FALSE(s.scalar("list"));
  auto inner = s.child("inner");
  inner.allow_keys({"depth"});
  auto item = s.at("items[0]", s.node()["items"][0]);
  item.error("name", "taken");

  CHECK(c.by_path["gw.colour"] ==
        "unknown key (valid: count, big, span, zero, size, flag, rate, mode, list, inner, items)");
  CHECK(c.by_path["gw.big"] == "must be between 0 and 50");
  CHECK(c.by_path["gw.span"] == "expected a duration such as 500ms, 30s, 5m, got \"soon\"");
  CHECK(c.by_path["gw.zero"] == "must be greater than zero");
  CHECK(c.by_path["gw.flag"] == "expected true or false, got \"maybe\"");
  CHECK(c.by_path["gw.rate"] == "expected a fraction in (0, 1], got \"1.5\"");
  CHECK(c.by_path["gw.mode"] == "expected a, b or c, got \"d\"");
  CHECK(c.by_path["gw.list"] == "expected a scalar");
  CHECK(c.by_path["gw.inner.extra"] == "unknown key (valid: depth)");
  CHECK(c.by_path["gw.items[0].name"] == "taken");
  CHECK(c.by_path.size() == 10);
}

TEST_CASE("a section that is not a map is one error") {
  Collected c;
  ConfigSection s(YAML::Load("[1, 2]"), "binary", c.report());
  CHECK_FALSE(s.present());
  CHECK(c.by_path["binary"] == "expected a map");
}
