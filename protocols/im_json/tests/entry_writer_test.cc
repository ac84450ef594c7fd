// The direct writer of `msg` and `ack` inbox entries against the nlohmann rendering it replaces on the
// hot path: byte-identical output for generated entries, including escapes, non-ASCII text, invalid
// UTF-8 (which must take the nlohmann path) and every optional field.
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "entry_writer.h"

using namespace herald;
using herald::im_json::detail::fast_ack_entry;
using herald::im_json::detail::fast_message_entry;
using herald::im_json::detail::reference_ack_json;
using herald::im_json::detail::reference_entry_json;

namespace {
// Pieces that exercise every escape rule: quotes, backslashes, each control character class, DEL,
// '/', two-, three- and four-byte UTF-8, and (rarely) bytes that are not UTF-8.
const std::vector<std::string> kPieces = {
    "a", "Zz", "hello", " ", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t", std::string(1, '\0'), "\x01", "\x1f",
    "\x7f", "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "{}", "[1,2]", "\\u0041"};
const std::vector<std::string> kInvalid = {"\xff", "\xc3", "\xe4\xb8", "\xed\xa0\x80"};

std::string random_text(std::mt19937_64& rng, bool allow_invalid) {
  std::string out;
  size_t n = rng() % 12;
  for (size_t i = 0; i < n; ++i) {
    if (allow_invalid && rng() % 25 == 0)
      out += kInvalid[rng() % kInvalid.size()];
    else
      out += kPieces[rng() % kPieces.size()];
  }
  return out;
}

binary::MessageEntry random_message(std::mt19937_64& rng) {
  static const binary::MessageKind kKinds[] = {binary::MessageKind::kText, binary::MessageKind::kText,
                                                binary::MessageKind::kSystem, binary::MessageKind::kCustom,
                                                binary::MessageKind::kImage, static_cast<binary::MessageKind>(9)};
  binary::MessageEntry m;
  m.conv.value = rng() % 2 ? "c2c:alice:bob" : random_text(rng, true);
  m.msg_id = rng();
  m.seq = rng() % 3 == 0 ? 0 : rng() % 100000;
  if (rng() % 2) {
    m.version = 1 + rng() % 1000000;
    m.prev_version = m.version - 1;
  }
  m.from.value = rng() % 3 == 0 ? "" : random_text(rng, true);
  m.device.value = rng() % 3 == 0 ? "" : random_text(rng, false);
  m.cmid.value = rng() % 3 == 0 ? "" : random_text(rng, false);
  m.kind = kKinds[rng() % std::size(kKinds)];
  m.custom_type = rng() % 4 == 0 ? random_text(rng, false) : "";
  std::string body = random_text(rng, true);
  m.body.assign(body.begin(), body.end());
  m.ts_ms = rng() % 2 ? rng() : 1765000000000ull;
  m.priority = rng() % 5 == 0;
  m.recalled = rng() % 7 == 0;
  return m;
}
}  // namespace

TEST_CASE("msg entries written directly equal the nlohmann rendering") {
  std::mt19937_64 rng(20261207);
  size_t fast = 0;
  for (int i = 0; i < 20000; ++i) {
    binary::MessageEntry m = random_message(rng);
    uint32_t badge = rng() % 3 == 0 ? 0 : static_cast<uint32_t>(rng() % 1000);
    const std::string expected = reference_entry_json(binary::TimelineEntry{m}, badge);
    if (auto got = fast_message_entry(m, badge)) {
      ++fast;
      REQUIRE(*got == expected);
    }
    REQUIRE(im_json::entry_json(binary::TimelineEntry{m}, badge) == expected);
  }
  CHECK(fast > 5000);  // the direct path is the one taken for ordinary messages
}

TEST_CASE("an ordinary text message takes the direct path; media, custom and invalid UTF-8 do not") {
  binary::MessageEntry m;
  m.conv.value = "c2c:alice:bob";
  m.msg_id = 7180000000000000002ull;
  m.seq = 42;
  m.version = 9;
  m.prev_version = 8;
  m.from.value = "alice";
  m.device.value = "phone";
  m.cmid.value = "c-1";
  m.kind = binary::MessageKind::kText;
  std::string text = "hi \"bob\"\n";
  m.body.assign(text.begin(), text.end());
  m.ts_ms = 1765000000000ull;
  auto got = fast_message_entry(m, 3);
  REQUIRE(got);
  CHECK(*got ==
        R"({"kind":"msg","conv":"c2c:alice:bob","msg_id":"7180000000000000002","seq":42,"version":9,)"
        R"("prev_version":8,"from":"alice","device":"phone","cmid":"c-1","type":"text","body":"hi \"bob\"\n",)"
        R"("ts":1765000000000,"badge":3})");
  auto media = m;
  media.kind = binary::MessageKind::kImage;
  CHECK_FALSE(fast_message_entry(media, 0));
  auto custom = m;
  custom.kind = binary::MessageKind::kCustom;
  CHECK_FALSE(fast_message_entry(custom, 0));
  auto bad_from = m;
  bad_from.from.value = "\xff";
  CHECK_FALSE(fast_message_entry(bad_from, 0));
}

TEST_CASE("ack entries written directly equal the nlohmann rendering") {
  std::mt19937_64 rng(7);
  size_t fast = 0;
  for (int i = 0; i < 5000; ++i) {
    binary::SendAckFrame f;
    f.cmid.value = rng() % 4 == 0 ? "" : random_text(rng, true);
    f.msg_id = rng();
    f.conv_seq = rng() % 100000;
    if (rng() % 2) {
      f.version = 1 + rng() % 1000;
      f.prev_version = f.version - 1;
    }
    f.ts_ms = rng();
    f.duplicate = rng() % 5 == 0;
    im_json::ReplyContext ctx;
    ctx.cmid = random_text(rng, false);
    ctx.conv = rng() % 3 == 0 ? "" : random_text(rng, true);
    const std::string expected = reference_ack_json(f, ctx);
    if (auto got = fast_ack_entry(f, ctx)) {
      ++fast;
      REQUIRE(*got == expected);
    }
    auto entries = im_json::inbox_entries(binary::FrameBody{f}, ctx);
    REQUIRE(entries.size() == 1);
    REQUIRE(entries[0] == expected);
  }
  CHECK(fast > 2500);
}
