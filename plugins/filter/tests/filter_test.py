"""Acceptance of the filter plugin (issue #8) with real MQTT clients (paho) against a real herald:
zero-width / full-width / mixed-case evasions caught, mask / reject / flag as configured, penalties
mute and unmute a sender, a SIGHUP reload swaps the word list with no message dropped, plain MQTT
publishes filtered too. Every wait is bounded and waits for an event."""
import json
import os
import signal
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "tests", "integration"))
from im_harness import ImServer, ImServerTestCase, TIMEOUT, server_args  # noqa: E402
from mqtt5_puback import AckClient  # noqa: E402
from http_dependency import HttpDependency  # noqa: E402

import paho.mqtt.client as mqtt  # noqa: E402
from paho.mqtt.packettypes import PacketTypes  # noqa: E402
from paho.mqtt.properties import Properties  # noqa: E402

ARGS = None
CONTENT_REJECTED = 0x0103
MUTED = 0x0102
MUTE_SECONDS = 2


def msgs(entries, cmid=None):
    return [e for e in entries if e.get("kind") == "msg" and (cmid is None or e.get("cmid") == cmid)]


class FilterTest(ImServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.words = os.path.join(cls.tmp.name, "profanity.txt")
        with open(cls.words, "w") as f:
            f.write("# test list\nbad\ndarn\n")
        plugins = f"""
  - name: filter
    config:
      categories:
        - {{name: profanity, action: mask, files: ["{cls.words}"], penalize: false}}
        - {{name: spam, action: reject, words: ["buy now"]}}
        - {{name: watch, action: flag, words: [secretword]}}
      penalty: {{hits: 3, window: 60s, mute: [{MUTE_SECONDS}s, 30s]}}
"""
        cls.token_file = os.path.join(cls.tmp.name, "admin.token")
        admin = f"admin:\n  enabled: true\n  listen: 127.0.0.1:0\n  token_file: {cls.token_file}\n"
        cls.server = ImServer(ARGS.herald, ARGS.plugin_dir, cls.tmp.name, admin=admin, plugins=plugins,
                              before_store=("filter",), mqtt_pipeline=("filter",)).start()
        with open(cls.token_file) as f:
            cls.admin_token = f.read().strip()

    def admin(self, method, path):
        """(status, JSON body) of an admin API call."""
        req = urllib.request.Request(f"http://{self.server.admin}{path}", method=method, data=b"" if method != "GET" else None)
        req.add_header("Authorization", f"Bearer {self.admin_token}")
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def outcome(self, dev, cmid):
        return dev.wait_entries(lambda e: e.get("cmid") == cmid and e.get("kind") in ("ack", "error"))[0]

    def test_evasions_are_caught_and_masked(self):
        a, b = self.dev("fa1", "fa1.d"), self.dev("fb1", "fb1.d")
        texts = {
            "zw": ("you b\u200ba\u200dd boy", "you ***** boy"),       # the ZWSP/ZWJ are masked with the word
            "fw": ("so \uff22\uff21\uff24!", "so ***!"),                # full-width
            "mc": ("DaRn it", "**** it"),                               # mixed case
            "sep": ("b.a.d idea", "***** idea"),                        # separators inserted
            "ok": ("a fine day", "a fine day"),
        }
        for cmid, (text, _) in texts.items():
            a.send("c2c", "fb1", text, cmid)
            self.assertEqual(self.outcome(a, cmid)["kind"], "ack", cmid)
        for cmid, (_, want) in texts.items():
            got = b.wait_entries(lambda e, c=cmid: e.get("kind") == "msg" and e.get("cmid") == c)[0]
            self.assertEqual(got["body"], want, cmid)

    def test_reject_answers_a_reason_and_delivers_nothing(self):
        a, b = self.dev("fa2", "fa2.d"), self.dev("fb2", "fb2.d")
        a.send("c2c", "fb2", "cheap pills, BUY\u200b NOW", "spam-1")
        err = self.outcome(a, "spam-1")
        self.assertEqual((err["kind"], err["code"]), ("error", CONTENT_REJECTED))
        self.assertIn("spam", err["reason"])
        a.send("c2c", "fb2", "after the spam", "clean-1")
        b.wait_entries(lambda e: e.get("cmid") == "clean-1")
        self.assertEqual(msgs(b.entries, "spam-1"), [])

    def test_flag_delivers_and_counts(self):
        a, b = self.dev("fa3", "fa3.d"), self.dev("fb3", "fb3.d")
        before = self.server.scrape().get('herald_filter_hits_total{action="flag",category="watch"}', 0)
        a.send("c2c", "fb3", "the SecretWord is out", "flag-1")
        self.assertEqual(self.outcome(a, "flag-1")["kind"], "ack")
        got = b.wait_entries(lambda e: e.get("cmid") == "flag-1")[0]
        self.assertEqual(got["body"], "the SecretWord is out")
        after = self.server.scrape()['herald_filter_hits_total{action="flag",category="watch"}']
        self.assertEqual(after, before + 1)
        self.server.proc.wait_for(r"filter: flagged a message from user fa3 \(watch\)")

    def test_repeat_offender_is_muted_then_unmuted(self):
        a, b = self.dev("fa4", "fa4.d"), self.dev("fb4", "fb4.d")
        for i in range(3):
            a.send("c2c", "fb4", f"buy now #{i}", f"s{i}")
            self.assertEqual(self.outcome(a, f"s{i}")["code"], CONTENT_REJECTED)
        muted_at = time.monotonic()
        self.server.proc.wait_for(r"filter: user fa4 muted for 2000 ms")
        status, body = self.admin("GET", "/v1/filter/mutes")
        self.assertEqual(status, 200)
        row = [m for m in body["mutes"] if m["user"] == "fa4"]
        self.assertEqual(len(row), 1, body)
        self.assertEqual(row[0]["level"], 1)
        self.assertLessEqual(row[0]["remaining_ms"], MUTE_SECONDS * 1000)
        a.send("c2c", "fb4", "a harmless line", "m0")
        err = self.outcome(a, "m0")
        self.assertEqual(err["code"], MUTED)
        self.assertGreater(err.get("retry_after_ms", 0), 0)
        self.assertLessEqual(err["retry_after_ms"], MUTE_SECONDS * 1000)
        # Another user is not affected.
        c = self.dev("fc4", "fc4.d")
        c.send("c2c", "fb4", "hello from c", "c0")
        self.assertEqual(self.outcome(c, "c0")["kind"], "ack")
        # Wait (bounded) for the mute to lapse: each retry is an event-driven round trip.
        i = 0
        while True:
            i += 1
            a.send("c2c", "fb4", "a harmless line", f"m{i}")
            res = self.outcome(a, f"m{i}")
            if res["kind"] == "ack":
                break
            self.assertEqual(res["code"], MUTED)
            self.assertLess(time.monotonic() - muted_at, MUTE_SECONDS + 10, "never unmuted")
            time.sleep(min(0.2, res["retry_after_ms"] / 1000))  # pacing of the retries, not synchronisation
        self.assertGreaterEqual(time.monotonic() - muted_at, MUTE_SECONDS - 0.1)
        b.wait_entries(lambda e, c=f"m{i}": e.get("cmid") == c)
        self.assertGreaterEqual(self.server.scrape()["herald_filter_mutes_total"], 1)
        status, body = self.admin("GET", "/v1/filter/mutes")
        self.assertEqual([m for m in body["mutes"] if m["user"] == "fa4"], [])

    def test_admin_mute_unmute_and_reload(self):
        a, b = self.dev("fa7", "fa7.d"), self.dev("fb7", "fb7.d")
        self.assertEqual(self.admin("PUT", "/v1/filter/mutes/fa7?duration=10m")[0], 200)
        a.send("c2c", "fb7", "hello", "a0")
        self.assertEqual(self.outcome(a, "a0")["code"], MUTED)
        status, body = self.admin("DELETE", "/v1/filter/mutes/fa7")
        self.assertEqual((status, body), (200, {"user": "fa7", "muted": False}))
        self.assertEqual(self.admin("DELETE", "/v1/filter/mutes/fa7")[0], 404)
        self.assertEqual(self.admin("PUT", "/v1/filter/mutes/fa7?duration=later")[0], 400)
        a.send("c2c", "fb7", "hello", "a1")
        self.assertEqual(self.outcome(a, "a1")["kind"], "ack")
        # POST /v1/filter/reload picks up an edited word file.
        with open(self.words + ".new", "w") as f:
            f.write("bad\ndarn\nadminword\n")
        os.replace(self.words + ".new", self.words)
        status, body = self.admin("POST", "/v1/filter/reload")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["words"], 3 + 1 + 1)  # profanity 3, spam 1, watch 1
        a.send("c2c", "fb7", "an adminword here", "a2")
        got = b.wait_entries(lambda e: e.get("cmid") == "a2")[0]
        self.assertEqual(got["body"], "an ********* here")

    def test_plain_mqtt_publishes_are_filtered(self):
        got, subscribed = [], threading.Event()
        cond = threading.Condition()
        sub = mqtt.Client(client_id="fsub", protocol=mqtt.MQTTv5)
        sub.username_pw_set("fsub", self.server.token("fsub"))
        sub.on_subscribe = lambda *a, **k: subscribed.set()

        def on_message(c, u, m):
            with cond:
                got.append(m.payload.decode())
                cond.notify_all()
        sub.on_message = on_message
        sub.connect("127.0.0.1", self.server.ports["mqtt"])
        sub.loop_start()
        sub.subscribe("chat/filter", qos=1)
        self.assertTrue(subscribed.wait(TIMEOUT))

        pub = AckClient(client_id="fpub")
        pub.username_pw_set("fpub", self.server.token("fpub"))
        connected = threading.Event()
        pub.on_connect = lambda *a, **k: connected.set()
        props = Properties(PacketTypes.CONNECT)
        props.RequestProblemInformation = 1
        pub.connect("127.0.0.1", self.server.ports["mqtt"], properties=props)
        pub.loop_start()
        self.assertTrue(connected.wait(TIMEOUT))
        try:
            m1 = pub.publish("chat/filter", "a BAD word", qos=1).mid
            m2 = pub.publish("chat/filter", "buy now!", qos=1).mid
            m3 = pub.publish("chat/filter", "last", qos=1).mid
            codes = pub.wait_acks([m1, m2, m3], TIMEOUT)
            with cond:
                self.assertTrue(cond.wait_for(lambda: "last" in got, TIMEOUT))
            self.assertEqual(got, ["a *** word", "last"])
            self.assertEqual(codes, [0, 0x83, 0])  # CONTENT_REJECTED travels as 0x83 on a PUBACK
        finally:
            pub.loop_stop()
            sub.loop_stop()

    def test_sighup_reload_swaps_the_list_without_dropping_messages(self):
        a, b = self.dev("fa6", "fa6.d"), self.dev("fb6", "fb6.d")
        n_before, n_total = 100, 300
        sent = []
        reloaded = threading.Event()

        def reload_midway():
            a.wait_entries(lambda e: e.get("kind") == "ack", n_before)
            with open(self.words + ".new", "w") as f:
                f.write("bad\ndarn\nnewword\n")
            os.replace(self.words + ".new", self.words)
            self.server.proc.signal(signal.SIGHUP)
            self.server.proc.wait_for(r"filter: word lists reloaded")
            reloaded.set()
        t = threading.Thread(target=reload_midway)
        t.start()
        for i in range(n_total):
            cmid = f"r{i}"
            a.send("c2c", "fb6", f"newword {i}", cmid, wait=True)
            sent.append(cmid)
            if i == n_total - 50:
                self.assertTrue(reloaded.wait(TIMEOUT), "no reload")  # the last 50 go after the reload
        t.join(TIMEOUT)
        results = {e["cmid"]: e for e in a.wait_entries(lambda e: e.get("kind") in ("ack", "error"), n_total)}
        self.assertEqual([c for c in sent if results[c]["kind"] != "ack"], [], "refused during reload")
        got = {e["cmid"]: e["body"] for e in b.wait_entries(lambda e: e.get("kind") == "msg" and
                                                              e.get("cmid", "").startswith("r"), n_total)}
        self.assertEqual(sorted(got), sorted(sent), "an acked message did not arrive")
        masked = [i for i in range(n_total) if got[f"r{i}"] == f"******* {i}"]
        plain = [i for i in range(n_total) if got[f"r{i}"] == f"newword {i}"]
        self.assertEqual(len(masked) + len(plain), n_total)
        self.assertTrue(plain and masked, (len(plain), len(masked)))
        self.assertLess(max(plain), min(masked), "the old list applied after the new one")
        self.assertGreaterEqual(len(plain), n_before)
        self.assertGreaterEqual(len(masked), 50)


def moderation_answer(mode, body):
    """The moderation service: refuses texts containing "forbidden"; "fail" answers HTTP 500."""
    if mode != "ok":
        return 500, {"error": "down"}
    text = json.loads(body)["text"]
    return (200, {"result": "reject", "reason": "not allowed here"}) if "forbidden" in text else (200, {"result": "allow"})


class ModerationTest(ImServerTestCase):
    """The external moderation hook: deferred calls, answers, and fail-open behind the breaker."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dep = HttpDependency(moderation_answer)
        plugins = f"""
  - name: filter
    config:
      categories:
        - {{name: profanity, action: mask, words: [bad], penalize: false}}
      moderation:
        url: {cls.dep.url}
        timeout: 300ms
        on_failure: allow
        breaker: {{window: 4, min_calls: 4, failure_rate: 0.5, open_for: 60s, probes: 1}}
"""
        cls.server = ImServer(ARGS.herald, ARGS.plugin_dir, cls.tmp.name, plugins=plugins,
                              before_store=("filter",)).start()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.dep.close()

    def test_answers_and_fail_open_behind_the_breaker(self):
        a, b = self.dev("ma1", "ma1.d"), self.dev("mb1", "mb1.d")

        def outcome(cmid):
            return a.wait_entries(lambda e: e.get("cmid") == cmid and e.get("kind") in ("ack", "error"))[0]
        a.send("c2c", "mb1", "hello there", "m1")
        self.assertEqual(outcome("m1")["kind"], "ack")
        a.send("c2c", "mb1", "a forbidden topic", "m2")
        err = outcome("m2")
        self.assertEqual((err["kind"], err["code"]), ("error", CONTENT_REJECTED))
        self.assertIn("not allowed here", err["reason"])
        a.send("c2c", "mb1", "bad apple", "m3")
        self.assertEqual(outcome("m3")["kind"], "ack")
        self.assertEqual(json.loads(self.dep.last_body)["text"], "*** apple")  # the service sees the masked text
        self.assertEqual(b.wait_entries(lambda e: e.get("cmid") == "m3")[0]["body"], "*** apple")
        self.assertEqual(msgs(b.entries, "m2"), [])

        self.dep.set("fail")  # the service breaks: fail open delivers, the breaker opens within its window
        for i in range(4):
            a.send("c2c", "mb1", f"during the outage {i}", f"f{i}")
            self.assertEqual(outcome(f"f{i}")["kind"], "ack")
        m = self.server.scrape()
        self.assertEqual(m['herald_circuit_state{target="moderation"}'], 1)
        seen = self.dep.count()
        for i in range(3):  # open: no call reaches the service, messages still flow
            a.send("c2c", "mb1", f"while open {i}", f"o{i}")
            self.assertEqual(outcome(f"o{i}")["kind"], "ack")
        self.assertEqual(self.dep.count(), seen)
        b.wait_entries(lambda e: e.get("cmid") == "o2")
        m = self.server.scrape()
        failed, fast = (m[f'herald_filter_moderation_total{{result="{r}"}}'] for r in ("error", "circuit_open"))
        self.assertEqual(failed + fast, 7)  # every outage message either failed or failed fast
        self.assertGreaterEqual(fast, 3)
        self.assertLessEqual(failed, 4)     # opened within the window of 4
        self.assertEqual(m['herald_filter_moderation_total{result="reject"}'], 1)


if __name__ == "__main__":
    ARGS, argv = server_args()
    unittest.main(argv=argv, verbosity=2)
