"""herald serve as an operator runs it: start-up log, /metrics, SIGHUP reloads (accepted and
rejected), SIGTERM shutdown with exit code 0."""
import argparse
import os
import re
import signal
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from herald_process import HeraldProcess, scrape  # noqa: E402

ARGS = None


def config(tmp, tag_value, extra=""):
    return (f"service:\n  data_dir: {tmp}/var\n  loops: 2\n"
            f"  plugin_paths: [\"{ARGS.plugin_dir}\", \"{ARGS.test_plugin_dir}\"]\n"
            "metrics:\n  listen: 127.0.0.1:0\n"
            "plugins:\n  - name: tag\n  - name: verdict\n"
            "pipelines:\n  inbound:\n    - stage: tag\n"
            f"      config: {{header: x-node, value: {tag_value}}}\n" + extra)


class ServeTest(unittest.TestCase):
    def test_serve_reload_stop(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "herald.yaml")
            with open(path, "w") as f:
                f.write(config(tmp, "one"))
            h = HeraldProcess(ARGS.herald, path)
            try:
                started = h.wait_for(r"herald .* started")
                self.assertIn(f"config={path}", started)
                self.assertIn("plugins=[im 1.0.0 (abi 1), tag 1.0.0 (abi 1), verdict 0.1.0 (abi 1)]", started)
                self.assertIn("pipelines=[inbound: tag]", started)
                address = re.search(r"metrics http://([0-9.]+:\d+)/metrics", started).group(1)

                m = scrape(address)
                self.assertEqual(m['herald_build_info{abi="1",version="0.1.0"}'], 1)
                self.assertEqual(m["herald_plugins_loaded"], 3)  # with the built-in im
                self.assertGreater(m["process_resident_memory_bytes"], 0)
                self.assertGreaterEqual(m["process_cpu_seconds_total"], 0)  # present; may round to 0 ticks
                self.assertGreater(m["process_open_fds"], 0)
                self.assertEqual(m['herald_config_reloads_total{result="success"}'], 0)

                # An accepted reload.
                with open(path, "w") as f:
                    f.write(config(tmp, "two"))
                h.signal(signal.SIGHUP)
                line = h.wait_for(r"config reloaded|reload .* rejected")
                self.assertIn("config reloaded", line)
                self.assertIn(f"config={path}", line)
                self.assertEqual(scrape(address)['herald_config_reloads_total{result="success"}'], 1)

                # A rejected reload names the cause and keeps the process serving.
                with open(path, "w") as f:
                    f.write(config(tmp, "three", "    - stage: no_such_stage\n"))
                h.signal(signal.SIGHUP)
                h.wait_for(r"reload of .* rejected, the running config stays")
                cause = h.wait_for(r"pipelines.inbound\[1\].stage: unknown stage \"no_such_stage\"")
                self.assertIn(path, cause)
                m = scrape(address)
                self.assertEqual(m['herald_config_reloads_total{result="failure"}'], 1)
                self.assertEqual(m['herald_config_reloads_total{result="success"}'], 1)
                # Drain (SIGUSR1) reaches every plugin's drain hook and the process keeps serving.
                h.signal(signal.SIGUSR1)
                h.wait_for(r"drain requested")
                h.wait_for(r"verdict: drain hook ran")
                h.wait_for(r"drained: no new clients")
                self.assertEqual(scrape(address)["herald_draining"], 1)
            finally:
                code = h.stop()
            self.assertEqual(code, 0)
            h.wait_for(r"stopped")

    def test_bad_plugin_exits_before_listening(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "herald.yaml")
            with open(path, "w") as f:
                f.write(config(tmp, "x").replace("  - name: verdict\n", "  - name: init_fails\n"))
            h = HeraldProcess(ARGS.herald, path)
            line = h.wait_for(r"cannot start")
            self.assertIn('plugin "init_fails"', line)
            self.assertIn("failed to initialise: cannot reach license.example:443", line)
            self.assertEqual(h.proc.wait(timeout=20), 1)
            self.assertFalse(any("started" in l for l in h.lines))


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--herald", required=True)
    p.add_argument("--plugin-dir", required=True)
    p.add_argument("--test-plugin-dir", required=True)
    ARGS, rest = p.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
