"""10,000 concurrent MQTT connections on loopback, all held open at once, and all still exchanging
messages: client i publishes to client i+1's topic and every client must receive exactly its one
message. Bounded in count and time."""
import argparse
import os
import resource
import selectors
import socket
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from gateway_harness import Gateway, connect_packet, first_packet, publish_packet, subscribe_packet  # noqa: E402

ARGS = None
CLIENTS = 10_000
BATCH = 1_000
DEADLINE_S = 180


class Conn:
    __slots__ = ("sock", "index", "buffer", "state", "received")

    def __init__(self, sock, index):
        self.sock, self.index, self.buffer, self.state, self.received = sock, index, b"", "connecting", []


class ManyConnectionsTest(unittest.TestCase):
    def test_ten_thousand_connections_exchange_messages(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard < CLIENTS + 200:
            self.fail(f"open file limit {hard} is below {CLIENTS + 200}; raise it (ulimit -Hn)")
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        with tempfile.TemporaryDirectory() as tmp:
            gw = Gateway(ARGS.herald, ARGS.plugin_dir, tmp).start()
            try:
                self.run_clients(gw)
            finally:
                self.assertEqual(gw.stop(), 0)

    def pump(self, sel, conns, until, deadline):
        """Reads and parses packets until `until()` holds; packets go to handle()."""
        while not until():
            if time.monotonic() > deadline:
                raise AssertionError("deadline passed")
            for key, _ in sel.select(timeout=1.0):
                c = key.data
                try:
                    chunk = c.sock.recv(65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    raise AssertionError(f"client {c.index} was disconnected in state {c.state}")
                c.buffer += chunk
                while True:
                    found = first_packet(c.buffer)
                    if not found:
                        break
                    packet, size = found
                    c.buffer = c.buffer[size:]
                    self.handle(c, packet)

    def handle(self, c, packet):
        kind, _, body = packet
        if kind == 2:  # CONNACK
            assert body[1] == 0, f"client {c.index} refused: {body[1]}"
            c.state = "connected"
            self.connected += 1
        elif kind == 9:  # SUBACK
            assert body[2] == 0, f"client {c.index} subscription refused"
            c.state = "subscribed"
            self.subscribed += 1
        elif kind == 3:  # PUBLISH (QoS 0)
            topic_len = int.from_bytes(body[0:2], "big")
            c.received.append(body[2 + topic_len:])
            self.delivered += 1

    def run_clients(self, gw):
        port = gw.ports["anon"]
        deadline = time.monotonic() + DEADLINE_S
        sel = selectors.DefaultSelector()
        conns = []
        self.connected = self.subscribed = self.delivered = 0
        started = time.monotonic()
        for first in range(0, CLIENTS, BATCH):
            batch = []
            for i in range(first, min(first + BATCH, CLIENTS)):
                s = socket.create_connection(("127.0.0.1", port), timeout=30)
                s.setblocking(False)
                c = Conn(s, i)
                conns.append(c)
                batch.append(c)
                s.sendall(connect_packet(f"many-{i}", keepalive=600))
                sel.register(s, selectors.EVENT_READ, c)
            target = first + len(batch)
            self.pump(sel, conns, lambda: self.connected >= target, deadline)
        connect_s = time.monotonic() - started
        for c in conns:
            c.sock.sendall(subscribe_packet(1, f"public/many/{c.index}", 0))
        self.pump(sel, conns, lambda: self.subscribed >= CLIENTS, deadline)

        metrics = gw.scrape()
        self.assertEqual(metrics['herald_gateway_connections{listener="anon",transport="tcp"}'], CLIENTS)

        for c in conns:
            c.sock.sendall(publish_packet(f"public/many/{(c.index + 1) % CLIENTS}", str(c.index).encode()))
        self.pump(sel, conns, lambda: self.delivered >= CLIENTS, deadline)
        for c in conns:
            self.assertEqual(c.received, [str((c.index - 1) % CLIENTS).encode()], f"client {c.index}")
        total_s = time.monotonic() - started
        print(f"\n{CLIENTS} connections: connected in {connect_s:.1f}s, all exchanged in {total_s:.1f}s; "
              f"herald RSS {metrics.get('process_resident_memory_bytes', 0) / 2**20:.0f} MiB", file=sys.stderr)
        for c in conns:
            sel.unregister(c.sock)
            c.sock.close()


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--herald", required=True)
    p.add_argument("--plugin-dir", required=True)
    ARGS, rest = p.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
