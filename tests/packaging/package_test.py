"""The packages as a user meets them (issue #10): build the .deb and .rpm with CPack, `apt-get install`
them on this (Debian 12) machine, start herald the way its systemd unit does, chat through it with
mosquitto clients, remove and reinstall keeping config and data, build the example plugin out of tree
against the installed herald-dev and load it, and inspect the .rpm with rpm -qp. Needs root (CI is)."""
import argparse
import configparser
import glob
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from herald_process import HeraldProcess, scrape  # noqa: E402

ARGS = None
TIMEOUT = 60


def run(*cmd, check=True, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r


def port_free(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("0.0.0.0", port))
            return True
        except OSError:
            return False


def apt(*args):
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return run("apt-get", "-y", "-q", "-o", "Dpkg::Options::=--force-confold", *args, env=env)


def chat_roundtrip(port, token, topic, text):
    """mosquitto_sub waits for one message that mosquitto_pub sends; returns what arrived."""
    # Line-buffered, so the SUBACK line arrives while mosquitto_sub runs, not when it exits.
    sub = subprocess.Popen(["stdbuf", "-oL", "mosquitto_sub", "-p", str(port), "-u", "alice", "-P", token, "-t", topic, "-C", "1",
                            "-W", "20", "-q", "1", "-i", "pkg-sub", "-d"], stdout=subprocess.PIPE, text=True)
    try:
        for line in sub.stdout:  # -d prints the SUBACK before any message: publish only then
            if "SUBACK" in line:
                break
        run("mosquitto_pub", "-p", str(port), "-u", "alice", "-P", token, "-t", topic, "-m", text, "-q", "1",
            "-i", "pkg-pub")
        out = sub.stdout.read()
        sub.wait(timeout=30)
        sub.stdout.close()
        return [l for l in out.splitlines() if not l.startswith(("Client ", "Subscribed "))]
    finally:
        if sub.poll() is None:
            sub.kill()


class PackageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("installs packages: needs root (CI runs as root)")
        cls.tmp = tempfile.mkdtemp(prefix="herald-pkg-")
        run("cpack", "--config", os.path.join(ARGS.build, "CPackConfig.cmake"), "-G", "DEB;RPM", "-B", cls.tmp)
        cls.debs = sorted(glob.glob(os.path.join(cls.tmp, "*.deb")))
        cls.rpms = sorted(glob.glob(os.path.join(cls.tmp, "*.rpm")))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def deb(self, name):
        return next(p for p in self.debs if os.path.basename(p).startswith(name + "_"))

    def test_deb_contents_and_dependencies(self):
        herald = self.deb("herald")
        files = run("dpkg-deb", "-c", herald).stdout
        for path in ("./usr/bin/herald", "./usr/lib/herald/plugins/libherald_gateway.so", "./etc/herald/herald.yaml",
                     "./lib/systemd/system/herald.service", "./usr/share/herald/console/index.html",
                     "./usr/share/herald/console/mqtt.esm.js"):
            self.assertIn(path, files)
        self.assertNotIn("libherald_verdict.so", files)  # test-only plugins stay out
        depends = run("dpkg-deb", "-f", herald, "Depends").stdout
        for lib in ("libsqlite3-0", "libpoconet80", "libyaml-cpp0.7", "libssl3", "libprometheus-cpp-pull1.0"):
            self.assertIn(lib, depends)
        ctl = os.path.join(self.tmp, "ctl")
        run("dpkg-deb", "-e", herald, ctl)
        with open(os.path.join(ctl, "conffiles")) as f:
            self.assertEqual(f.read().split(), ["/etc/herald/herald.yaml"])
        dev = run("dpkg-deb", "-c", self.deb("herald-dev")).stdout
        for path in ("./usr/include/herald/sdk.hpp", "./usr/include/herald/plugin_abi.h",
                     "./usr/include/herald/version.h", "./usr/lib/cmake/HeraldPluginSDK/HeraldPluginSDKConfig.cmake"):
            self.assertIn(path, dev)

    def test_rpm_files_requires_and_config(self):
        rpm = next(p for p in self.rpms if os.path.basename(p).startswith("herald-0"))
        files = run("rpm", "-qpl", rpm).stdout.split()
        for path in ("/usr/bin/herald", "/usr/lib/herald/plugins/libherald_gateway.so", "/etc/herald/herald.yaml",
                     "/lib/systemd/system/herald.service"):
            self.assertIn(path, files)
        self.assertNotIn("/etc", files)  # no ownership of system directories
        requires = run("rpm", "-qpR", rpm).stdout
        for lib in ("libsqlite3.so.0", "libPocoNet.so.80", "libyaml-cpp.so.0.7", "libssl.so.3", "shadow-utils"):
            self.assertIn(lib, requires)
        self.assertEqual(run("rpm", "-qp", "--configfiles", rpm).stdout.split(), ["/etc/herald/herald.yaml"])
        self.assertIn("useradd --system", run("rpm", "-qp", "--scripts", rpm).stdout)
        devel = next(p for p in self.rpms if os.path.basename(p).startswith("herald-devel"))
        self.assertIn("/usr/lib/cmake/HeraldPluginSDK/HeraldPluginSDKConfig.cmake", run("rpm", "-qpl", devel).stdout)

    def test_install_serve_remove_reinstall_and_build_a_plugin(self):
        for port in (1883, 8083, 7100, 14000, 8090, 9464, 18083):
            self.assertTrue(port_free(port), f"port {port} is taken: the packaged default config needs it")
        try:
            apt("install", self.deb("herald"), self.deb("herald-dev"))
            self.assertEqual(run("id", "-u", "herald").returncode, 0)
            st = os.stat("/var/lib/herald")
            self.assertEqual((st.st_uid, oct(st.st_mode & 0o777)), (int(run("id", "-u", "herald").stdout), "0o750"))
            self.assertTrue(os.path.getsize("/var/lib/herald/jwt.secret") > 0)

            self.serve_as_the_unit_does(first=True)

            with open("/etc/herald/herald.yaml", "a") as f:
                f.write("# edited by the operator\n")
            with open("/var/lib/herald/marker", "w") as f:
                f.write("data")
            apt("remove", "herald-dev", "herald")
            self.assertFalse(os.path.exists("/usr/bin/herald"))
            with open("/etc/herald/herald.yaml") as f:
                self.assertIn("# edited by the operator", f.read())  # remove keeps the config ...
            self.assertTrue(os.path.exists("/var/lib/herald/marker"))  # ... and the data
            apt("install", self.deb("herald"), self.deb("herald-dev"))
            with open("/etc/herald/herald.yaml") as f:
                self.assertIn("# edited by the operator", f.read())
            self.assertTrue(os.path.exists("/var/lib/herald/marker"))
            self.serve_as_the_unit_does(first=False)

            self.build_and_load_the_example_plugin()
        finally:
            installed = [p for p in ("herald-dev", "herald") if run("dpkg", "-s", p, check=False).returncode == 0]
            if installed:
                apt("purge", *installed)  # leaves the machine as it was
        self.assertFalse(os.path.exists("/etc/herald"))
        self.assertNotEqual(run("id", "-u", "herald", check=False).returncode, 0)

    def serve_as_the_unit_does(self, first):
        unit = configparser.ConfigParser(strict=False, interpolation=None)
        unit.read("/lib/systemd/system/herald.service")
        svc = unit["Service"]
        self.assertEqual(svc["ExecReload"], "/bin/kill -HUP $MAINPID")
        self.assertEqual(svc["Restart"], "on-failure")
        run(*svc["ExecStartPre"].split())  # check-config passes on the shipped config
        if shutil.which("systemd-analyze"):
            run("systemd-analyze", "verify", "/lib/systemd/system/herald.service")  # the unit as systemd reads it
        cmd = svc["ExecStart"].split()
        # No systemd here (a container): run ExecStart by hand as the unit's user, in its directory.
        proc = HeraldProcess.command(cmd, cwd=svc["WorkingDirectory"], user=svc["User"])
        try:
            proc.wait_for(r"herald .* started", timeout=TIMEOUT)
            token = run("/usr/bin/herald", "token", "-c", "/etc/herald/herald.yaml", "--user", "alice").stdout.strip()
            self.assertEqual(chat_roundtrip(1883, token, "chat/pkg", "hello from the package"),
                             ["hello from the package"])
            with urllib.request.urlopen("http://127.0.0.1:18083/healthz", timeout=10) as r:
                self.assertEqual(r.status, 200)
            with urllib.request.urlopen("http://127.0.0.1:18083/console/", timeout=10) as r:
                self.assertIn(b"Herald console", r.read())  # the packaged console, found from /usr/bin
            self.assertIn("herald_build_info", str(scrape("127.0.0.1:9464")))
            if first:
                self.assertTrue(any("admin API token created in /var/lib/herald/admin.token" in l for l in proc.lines))
            self.assertEqual(os.stat("/var/lib/herald/admin.token").st_uid, int(run("id", "-u", "herald").stdout))
        finally:
            self.assertEqual(proc.stop(), 0)

    def build_and_load_the_example_plugin(self):
        src = os.path.join(ARGS.source, "plugins", "examples", "keyword_router")
        build = os.path.join(self.tmp, "example-build")
        run("cmake", "-S", src, "-B", build, "-DCMAKE_BUILD_TYPE=Release")
        run("cmake", "--build", build)
        self.assertTrue(os.path.exists(os.path.join(build, "libherald_keyword_router.so")))
        work = os.path.join(self.tmp, "example-run")
        os.makedirs(work)
        config = os.path.join(work, "herald.yaml")
        with open(config, "w") as f:
            f.write(f"""
service: {{data_dir: {work}/var, plugin_paths: ["{build}"]}}
metrics: {{listen: 127.0.0.1:0}}
plugins:
  - name: keyword_router
  - name: gateway
    config:
      listeners: [{{name: mqtt, protocol: mqtt, bind: "127.0.0.1:0"}}]
      auth: {{jwt: {{secrets: ["example-plugin-secret-0123456789abcdef"]}}}}
      acl: {{default: allow}}
      mqtt: {{pipeline: inbound}}
pipelines:
  inbound:
    - stage: keyword_router
      config: {{keywords: [refund, invoice], route: billing}}
""")
        listed = run("/usr/bin/herald", "plugins", "-c", config).stdout
        self.assertIn("keyword_router", listed)
        proc = HeraldProcess.command(["/usr/bin/herald", "serve", "-c", config])
        try:
            started = proc.wait_for(r"herald .* started", timeout=TIMEOUT)
            port = int(re.search(r"mqtt\[mqtt\+tcp\] 127\.0\.0\.1:(\d+)", started).group(1))
            metrics = re.search(r"metrics http://([0-9.]+:\d+)/metrics", started).group(1)
            token = run("/usr/bin/herald", "token", "-c", config, "--user", "alice").stdout.strip()
            self.assertEqual(chat_roundtrip(port, token, "support/1", "no keyword here"), ["no keyword here"])
            self.assertEqual(chat_roundtrip(port, token, "support/1", "I want a REFUND"), ["I want a REFUND"])
            series = scrape(metrics)
            self.assertEqual(series.get('herald_keyword_routed_total{route="billing"}'), 1.0, series)
        finally:
            self.assertEqual(proc.stop(), 0)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", required=True)
    parser.add_argument("--source", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
