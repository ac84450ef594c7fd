"""Acceptance of the SDK circuit breaker (issue #8) through a real user of it: the gateway's HTTP
auth callback against a local dependency (a Python http.server on loopback) that answers, fails or
hangs. A failing or hanging dependency opens the breaker within the window, connects then fail fast
(no request reaches the dependency), and a half-open probe closes it once the dependency recovers;
every state and transition is read from /metrics."""
import argparse
import os
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from herald_process import HeraldServer  # noqa: E402
from http_dependency import HttpDependency  # noqa: E402

import paho.mqtt.client as mqtt  # noqa: E402

ARGS = None
TIMEOUT = 20.0
OPEN_FOR = 1.5   # seconds the breaker stays open
CALL_TIMEOUT_MS = 300
STATE = 'herald_circuit_state{target="auth_http"}'


def transitions(series, to):
    return series.get(f'herald_circuit_transitions_total{{target="auth_http",to="{to}"}}', 0)


def auth_answer(mode, body):
    """The auth service: "ok" allows, anything else fails with HTTP 500."""
    return (200, {"result": "allow"}) if mode == "ok" else (500, {"error": "down"})


def connect(port, user):
    """One MQTT 5 connect driven on this thread (no background loop, so no automatic reconnect);
    returns (reason code, seconds to CONNACK)."""
    c = mqtt.Client(client_id=f"{user}-{time.monotonic_ns()}", protocol=mqtt.MQTTv5)
    c.username_pw_set(user, "pw")
    result = {}

    def on_connect(client, userdata, flags, rc, properties=None):
        result["rc"] = getattr(rc, "value", rc)
    c.on_connect = on_connect
    start = time.monotonic()
    c.connect("127.0.0.1", port)
    try:
        while "rc" not in result:
            assert time.monotonic() - start < TIMEOUT, "no CONNACK"
            c.loop(timeout=0.05)
        return result["rc"], time.monotonic() - start
    finally:
        c.disconnect()


class BreakerTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dep = HttpDependency(auth_answer)
        config = os.path.join(self.tmp.name, "herald.yaml")
        with open(config, "w") as f:
            f.write(f"""
service:
  data_dir: {self.tmp.name}/var
  loops: 2
metrics:
  listen: 127.0.0.1:0
plugins:
  - name: gateway
    config:
      listeners:
        - {{name: mqtt, protocol: mqtt, bind: "127.0.0.1:0"}}
      auth:
        http:
          url: http://127.0.0.1:{self.dep.port}/auth
          timeout: {CALL_TIMEOUT_MS}ms
          breaker: {{window: 4, min_calls: 4, failure_rate: 0.5, slow_call: 5s, slow_rate: 1, open_for: {int(OPEN_FOR * 1000)}ms, probes: 1}}
        cache: {{ttl: 0s}}
        login_limit: {{failures: 0}}
""")
        self.server = HeraldServer(ARGS.herald, ARGS.plugin_dir, config)
        self.server.start()
        self.port = self.server.ports["mqtt"]

    def tearDown(self):
        code = self.server.stop()
        self.dep.close()
        self.tmp.cleanup()
        self.assertEqual(code, 0)

    def open_it(self, mode, first_transition):
        """Fails calls until the breaker opens (within the window of 4); returns a time no later
        than the transition."""
        self.dep.set(mode)
        for i in range(4):
            before = time.monotonic()
            rc, _ = connect(self.port, f"u{i}")
            self.assertNotEqual(rc, 0)
            m = self.server.scrape()
            if m[STATE] == 1:
                break
        self.assertEqual(m[STATE], 1, f"{mode}: breaker not open after the window")
        self.assertEqual(transitions(m, "open"), first_transition)
        # Open: calls fail fast, and none reaches the dependency.
        seen = self.dep.count()
        for i in range(3):
            rc, took = connect(self.port, f"fast{i}")
            self.assertNotEqual(rc, 0)
            self.assertLess(took, CALL_TIMEOUT_MS / 1000.0, "not failing fast")
        self.assertEqual(self.dep.count(), seen, "a call reached the dependency while open")
        return before

    def close_it(self, opened_at, closings):
        self.dep.set("ok")
        # Until open_for has passed every connect fails fast; then one half-open probe succeeds.
        deadline = opened_at + OPEN_FOR + 10
        while True:
            rc, _ = connect(self.port, "probe")
            if rc == 0:
                break
            self.assertLess(time.monotonic(), deadline, "the breaker never closed")
            time.sleep(0.1)  # pacing of the probes
        self.assertGreaterEqual(time.monotonic() - opened_at, OPEN_FOR)
        m = self.server.scrape()
        self.assertEqual(m[STATE], 0)
        self.assertEqual(transitions(m, "half_open"), closings)
        self.assertEqual(transitions(m, "closed"), closings)

    def test_failing_then_hanging_dependency(self):
        rc, _ = connect(self.port, "healthy")
        self.assertEqual(rc, 0)
        self.assertEqual(self.server.scrape()[STATE], 0)

        opened = self.open_it("fail", 1)
        self.close_it(opened, 1)

        opened = self.open_it("hang", 2)  # timeouts count as failures
        self.close_it(opened, 2)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--herald", required=True)
    p.add_argument("--plugin-dir", required=True)
    ARGS, rest = p.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
