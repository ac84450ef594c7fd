"""Smoke test of the benchmark tools (not of speed): herald-bench drives a real herald at tiny size
for a second per mode (MQTT IM path, plain fan-out, binary protocol, reconnect with sync, idle) and
the raw relay, and each
run must deliver messages with no error and nothing lost (herald-bench --strict, plus its JSON)."""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from im_harness import SECRET, ImServer  # noqa: E402

ARGS = None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BenchSmokeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.secret = os.path.join(cls.dir.name, "jwt.secret")
        with open(cls.secret, "w") as f:
            f.write(SECRET + "\n")
        cls.server = ImServer(ARGS.herald, ARGS.plugin_dir, cls.dir.name).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.dir.cleanup()

    def bench(self, name, *args):
        out = os.path.join(self.dir.name, name + ".json")
        cmd = [ARGS.bench, "--threads", "2", "--warmup", "0.3", "--duration", "1", "--drain", "5",
               "--jwt-secret-file", self.secret, "--user-prefix", name + "-", "--json", out, "--strict", *args]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, f"{cmd}\n{r.stdout}\n{r.stderr}")
        with open(out) as f:
            result = json.load(f)
        self.assertEqual(result["errors"], 0, r.stdout)
        self.assertEqual(result["lost"], 0, r.stdout)
        return result

    def test_mqtt_im_p2p(self):
        r = self.bench("im", "--port", str(self.server.ports["mqtt"]), "--topics", "im", "--scenario", "p2p",
                       "--clients", "3", "--server-pid", str(self.server.proc.proc.pid))
        self.assertGreater(r["delivered"], 0)
        self.assertEqual(r["delivered"], r["sent"])  # every message stored by herald reached its peer
        self.assertGreater(r["latency_us"]["samples"], 0)
        self.assertGreater(r["server"]["rss_kb"], 0)

    def test_mqtt_plain_fanout(self):
        r = self.bench("fan", "--port", str(self.server.ports["mqtt"]), "--scenario", "fanout", "--clients", "5")
        self.assertEqual(r["delivered"], r["sent"] * 5)

    def test_binary_room_fanout(self):
        r = self.bench("room", "--protocol", "binary", "--port", str(self.server.ports["bin"]), "--scenario", "fanout",
                       "--clients", "5")
        self.assertEqual(r["delivered"], r["sent"] * 5)

    def test_binary_group(self):
        r = self.bench("grp", "--protocol", "binary", "--port", str(self.server.ports["bin"]), "--scenario", "group",
                       "--clients", "6", "--senders", "2")
        self.assertEqual(r["delivered"], r["sent"] * 5)  # every other member, system notices not counted

    def test_binary_p2p(self):
        r = self.bench("bin", "--protocol", "binary", "--port", str(self.server.ports["bin"]), "--scenario", "p2p",
                       "--clients", "3")
        self.assertGreater(r["delivered"], 0)

    def test_relay_p2p(self):
        port = free_port()
        relay = subprocess.Popen([ARGS.relay, "--listen", f"127.0.0.1:{port}", "--threads", "1"],
                                 stderr=subprocess.PIPE, text=True)
        try:
            self.assertIn("listening", relay.stderr.readline())
            r = self.bench("relay", "--protocol", "binary", "--peer", "relay", "--port", str(port),
                           "--scenario", "p2p", "--clients", "3", "--sources", "2", "--bind-first", "127.0.0.2")
            self.assertGreater(r["delivered"], 0)
        finally:
            relay.kill()
            relay.wait()

    def test_reconnect_with_sync(self):
        r = self.bench("rec", "--port", str(self.server.ports["mqtt"]), "--topics", "im", "--scenario", "reconnect",
                       "--clients", "5")
        self.assertGreater(r["delivered"], 0)  # reconnects completed, each answered by sync_end
        self.assertEqual(r["delivered"], r["sent"])

    def test_idle(self):
        r = self.bench("idle", "--port", str(self.server.ports["mqtt"]), "--scenario", "idle", "--clients", "50",
                       "--idle-hold", "0.2", "--server-pid", str(self.server.proc.proc.pid))
        self.assertEqual(r["connected"], 50)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--herald", required=True)
    ap.add_argument("--plugin-dir", required=True)
    ap.add_argument("--bench", required=True)
    ap.add_argument("--relay", required=True)
    ARGS, rest = ap.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest)
