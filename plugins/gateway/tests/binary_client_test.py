"""Herald's binary protocol through the gateway plugin on a real socket, with a client written from
docs/protocol.md alone: handshake, heartbeats, errors for requests no IM core serves yet, bad tokens,
and a device's second connection taking over the first."""
import argparse
import os
import socket
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from gateway_harness import TIMEOUT, Gateway  # noqa: E402

ARGS = None
CONNECT, CONNECT_ACK, PING, PONG, DISCONNECT, KICK, ERROR, SEND = 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x10


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def read_varint(data, i):
    value = shift = 0
    while True:
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, i


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_bytes(number, data):
    data = data.encode() if isinstance(data, str) else data
    return varint((number << 3) | 2) + varint(len(data)) + data


def frame(kind, request_id, body=b""):
    inner = bytes([kind, 0]) + varint(request_id) + body
    return varint(len(inner)) + inner


def parse_fields(body):
    """{field number: value} (varints as int, length-delimited as bytes; last one wins)."""
    fields, i = {}, 0
    while i < len(body):
        key, i = read_varint(body, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            fields[number], i = read_varint(body, i)
        elif wire == 2:
            n, i = read_varint(body, i)
            fields[number] = body[i:i + n]
            i += n
        else:
            raise AssertionError(f"unexpected wire type {wire}")
    return fields


class BinaryClient:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buffer = b""

    def send(self, data):
        self.s.sendall(data)

    def read_frame(self):
        """(type, request id, fields), or None when the server closed the connection."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            if self.buffer:
                try:
                    length, i = read_varint(self.buffer, 0)
                except IndexError:
                    length = None
                if length is not None and len(self.buffer) >= i + length:
                    inner = self.buffer[i:i + length]
                    self.buffer = self.buffer[i + length:]
                    request_id, j = read_varint(inner, 2)
                    return inner[0], request_id, parse_fields(inner[j:])
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no frame in time")
            self.s.settimeout(left)
            try:
                chunk = self.s.recv(65536)
            except ConnectionResetError:
                return None
            if not chunk:
                return None
            self.buffer += chunk

    def connect(self, user, device, token, request_id=1):
        body = field_bytes(1, varint(1)) + field_bytes(3, token) + field_bytes(4, user) + field_bytes(5, device) \
            + field_varint(6, 2)
        self.send(frame(CONNECT, request_id, body))
        return self.read_frame()

    def close(self):
        self.s.close()


class BinaryProtocolTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.gw = Gateway(ARGS.herald, ARGS.plugin_dir, cls.tmp.name).start()
        cls.port = cls.gw.ports["bin"]

    @classmethod
    def tearDownClass(cls):
        code = cls.gw.stop()
        cls.tmp.cleanup()
        assert code == 0, code

    def client(self):
        c = BinaryClient(self.port)
        self.addCleanup(c.close)
        return c

    def test_handshake_heartbeat_and_unserved_requests(self):
        c = self.client()
        kind, rid, ack = c.connect("alice", "phone1", self.gw.token("alice"))
        self.assertEqual((kind, rid), (CONNECT_ACK, 1))
        self.assertEqual(ack[1], 1, "protocol version 1 chosen")
        self.assertGreater(ack.get(3, 0), 0, "a suggested heartbeat interval")
        self.assertGreater(ack.get(4, 0), ack.get(3, 0), "idle timeout above the heartbeat")
        c.send(frame(PING, 7))
        kind, rid, pong = c.read_frame()
        self.assertEqual((kind, rid), (PONG, 7))
        self.assertEqual(pong[1], ack[3])
        # This config runs no messaging pipeline: a SEND gets a clear reason (UNSUPPORTED_FEATURE without
        # an IM core; from the core, IMPLEMENTATION_SPECIFIC: the pipeline has no im.store stage), and the
        # session stays up.
        c.send(frame(SEND, 8, field_bytes(1, "c2c:alice:bob") + field_bytes(2, "m-1") + field_varint(3, 1)
                     + field_bytes(5, b"hi")))
        kind, rid, err = c.read_frame()
        self.assertEqual((kind, rid), (ERROR, 8))
        self.assertIn(err[1], (0x010F, 0x0083), "UNSUPPORTED_FEATURE or IMPLEMENTATION_SPECIFIC")
        c.send(frame(PING, 9))
        self.assertEqual(c.read_frame()[:2], (PONG, 9))
        c.send(frame(DISCONNECT, 10))
        self.assertIsNone(c.read_frame(), "the server closes after DISCONNECT")

    def test_bad_token_is_refused_with_its_reason(self):
        c = self.client()
        forged = self.gw.token("alice")[:-3] + "xyz"
        kind, rid, fields = c.connect("alice", "phone9", forged)
        self.assertIn(kind, (ERROR, KICK))
        self.assertEqual(fields[1], 0x0086, "BAD_CREDENTIALS")
        self.assertNotIn(forged, "\n".join(self.gw.proc.lines))

    def test_token_of_another_user_is_refused(self):
        c = self.client()
        kind, _, fields = c.connect("alice", "phone8", self.gw.token("bob"))
        self.assertIn(kind, (ERROR, KICK))
        self.assertNotEqual(fields[1], 0)

    def test_frame_before_connect_is_a_protocol_error(self):
        c = self.client()
        c.send(frame(PING, 1))
        kind, _, fields = c.read_frame()
        self.assertEqual(kind, KICK)
        self.assertEqual(fields[1], 0x0082, "PROTOCOL_ERROR")
        self.assertIsNone(c.read_frame())

    def test_the_same_device_reconnecting_takes_over(self):
        token = self.gw.token("carol")
        first = self.client()
        self.assertEqual(first.connect("carol", "tablet", token)[0], CONNECT_ACK)
        second = self.client()
        self.assertEqual(second.connect("carol", "tablet", token)[0], CONNECT_ACK)
        kind, _, fields = first.read_frame()
        self.assertEqual(kind, KICK)
        self.assertEqual(fields[1], 0x008E, "SESSION_TAKEN_OVER")
        self.assertIsNone(first.read_frame())
        second.send(frame(PING, 2))
        self.assertEqual(second.read_frame()[:2], (PONG, 2))


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--herald", required=True)
    p.add_argument("--plugin-dir", required=True)
    ARGS, rest = p.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
