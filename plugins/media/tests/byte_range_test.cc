// RFC 7233 Range parsing: the forms a player or curl sends, the ones to ignore, and unsatisfiable sets.
#include <catch2/catch.hpp>

#include "byte_range.h"

using herald::media::ByteRange;
using herald::media::content_range;
using herald::media::parse_range;
using Kind = herald::media::RangeRequest::Kind;

TEST_CASE("range: first bytes, middle, open end and suffix") {
  auto r = parse_range("bytes=0-99", 1000);
  REQUIRE(r.kind == Kind::kPartial);
  CHECK(r.ranges == std::vector<ByteRange>{{0, 99}});
  CHECK(parse_range("bytes=500-599", 1000).ranges == std::vector<ByteRange>{{500, 599}});
  CHECK(parse_range("bytes=900-", 1000).ranges == std::vector<ByteRange>{{900, 999}});
  CHECK(parse_range("bytes=-100", 1000).ranges == std::vector<ByteRange>{{900, 999}});
  CHECK(parse_range("bytes=-5000", 1000).ranges == std::vector<ByteRange>{{0, 999}});  // suffix longer than the file
  CHECK(parse_range("bytes=990-5000", 1000).ranges == std::vector<ByteRange>{{990, 999}});  // last clamped
  CHECK(parse_range("BYTES = 1-2", 10).ranges == std::vector<ByteRange>{{1, 2}});  // unit is case-insensitive
}

TEST_CASE("range: several ranges keep their order, overlapping ones are coalesced") {
  auto r = parse_range("bytes=500-599, 0-9 ,, -10", 1000);
  REQUIRE(r.kind == Kind::kPartial);
  CHECK(r.ranges == std::vector<ByteRange>{{500, 599}, {0, 9}, {990, 999}});
  CHECK(parse_range("bytes=0-10,5-20,100-110", 1000).ranges == std::vector<ByteRange>{{0, 20}, {100, 110}});
  // Over max_ranges disjoint pieces after coalescing: the whole file, once.
  CHECK(parse_range("bytes=0-0,2-2,4-4", 1000, 2).kind == Kind::kWhole);
  CHECK(parse_range("bytes=0-0,1-1,2-2", 1000, 2).ranges == std::vector<ByteRange>{{0, 2}});  // adjacent merge
}

TEST_CASE("range: unsatisfiable sets answer 416") {
  CHECK(parse_range("bytes=1000-", 1000).kind == Kind::kUnsatisfiable);
  CHECK(parse_range("bytes=2000-3000, 1000-1001", 1000).kind == Kind::kUnsatisfiable);
  CHECK(parse_range("bytes=-0", 1000).kind == Kind::kUnsatisfiable);
  CHECK(parse_range("bytes=0-5", 0).kind == Kind::kUnsatisfiable);
  // One satisfiable range is enough.
  CHECK(parse_range("bytes=5000-6000, 0-0", 1000).ranges == std::vector<ByteRange>{{0, 0}});
}

TEST_CASE("range: invalid headers and other units are ignored (the whole file)") {
  for (const char* h : {"", "bytes", "bytes=", "bytes=,", "items=0-5", "bytes=5-1", "bytes=a-b", "bytes=0-5,x",
                        "bytes=--5", "bytes=1-2-3", "bytes= - "}) {
    INFO(h);
    CHECK(parse_range(h, 1000).kind == Kind::kWhole);
  }
  CHECK(parse_range("bytes=99999999999999999999999-", 1000).kind == Kind::kUnsatisfiable);  // huge, still a number
}

TEST_CASE("range: Content-Range") { CHECK(content_range({0, 99}, 1000) == "bytes 0-99/1000"); }
