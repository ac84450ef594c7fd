// Identifier validators and conversation id helpers.
#include <catch2/catch.hpp>

#include <string>

#include "herald/binary/identifiers.h"
#include "herald/binary/utf8.h"

using namespace herald::binary;

TEST_CASE("user/device/group/room ids: 1-128 of [A-Za-z0-9_.@-]", "[identifiers]") {
  CHECK(is_valid_user_id("alice"));
  CHECK(is_valid_user_id("A.b_c-d@e.com"));
  CHECK(is_valid_device_id("0"));
  CHECK(is_valid_group_id(std::string(128, 'g')));
  CHECK_FALSE(is_valid_group_id(std::string(129, 'g')));
  CHECK_FALSE(is_valid_room_id(""));
  for (const char* bad : {"a b", "a:b", "a/b", "a+b", "a#b", "\xC3\xA9t\xC3\xA9", "a\nb"}) {
    CHECK_FALSE(is_valid_user_id(bad));
  }
  CHECK_FALSE(is_valid_user_id(std::string_view("a\0b", 3)));
}

TEST_CASE("client message ids: 1-64 visible ASCII", "[identifiers]") {
  CHECK(is_valid_client_msg_id("550e8400-e29b-41d4-a716-446655440000"));
  CHECK(is_valid_client_msg_id("cm:1/2#3"));
  CHECK(is_valid_client_msg_id(std::string(64, 'x')));
  CHECK_FALSE(is_valid_client_msg_id(std::string(65, 'x')));
  CHECK_FALSE(is_valid_client_msg_id(""));
  CHECK_FALSE(is_valid_client_msg_id("has space"));
  CHECK_FALSE(is_valid_client_msg_id("tab\t"));
}

TEST_CASE("conversation ids", "[identifiers]") {
  CHECK(is_valid_conversation_id("c2c:alice:bob"));
  CHECK(is_valid_conversation_id("c2c:Bob:alice"));  // bytewise: 'B' < 'a'
  CHECK(is_valid_conversation_id("group:g1"));
  CHECK(is_valid_conversation_id("room:live.42"));
  for (const char* bad : {"c2c:bob:alice", "c2c:alice:alice", "c2c:alice", "c2c::bob", "c2c:alice:bob:carol",
                          "group:", "room:", "group:a:b", "dm:alice:bob", "", "GROUP:g1", "group:g 1"}) {
    INFO(bad);
    CHECK_FALSE(is_valid_conversation_id(bad));
  }
  const auto p = parse_conversation_id("c2c:alice:bob");
  REQUIRE(p);
  CHECK(p->kind == ConversationKind::kC2c);
  CHECK(p->first == "alice");
  CHECK(p->second == "bob");
  CHECK(parse_conversation_id("room:r1")->kind == ConversationKind::kRoom);
  CHECK(parse_conversation_id("group:g1")->first == "g1");
}

TEST_CASE("conversation id construction", "[identifiers]") {
  CHECK(make_c2c_conversation(UserId{"bob"}, UserId{"alice"})->value == "c2c:alice:bob");
  CHECK(make_c2c_conversation(UserId{"alice"}, UserId{"bob"})->value == "c2c:alice:bob");
  CHECK_FALSE(make_c2c_conversation(UserId{"alice"}, UserId{"alice"}));
  CHECK_FALSE(make_c2c_conversation(UserId{"alice"}, UserId{"b:c"}));
  CHECK(make_group_conversation(GroupId{"g1"})->value == "group:g1");
  CHECK(make_room_conversation(RoomId{"r1"})->value == "room:r1");
  CHECK_FALSE(make_room_conversation(RoomId{""}));
  CHECK(c2c_peer(ConversationId{"c2c:alice:bob"}, UserId{"bob"})->value == "alice");
  CHECK(c2c_peer(ConversationId{"c2c:alice:bob"}, UserId{"alice"})->value == "bob");
  CHECK_FALSE(c2c_peer(ConversationId{"c2c:alice:bob"}, UserId{"carol"}));
  CHECK_FALSE(c2c_peer(ConversationId{"group:g1"}, UserId{"alice"}));
}

TEST_CASE("strict UTF-8", "[identifiers][utf8]") {
  CHECK(is_valid_utf8(std::string_view("plain ascii")));
  CHECK(is_valid_utf8(std::string_view("\xE4\xBD\xA0\xE5\xA5\xBD")));      // 你好
  CHECK(is_valid_utf8(std::string_view("\xF0\x9F\x98\x80")));              // U+1F600
  CHECK(is_valid_utf8(std::string_view("\xF4\x8F\xBF\xBF")));              // U+10FFFF
  CHECK_FALSE(is_valid_utf8(std::string_view("\xC0\xAF")));                // overlong '/'
  CHECK_FALSE(is_valid_utf8(std::string_view("\xE0\x80\xAF")));            // overlong 3-byte
  CHECK_FALSE(is_valid_utf8(std::string_view("\xED\xA0\x80")));            // surrogate U+D800
  CHECK_FALSE(is_valid_utf8(std::string_view("\xF4\x90\x80\x80")));        // above U+10FFFF
  CHECK_FALSE(is_valid_utf8(std::string_view("\xE4\xBD")));                // truncated
  CHECK_FALSE(is_valid_utf8(std::string_view("\x80")));                    // lone continuation
  CHECK_FALSE(is_valid_utf8(std::string_view("\xFF")));
}
