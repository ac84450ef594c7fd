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
    def __init__(self, herald, config, env=None):
        self.lines = []
        self._queue = queue.Queue()
        self.proc = subprocess.Popen([herald, "serve", "-c", config], stderr=subprocess.PIPE, text=True,
                                     env={**os.environ, **(env or {})})
        threading.Thread(target=self._pump, daemon=True).start()

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
