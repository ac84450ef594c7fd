// RouteTable: admin route registration, matching, precedence and withdrawal.
#include <catch2/catch.hpp>

#include <chrono>
#include <future>

#include "admin/admin_token.h"
#include "admin/route_table.h"

using herald::admin::RouteInfo;
using herald::admin::RouteTable;

namespace {
// Each handler answers with its own name, so a test sees which route ran.
void named(void* arg, const herald_http_request*, herald_http_response* resp) {
  resp->set = true;
  resp->status = 200;
  resp->body = static_cast<const char*>(arg);
}

struct Call {
  RouteTable::Match match;
  std::string body;
  std::string allowed;
  herald_http_request req;
};

Call call(const RouteTable& t, std::string method, std::string path) {
  Call c{};
  c.req.method = std::move(method);
  c.req.path = std::move(path);
  herald_http_response resp;
  c.match = t.dispatch(c.req, resp, &c.allowed);
  c.body = resp.body;
  return c;
}
}  // namespace

TEST_CASE("admin routes: parameters, literal precedence, 404 and 405") {
  RouteTable t;
  static char group[] = "group", search[] = "search", members[] = "members", post[] = "post";
  REQUIRE(t.add(RouteInfo{"GET", "/v1/groups/{group}", "p", ""}, named, group) == 0);
  REQUIRE(t.add(RouteInfo{"GET", "/v1/groups/search", "p", ""}, named, search) == 0);
  REQUIRE(t.add(RouteInfo{"GET", "/v1/groups/{group}/members", "p", ""}, named, members) == 0);
  REQUIRE(t.add(RouteInfo{"POST", "/v1/groups/{g}", "p", ""}, named, post) == 0);

  auto c = call(t, "GET", "/v1/groups/team");
  CHECK(c.match == RouteTable::Match::kFound);
  CHECK(c.body == "group");
  REQUIRE(c.req.path_params.size() == 1);
  CHECK(c.req.path_params[0] == std::pair<std::string, std::string>{"group", "team"});
  CHECK(call(t, "GET", "/v1/groups/search").body == "search");  // the literal wins
  CHECK(call(t, "GET", "/v1/groups/team/members/").body == "members");  // trailing slash ignored
  CHECK(call(t, "POST", "/v1/groups/team").body == "post");
  CHECK(call(t, "GET", "/v1/groups").match == RouteTable::Match::kNoPath);
  CHECK(call(t, "GET", "/v1/groups/a/b").match == RouteTable::Match::kNoPath);
  auto wrong = call(t, "DELETE", "/v1/groups/team");
  CHECK(wrong.match == RouteTable::Match::kNoMethod);
  CHECK(wrong.allowed == "GET, POST");
}

TEST_CASE("admin routes: duplicates and bad patterns are refused") {
  RouteTable t;
  static char a[] = "a";
  REQUIRE(t.add(RouteInfo{"GET", "/v1/x/{id}", "p1", ""}, named, a) == 0);
  CHECK(t.add(RouteInfo{"GET", "/v1/x/{other}", "p2", ""}, named, a) == HERALD_REASON_ALREADY_EXISTS);
  CHECK(t.add(RouteInfo{"PUT", "/v1/x/{other}", "p2", ""}, named, a) == 0);  // another method
  CHECK(t.add(RouteInfo{"FETCH", "/v1/y", "p", ""}, named, a) == HERALD_REASON_INVALID_REQUEST);
  CHECK(t.add(RouteInfo{"GET", "v1/y", "p", ""}, named, a) == HERALD_REASON_INVALID_REQUEST);
  CHECK(t.add(RouteInfo{"GET", "/v1/{y", "p", ""}, named, a) == HERALD_REASON_INVALID_REQUEST);
  CHECK(t.add(RouteInfo{"GET", "/v1/z", "p", ""}, nullptr, a) == HERALD_REASON_INVALID_REQUEST);
  CHECK(t.list().size() == 2);
}

TEST_CASE("admin routes: withdraw waits for a running handler, then the route is gone") {
  RouteTable t;
  struct Gate {
    std::promise<void> entered;
    std::promise<void> release;
  } gate;
  auto slow = [](void* arg, const herald_http_request*, herald_http_response* resp) {
    auto* g = static_cast<Gate*>(arg);
    g->entered.set_value();
    g->release.get_future().wait();
    resp->set = true;
    resp->status = 200;
  };
  REQUIRE(t.add(RouteInfo{"GET", "/v1/slow", "plugin", ""}, slow, &gate) == 0);
  auto running = std::async(std::launch::async, [&] { return call(t, "GET", "/v1/slow").match; });
  gate.entered.get_future().wait();
  auto withdrawn = std::async(std::launch::async, [&] { t.withdraw("plugin"); });
  // While the handler runs, withdraw cannot finish (a bounded negative check, not synchronisation).
  CHECK(withdrawn.wait_for(std::chrono::milliseconds(200)) == std::future_status::timeout);
  gate.release.set_value();
  withdrawn.get();
  CHECK(running.get() == RouteTable::Match::kFound);
  CHECK(call(t, "GET", "/v1/slow").match == RouteTable::Match::kNoPath);
}

TEST_CASE("admin token: constant-time match against every token of the file") {
  using herald::admin::token_matches;
  std::vector<std::string> tokens{"old-token", "new-token"};
  CHECK(token_matches(tokens, "new-token"));
  CHECK(token_matches(tokens, "old-token"));
  CHECK_FALSE(token_matches(tokens, "new-toke"));
  CHECK_FALSE(token_matches(tokens, "new-tokenX"));
  CHECK_FALSE(token_matches(tokens, ""));
}
