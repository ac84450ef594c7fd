"""The operator's CLI: check-config reports every error with its YAML path and line in one pass;
plugins lists each plugin's ABI version, stages and config keys; the shipped config is valid."""
import argparse
import os
import subprocess
import sys
import tempfile
import unittest

ARGS = None


def run(*argv, env=None, cwd=None):
    return subprocess.run([ARGS.herald, *argv], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})}, cwd=cwd)


def shipped_config_dir(tmp):
    """The shipped config reads ./var/jwt.secret (made by ops/run.sh): give it one in tmp."""
    os.makedirs(os.path.join(tmp, "var"))
    with open(os.path.join(tmp, "var", "jwt.secret"), "w") as f:
        f.write("0123456789abcdef0123456789abcdef0123456789abcdef\n")
    return tmp


class CliTest(unittest.TestCase):
    def plugin_env(self):
        return {"HERALD_PLUGIN_PATH": f"{ARGS.plugin_dir}:{ARGS.test_plugin_dir}"}

    def test_check_config_reports_all_errors(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "bad.yaml")
            with open(path, "w") as f:
                f.write("service:\n"
                        "  loops: many\n"                 # wrong type (line 2)
                        "plugins:\n"
                        "  - name: tag\n"
                        "  - name: nosuch\n"              # unknown plugin (line 5)
                        "pipelines:\n"
                        "  inbound:\n"
                        "    - stage: tag\n"              # missing required key header (line 8)
                        "      config: {value: v}\n")
            r = run("check-config", path, env=self.plugin_env())
            self.assertNotEqual(r.returncode, 0)
            err = r.stderr
            self.assertIn(f"{path}:2:10: service.loops: expected integer, got \"many\"", err)
            self.assertIn(f"{path}:5:11: plugins[1].name: unknown plugin \"nosuch\"", err)
            self.assertIn("pipelines.inbound[0].config.header: missing required key (stage \"tag\")", err)
            self.assertIn(f"{path}: 3 errors", err)

    def test_check_config_accepts_the_shipped_config(self):
        with tempfile.TemporaryDirectory() as tmp:
            r = run("check-config", os.path.join(ARGS.source, "config", "herald.yaml"), env=self.plugin_env(),
                    cwd=shipped_config_dir(tmp))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ok (4 plugins, 1 pipeline)", r.stdout)  # the built-in im, tag, gateway, media

    def test_token_command_signs_with_the_configured_secret(self):
        with tempfile.TemporaryDirectory() as tmp:
            r = run("token", "-c", os.path.join(ARGS.source, "config", "herald.yaml"), "--user", "alice",
                    "--ttl", "10m", env=self.plugin_env(), cwd=shipped_config_dir(tmp))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stdout.strip(), r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
            bad = run("token", "-c", os.path.join(ARGS.source, "config", "herald.yaml"), "--user", "no spaces!",
                      env=self.plugin_env(), cwd=tmp)
            self.assertNotEqual(bad.returncode, 0)

    def test_plugins_lists_abi_stages_and_keys(self):
        with tempfile.TemporaryDirectory() as tmp:
            r = run("plugins", "-c", os.path.join(ARGS.source, "config", "herald.yaml"), env=self.plugin_env(),
                    cwd=shipped_config_dir(tmp))
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout
        self.assertRegex(out, r"tag 1\.0\.0  \(ABI 1\)  .*libherald_tag\.so")
        self.assertRegex(out, r"overwrite\s+boolean\s+default true")
        self.assertIn("stage tag: sets header <header> to <value>", out)
        self.assertRegex(out, r"header\s+string\s+required")
        self.assertRegex(out, r"value\s+string\s+default \"tagged\"")
        self.assertRegex(out, r"gateway \d+\.\d+\.\d+  \(ABI 1\)")
        self.assertRegex(out, r"im \d+\.\d+\.\d+  \(ABI 1\)  .*\(built-in\)")
        self.assertIn("stage im.store:", out)
        self.assertIn("command herald token -c FILE --user U [--device D] [--ttl 1h]", out)

    def test_plugins_shows_listeners_and_routes(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "h.yaml")
            with open(path, "w") as f:
                f.write("plugins:\n  - name: verdict\n")
            r = run("plugins", "-c", path, env=self.plugin_env())
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("listener none:", r.stdout)
            self.assertIn("route GET /verdict/stats:", r.stdout)
            self.assertIn("stage defer:", r.stdout)

    def test_plugin_commands_run_through_the_abi(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "h.yaml")
            with open(path, "w") as f:
                f.write("plugins:\n  - name: verdict\n")
            r = run("verdict-args", "-c", path, "one", "two", env=self.plugin_env())
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout, "args: one two\n")
            r = run("verdict-args", "-c", path, "--fail", env=self.plugin_env())
            self.assertEqual(r.returncode, 3)
            self.assertIn("failing on request", r.stderr)
            listing = run("plugins", "-c", path, env=self.plugin_env()).stdout
            self.assertIn("command herald verdict-args -c FILE [args...]: echoes its arguments", listing)

    def test_version_and_usage(self):
        r = run("version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^herald \d+\.\d+\.\d+ \(plugin ABI 1\)")
        self.assertEqual(run("frobnicate").returncode, 2)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--herald", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--plugin-dir", required=True)
    p.add_argument("--test-plugin-dir", required=True)
    ARGS, rest = p.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
