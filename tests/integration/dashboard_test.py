"""The Grafana dashboard and the alert rules against a real Prometheus (Debian's) scraping a real herald
under a small live load: every panel query of ops/grafana/herald.json must return data, and promtool
must accept ops/prometheus/. Loopback only; bounded in time."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from im_harness import server_args, ImServer, TIMEOUT  # noqa: E402

ARGS = None
ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
LIVE = {"Connections by listener", "Messages in", "Messages stored", "Messages out",
        "Delivery latency (commit to device ack)", "Envelopes by result", "Stage duration p99",
        "Stage rejects by reason code", "Commit latency", "Requests per group commit", "CPU", "Resident memory",
        "Admin API requests by status", "Content filter by result", "Filter hits by category", "Rate limits by rule",
        "Unread counter updates", "Replication log appends", "Records applied and lag",
        "Append and cross-node latency p99"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def panel_queries(dashboard):
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            # What Grafana substitutes: every instance, and a rate window that fits a 1 s scrape.
            yield panel["title"], target["expr"].replace("$instance", ".*").replace("$__rate_interval", "15s")


class DashboardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        token_file = os.path.join(cls.tmp.name, "admin.token")
        # The cluster row needs the kafka plugin: a one-node cluster on librdkafka's mock cluster.
        cls.kafka = subprocess.Popen([ARGS.kafka_mock, "herald.log:1", "herald.presence:1"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        bootstrap = cls.kafka.stdout.readline().split()[1]
        cls.server = ImServer(ARGS.herald, ARGS.plugin_dir, cls.tmp.name,
                              admin=f"admin:\n  enabled: true\n  listen: 127.0.0.1:0\n  token_file: {token_file}\n",
                              # a breaker exists once a callback is configured (nobody listens there)
                              auth_http_url=f"http://127.0.0.1:{free_port()}/auth",
                              # every plugin the dashboard has panels for
                              plugins=f"""  - name: unread
  - name: filter
    config:
      categories: [{{name: dash, action: mask, words: [badword]}}]
  - name: ratelimit
    config:
      rules: [{{name: dash-send, key: user, match: {{im: send}}, rate: 1000/s, burst: 1000}}]
  - name: media
    config: {{listen: "127.0.0.1:0"}}
  - name: push
    config:
      providers: [{{type: xiaomi, app_secret: dashboard-test, url: "http://127.0.0.1:{free_port()}"}}]
""",
                              im_config="      replicated: true",
                              early_plugins=f"""  - name: kafka
    config: {{bootstrap_servers: "{bootstrap}", fetch_wait: 5ms}}""",
                              before_store=("ratelimit", "filter", "media.check"),
                              after_store=("unread", "media.grant")).start()
        with open(token_file) as f:
            cls.admin_token = f.read().strip()
        cls.prom_port = free_port()
        config = os.path.join(cls.tmp.name, "prometheus.yml")
        with open(config, "w") as f:
            f.write(f"""
global: {{scrape_interval: 1s, evaluation_interval: 1s}}
rule_files: ["{os.path.abspath(os.path.join(ROOT, 'ops', 'prometheus', 'alerts.yml'))}"]
scrape_configs:
  - job_name: herald
    static_configs: [{{targets: ["{cls.server.metrics}"]}}]
""")
        cls.prom = subprocess.Popen(["prometheus", f"--config.file={config}",
                                     f"--storage.tsdb.path={cls.tmp.name}/tsdb",
                                     f"--web.listen-address=127.0.0.1:{cls.prom_port}"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @classmethod
    def tearDownClass(cls):
        cls.prom.terminate()
        cls.prom.wait(timeout=30)
        code = cls.server.stop()
        cls.kafka.stdin.close()
        cls.kafka.wait(timeout=20)
        cls.tmp.cleanup()
        assert code == 0, f"herald exit code {code}"

    def api(self, path, **params):
        url = f"http://127.0.0.1:{self.prom_port}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=10) as r:
            return json.loads(r.read())

    def wait_until(self, what, predicate, timeout=TIMEOUT):
        """Polls a condition with a deadline (Prometheus has no push notification for 'scraped')."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if predicate():
                    return
            except (OSError, IndexError, KeyError):
                pass  # not listening yet, or no sample yet
            self.assertLess(time.monotonic(), deadline, f"timed out waiting for {what}")
            time.sleep(0.2)

    def load(self, stop):
        """Traffic every panel needs: IM sends both ways, one refused send, plain MQTT, admin calls."""
        alice, bob = self.server.device("dash-alice", "dash-alice-1"), self.server.device("dash-bob", "dash-bob-1")
        bob.client.subscribe("chat/dash", qos=1)
        n = 0
        while not stop.is_set() and n < 2000:
            alice.send("c2c", "dash-bob", f"m{n} badword" if n % 3 == 0 else f"m{n}", f"dash-{n}")  # filter hits
            bob.client.publish("chat/dash", b"x", qos=1).wait_for_publish(TIMEOUT)
            if n % 5 == 0:
                alice.send("group", "dash-nowhere", "refused", f"dash-refused-{n}", wait=False)  # NOT_MEMBER
                req = urllib.request.Request(f"http://{self.server.admin}/v1/status")
                req.add_header("Authorization", f"Bearer {self.admin_token}")
                urllib.request.urlopen(req, timeout=10).read()
            n += 1
            stop.wait(0.05)  # a steady trickle, not a benchmark
        alice.disconnect()
        bob.disconnect()

    def test_every_panel_query_returns_data(self):
        with open(os.path.join(ROOT, "ops", "grafana", "herald.json")) as f:
            dashboard = json.load(f)
        queries = list(panel_queries(dashboard))
        self.assertGreaterEqual(len(queries), 20)
        stop = threading.Event()
        loader = threading.Thread(target=self.load, args=(stop,), daemon=True)
        loader.start()
        try:
            self.wait_until("Prometheus to be ready", lambda: urllib.request.urlopen(
                f"http://127.0.0.1:{self.prom_port}/-/ready", timeout=5).status == 200)
            # Ten scrapes under load, so every rate() window holds samples.
            self.wait_until("ten scrapes of herald", lambda: float(self.api(
                "/api/v1/query", query='count_over_time(herald_build_info[1m])')["data"]["result"][0]["value"][1]) >= 10)
            empty, shown = [], {}
            for title, expr in queries:
                out = self.api("/api/v1/query", query=expr)
                self.assertEqual(out["status"], "success", (title, expr, out))
                values = [float(r["value"][1]) for r in out["data"]["result"]]
                if not values:
                    empty.append(f"{title}: {expr}")
                shown.setdefault(title, []).extend(values)
            self.assertEqual(empty, [], "panel queries that returned no data")
            # Panels the load drives must show it: a finite, positive value in some series of the panel.
            idle = [f"{t}: {shown[t]}" for t in sorted(LIVE)
                    if not any(0 < v < float("inf") for v in shown.get(t, []) if v == v)]
            self.assertEqual(idle, [], "panels the load should move but that show nothing")
        finally:
            stop.set()
            loader.join(timeout=TIMEOUT)

        rules = self.api("/api/v1/rules")["data"]["groups"]
        loaded = {r["name"]: r["health"] for g in rules for r in g["rules"]}
        self.assertIn("HeraldCircuitOpen", loaded)
        self.assertEqual({h for h in loaded.values()}, {"ok"}, loaded)

    def test_promtool_accepts_the_rules_and_the_scrape_config(self):
        for args in (["check", "rules", os.path.join(ROOT, "ops", "prometheus", "alerts.yml")],
                     ["check", "config", os.path.join(ROOT, "ops", "prometheus", "prometheus.yml")]):
            r = subprocess.run(["promtool", *args], capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    ARGS, argv = server_args("--kafka-mock")
    unittest.main(argv=argv, verbosity=2)
