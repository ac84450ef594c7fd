"""Push acceptance (issue #7) with real parts: the real herald binary with the im, unread and push
plugins, paho MQTT devices (tests/integration/im_harness.py), urllib on the admin API, and loopback
stand-ins that speak the providers' protocols (provider_standins.py: APNs over HTTP/2 + TLS checking
the ES256 JWT, FCM with its OAuth2 grant, Huawei Push Kit, Xiaomi, OPPO and vivo checking their signed
auth requests, Honor). Offline devices get exactly one
notification per message with the right badge, online devices none; dead tokens are removed and
never used again; throttling is retried after Retry-After; a hanging endpoint trips its breaker while
messages keep flowing, and so does a slow one; an online device that never acks is notified after the
core's ack timeout; offline members of read-diffusion groups are notified."""
import base64
import json
import os
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import paho.mqtt.client as mqtt

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "tests", "integration"))
from im_harness import ImServer, ImServerTestCase, TIMEOUT, server_args  # noqa: E402
from provider_standins import StandIns  # noqa: E402

ARGS = None
BREAKER = "{window: 4, min_calls: 4, failure_rate: 0.5, slow_call: 800ms, open_for: 60s, probes: 1}"
ACK_TIMEOUT = 2  # seconds (im push.ack_timeout)


def c2c(a, b):
    return f"c2c:{min(a, b)}:{max(a, b)}"


def wait_until(predicate, timeout=TIMEOUT, what="condition"):
    """Polls a condition on state we do not get events for (metrics, the admin API) up to a deadline."""
    deadline = time.monotonic() + timeout
    while True:
        v = predicate()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def admin_call(server, token, method, path, body=None):
    """(status, JSON body) of one admin API request."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://{server.admin}{path}", data=data, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def admin_config(tmp):
    token_file = os.path.join(tmp, "admin.token")
    return token_file, f"admin:\n  enabled: true\n  listen: 127.0.0.1:0\n  token_file: {token_file}\n"


def wait_offline(server, token, user, device):
    wait_until(lambda: device not in admin_call(server, token, "GET", f"/v1/users/{user}/presence")[1]["devices"],
               what=f"{device} offline")


class PushTest(ImServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.p = StandIns(cls.tmp.name)
        token_file, admin = admin_config(cls.tmp.name)
        plugins = "  - name: unread\n    config: {}\n" + cls.p.plugin_config(breaker=BREAKER)
        # The messaging core's push seam: online devices that do not ack within 2 s are pushed; groups
        # above 3 members are read-diffusion (their offline members still reach the bridge).
        im_config = f"      push: {{ack_timeout: {ACK_TIMEOUT}s}}\n      groups: {{write_diffusion_max: 3}}"
        cls.server = ImServer(ARGS.herald, ARGS.plugin_dir, cls.tmp.name, admin=admin, plugins=plugins,
                              im_config=im_config, after_store=("unread",)).start()
        with open(token_file) as f:
            cls.admin_token = f.read().strip()

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.p.close()

    def admin(self, method, path, body=None):
        return admin_call(self.server, self.admin_token, method, path, body)

    def register(self, user, device, provider, token, app_id="com.example.chat", online=False):
        """The device registers its token over MQTT ($im/push_token), then goes offline unless told."""
        d = self.dev(user, device)
        r = d.request("$im/push_token", {"provider": provider, "app_id": app_id, "token": token, "sandbox": False})
        self.assertEqual(r["kind"], "result", r)
        if not online:
            d.disconnect()
            wait_offline(self.server, self.admin_token, user, device)
        return d

    def send(self, sender, to, text):
        cmid = f"m{time.monotonic_ns()}"
        sender.send("c2c", to, text, cmid)
        r = sender.wait_entries(lambda e: e.get("cmid") == cmid and e.get("kind") in ("ack", "error"))[0]
        self.assertEqual(r["kind"], "ack", r)
        return r["msg_id"]

    def metric(self, name):
        return sum(v for k, v in self.server.scrape().items() if k.startswith(name))

    def test_1_offline_ios_and_android_once_per_message_with_badge_online_none(self):
        self.register("bob", "bob-ios", "apns", "apns-bob")
        self.register("bob", "bob-android", "fcm", "fcm-bob")
        tab = self.register("bob", "bob-tab", "huawei", "hw-bob", online=True)
        alice = self.dev("alice", "alice-phone")
        ids = [self.send(alice, "bob", f"hello {i}") for i in range(3)]
        tab.wait_entries(lambda e: e.get("kind") == "msg" and e.get("msg_id") == ids[-1])
        apns = self.p.apns.b.wait(lambda r: r[1] == "apns-bob" and r[3].get("msg_id") == ids[-1])
        fcm = self.p.fcm.b.wait(lambda r: r[1] == "fcm-bob" and r[3]["data"]["msg_id"] == ids[-1])
        self.assertTrue(apns and fcm, "no notification for the last message")
        # A marker through each provider: everything before it has arrived, so counts are final.
        self.register("zed", "zed-ios", "apns", "apns-zed")
        self.register("zed", "zed-android", "fcm", "fcm-zed")
        marker = self.send(alice, "zed", "marker")
        self.assertTrue(self.p.apns.b.wait(lambda r: r[1] == "apns-zed" and r[3].get("msg_id") == marker))
        self.assertTrue(self.p.fcm.b.wait(lambda r: r[1] == "fcm-zed" and r[3]["data"]["msg_id"] == marker))

        # Requests run concurrently (HTTP/2 streams), so they may arrive in any order.
        got = sorted(self.p.apns.b.for_token("apns-bob"), key=lambda r: ids.index(r[3]["msg_id"]))
        self.assertEqual([r[3]["msg_id"] for r in got], ids, "one APNs notification per message")
        for i, (_, _, headers, body) in enumerate(got):
            self.assertEqual(body["aps"]["badge"], i + 1, "badge = bob's total unread after that message")
            self.assertEqual(body["aps"]["alert"], {"title": "alice", "body": f"hello {i}"})
            self.assertEqual(body["conv"], c2c("alice", "bob"))
            self.assertEqual(headers["apns-topic"], "com.example.chat")
            self.assertEqual(headers["apns-push-type"], "alert")
            self.assertEqual(headers["apns-priority"], "10")
            self.assertEqual(headers["apns-collapse-id"], c2c("alice", "bob"))
            self.assertGreater(int(headers["apns-expiration"]), time.time())
        got = sorted(self.p.fcm.b.for_token("fcm-bob"), key=lambda r: ids.index(r[3]["data"]["msg_id"]))
        self.assertEqual([r[3]["data"]["msg_id"] for r in got], ids, "one FCM notification per message")
        for i, (_, _, _, msg) in enumerate(got):
            self.assertEqual(msg["android"]["notification"]["notification_count"], i + 1)
            self.assertEqual(msg["notification"], {"title": "alice", "body": f"hello {i}"})
            self.assertEqual(msg["android"]["collapse_key"], c2c("alice", "bob"))
        self.assertEqual(self.p.huawei.b.for_token("hw-bob"), [], "the online device got a push")
        self.assertEqual(self.p.apns.jwt_failures, 0)
        self.assertEqual(self.p.fcm.grants, 1, "the FCM access token is cached, not fetched per message")

        # Bob reads on the tablet: the offline devices get a silent push that lowers the badge to 0.
        r = tab.request("$im/read", {"conv": c2c("alice", "bob"), "seq": 3})
        self.assertEqual(r["kind"], "result", r)
        silent = self.p.apns.b.wait(lambda r: r[1] == "apns-bob" and r[2]["apns-push-type"] == "background")
        self.assertTrue(silent, "no silent push for the read")
        self.assertEqual(silent[0][2]["apns-priority"], "5")
        self.assertEqual(silent[0][3]["aps"], {"content-available": 1, "badge": 0})
        data_only = self.p.fcm.b.wait(lambda r: r[1] == "fcm-bob" and "notification" not in r[3])
        self.assertTrue(data_only, "no data-only FCM push for the read")
        self.assertEqual(data_only[0][3]["data"]["badge"], "0")

    def test_2_tokens_replaced_and_removed(self):
        alice = self.dev("alice", "alice-phone")
        # A device that registers a new token replaces the old one.
        self.register("dave", "dave-android", "fcm", "fcm-dave-old")
        self.register("dave", "dave-android", "fcm", "fcm-dave-new")
        m = self.send(alice, "dave", "to the new token")
        self.assertTrue(self.p.fcm.b.wait(lambda r: r[1] == "fcm-dave-new" and r[3]["data"]["msg_id"] == m))
        self.assertEqual(self.p.fcm.b.for_token("fcm-dave-old"), [])

        # The admin API registers and removes tokens.
        s, _ = self.admin("PUT", "/v1/users/erin/devices/erin-phone/push_token",
                          {"provider": "huawei", "app_id": "com.example.chat", "token": "hw-erin"})
        self.assertEqual(s, 200, _)
        m = self.send(alice, "erin", "via huawei")
        hw = self.p.huawei.b.wait(lambda r: r[1] == "hw-erin")
        self.assertTrue(hw, "no Huawei notification")
        self.assertEqual(hw[0][3]["android"]["notification"]["title"], "alice")
        self.assertEqual(hw[0][3]["android"]["notification"]["badge"], {"set_num": 1})
        self.assertEqual(json.loads(hw[0][3]["data"])["msg_id"], m)
        s, _ = self.admin("DELETE", "/v1/users/erin/devices/erin-phone/push_token")
        self.assertEqual(s, 200, _)
        devices = self.admin("GET", "/v1/users/erin/devices")[1]["devices"]
        self.assertFalse(any("push" in d for d in devices), devices)

        # Tokens the providers call dead are removed and never used again.
        self.p.apns.b.invalid_tokens.add("apns-dead")
        self.p.fcm.b.invalid_tokens.add("fcm-dead")
        self.register("carol", "carol-ios", "apns", "apns-dead")
        self.register("carol", "carol-android", "fcm", "fcm-dead")
        self.send(alice, "carol", "are you there")
        self.assertTrue(self.p.apns.b.wait(lambda r: r[1] == "apns-dead"))
        self.assertTrue(self.p.fcm.b.wait(lambda r: r[1] == "fcm-dead"))
        wait_until(lambda: not any("push" in d for d in self.admin("GET", "/v1/users/carol/devices")[1]["devices"]),
                   what="carol's dead tokens removed")
        self.assertGreaterEqual(self.metric('herald_push_tokens_removed_total{provider="apns"}'), 1)
        self.assertGreaterEqual(self.metric('herald_push_tokens_removed_total{provider="fcm"}'), 1)
        self.send(alice, "carol", "still there?")
        m = self.send(alice, "erin", "erin has no token now")
        self.register("yan", "yan-ios", "apns", "apns-yan")
        self.register("yan", "yan-android", "fcm", "fcm-yan")
        marker = self.send(alice, "yan", "marker")
        self.assertTrue(self.p.apns.b.wait(lambda r: r[1] == "apns-yan" and r[3].get("msg_id") == marker))
        self.assertTrue(self.p.fcm.b.wait(lambda r: r[1] == "fcm-yan" and r[3]["data"]["msg_id"] == marker))
        self.assertEqual(len(self.p.apns.b.for_token("apns-dead")), 1, "a removed token was used again")
        self.assertEqual(len(self.p.fcm.b.for_token("fcm-dead")), 1, "a removed token was used again")
        self.assertEqual(len(self.p.huawei.b.for_token("hw-erin")), 1, "a token removed by the admin API was used")

    def test_3_throttling_is_retried_after_retry_after(self):
        alice = self.dev("alice", "alice-phone")
        self.register("frank", "frank-android", "fcm", "fcm-frank")
        self.register("frank", "frank-ios", "apns", "apns-frank")
        retries_before = self.metric('herald_push_retries_total{provider="fcm"}')
        with self.p.fcm.b.lock:
            self.p.fcm.b.throttle, self.p.fcm.b.retry_after = 2, "1"
        with self.p.apns.b.lock:
            self.p.apns.b.throttle, self.p.apns.b.retry_after = 1, "1"
        m = self.send(alice, "frank", "busy?")
        fcm = wait_until(lambda: len(self.p.fcm.b.for_token("fcm-frank")) >= 3 and self.p.fcm.b.for_token("fcm-frank"),
                         what="FCM retries")
        apns = wait_until(lambda: len(self.p.apns.b.for_token("apns-frank")) >= 2 and
                          self.p.apns.b.for_token("apns-frank"), what="APNs retry")
        self.assertTrue(all(r[3]["data"]["msg_id"] == m for r in fcm))
        gaps = [b[0] - a[0] for a, b in zip(fcm, fcm[1:])]
        self.assertTrue(all(g >= 0.9 for g in gaps), f"Retry-After: 1 not honoured: gaps {gaps}")
        self.assertGreaterEqual(apns[1][0] - apns[0][0], 0.9)
        self.assertGreaterEqual(self.metric('herald_push_retries_total{provider="fcm"}') - retries_before, 2)
        wait_until(lambda: self.metric('herald_push_sent_total{provider="fcm",result="throttled"}') >= 2,
                   what="throttled counted")

    def test_3a_several_apps_per_provider_each_with_its_credentials(self):
        alice = self.dev("alice", "alice-phone")
        self.register("kim", "kim-ios", "apns", "apns-kim-chat", app_id="com.example.chat")
        self.register("kim", "kim-ipad", "apns", "apns-kim-other", app_id="com.example.other")
        self.register("kim", "kim-watch", "apns", "apns-kim-unknown", app_id="com.example.unconfigured")
        self.send(alice, "kim", "two apps")
        chat = self.p.apns.b.wait(lambda r: r[1] == "apns-kim-chat")
        other = self.p.apns.b.wait(lambda r: r[1] == "apns-kim-other")
        self.assertTrue(chat and other, "a notification is missing")

        def kid(record):
            h = record[2]["authorization"].split(" ", 1)[1].split(".")[0]
            return json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))["kid"]
        self.assertEqual((chat[0][2]["apns-topic"], kid(chat[0])), ("com.example.chat", "TESTKEY123"))
        self.assertEqual((other[0][2]["apns-topic"], kid(other[0])), ("com.example.other", "OTHERKEY99"))
        self.assertEqual(self.p.apns.b.for_token("apns-kim-unknown"), [], "an app with no credentials was pushed")
        self.assertEqual(self.p.apns.jwt_failures, 0)

    def test_3b_xiaomi_notification_and_dead_regid(self):
        alice = self.dev("alice", "alice-phone")
        self.register("ivy", "ivy-mi", "xiaomi", "mi-ivy", app_id="com.example.chat")
        self.p.xiaomi.b.invalid_tokens.add("mi-dead")
        self.register("jon", "jon-mi", "xiaomi", "mi-dead")
        m = self.send(alice, "ivy", "ni hao")
        self.send(alice, "jon", "gone")
        got = self.p.xiaomi.b.wait(lambda r: r[1] == "mi-ivy")
        self.assertTrue(got, "no Xiaomi notification")
        form = got[0][3]
        self.assertEqual((form["title"], form["description"], form["restricted_package_name"], form["pass_through"]),
                         ("alice", "ni hao", "com.example.chat", "0"))
        self.assertEqual(json.loads(form["payload"]), {"conv": c2c("alice", "ivy"), "msg_id": m, "badge": 1})
        wait_until(lambda: not any("push" in d for d in self.admin("GET", "/v1/users/jon/devices")[1]["devices"]),
                   what="jon's dead regId removed")
        self.assertGreaterEqual(self.metric('herald_push_tokens_removed_total{provider="xiaomi"}'), 1)

    def test_3c_oppo_vivo_honor_signed_auth_dead_tokens_and_throttling(self):
        alice = self.dev("alice", "alice-phone")
        vendors = {"oppo": self.p.oppo, "vivo": self.p.vivo, "honor": self.p.honor}
        for name, standin in vendors.items():
            self.register("lee", f"lee-{name}", name, f"{name}-lee")
            standin.b.invalid_tokens.add(f"{name}-dead")
            self.register("moe", f"moe-{name}", name, f"{name}-dead")
            with standin.b.lock:  # the first send of each vendor is throttled once
                standin.b.throttle, standin.b.retry_after = 1, "1"
        m = self.send(alice, "lee", "hello lee")
        self.send(alice, "moe", "hello moe")
        conv = c2c("alice", "lee")
        oppo = wait_until(lambda: [r for r in self.p.oppo.b.for_token("oppo-lee")
                                   if json.loads(r[3]["notification"]["action_parameters"])["msg_id"] == m],
                          what="OPPO notification")
        vivo = wait_until(lambda: [r for r in self.p.vivo.b.for_token("vivo-lee")
                                   if r[3]["clientCustomMap"]["msg_id"] == m], what="vivo notification")
        honor = wait_until(lambda: [r for r in self.p.honor.b.for_token("honor-lee")
                                    if json.loads(r[3]["data"])["msg_id"] == m], what="Honor notification")
        # Every auth request was signed correctly (the stand-ins check sha256 / md5 / client secret).
        self.assertEqual((self.p.oppo.sign_failures, self.p.vivo.sign_failures), (0, 0))
        n = oppo[-1][3]
        self.assertEqual((n["target_type"], n["notification"]["title"], n["notification"]["content"]),
                         (2, "alice", "hello lee"))
        self.assertEqual(json.loads(n["notification"]["action_parameters"]), {"conv": conv, "msg_id": m, "badge": 1})
        v = vivo[-1][3]
        self.assertEqual((v["appId"], v["title"], v["content"], v["classification"], v["category"]),
                         (10004, "alice", "hello lee", 1, "IM"))
        self.assertEqual(v["clientCustomMap"], {"conv": conv, "msg_id": m, "badge": "1"})
        self.assertTrue(v["requestId"].startswith(m))
        h = honor[-1][3]
        self.assertEqual(h["android"]["notification"]["title"], "alice")
        self.assertEqual(h["android"]["notification"]["badge"], {"setNum": 1})
        self.assertEqual(json.loads(h["data"]), {"conv": conv, "msg_id": m, "badge": 1})
        # Throttling (OPPO's code -2, a 429 from vivo and Honor) is retried; no second success.
        for name, standin in vendors.items():
            wait_until(lambda name=name, standin=standin: len(standin.b.for_token(f"{name}-lee") +
                                                              standin.b.for_token(f"{name}-dead")) >= 3,
                       what=f"{name}: the throttled request retried")
            wait_until(lambda name=name: self.metric(f'herald_push_sent_total{{provider="{name}",result="throttled"}}') >= 1,
                       what=f"{name} throttled counted")
        # Dead tokens are removed and never used again.
        wait_until(lambda: not any("push" in d for d in self.admin("GET", "/v1/users/moe/devices")[1]["devices"]),
                   what="moe's dead tokens removed")
        for name in vendors:
            self.assertGreaterEqual(self.metric(f'herald_push_tokens_removed_total{{provider="{name}"}}'), 1)
        dead_before = {name: len(vendors[name].b.for_token(f"{name}-dead")) for name in vendors}
        self.send(alice, "moe", "still there?")
        marker = self.send(alice, "lee", "marker")
        wait_until(lambda: all(any(m2 == marker for m2 in ids) for ids in (
            [json.loads(r[3]["notification"]["action_parameters"])["msg_id"] for r in self.p.oppo.b.for_token("oppo-lee")],
            [r[3]["clientCustomMap"]["msg_id"] for r in self.p.vivo.b.for_token("vivo-lee")],
            [json.loads(r[3]["data"])["msg_id"] for r in self.p.honor.b.for_token("honor-lee")])), what="marker")
        for name in vendors:
            self.assertEqual(len(vendors[name].b.for_token(f"{name}-dead")), dead_before[name],
                             f"{name}: a removed token was used again")
        # OPPO and vivo carry no background pushes: a read gives Honor a data message only.
        r = self.dev("lee", "lee-tab").request("$im/read", {"conv": conv, "seq": 2})
        self.assertEqual(r["kind"], "result", r)
        self.assertTrue(self.p.honor.b.wait(lambda r: r[1] == "honor-lee" and "notification" not in r[3]["android"]))
        self.assertFalse([r for r in self.p.oppo.b.for_token("oppo-lee")
                          if json.loads(r[3]["notification"]["action_parameters"])["badge"] == 0])

    def test_4_hanging_provider_trips_the_breaker_messages_keep_flowing(self):
        alice = self.dev("alice", "alice-phone")
        self.register("gina", "gina-tab", "huawei", "hw-gina")
        reader = self.dev("hal", "hal-phone")
        self.p.huawei.b.hang = True
        target = 'herald_circuit_state{target="push:huawei"}'
        self.assertEqual(self.metric(target), 0)
        started = time.monotonic()
        for i in range(6):
            self.send(alice, "gina", f"into the void {i}")
        # Requests time out after 1s (timeout: 1s); 4 failed calls in the window open the breaker.
        wait_until(lambda: self.metric(target) == 1, timeout=15, what="huawei breaker open")
        opened_after = time.monotonic() - started
        self.server.proc.wait_for(r'push: provider "huawei" \(https://127\.0\.0\.1:\d+\) breaker closed -> open')
        self.assertLess(opened_after, 10, "the breaker took too long to open")
        print(f"huawei breaker open {opened_after:.2f}s after the first send into the hanging stand-in",
              file=sys.stderr)
        # The rest of Herald is unaffected: messages are stored and delivered at once.
        for i in range(5):
            t0 = time.monotonic()
            m = self.send(alice, "hal", f"still flowing {i}")
            reader.wait_entries(lambda e: e.get("kind") == "msg" and e.get("msg_id") == m)
            self.assertLess(time.monotonic() - t0, 2.0)
        self.assertGreaterEqual(self.metric('herald_push_sent_total{provider="huawei",result="timeout"}'), 4)
        self.send(alice, "gina", "fail fast")
        wait_until(lambda: self.metric('herald_push_sent_total{provider="huawei",result="breaker_open"}') >= 1,
                   what="fail fast while open")
        self.assertEqual(self.metric('herald_circuit_state{target="push:apns"}'), 0)

    def test_5_online_device_that_does_not_ack_is_pushed_after_the_ack_timeout(self):
        alice = self.dev("alice", "alice-phone")
        quiet = self.register("nia", "nia-ios", "apns", "apns-nia", online=True)
        quiet.client._send_puback = lambda mid: mqtt.MQTT_ERR_SUCCESS  # a real paho client that never PUBACKs
        self.register("nia", "nia-tab", "fcm", "fcm-nia", online=True)  # acks as paho does
        sent_at = time.monotonic()
        m = self.send(alice, "nia", "are you awake")
        self.assertTrue(quiet.wait_entries(lambda e: e.get("kind") == "msg" and e.get("msg_id") == m))
        got = self.p.apns.b.wait(lambda r: r[1] == "apns-nia" and r[3].get("msg_id") == m, timeout=ACK_TIMEOUT + 10)
        self.assertTrue(got, "the device that never acked got no notification")
        waited = got[0][0] - sent_at
        print(f"unacked online device notified {waited:.2f}s after the send (ack_timeout {ACK_TIMEOUT}s)",
              file=sys.stderr)
        self.assertGreaterEqual(waited, ACK_TIMEOUT - 0.1, "notified before the ack timeout")
        self.assertLess(waited, ACK_TIMEOUT + 5)
        self.assertEqual(got[0][3]["aps"]["alert"]["body"], "are you awake")
        # Both waits were due together; a marker through FCM after it shows the acking tablet got none.
        self.register("zoe", "zoe-android", "fcm", "fcm-zoe")
        marker = self.send(alice, "zoe", "marker")
        self.assertTrue(self.p.fcm.b.wait(lambda r: r[1] == "fcm-zoe" and r[3]["data"]["msg_id"] == marker))
        self.assertEqual(self.p.fcm.b.for_token("fcm-nia"), [], "a device that acked was pushed")
        self.assertEqual(len(self.p.apns.b.for_token("apns-nia")), 1)

    def test_6_read_diffusion_group_offline_members_are_pushed(self):
        owner = self.dev("olga", "olga-phone")
        members = ["rd1", "rd2", "rd3", "rd4"]
        r = owner.request("$im/group/create", {"group": "rdg", "name": "big", "members": members})
        self.assertEqual(r["kind"], "result", r)
        self.register("rd1", "rd1-ios", "apns", "apns-rd1")
        self.register("rd2", "rd2-android", "fcm", "fcm-rd2")
        online = self.register("rd3", "rd3-ios", "apns", "apns-rd3", online=True)
        cmid = f"rd{time.monotonic_ns()}"
        owner.send("group", "rdg", "to the big group", cmid)
        ack = owner.wait_entries(lambda e: e.get("cmid") == cmid and e.get("kind") in ("ack", "error"))[0]
        self.assertEqual(ack["kind"], "ack", ack)
        m = ack["msg_id"]
        self.assertTrue(online.wait_entries(lambda e: e.get("kind") == "msg" and e.get("msg_id") == m))
        apns = self.p.apns.b.wait(lambda r: r[1] == "apns-rd1" and r[3].get("msg_id") == m)
        fcm = self.p.fcm.b.wait(lambda r: r[1] == "fcm-rd2" and r[3]["data"]["msg_id"] == m)
        self.assertTrue(apns and fcm, "an offline member of the read-diffusion group got no notification")
        self.assertEqual(apns[0][3]["conv"], "group:rdg")
        self.assertEqual(apns[0][3]["aps"]["alert"], {"title": "olga", "body": "to the big group"})
        self.assertEqual(self.p.apns.b.for_token("apns-rd3"), [], "the online member got a push")

    def test_7_slow_vendor_trips_its_breaker_on_slow_calls(self):
        alice = self.dev("alice", "alice-phone")
        self.register("pia", "pia-vivo", "vivo", "vivo-pia")
        target = 'herald_circuit_state{target="push:vivo"}'
        self.assertEqual(self.metric(target), 0)
        ok_before = self.metric('herald_push_sent_total{provider="vivo",result="ok"}')
        self.p.vivo.b.delay = 0.85  # answers, but slower than breaker.slow_call (800ms) and within timeout (1s)
        try:
            for i in range(4):
                self.send(alice, "pia", f"slowly {i}")
            wait_until(lambda: self.metric(target) == 1, timeout=15, what="vivo breaker open on slow calls")
        finally:
            self.p.vivo.b.delay = 0
        self.server.proc.wait_for(r'push: provider "vivo" \(https://127\.0\.0\.1:\d+\) breaker closed -> open')
        self.assertGreaterEqual(self.metric('herald_push_sent_total{provider="vivo",result="ok"}') - ok_before, 1,
                                "the slow answers were successes")
        self.assertEqual(self.metric('herald_circuit_state{target="push:oppo"}'), 0)


class CollapseTest(unittest.TestCase):
    """collapse_window: a burst into one conversation gives one notification per device, with the
    newest text and badge; the next message after the window gives another."""

    def test_burst_collapses_to_one_notification_with_the_final_badge(self):
        with tempfile.TemporaryDirectory() as tmp:
            p = StandIns(tmp)
            plugins = "  - name: unread\n    config: {}\n" + p.plugin_config().replace(
                "      templates:", "      collapse_window: 700ms\n      templates:")
            token_file, admin = admin_config(tmp)
            server = ImServer(ARGS.herald, ARGS.plugin_dir, tmp, plugins=plugins, admin=admin,
                              after_store=("unread",)).start()
            try:
                phone = server.device("lou", "lou-ios")
                phone.request("$im/push_token", {"provider": "apns", "app_id": "com.example.chat", "token": "apns-lou"})
                phone.disconnect()
                with open(token_file) as f:
                    wait_offline(server, f.read().strip(), "lou", "lou-ios")
                mia = server.device("mia", "mia-phone")
                acks = []
                for i in range(5):
                    cmid = f"b{i}"
                    mia.send("c2c", "lou", f"burst {i}", cmid)
                    acks.append(mia.wait_entries(lambda e, c=cmid: e.get("cmid") == c and e.get("kind") == "ack")[0])
                got = p.apns.b.wait(lambda r: r[1] == "apns-lou")
                self.assertTrue(got, "no notification for the burst")
                # One more message after the window: its notification is the marker that the burst's is final.
                time_after = got[0][0]
                mia.send("c2c", "lou", "later", "after")
                mia.wait_entries(lambda e: e.get("cmid") == "after" and e.get("kind") == "ack")
                later = p.apns.b.wait(lambda r: r[1] == "apns-lou" and r[0] > time_after)
                self.assertTrue(later)
                sent = p.apns.b.for_token("apns-lou")
                self.assertEqual(len(sent), 2, [r[3] for r in sent])
                self.assertEqual(sent[0][3]["aps"]["alert"]["body"], "burst 4")
                self.assertEqual(sent[0][3]["aps"]["badge"], 5)
                self.assertEqual(sent[0][3]["msg_id"], acks[-1]["msg_id"])
                self.assertEqual(sent[1][3]["aps"]["badge"], 6)
                self.assertEqual(sum(v for k, v in server.scrape().items()
                                     if k.startswith('herald_push_collapsed_total{provider="apns"}')), 4)
                mia.disconnect()
            finally:
                code = server.stop()
                p.close()
            self.assertEqual(code, 0)


if __name__ == "__main__":
    ARGS, argv = server_args()
    unittest.main(argv=argv, verbosity=2)
