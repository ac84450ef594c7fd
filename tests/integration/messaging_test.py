"""Acceptance of the messaging core (issue #5) with real MQTT clients (paho) against a real herald:
1:1 across devices, offline sync, duplicate resends, kill -9 crash safety, groups, and signals."""
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "plugins", "gateway", "tests"))
from im_harness import server_args, ImServer, ImServerTestCase, TIMEOUT  # noqa: E402

ARGS = None


def msgs(entries):
    return [e for e in entries if e.get("kind") == "msg"]


def by_msg_id(entries):
    seen = {}
    for e in entries:
        seen.setdefault(e["msg_id"], e)
    return seen


class SharedServerTest(ImServerTestCase):
    """Scenarios that can share one server (each uses its own users)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.server = ImServer(ARGS.herald, ARGS.plugin_dir, cls.tmp.name).start()

    def client(self, user, *args, device="cli"):
        """`herald client` (the binary protocol): returns the JSON lines it printed."""
        r = subprocess.run([ARGS.herald, "client", "--connect", f"127.0.0.1:{self.server.ports['bin']}",
                            "--user", user, "--device", device, "--token", self.server.token(user), *args],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]

    def test_binary_client_and_mqtt_device_chat(self):
        bob = self.dev("bob5", "bob5.mqtt1")
        ack = self.client("alice5", "send", "c2c:alice5:bob5", "over the binary protocol", "--cmid", "bin-1")[0]
        self.assertEqual((ack["kind"], ack["cmid"], ack["seq"]), ("ack", "bin-1", 1))
        got = bob.wait_entries(lambda e: e.get("kind") == "msg" and e.get("cmid") == "bin-1")[0]
        self.assertEqual((got["msg_id"], got["from"], got["body"]), (ack["msg_id"], "alice5", "over the binary protocol"))
        # A resend of the same cmid over the binary protocol: the original ack, flagged duplicate.
        again = self.client("alice5", "send", "c2c:alice5:bob5", "over the binary protocol", "--cmid", "bin-1")[0]
        self.assertEqual((again["msg_id"], again["seq"], again.get("duplicate")), (ack["msg_id"], 1, True))
        bob.send("c2c", "alice5", "answer over MQTT", "mq-1")
        lines = self.client("alice5", "sync", "--since", "0", device="cli2")
        bodies = [e["body"] for e in lines if e.get("kind") == "msg"]
        self.assertEqual(bodies, ["over the binary protocol", "answer over MQTT"])
        self.assertEqual(lines[-1]["kind"], "sync_end")
        history = self.client("bob5", "history", "c2c:alice5:bob5", "--limit", "10")
        self.assertEqual([m["seq"] for m in history[0]["messages"]], [1, 2])

    def test_one_to_one_reaches_every_device_in_the_same_order(self):
        a1, a2 = self.dev("alice1", "alice1.a1"), self.dev("alice1", "alice1.a2")
        b1, b2 = self.dev("bob1", "bob1.b1"), self.dev("bob1", "bob1.b2", version=4)
        conv = "c2c:alice1:bob1"
        n = 15
        for i in range(n):
            a1.send("c2c", "bob1", f"a-{i}", f"a-{i}")
            b2.send("c2c", "alice1", f"b-{i}", f"b-{i}")
        # The sending device gets one "ack" per send (its version-only entry), every other device "msg".
        acks_a1 = a1.wait_entries(lambda e: e.get("kind") == "ack", n)
        acks_b2 = b2.wait_entries(lambda e: e.get("kind") == "ack", n)
        self.assertEqual(sorted(a["cmid"] for a in acks_a1), sorted(f"a-{i}" for i in range(n)))
        self.assertEqual(len(acks_b2), n)
        orders = {}
        for d, expect in ((a1, n), (a2, 2 * n), (b1, 2 * n), (b2, n)):
            got = d.wait_entries(lambda e: e.get("kind") == "msg" and e.get("conv") == conv, expect)
            unique = list(by_msg_id(got).values())
            self.assertEqual(len(unique), expect, d.device)
            orders[d.device] = [(e["seq"], e["msg_id"]) for e in unique]
        # Same conversation order everywhere: seqs are unique, and a device that saw both messages saw
        # them in seq order.
        all_seqs = {seq: mid for order in orders.values() for seq, mid in order}
        self.assertEqual(sorted(all_seqs), list(range(1, 2 * n + 1)))
        for device, order in orders.items():
            self.assertEqual(order, sorted(order), f"{device} received out of seq order")
            for seq, mid in order:
                self.assertEqual(all_seqs[seq], mid)
        # Versions on each device's timeline form a chain.
        for d in (a2, b1):
            entries = sorted((e for e in d.entries if e.get("kind") in ("msg", "ack")), key=lambda e: e["version"])
            for prev, cur in zip(entries, entries[1:]):
                self.assertEqual(cur["prev_version"], prev["version"], d.device)

    def test_a_window_of_mqtt_sends_is_stored_and_acked_in_publish_order(self):
        # The gateway runs a client's $im/ publishes concurrently (a window of sends shares one
        # commit); the conversation order, the acks and the PUBACKs must still follow the publish order.
        alice, bob = self.dev("alice9", "alice9.a1"), self.dev("bob9", "bob9.b1")
        n = 200
        infos = [alice.send("c2c", "bob9", f"w{i}", f"w-{i}", wait=False) for i in range(n)]
        for info in infos:
            info.wait_for_publish(TIMEOUT)
        acks = alice.wait_entries(lambda e: e.get("kind") == "ack", n)
        self.assertEqual([a["cmid"] for a in acks], [f"w-{i}" for i in range(n)])
        self.assertEqual([a["seq"] for a in acks], list(range(1, n + 1)))
        got = bob.wait_entries(lambda e: e.get("kind") == "msg" and e.get("conv") == "c2c:alice9:bob9", n)
        self.assertEqual([m["body"] for m in got], [f"w{i}" for i in range(n)])

    def test_offline_user_syncs_exactly_the_thousand_messages_it_missed(self):
        alice = self.dev("alice2", "alice2.a1")
        infos = [alice.send("c2c", "bob2", f"m{i}", f"cm-{i}", wait=False) for i in range(1000)]
        for info in infos:
            info.wait_for_publish(TIMEOUT)
            self.assertTrue(info.is_published())
        bob = self.dev("bob2", "bob2.phone", clean=True)
        got, version, ends = bob.sync_all(since=0, limit=300)
        self.assertGreaterEqual(len(ends), 4, "1,000 entries in pages of 300 take at least four pages")
        unique = list(by_msg_id(msgs(got)).values())
        self.assertEqual(len(unique), 1000)
        self.assertEqual([e["seq"] for e in unique], list(range(1, 1001)))
        self.assertEqual([e["body"] for e in unique], [f"m{i}" for i in range(1000)])
        self.assertFalse(any(e.get("chain_broken") for e in ends))
        # Synced is acked: a second sync from the final version returns nothing.
        again, _, _ = bob.sync_all(since=version)
        self.assertEqual(msgs(again), [])

    def test_resending_three_times_across_reconnects_stores_one_copy(self):
        alice = self.dev("alice3", "alice3.a1")
        bob = self.dev("bob3", "bob3.b1")
        n = 10
        for i in range(n):
            for attempt in range(3):
                alice.send("c2c", "bob3", f"hello {i}", f"dup-{i}")
                alice.drop()
                alice.connect()
        acks = alice.wait_entries(lambda e: e.get("kind") == "ack", 3 * n)
        per_cmid = {}
        for a in acks:
            per_cmid.setdefault(a["cmid"], set()).add((a["msg_id"], a["seq"]))
        self.assertEqual(len(per_cmid), n)
        for cmid, ids in per_cmid.items():
            self.assertEqual(len(ids), 1, f"{cmid} acked with different ids: {ids}")
        got = bob.wait_entries(lambda e: e.get("kind") == "msg", n)
        self.assertEqual(len(by_msg_id(got)), n)
        history = bob.request("$im/history", {"conv": "c2c:alice3:bob3", "before": 0, "limit": 100}, "history")
        self.assertEqual([m["seq"] for m in history["messages"]], list(range(1, n + 1)))
        self.assertEqual(sorted(m["cmid"] for m in history["messages"]), sorted(f"dup-{i}" for i in range(n)))

    def test_group_of_500_and_a_late_member(self):
        owner = self.dev("g5owner", "g5owner.o1")
        # 499 with the owner; the late member makes 500, still within write diffusion (the default
        # groups.write_diffusion_max), so its sync timeline is what is checked.
        members = [f"g5m{i}" for i in range(498)]
        r = owner.request("$im/group/create", {"group": "g500", "name": "Five hundred", "members": members[:250]})
        self.assertTrue(r.get("ok"), r)
        r = owner.request("$im/group/add_members", {"group": "g500", "members": members[250:]})
        self.assertTrue(r.get("ok"), r)
        online = [self.dev(u, f"{u}.d1") for u in members[:10]]
        for i in range(5):
            owner.send("group", "g500", f"hello team {i}", f"g5-{i}")
        for d in online:
            got = d.wait_entries(lambda e: e.get("kind") == "msg" and e.get("conv") == "group:g500"
                                 and e.get("type") == "text", 5)
            self.assertEqual([e["body"] for e in got], [f"hello team {i}" for i in range(5)])
        offline = self.dev(members[400], "g5m400.d1", clean=True)
        got, _, _ = offline.sync_all()
        texts = [e["body"] for e in msgs(got) if e.get("type") == "text"]
        self.assertEqual(texts, [f"hello team {i}" for i in range(5)])
        # A member added later sees nothing from before the join.
        r = owner.request("$im/group/add_members", {"group": "g500", "members": ["g5late"]})
        self.assertTrue(r.get("ok"), r)
        owner.send("group", "g500", "after you joined", "g5-late")
        late = self.dev("g5late", "g5late.d1", clean=True)
        got, _, _ = late.sync_all()
        self.assertEqual([e["body"] for e in msgs(got) if e.get("type") == "text"], ["after you joined"])
        h = late.request("$im/history", {"conv": "group:g500", "before": 0, "limit": 100}, "history")
        self.assertEqual([m["body"] for m in h["messages"] if m.get("type") == "text"], ["after you joined"])
        # Someone outside the group cannot send to it.
        stranger = self.dev("g5stranger", "g5stranger.d1")
        stranger.send("group", "g500", "let me in", "s-1")
        err = stranger.wait_entries(lambda e: e.get("kind") == "error" and e.get("cmid") == "s-1")[0]
        self.assertEqual(err["code"], 0x101, err)  # NOT_MEMBER

    def test_group_of_20000_uses_read_diffusion(self):
        owner = self.dev("g20owner", "g20owner.o1")
        members = [f"g20m{i}" for i in range(19_999)]
        r = owner.request("$im/group/create", {"group": "g20k", "name": "Twenty thousand", "members": []})
        self.assertTrue(r.get("ok"), r)
        for first in range(0, len(members), 1000):  # a repeated field carries at most 1,000 items
            r = owner.request("$im/group/add_members", {"group": "g20k", "members": members[first:first + 1000]})
            self.assertTrue(r.get("ok"), r)
        info = owner.request("$im/group/info", {"group": "g20k"})
        self.assertEqual(info["group"]["member_count"], 20_000)
        online = [self.dev(u, f"{u}.d1") for u in members[:10]]
        for i in range(3):
            owner.send("group", "g20k", f"all hands {i}", f"g20-{i}")
        for d in online:
            got = d.wait_entries(lambda e: e.get("kind") == "msg" and e.get("conv") == "group:g20k"
                                 and e.get("type") == "text", 3)
            self.assertEqual([e["body"] for e in got], [f"all hands {i}" for i in range(3)])
            self.assertTrue(all(not e.get("version") for e in got), "read diffusion: no per-member version")
        # An offline member catches up from the conversation: unread gives last_seq, history the messages.
        late = self.dev(members[12_345], "g20late.d1", clean=True)
        u = late.request("$im/unread", {"convs": ["group:g20k"]})
        entry = next(c for c in u["unread"]["convs"] if c["conv"] == "group:g20k")
        h = late.request("$im/history", {"conv": "group:g20k", "after": entry["read_seq"], "limit": 100}, "history")
        self.assertEqual([m["body"] for m in h["messages"] if m.get("type") == "text"],
                         [f"all hands {i}" for i in range(3)])
        self.assertEqual(h["messages"][-1]["seq"], entry["last_seq"])

    def test_signals_reach_the_users_other_devices(self):
        a1, a2 = self.dev("alice4", "alice4.a1"), self.dev("alice4", "alice4.a2")
        b1 = self.dev("bob4", "bob4.b1")
        conv = "c2c:alice4:bob4"
        a1.send("c2c", "bob4", "oops", "s-1")
        a1.send("c2c", "bob4", "keep", "s-2")
        first, second = sorted(b1.wait_entries(lambda e: e.get("kind") == "msg", 2), key=lambda e: e["seq"])
        # bob reads: alice (the peer) sees a read receipt.
        r = b1.request("$im/read", {"conv": conv, "seq": second["seq"]})
        self.assertTrue(r.get("ok"), r)
        for d in (a1, a2):
            d.wait_entries(lambda e: e.get("kind") == "signal" and e.get("signal") == "read" and e.get("by") == "bob4")
        # alice recalls: bob and alice's other device are told.
        r = a1.request("$im/recall", {"conv": conv, "msg_id": first["msg_id"]})
        self.assertTrue(r.get("ok"), r)
        self.assertGreater(r["version"], 0)
        for d in (a2, b1):
            sig = d.wait_entries(lambda e: e.get("kind") == "signal" and e.get("signal") == "recall")[0]
            self.assertEqual(sig["msg_ids"], [first["msg_id"]])
        # alice deletes the second message for herself: her other device is told, bob is not.
        r = a1.request("$im/delete", {"conv": conv, "msg_ids": [second["msg_id"]]})
        self.assertTrue(r.get("ok"), r)
        a2.wait_entries(lambda e: e.get("kind") == "signal" and e.get("signal") == "delete")
        h = a2.request("$im/history", {"conv": conv, "before": 0, "limit": 10}, "history")
        self.assertEqual([(m["seq"], m.get("recalled", False)) for m in h["messages"]], [(1, True)])
        hb = b1.request("$im/history", {"conv": conv, "before": 0, "limit": 10}, "history")
        self.assertEqual([m["seq"] for m in hb["messages"]], [1, 2])
        self.assertFalse(any(e.get("signal") == "delete" for e in b1.entries))


class CrashTest(unittest.TestCase):
    def test_kill_9_five_times_under_load_loses_and_repeats_nothing(self):
        rng = random.Random(5)
        with tempfile.TemporaryDirectory() as tmp:
            server = ImServer(ARGS.herald, ARGS.plugin_dir, tmp).start()
            senders = [f"crash_s{i}" for i in range(3)]
            acked = {s: set() for s in senders}
            next_index = {s: 0 for s in senders}
            try:
                for round_ in range(5):
                    devices = {s: server.device(s, f"{s}.d1", clean=True) for s in senders}
                    stop = threading.Event()
                    progress = threading.Condition()
                    errors = []

                    def run(sender, device):
                        try:
                            while not stop.is_set():
                                i = next_index[sender]
                                info = device.send("c2c", "crash_r", f"{sender}:{i}", f"{sender}-{i}", wait=False)
                                info.wait_for_publish(2)
                                if info.is_published():
                                    with progress:
                                        acked[sender].add(f"{sender}-{i}")
                                        next_index[sender] = i + 1
                                        progress.notify_all()
                                # else: unacked (likely killed) and resent with the same cmid next round
                        except Exception as exc:  # connection dies with the server
                            errors.append(exc)

                    threads = [threading.Thread(target=run, args=(s, devices[s])) for s in senders]
                    for t in threads:
                        t.start()
                    # Kill once a random amount of new work was acked in this round.
                    target = sum(len(a) for a in acked.values()) + rng.randint(20, 120)
                    with progress:
                        progress.wait_for(lambda: sum(len(a) for a in acked.values()) >= target, timeout=60)
                    server.kill9()
                    stop.set()
                    for t in threads:
                        t.join(10)
                    for d in devices.values():
                        d.client and d.client.loop_stop()
                    server.start()
                total_acked = sum(len(a) for a in acked.values())
                self.assertGreater(total_acked, 100)
                receiver = server.device("crash_r", "crash_r.r1", clean=True)
                got, _, ends = receiver.sync_all(limit=500)
                self.assertFalse(any(e.get("chain_broken") for e in ends))
                entries = msgs(got)
                ids = [e["msg_id"] for e in entries]
                self.assertEqual(len(ids), len(set(ids)), "a message appears twice in sync")
                cmids = [e["cmid"] for e in entries]
                self.assertEqual(len(cmids), len(set(cmids)), "a client_msg_id was stored twice")
                for sender in senders:
                    conv = "c2c:" + ":".join(sorted([sender, "crash_r"]))
                    seqs = [e["seq"] for e in entries if e["conv"] == conv]
                    self.assertEqual(seqs, list(range(1, len(seqs) + 1)), f"{conv}: seqs not contiguous")
                    missing = acked[sender] - set(cmids)
                    self.assertEqual(missing, set(), f"acked but lost after kill -9: {sorted(missing)[:5]}")
                receiver.disconnect()
            finally:
                if server.proc:
                    server.stop()


def jwt(user, secret):
    """An HS256 token like `herald token` signs (thousands of users: no process per token)."""
    import base64, hashlib, hmac
    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=")
    head = b64(b'{"alg":"HS256","typ":"JWT"}')
    body = b64(json.dumps({"sub": user, "exp": int(__import__("time").time()) + 3600}).encode())
    sig = b64(hmac.new(secret.encode(), head + b"." + body, hashlib.sha256).digest())
    return (head + b"." + body + b"." + sig).decode()


class RoomTest(unittest.TestCase):
    MEMBERS = 5000
    MESSAGES = 3

    def test_room_of_5000_over_two_loops_fans_out_once_per_loop(self):
        import resource
        import selectors
        import socket
        import time as clock
        from gateway_harness import connect_packet, first_packet, publish_packet
        from im_harness import SECRET
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        self.assertGreaterEqual(hard, self.MEMBERS + 200, "raise the open file limit (ulimit -Hn)")
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        with tempfile.TemporaryDirectory() as tmp:
            server = ImServer(ARGS.herald, ARGS.plugin_dir, tmp, loops=2).start()
            try:
                port = server.ports["mqtt"]
                # paho uses select(): connect it while its socket's number is still below FD_SETSIZE.
                speaker = server.device("rmspeaker", "s1")
                sel = selectors.DefaultSelector()
                conns = []
                deadline = clock.monotonic() + 240

                class Conn:
                    def __init__(self, sock, user):
                        self.sock, self.user, self.buffer, self.entries = sock, user, b"", []

                def pump(until):
                    while not until():
                        self.assertLess(clock.monotonic(), deadline, "room test deadline")
                        for key, _ in sel.select(timeout=1.0):
                            c = key.data
                            try:
                                chunk = c.sock.recv(65536)
                            except BlockingIOError:
                                continue
                            self.assertTrue(chunk, f"{c.user} disconnected")
                            c.buffer += chunk
                            while (found := first_packet(c.buffer)):
                                (kind, flags, body), size = found
                                c.buffer = c.buffer[size:]
                                if kind == 2:
                                    self.assertEqual(body[1], 0, f"{c.user}: CONNACK {body[1]}")
                                    c.entries.append({"kind": "connack"})
                                elif kind == 3:
                                    tlen = int.from_bytes(body[:2], "big")
                                    pos = 2 + tlen
                                    if (flags >> 1) & 3:
                                        pid = body[pos:pos + 2]
                                        pos += 2
                                        c.sock.sendall(bytes([0x40, 2]) + pid)  # PUBACK: the delivery ack
                                    c.entries.append(json.loads(body[pos:]))

                def count(pred):
                    return sum(1 for c in conns for e in c.entries if pred(e))

                for i in range(self.MEMBERS):
                    user = f"rm{i}"
                    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
                    sock.setblocking(False)
                    c = Conn(sock, user)
                    conns.append(c)
                    sel.register(sock, selectors.EVENT_READ, c)
                    sock.sendall(connect_packet(f"d{i}", keepalive=600, username=user, password=jwt(user, SECRET),
                                                clean=True))
                    if i % 500 == 499:
                        pump(lambda: count(lambda e: e["kind"] == "connack") >= len(conns))
                pump(lambda: count(lambda e: e["kind"] == "connack") >= self.MEMBERS)
                for i, c in enumerate(conns):
                    c.sock.sendall(publish_packet("$im/room/join", json.dumps(
                        {"req_id": "join", "room": "big"}).encode(), qos=1, packet_id=1))
                pump(lambda: count(lambda e: e.get("req_id") == "join") >= self.MEMBERS)
                self.assertEqual(count(lambda e: e.get("req_id") == "join" and e.get("ok")), self.MEMBERS)

                before = server.scrape()
                speaker.request("$im/room/join", {"room": "big"})
                for m in range(self.MESSAGES):
                    speaker.send("room", "big", f"to everyone {m}", f"room-{m}")
                pump(lambda: count(lambda e: e.get("kind") == "msg") >= self.MEMBERS * self.MESSAGES)
                for c in conns:
                    got = [e["body"] for e in c.entries if e.get("kind") == "msg"]
                    self.assertEqual(got, [f"to everyone {m}" for m in range(self.MESSAGES)], c.user)
                after = server.scrape()
                fanouts = {k: v - before.get(k, 0) for k, v in after.items() if k.startswith("herald_room_fanouts_total")}
                self.assertEqual(sum(fanouts.values()), 2 * self.MESSAGES, f"one hand-off per loop per message: {fanouts}")
                speaker.disconnect()
                for c in conns:
                    sel.unregister(c.sock)
                    c.sock.close()
            finally:
                self.assertEqual(server.stop(), 0)


if __name__ == "__main__":
    ARGS, argv = server_args()
    unittest.main(argv=argv, verbosity=2)
