"""Runs a herald process for tests and reads its log as it is written (no sleeps: waits for lines)."""
import os
import queue
import re
import signal
import subprocess
import threading
import time
import urllib.request


class HeraldProcess:
    def __init__(self, herald, config, env=None, argv=None, cwd=None, user=None):
        self.lines = []
        self._queue = queue.Queue()
        self.proc = subprocess.Popen(argv or [herald, "serve", "-c", config], stderr=subprocess.PIPE, text=True,
                                     cwd=cwd, env={**os.environ, **(env or {})}, user=user, group=user)
        threading.Thread(target=self._pump, daemon=True).start()

    @classmethod
    def command(cls, argv, cwd=None, env=None, user=None):
        """Any `herald serve` command line, optionally as another user (as a systemd unit runs it)."""
        return cls(None, None, env=env, argv=argv, cwd=cwd, user=user)

    def _pump(self):
        with self.proc.stderr:
            for line in self.proc.stderr:
                self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, pattern, timeout=20.0):
        """Returns the first new log line matching pattern; fails on timeout or exit."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no log line matching {pattern!r} within {timeout}s; log:\n" + "\n".join(self.lines))
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"herald exited before logging {pattern!r}; log:\n" + "\n".join(self.lines))
            self.lines.append(line)
            if rx.search(line):
                return line

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=timeout)
        return code


def scrape(address):
    host, port = address.rsplit(":", 1)
    if host == "0.0.0.0":
        host = "127.0.0.1"
    with urllib.request.urlopen(f"http://{host}:{port}/metrics", timeout=10) as r:
        assert r.status == 200, r.status
        text = r.read().decode()
    series = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, value = line.rsplit(" ", 1)
        series[name] = float(value)
    return series


class HeraldServer:
    """A herald serving `config` with plugins from `plugin_dir`: start (ports and metrics address
    read from the start-up line), SIGTERM stop, kill -9, tokens from `herald token`, scrapes."""

    def __init__(self, herald, plugin_dir, config):
        self.herald = herald
        self.plugin_dir = plugin_dir
        self.config = config
        self.proc = None
        self.ports = {}
        self.metrics = None
        self.admin = None  # "host:port" of the admin API when the config enables it

    def start(self, timeout=20.0):
        self.proc = HeraldProcess(self.herald, self.config, env={"HERALD_PLUGIN_PATH": self.plugin_dir})
        started = self.proc.wait_for(r"herald .* started", timeout=timeout)
        for name, port in re.findall(r"(\w+)\[(?:mqtt|binary)\+[\w+-]+\] 127\.0\.0\.1:(\d+)", started):
            self.ports[name] = int(port)
        self.metrics = re.search(r"metrics http://([0-9.]+:\d+)/metrics", started).group(1)
        admin = re.search(r"admin http://([0-9.]+:\d+)", started)
        self.admin = admin.group(1) if admin else None
        return started

    def stop(self):
        if self.proc:
            code = self.proc.stop()
            self.proc = None
            return code
        return None

    def kill9(self):
        self.proc.proc.kill()
        self.proc.proc.wait(timeout=20)
        self.proc = None

    def token(self, user, device="", ttl="1h"):
        args = [self.herald, "token", "-c", self.config, "--user", user, "--ttl", ttl]
        if device:
            args += ["--device", device]
        r = subprocess.run(args, capture_output=True, text=True, timeout=30,
                           env={**os.environ, "HERALD_PLUGIN_PATH": self.plugin_dir})
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    def scrape(self):
        return scrape(self.metrics)
