// Unit tests of the notification builder: templates per kind, privacy, own messages, silent signals,
// collapse ids, clipping at a code point.
#include <catch2/catch.hpp>

#include <string>

#include "notification_builder.h"

using namespace herald::push;
namespace bin = herald::binary;

namespace {

bin::MessageEntry msg(const std::string& from, bin::MessageKind kind, const std::string& body, uint64_t id = 7) {
  bin::MessageEntry m;
  m.conv.value = "c2c:alice:bob";
  m.msg_id = id;
  m.from.value = from;
  m.kind = kind;
  m.body.assign(body.begin(), body.end());
  return m;
}

PushConfig defaults() {
  return parse_push_config(YAML::Load("{providers: [{type: fcm, service_account_file: x}]}"), [](std::string, std::string) {});
}

}  // namespace

TEST_CASE("templates: sender as title, text or a per-kind body, badge and custom data") {
  PushConfig c = defaults();
  auto out = notifications_for(c, "bob", bin::PushFrame{{msg("alice", bin::MessageKind::kText, "hi"),
                                                         msg("alice", bin::MessageKind::kImage, "<media>", 8)},
                                                        4});
  REQUIRE(out.size() == 2);
  CHECK(out[0].title == "alice");
  CHECK(out[0].body == "hi");
  CHECK(out[0].badge == 4);
  CHECK(out[0].conv == "c2c:alice:bob");
  CHECK(out[0].msg_id == "7");
  CHECK(out[0].collapse_id == "c2c:alice:bob");
  CHECK_FALSE(out[0].silent);
  CHECK(out[1].body == "[Image]");

  c.title = "{sender} in {conv}";
  c.bodies["text"] = "{sender} says {text}";
  out = notifications_for(c, "bob", bin::PushFrame{{msg("alice", bin::MessageKind::kText, "hi")}, 1});
  CHECK(out.at(0).title == "alice in c2c:alice:bob");
  CHECK(out.at(0).body == "alice says hi");
}

TEST_CASE("privacy hides sender and content, and collapse off leaves no collapse id") {
  PushConfig c = defaults();
  c.privacy = true;
  c.collapse = false;
  auto out = notifications_for(c, "bob", bin::PushFrame{{msg("alice", bin::MessageKind::kText, "secret")}, 1});
  REQUIRE(out.size() == 1);
  CHECK(out[0].title == "New message");
  CHECK(out[0].body == "You have a new message");
  CHECK(out[0].collapse_id.empty());
}

TEST_CASE("own messages are skipped, and signals are silent unless turned off") {
  PushConfig c = defaults();
  bin::SignalEntry read;
  read.kind = bin::SignalKind::kRead;
  read.conv.value = "c2c:alice:bob";
  auto out = notifications_for(c, "alice", bin::PushFrame{{msg("alice", bin::MessageKind::kText, "mine"), read}, 0});
  REQUIRE(out.size() == 1);
  CHECK(out[0].silent);
  CHECK(out[0].conv == "c2c:alice:bob");
  c.silent_signals = false;
  CHECK(notifications_for(c, "alice", bin::PushFrame{{read}, 0}).empty());
}

TEST_CASE("a long body is clipped at a code point boundary") {
  PushConfig c = defaults();
  std::string text;
  for (int i = 0; i < 600; ++i) text += "\xE4\xBD\xA0";  // 你 (3 bytes)
  auto out = notifications_for(c, "bob", bin::PushFrame{{msg("alice", bin::MessageKind::kText, text)}, 1});
  const std::string& body = out.at(0).body;
  CHECK(body.size() <= 1000 + 3);
  CHECK(body.substr(body.size() - 3) == "\xE2\x80\xA6");  // …
  CHECK((body.size() - 3) % 3 == 0);  // whole characters before the ellipsis
}
