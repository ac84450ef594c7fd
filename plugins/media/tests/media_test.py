"""Acceptance of the media plugin (issue #9) against the real herald binary: a large file uploaded in parts
from parallel connections, interrupted by kill -9 and resumed, byte-identical; instant dedup upload; Range
requests (curl and http.client); access for conversation members only, removed by recall; media messages
over MQTT (paho) and the binary protocol; a bad part checksum stores nothing."""
import argparse
import hashlib
import http.client
import json
import os
import random
import re
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

ARGS = None
MiB = 1024 * 1024


def harness_paths(harness):
    sys.path.insert(0, harness)
    sys.path.insert(0, os.path.join(harness, "..", "..", "plugins", "gateway", "tests"))


class Media:
    """The media HTTP API as a client sees it; one persistent connection per instance (per thread)."""

    def __init__(self, port, token, tls=None):
        self.port = port
        self.token = token
        self.conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=30, context=tls) if tls else \
            http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method, path, body=None, headers=None, token=True):
        h = dict(headers or {})
        if token:
            h["Authorization"] = f"Bearer {self.token}"
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        for attempt in range(2):  # the server closes after an error answer: reconnect once
            try:
                self.conn.request(method, path, body=body, headers=h)
                r = self.conn.getresponse()
                data = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def json(self, method, path, body=None, **kw):
        status, _, data = self.call(method, path, body, **kw)
        return status, json.loads(data) if data else None

    def init(self, data, mime, part_size=None, proof=False):
        body = {"size": len(data), "mime_type": mime, "sha256": hashlib.sha256(data).hexdigest()}
        if part_size:
            body["part_size"] = part_size
        if proof:  # the second hash: proves the client holds the bytes, not only their SHA-256
            body["proof"] = hashlib.sha256(b"herald-media-proof-v1\n" + data).hexdigest()
        return self.json("POST", "/v1/uploads", body)

    def put_part(self, upload_id, index, part, checksum=None):
        return self.json("PUT", f"/v1/uploads/{upload_id}/parts/{index}", part,
                         headers={"X-Part-SHA256": checksum or hashlib.sha256(part).hexdigest()})

    def upload(self, data, mime, part_size=256 * 1024):
        status, r = self.init(data, mime, part_size)
        if status == 200:
            return r["media_id"]
        assert status == 201, (status, r)
        for i in range(r["part_count"]):
            status, _ = self.put_part(r["upload_id"], i, data[i * part_size:(i + 1) * part_size])
            assert status == 200, status
        status, done = self.json("POST", f"/v1/uploads/{r['upload_id']}/complete")
        assert status == 200, (status, done)
        return done["media_id"]


def parallel_parts(port, token, upload_id, data, part_size, indexes, connections=4):
    """PUTs the given parts from `connections` threads, each on its own keep-alive connection."""
    work = list(indexes)
    lock = threading.Lock()
    errors = []

    def run():
        m = Media(port, token)
        while True:
            with lock:
                if not work:
                    m.conn.close()
                    return
                i = work.pop()
            try:
                status, body = m.put_part(upload_id, i, data[i * part_size:(i + 1) * part_size])
                if status != 200:
                    errors.append((i, status, body))
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append((i, repr(e)))

    threads = [threading.Thread(target=run) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors


def parse_multipart(content_type, body):
    boundary = re.search(r"boundary=([^;]+)", content_type).group(1).encode()
    parts = []
    for chunk in body.split(b"--" + boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, payload = chunk.lstrip(b"\r\n").partition(b"\r\n\r\n")
        assert payload.endswith(b"\r\n"), payload[-10:]
        rng = re.search(rb"Content-Range: bytes (\d+)-(\d+)/(\d+)", head)
        parts.append((int(rng.group(1)), int(rng.group(2)), payload[:-2]))
    return parts


class MediaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from im_harness import ImServer
        cls.tmp = tempfile.TemporaryDirectory()
        cls.admin_token_file = os.path.join(cls.tmp.name, "admin.token")
        admin = f"admin:\n  enabled: true\n  listen: 127.0.0.1:0\n  token_file: {cls.admin_token_file}\n"
        cls.server = ImServer(ARGS.herald, ARGS.plugin_dir, cls.tmp.name, admin=admin, plugins="""
  - name: media
    config:
      listen: 127.0.0.1:0
      threads: 8
      limits: {image: 4MiB}
""", before_store=("media.check",), after_store=("media.grant",))
        cls.start_server()

    @classmethod
    def start_server(cls):
        cls.server.start()
        started = "\n".join(cls.server.proc.lines)
        cls.port = int(re.search(r"media\[http\] 127\.0\.0\.1:(\d+)", started).group(1))

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        cls.tmp.cleanup()
        assert code == 0, f"herald exit code {code}"

    def media(self, user):
        m = Media(self.port, self.server.token(user))
        self.addCleanup(m.conn.close)
        return m

    def objects(self):
        root = os.path.join(self.tmp.name, "var", "media", "objects")
        return sorted(f for _, _, files in os.walk(root) for f in files)

    def curl(self, user, media_id, *extra):
        r = subprocess.run(["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", "-H",
                            f"Authorization: Bearer {self.server.token(user)}", *extra,
                            f"http://127.0.0.1:{self.port}/v1/media/{media_id}"], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        body, _, code = r.stdout.rpartition(b"\n")
        return int(code), body

    def test_1_large_parallel_upload_resumed_after_kill9_then_instant_dedup(self):
        size, part = ARGS.size_mib * MiB, 2 * MiB
        data = random.Random(9).randbytes(size)
        alice = self.media("alice")
        status, up = alice.init(data, "video/mp4", part)
        self.assertEqual(status, 201, up)
        self.assertEqual(up["part_count"], (size + part - 1) // part)
        order = list(range(up["part_count"]))
        random.Random(1).shuffle(order)  # any order
        half, rest = order[:len(order) // 2], order[len(order) // 2:]
        t0 = time.monotonic()
        parallel_parts(self.port, alice.token, up["upload_id"], data, part, half)
        t_half = time.monotonic() - t0

        # Interrupted: the server dies (kill -9) with half the parts; resume asks which are present.
        self.server.kill9()
        self.start_server()
        alice = self.media("alice")
        status, state = alice.json("GET", f"/v1/uploads/{up['upload_id']}")
        self.assertEqual(status, 200, state)
        self.assertEqual(sorted(state["parts"]), sorted(half))
        status, early = alice.json("POST", f"/v1/uploads/{up['upload_id']}/complete")
        self.assertEqual(status, 400, early)  # parts missing
        t0 = time.monotonic()
        parallel_parts(self.port, alice.token, up["upload_id"], data, part, rest)
        t_rest = time.monotonic() - t0
        t0 = time.monotonic()
        status, done = alice.json("POST", f"/v1/uploads/{up['upload_id']}/complete")
        t_complete = time.monotonic() - t0
        self.assertEqual(status, 200, done)
        self.assertEqual((done["size"], done["sha256"]), (size, hashlib.sha256(data).hexdigest()))
        t0 = time.monotonic()
        code, body = self.curl("alice", done["media_id"])
        t_download = time.monotonic() - t0
        self.assertEqual(code, 200)
        self.assertTrue(body == data, "downloaded bytes differ from the upload")
        print(f"\n{ARGS.size_mib} MiB in {up['part_count']} parts, 4 connections: parts {t_half + t_rest:.2f} s "
              f"({size / MiB / (t_half + t_rest):.0f} MiB/s), complete (hash + assemble + fsync) {t_complete:.2f} s, "
              f"curl download {t_download:.2f} s", file=sys.stderr)
        self.assertEqual(self.objects().count(done["sha256"]), 1)
        metrics = self.server.scrape()  # counted since the restart: the second half
        self.assertEqual(metrics["herald_media_parts_total"], len(rest))
        self.assertEqual(metrics["herald_media_bytes_in_total"], sum(len(data[i * part:(i + 1) * part]) for i in rest))
        self.assertGreaterEqual(metrics["herald_media_bytes_out_total"], size)
        self.assertEqual(metrics['herald_media_uploads_total{result="completed"}'], 1)
        self.assertEqual(metrics["herald_media_active_uploads"], 0)
        before = metrics.get("herald_media_dedup_hits_total", 0)

        # Knowing the SHA-256 (every recipient sees it) does not make eve an uploader: a normal upload.
        eve = self.media("eve")
        status, guess = eve.init(data, "video/mp4", part)
        self.assertEqual((status, guess["instant"]), (201, False))
        self.assertEqual(eve.json("DELETE", f"/v1/uploads/{guess['upload_id']}")[0], 200)
        self.assertEqual(self.curl("eve", done["media_id"])[0], 403)

        # The same content again with the proof of possession (another user): instant, same id,
        # nothing stored twice.
        bob = self.media("bob")
        status, again = bob.init(data, "video/mp4", part, proof=True)
        self.assertEqual(status, 200, again)
        self.assertEqual((again["instant"], again["media_id"]), (True, done["media_id"]))
        self.assertEqual(self.objects().count(done["sha256"]), 1)
        parts_dir = os.path.join(self.tmp.name, "var", "media", "parts")
        self.assertEqual(os.listdir(parts_dir), [])
        self.assertEqual(self.server.scrape()["herald_media_dedup_hits_total"], before + 1)
        code, body = self.curl("bob", done["media_id"], "-r", "1000-1999")  # bob uploaded it too: may read
        self.assertEqual((code, body), (206, data[1000:2000]))

    def test_ranges_and_validators(self):
        data = random.Random(2).randbytes(300_000)
        alice = self.media("alice")
        media_id = alice.upload(data, "audio/ogg")
        path = f"/v1/media/{media_id}"
        for rng, want in (("0-99", data[:100]), ("150000-150999", data[150000:151000]), ("-777", data[-777:]),
                          ("299990-", data[299990:]), ("299990-999999", data[299990:])):
            code, body = self.curl("alice", media_id, "-r", rng)
            self.assertEqual((code, len(body)), (206, len(want)), rng)
            self.assertTrue(body == want, rng)
        status, h, body = alice.call("GET", path, headers={"Range": "bytes=0-9, 1000-1009, -5"})
        self.assertEqual(status, 206)
        self.assertTrue(h["content-type"].startswith("multipart/byteranges; boundary="))
        self.assertEqual(parse_multipart(h["content-type"], body),
                         [(0, 9, data[0:10]), (1000, 1009, data[1000:1010]), (len(data) - 5, len(data) - 1, data[-5:])])
        self.assertEqual(int(h["content-length"]), len(body))
        status, h, body = alice.call("GET", path, headers={"Range": "bytes=0-1"})
        self.assertEqual((status, h["content-range"], h["content-type"], body), (206, f"bytes 0-1/{len(data)}",
                                                                                 "audio/ogg", data[:2]))
        etag = h["etag"]
        self.assertEqual(etag, '"' + hashlib.sha256(data).hexdigest() + '"')
        status, h, body = alice.call("GET", path, headers={"Range": "bytes=400000-"})
        self.assertEqual((status, h["content-range"]), (416, f"bytes */{len(data)}"))
        status, _, body = alice.call("GET", path, headers={"If-None-Match": etag})
        self.assertEqual((status, body), (304, b""))
        status, _, body = alice.call("GET", path, headers={"Range": "bytes=0-1", "If-Range": '"other"'})
        self.assertEqual((status, len(body)), (200, len(data)))  # stale validator: the whole thing
        status, _, body = alice.call("GET", path, headers={"Range": "bytes=0-1", "If-Range": etag})
        self.assertEqual((status, body), (206, data[:2]))
        status, h, body = alice.call("HEAD", path, headers={"Range": "bytes=0-1"})  # Range is for GET only
        self.assertEqual((status, int(h["content-length"]), h["accept-ranges"], body), (200, len(data), "bytes", b""))
        self.assertIn("date", h)

    def test_bad_part_checksum_stores_nothing_and_auth_is_required(self):
        data = random.Random(3).randbytes(100_000)
        alice = self.media("alice")
        status, up = alice.init(data, "image/png", 64 * 1024)
        self.assertEqual(status, 201)
        status, err = alice.put_part(up["upload_id"], 0, data[:65536], checksum=hashlib.sha256(b"x").hexdigest())
        self.assertEqual((status, err["error"]["name"]), (400, "INVALID_REQUEST"))
        self.assertEqual(alice.json("GET", f"/v1/uploads/{up['upload_id']}")[1]["parts"], [])
        part_dir = os.path.join(self.tmp.name, "var", "media", "parts", up["upload_id"])
        self.assertEqual(os.listdir(part_dir) if os.path.isdir(part_dir) else [], [])
        self.assertEqual(alice.put_part(up["upload_id"], 0, data[:1000])[0], 400)  # wrong size
        self.assertEqual(self.media("eve").json("GET", f"/v1/uploads/{up['upload_id']}")[0], 404)  # not eve's
        self.assertEqual(alice.json("DELETE", f"/v1/uploads/{up['upload_id']}")[0], 200)
        self.assertEqual(alice.json("GET", f"/v1/uploads/{up['upload_id']}")[0], 404)
        self.assertEqual(alice.init(b"x" * (5 * MiB), "image/png")[0], 413)  # limits.image
        status, h, _ = alice.call("POST", "/v1/uploads", {"size": 1}, token=False)
        self.assertEqual((status, h.get("www-authenticate", "")[:6]), (401, "Bearer"))
        alice.token = alice.token[:-2] + "xx"
        self.assertEqual(alice.json("POST", "/v1/uploads", {"size": 1})[0], 401)
        metrics = self.server.scrape()
        self.assertGreaterEqual(metrics['herald_media_errors_total{reason="INVALID_REQUEST"}'], 2)
        self.assertGreaterEqual(metrics['herald_media_errors_total{reason="BAD_CREDENTIALS"}'], 1)

    def test_media_messages_over_mqtt_and_binary_members_download_recall_revokes(self):
        from binary_client_test import BinaryClient, frame, field_bytes, field_varint, SEND, ERROR
        photo = random.Random(4).randbytes(200_000)
        doc = random.Random(5).randbytes(150_000)
        alice = self.media("alice")
        photo_id = alice.upload(photo, "image/jpeg")
        doc_id = alice.upload(doc, "application/pdf")
        bob = self.server.device("bob", "bob.phone")
        carol = self.server.device("carol", "carol.phone")
        self.addCleanup(bob.disconnect)
        self.addCleanup(carol.disconnect)
        self.assertEqual(self.curl("bob", photo_id)[0], 403)  # not sent to bob yet

        # Over MQTT: alice -> bob, an image with dimensions and an inline thumbnail.
        sender = self.server.device("alice", "alice.phone")
        self.addCleanup(sender.disconnect)
        sender.send("c2c", "bob", {"media_id": photo_id, "mime_type": "image/jpeg", "width": 640, "height": 480,
                                   "thumbnail": "aGVsbG8=", "thumbnail_mime": "image/jpeg"}, "img-1", type_="image")
        got = bob.wait_entries(lambda e: e.get("kind") == "msg" and e.get("cmid") == "img-1")[0]
        self.assertEqual((got["type"], got["body"]["media_id"], got["body"]["width"], got["body"]["thumbnail"]),
                         ("image", photo_id, 640, "aGVsbG8="))
        self.assertEqual(got["body"]["size"], len(photo))  # filled in from the upload
        code, body = self.curl("bob", got["body"]["media_id"])
        self.assertEqual(code, 200)
        self.assertTrue(body == photo)
        self.assertEqual(self.curl("eve", photo_id)[0], 403)  # outsider
        self.assertEqual(self.curl("carol", photo_id)[0], 403)

        # Over the binary protocol: alice -> carol, a file.
        c = BinaryClient(self.server.ports["bin"])
        self.addCleanup(c.close)
        self.assertEqual(c.connect("alice", "alice.desk", self.server.token("alice"))[0], 0x02)
        body = field_bytes(1, doc_id) + field_bytes(2, "application/pdf") + field_varint(3, len(doc)) \
            + field_bytes(9, "report.pdf")
        c.send(frame(SEND, 5, field_bytes(1, "c2c:alice:carol") + field_bytes(2, "doc-1") + field_varint(3, 5)
                     + field_bytes(5, body)))
        kind, _, _ = self.read_answer(c, 5)
        self.assertNotEqual(kind, ERROR)
        got = carol.wait_entries(lambda e: e.get("kind") == "msg" and e.get("cmid") == "doc-1")[0]
        self.assertEqual((got["type"], got["body"]["file_name"]), ("file", "report.pdf"))
        code, body = self.curl("carol", doc_id)
        self.assertEqual(code, 200)
        self.assertTrue(body == doc)
        self.assertEqual(self.curl("bob", doc_id)[0], 403)

        # Refused sends: unknown media, a size that does not match, and eve sharing what she cannot see.
        for rid, (user, conv, mid, size, want) in enumerate((
                ("alice", "c2c:alice:carol", "m" + "0" * 32, 0, 0x0105),
                ("alice", "c2c:alice:carol", doc_id, 7, 0x0108),
                ("eve", "c2c:carol:eve", doc_id, 0, 0x0087)), start=10):
            e = BinaryClient(self.server.ports["bin"])
            self.addCleanup(e.close)
            self.assertEqual(e.connect(user, f"{user}.x{rid}", self.server.token(user))[0], 0x02)
            mb = field_bytes(1, mid) + field_bytes(2, "application/pdf") + (field_varint(3, size) if size else b"")
            e.send(frame(SEND, rid, field_bytes(1, conv) + field_bytes(2, f"bad-{rid}") + field_varint(3, 5)
                         + field_bytes(5, mb)))
            kind, _, fields = self.read_answer(e, rid)
            self.assertEqual((kind, fields.get(1)), (ERROR, want), (user, mid, size))
        # Carol may forward the file she received to bob; then bob may download it.
        carol_bin = BinaryClient(self.server.ports["bin"])
        self.addCleanup(carol_bin.close)
        self.assertEqual(carol_bin.connect("carol", "carol.desk", self.server.token("carol"))[0], 0x02)
        carol_bin.send(frame(SEND, 20, field_bytes(1, "c2c:bob:carol") + field_bytes(2, "fwd-1") + field_varint(3, 5)
                             + field_bytes(5, field_bytes(1, doc_id) + field_bytes(2, "application/pdf"))))
        self.assertNotEqual(self.read_answer(carol_bin, 20)[0], ERROR)
        self.assertEqual(self.curl("bob", doc_id, "-r", "0-9"), (206, doc[:10]))

        # Recall removes access: alice recalls the image; bob can no longer download it.
        msg_id = bob.wait_entries(lambda e: e.get("kind") == "msg" and e.get("cmid") == "img-1")[0]["msg_id"]
        r = subprocess.run([ARGS.herald, "client", "--connect", f"127.0.0.1:{self.server.ports['bin']}", "--user",
                            "alice", "--device", "alice.cli", "--token", self.server.token("alice"), "recall",
                            "c2c:alice:bob", str(msg_id)], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertEqual(self.curl("bob", photo_id)[0], 403)
        self.assertEqual(self.curl("alice", photo_id)[0], 200)  # the uploader keeps access

        # The operator's view (admin API): the file's grants; the recalled message's is gone.
        with open(self.admin_token_file) as f:
            admin_token = f.read().strip()
        conn = http.client.HTTPConnection(*self.server.admin.split(":"), timeout=10)
        self.addCleanup(conn.close)
        conn.request("GET", f"/v1/media/{doc_id}", headers={"Authorization": f"Bearer {admin_token}"})
        r = conn.getresponse()
        info = json.loads(r.read())
        self.assertEqual((r.status, info["size"], info["mime_type"]), (200, len(doc), "application/pdf"))
        self.assertEqual(sorted(g["conv"] for g in info["grants"]), ["c2c:alice:carol", "c2c:bob:carol"])
        self.assertEqual(info["refs"], 3)  # alice (uploader) + two messages
        conn.request("GET", f"/v1/media/{photo_id}", headers={"Authorization": f"Bearer {admin_token}"})
        r = conn.getresponse()
        self.assertEqual(json.loads(r.read())["grants"], [])

    @staticmethod
    def read_answer(client, request_id):
        """The frame answering request_id (pushes in between are skipped)."""
        while True:
            f = client.read_frame()
            assert f is not None, "connection closed"
            if f[1] == request_id:
                return f


class TlsTest(unittest.TestCase):
    """The media listener with tls: {cert, key}: HTTPS only (TLS 1.2+), same API."""

    def test_https_upload_ranged_download_and_expiry(self):
        from im_harness import ImServer
        from gateway_harness import make_tls_files
        with tempfile.TemporaryDirectory() as tmp:
            files = make_tls_files(tmp)
            server = ImServer(ARGS.herald, ARGS.plugin_dir, tmp, plugins=f"""
  - name: media
    config:
      listen: 127.0.0.1:0
      tls: {{cert: "{files['server.pem']}", key: "{files['server.key']}"}}
      upload_ttl: 2s
      sweep_interval: 100ms
""", before_store=("media.check",), after_store=("media.grant",))
            server.start()
            try:
                port = int(re.search(r"media\[https\] 127\.0\.0\.1:(\d+)", "\n".join(server.proc.lines)).group(1))
                ctx = ssl.create_default_context(cafile=files["ca.pem"])
                m = Media(port, server.token("alice"), tls=ctx)
                self.addCleanup(m.conn.close)
                data = random.Random(7).randbytes(100_000)
                media_id = m.upload(data, "image/webp", part_size=64 * 1024)
                r = subprocess.run(["curl", "-sS", "--cacert", files["ca.pem"], "-r", "10-19", "-H",
                                    f"Authorization: Bearer {server.token('alice')}",
                                    f"https://127.0.0.1:{port}/v1/media/{media_id}"], capture_output=True, timeout=60)
                self.assertEqual((r.returncode, r.stdout), (0, data[10:20]), r.stderr)
                plain = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                with self.assertRaises((http.client.HTTPException, ConnectionError)):
                    plain.request("GET", f"/v1/media/{media_id}")
                    plain.getresponse()
                plain.close()

                # An unfinished upload expires upload_ttl after its last part; the sweeper removes it.
                status, up = m.init(data[:70_000], "image/webp", 64 * 1024)
                self.assertEqual(status, 201)
                self.assertEqual(m.put_part(up["upload_id"], 0, data[:65536])[0], 200)
                parts_dir = os.path.join(tmp, "var", "media", "parts", up["upload_id"])
                self.assertTrue(os.path.isdir(parts_dir))
                server.proc.wait_for(r"media: removed 1 expired unfinished uploads", timeout=20)
                self.assertFalse(os.path.exists(parts_dir))
                self.assertEqual(m.json("GET", f"/v1/uploads/{up['upload_id']}")[0], 404)
                self.assertEqual(server.scrape()['herald_media_uploads_total{result="expired"}'], 1)
            finally:
                self.assertEqual(server.stop(), 0)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--herald", required=True)
    p.add_argument("--plugin-dir", required=True)
    p.add_argument("--harness", required=True, help="tests/integration (im_harness.py, herald_process.py)")
    p.add_argument("--size-mib", type=int, default=50, help="size of the large upload")
    ARGS, rest = p.parse_known_args()
    harness_paths(ARGS.harness)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
