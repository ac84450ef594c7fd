"""The admin HTTP API (docs/admin-api.md) against a real herald: urllib as the HTTP client, paho (a real
MQTT client) as the users' devices. Bearer token, send as a user and as the system, groups, rooms,
presence and devices, history, status, reload, and the errors a backend can meet."""
import json
import os
import stat
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from im_harness import server_args, ImServer, ImServerTestCase, TIMEOUT  # noqa: E402

ARGS = None


def msgs(entries):
    return [e for e in entries if e.get("kind") == "msg"]


class AdminApiTest(ImServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.token_file = os.path.join(cls.tmp.name, "secrets", "admin.token")
        admin = ("admin:\n  enabled: true\n  listen: 127.0.0.1:0\n"
                 f"  token_file: {cls.token_file}\n  max_body: 64KiB\n")
        cls.server = ImServer(ARGS.herald, ARGS.plugin_dir, cls.tmp.name, admin=admin).start()
        with open(cls.token_file) as f:
            cls.token = f.read().strip()

    def http(self, method, path, body=None, token=True, raw=None, headers=None):
        """(status, parsed JSON body, response headers)."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(f"http://{self.server.admin}{path}", data=data, method=method)
        if token:
            req.add_header("Authorization", f"Bearer {self.token if token is True else token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
                return r.status, json.loads(r.read() or b"{}"), r.headers
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}"), e.headers

    def ok(self, method, path, body=None, status=200):
        code, out, _ = self.http(method, path, body)
        self.assertEqual(code, status, out)
        return out

    # --- the token ---------------------------------------------------------------------------------

    def test_token_is_required_and_never_logged(self):
        self.assertEqual(stat.S_IMODE(os.stat(self.token_file).st_mode), 0o600)
        code, out, headers = self.http("GET", "/v1/status", token=False)
        self.assertEqual(code, 401, out)
        self.assertEqual(out["error"]["name"], "BAD_CREDENTIALS")
        self.assertIn("Bearer", headers.get("WWW-Authenticate", ""))
        code, out, _ = self.http("GET", "/v1/status", token="not-the-token")
        self.assertEqual(code, 401, out)
        self.server.proc.wait_for(r"admin.*refused GET /v1/status .*wrong token")
        code, out, _ = self.http("GET", "/healthz", token=False)  # health checks need no token
        self.assertEqual((code, out["status"]), (200, "ok"))
        self.assertFalse(any(self.token in line for line in self.server.proc.lines), "admin token in the log")

    # --- messages ----------------------------------------------------------------------------------

    def test_send_as_a_user_reaches_both_sides_once(self):
        alice, bob = self.dev("a1-alice", "a1-alice-phone"), self.dev("a1-bob", "a1-bob-phone")
        body = {"from": "a1-alice", "to": "a1-bob", "cmid": "backend-1", "type": "text", "body": "hi from the backend"}
        ack = self.ok("POST", "/v1/messages", body)
        self.assertEqual((ack["kind"], ack["cmid"], ack["seq"]), ("ack", "backend-1", 1), ack)
        for d in (alice, bob):  # the sender's own devices get it too: the API is not one of them
            got = d.wait_entries(lambda e: e.get("kind") == "msg" and e.get("cmid") == "backend-1")[0]
            self.assertEqual((got["from"], got["body"], got["msg_id"], got["conv"]),
                             ("a1-alice", "hi from the backend", ack["msg_id"], "c2c:a1-alice:a1-bob"))
        again = self.ok("POST", "/v1/messages", body)  # a retried request: the original ack, nothing stored
        self.assertEqual((again["msg_id"], again.get("duplicate")), (ack["msg_id"], True))
        marker = self.ok("POST", "/v1/messages", {**body, "cmid": "backend-2", "body": "second"})
        bob.wait_entries(lambda e: e.get("msg_id") == marker["msg_id"])
        self.assertEqual(len([e for e in msgs(bob.entries) if e["cmid"] == "backend-1"]), 1)
        # As a user, the user's rights apply: alice is in no such group.
        code, out, _ = self.http("POST", "/v1/messages", {**body, "to": None, "conv": "group:a1-none", "cmid": "x"})
        self.assertEqual((code, out["error"]["name"]), (403, "NOT_MEMBER"), out)

    def test_system_messages_need_no_membership_and_clients_cannot_forge_them(self):
        owner, member = self.dev("a2-owner", "a2-owner-phone"), self.dev("a2-member", "a2-member-phone")
        self.ok("POST", "/v1/groups", {"group": "a2-team", "name": "Team", "owner": "a2-owner",
                                       "members": ["a2-member"]}, status=201)
        ack = self.ok("POST", "/v1/messages", {"conv": "group:a2-team", "type": "system", "body": "maintenance at 5"})
        for d in (owner, member):
            got = d.wait_entries(lambda e: e.get("msg_id") == ack["msg_id"])[0]
            self.assertEqual((got["type"], got["from"], got["body"]), ("system", "system", "maintenance at 5"))
        member.send("group", "a2-team", "forged", "forge-1", type_="system")
        err = member.wait_entries(lambda e: e.get("kind") == "error" and e.get("cmid") == "forge-1")[0]
        self.assertIn(err["code"], (0x87, 0x108), err)  # refused, never stored
        hist = self.ok("GET", "/v1/conversations/group:a2-team/messages?limit=50")
        self.assertNotIn("forged", [m.get("body") for m in hist["messages"]])
        self.assertIn("maintenance at 5", [m.get("body") for m in hist["messages"]])

    # --- groups ------------------------------------------------------------------------------------

    def test_group_lifecycle_with_owner_rights(self):
        bob, carol = self.dev("a3-bob", "a3-bob-phone"), self.dev("a3-carol", "a3-carol-phone")
        made = self.ok("POST", "/v1/groups", {"group": "a3-g", "name": "G", "owner": "a3-alice",
                                              "members": ["a3-bob"]}, status=201)
        self.assertEqual((made["group"]["owner"], made["group"]["member_count"]), ("a3-alice", 2), made)
        self.ok("POST", "/v1/groups/a3-g/members", {"members": ["a3-carol"]})
        notice = carol.wait_entries(lambda e: e.get("kind") == "msg" and e.get("type") == "system")[0]
        self.assertEqual(notice["body"], "admin added a3-carol")
        listed = self.ok("GET", "/v1/groups/a3-g/members?limit=10")
        self.assertEqual(sorted((m["user"], m["role"]) for m in listed["members"]),
                         [("a3-alice", "owner"), ("a3-bob", "member"), ("a3-carol", "member")])
        self.ok("PUT", "/v1/groups/a3-g/members/a3-bob/role", {"role": "admin"})
        code, out, _ = self.http("PUT", "/v1/groups/a3-g/members/a3-alice/role", {"role": "member"})
        self.assertEqual((code, out["error"]["name"]), (403, "FORBIDDEN_ROLE"), out)
        # Ownership moves; the old owner becomes an admin.
        self.ok("PUT", "/v1/groups/a3-g/members/a3-bob/role", {"role": "owner"})
        info = self.ok("GET", "/v1/groups/a3-g")
        self.assertEqual(info["group"]["owner"], "a3-bob")
        roles = {m["user"]: m["role"] for m in self.ok("GET", "/v1/groups/a3-g/members")["members"]}
        self.assertEqual(roles["a3-alice"], "admin")
        # Mute carol: her sends are refused with MUTED until unmuted.
        until = int(time.time() * 1000) + 3_600_000
        self.ok("PUT", "/v1/groups/a3-g/members/a3-carol/mute", {"mute_until": until})
        carol.send("group", "a3-g", "shh", "mute-1")
        err = carol.wait_entries(lambda e: e.get("kind") == "error" and e.get("cmid") == "mute-1")[0]
        self.assertEqual(err["code"], 0x102, err)  # MUTED
        self.ok("PUT", "/v1/groups/a3-g/members/a3-carol/mute", {"mute_until": 0})
        carol.send("group", "a3-g", "back", "mute-2")
        carol.wait_entries(lambda e: e.get("kind") == "ack" and e.get("cmid") == "mute-2")
        # ?as= acts with that user's rights: carol is a plain member.
        code, out, _ = self.http("POST", "/v1/groups/a3-g/members?as=a3-carol", {"members": ["a3-dave"]})
        self.assertEqual((code, out["error"]["name"]), (403, "FORBIDDEN_ROLE"), out)
        # A removed member gets nothing more.
        self.ok("DELETE", "/v1/groups/a3-g/members/a3-carol")
        after = self.ok("POST", "/v1/messages", {"from": "a3-bob", "conv": "group:a3-g", "type": "text", "body": "bye"})
        bob.wait_entries(lambda e: e.get("msg_id") == after["msg_id"])
        self.assertFalse([e for e in carol.entries if e.get("msg_id") == after["msg_id"]])
        self.ok("DELETE", "/v1/groups/a3-g")
        code, out, _ = self.http("GET", "/v1/groups/a3-g")
        self.assertEqual((code, out["error"]["name"]), (404, "NOT_FOUND"), out)

    # --- rooms, presence, devices ------------------------------------------------------------------

    def test_rooms_presence_and_devices(self):
        viewer = self.dev("a4-viewer", "tv")
        second = self.dev("a4-viewer", "tablet")  # device ids are MQTT client ids: unique on the broker
        viewer.request("$im/room/join", {"room": "a4-live"})
        room = self.ok("GET", "/v1/rooms/a4-live")
        self.assertEqual((room["member_count"], room["devices"]), (1, [{"user": "a4-viewer", "device": "tv"}]))
        notice = self.ok("POST", "/v1/messages", {"conv": "room:a4-live", "type": "system", "body": "stream starts"})
        got = viewer.wait_entries(lambda e: e.get("msg_id") == notice["msg_id"])[0]
        self.assertEqual(got["type"], "system")
        closed = self.ok("DELETE", "/v1/rooms/a4-live")
        self.assertEqual(closed["removed_devices"], 1)
        self.assertEqual(self.ok("GET", "/v1/rooms/a4-live")["member_count"], 0)
        late = self.ok("POST", "/v1/messages", {"conv": "room:a4-live", "type": "system", "body": "nobody hears"})
        marker = self.ok("POST", "/v1/messages", {"from": "a4-friend", "to": "a4-viewer", "type": "text", "body": "m"})
        viewer.wait_entries(lambda e: e.get("msg_id") == marker["msg_id"])
        self.assertFalse([e for e in viewer.entries if e.get("msg_id") == late["msg_id"]])

        presence = self.ok("GET", "/v1/users/a4-viewer/presence")
        self.assertEqual((presence["online"], sorted(presence["devices"])), (True, ["tablet", "tv"]))
        second.disconnect()
        self.devices.remove(second)
        # The disconnect reaches the core asynchronously: poll the condition, bounded by a deadline.
        deadline = time.monotonic() + TIMEOUT
        while sorted(self.ok("GET", "/v1/users/a4-viewer/presence")["devices"]) != ["tv"]:
            self.assertLess(time.monotonic(), deadline, "the tablet still shows as online")
            time.sleep(0.02)
        devices = {d["device"]: d for d in self.ok("GET", "/v1/users/a4-viewer/devices")["devices"]}
        self.assertTrue(devices["tv"]["online"])
        self.assertFalse(devices.get("tablet", {"online": False})["online"])
        self.assertEqual(self.ok("GET", "/v1/users/a4-nobody/presence"),
                         {"user": "a4-nobody", "online": False, "devices": []})

    # --- history, status, reload, errors -----------------------------------------------------------

    def test_history_pages_in_seq_order(self):
        for i in range(5):
            self.ok("POST", "/v1/messages", {"from": "a5-x", "to": "a5-y", "cmid": f"h{i}", "type": "text", "body": str(i)})
        page = self.ok("GET", "/v1/conversations/c2c:a5-x:a5-y/messages?limit=3")
        self.assertEqual(([m["seq"] for m in page["messages"]], page["more"]), ([3, 4, 5], True))
        older = self.ok("GET", "/v1/conversations/c2c:a5-x:a5-y/messages?before=3&limit=3")
        self.assertEqual(([m["body"] for m in older["messages"]], older["more"]), (["0", "1"], False))
        code, out, _ = self.http("GET", "/v1/conversations/c2c:a5-x:a5-y/messages?limit=lots")
        self.assertEqual((code, out["error"]["name"]), (400, "INVALID_REQUEST"), out)

    def test_status_routes_and_reload(self):
        status = self.ok("GET", "/v1/status")
        self.assertEqual({p["name"] for p in status["plugins"]} >= {"im", "gateway"}, True, status)
        self.assertIn(f"admin http://{self.server.admin}", status["listeners"])
        self.assertEqual(status["pipelines"]["inbound"], ["im.store", "im.route"])
        routes = {(r["method"], r["pattern"]): r["plugin"] for r in self.ok("GET", "/v1/routes")["routes"]}
        self.assertEqual(routes[("POST", "/v1/messages")], "im")
        self.assertEqual(routes[("POST", "/v1/reload")], "herald")

        self.assertEqual(self.ok("POST", "/v1/reload")["reloaded"], True)
        self.assertTrue(self.ok("GET", "/v1/status")["reloads"][-1]["ok"])
        with open(self.server.config) as f:
            good = f.read()
        try:
            with open(self.server.config, "w") as f:
                f.write(good.replace("loops: 2", "loops: many"))
            code, out, _ = self.http("POST", "/v1/reload")
            self.assertEqual(code, 400, out)
            self.assertIn("service.loops", out["error"]["message"])
            last = self.ok("GET", "/v1/status")["reloads"][-1]
            self.assertEqual(last["ok"], False)
            self.assertIn("service.loops", last["message"])
        finally:
            with open(self.server.config, "w") as f:
                f.write(good)
        self.assertEqual(self.ok("POST", "/v1/reload")["reloaded"], True)

    def test_tokens_metrics_and_console_files(self):
        made = self.ok("POST", "/v1/tokens", {"user": "a7-web", "device": "a7-tab", "ttl": "10m"}, status=201)
        self.assertEqual((made["user"], made["expires_in"]), ("a7-web", 600))
        self.server._tokens["a7-web"] = made["token"]  # the device logs in with the minted token
        self.dev("a7-web", "a7-tab")
        code, out, _ = self.http("POST", "/v1/tokens", {"user": "a7-web", "ttl": "90d"})
        self.assertEqual((code, out["error"]["name"]), (400, "INVALID_REQUEST"), out)
        code, out, _ = self.http("POST", "/v1/tokens", {"user": "not valid!"})
        self.assertEqual(code, 400, out)
        req = urllib.request.Request(f"http://{self.server.admin}/v1/metrics",
                                     headers={"Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
            self.assertTrue(r.headers["Content-Type"].startswith("text/plain"))
            self.assertIn("herald_build_info{", r.read().decode())
        code, _, _ = self.http("GET", "/v1/metrics", token=False)
        self.assertEqual(code, 401)
        with urllib.request.urlopen(f"http://{self.server.admin}/console/index.html", timeout=TIMEOUT) as r:
            self.assertIn(b"<title>Herald console</title>", r.read())  # static files need no token
        for bad in ("/console/..%2Fadmin.token", "/console/.hidden.js", "/console/nothing.js"):
            code, _, _ = self.http("GET", bad, token=False)
            self.assertEqual(code, 404, bad)

    def test_errors_a_backend_can_meet(self):
        code, out, _ = self.http("GET", "/v1/nothing-here")
        self.assertEqual((code, out["error"]["name"]), (404, "NOT_FOUND"), out)
        code, out, headers = self.http("PATCH", "/v1/messages", {})
        self.assertEqual(code, 405, out)
        self.assertEqual(headers.get("Allow"), "POST")
        code, out, _ = self.http("POST", "/v1/messages", raw=b"{not json")
        self.assertEqual((code, out["error"]["name"]), (400, "PAYLOAD_FORMAT_INVALID"), out)
        code, out, _ = self.http("POST", "/v1/messages", raw=json.dumps({"from": "a6-a", "to": "a6-b", "type": "text",
                                                                       "body": "x" * 70000}).encode())
        self.assertEqual((code, out["error"]["name"]), (413, "PAYLOAD_TOO_LARGE"), out)
        code, out, _ = self.http("POST", "/v1/messages", {"from": "bad id!", "to": "a6-b", "type": "text", "body": "x"})
        self.assertEqual((code, out["error"]["name"]), (400, "INVALID_ID"), out)
        code, out, _ = self.http("POST", "/v1/groups", {"group": "a6-g"})
        self.assertEqual((code, out["error"]["name"]), (400, "INVALID_REQUEST"), out)
        self.ok("POST", "/v1/groups", {"group": "a6-g", "owner": "a6-a"}, status=201)
        code, out, _ = self.http("POST", "/v1/groups", {"group": "a6-g", "owner": "a6-a"})
        self.assertEqual((code, out["error"]["name"]), (409, "ALREADY_EXISTS"), out)


if __name__ == "__main__":
    ARGS, argv = server_args()
    unittest.main(argv=argv, verbosity=2)
