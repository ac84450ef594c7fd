"""Cluster mode acceptance (#12): three herald nodes on librdkafka's mock cluster (a real Kafka
protocol on loopback), clients spread over the nodes. 1:1, a 1,000-member group and a room: every
message arrives once, in conversation order, on every device. Then kill -9 of one node under load: its
clients reconnect to the others, resend what was not acked (same cmid), sync, and every acked message
is there exactly once with contiguous conv_seq. Real MQTT clients (paho) through the real gateway."""
import base64
import hashlib
import hmac
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../../../tests/integration"))
sys.path.insert(0, os.path.join(HERE, "../../push/tests"))
from herald_process import HeraldProcess  # noqa: E402
from im_harness import SECRET, ImServer, TIMEOUT, server_args  # noqa: E402
from provider_standins import StandIns  # noqa: E402

GROUP_SIZE = int(os.environ.get("HERALD_CLUSTER_GROUP", "1000"))
# Group members connected. paho uses select(), so one test process holds at most ~330 clients.
ONLINE = int(os.environ.get("HERALD_CLUSTER_ONLINE", "150"))
KILL_SENDS = int(os.environ.get("HERALD_CLUSTER_SENDS", "40"))  # per sender during the kill -9 phase


class MockKafka:
    """herald-kafka-mock: prints its bootstrap servers; stops when its stdin closes."""

    def __init__(self, binary):
        self.proc = subprocess.Popen([binary, "herald.log:1", "herald.presence:1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline().split()
        assert line and line[0] == "bootstrap", f"mock cluster said {line}"
        self.bootstrap = line[1]

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=20)


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_token(user):
    """The same HS256 JWT `herald token` signs (every node shares the secret), without a process per user."""
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    now = int(time.time())
    payload = b64(json.dumps({"sub": user, "iat": now, "exp": now + 7200}).encode())
    sig = hmac.new(SECRET.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(sig)}"


class ClusterNode(ImServer):
    def token(self, user):
        return hs256_token(user)


def msgs(entries, conv):
    return [e for e in entries if e.get("kind") == "msg" and e.get("conv") == conv]


class ClusterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # paho holds three descriptors per client (its socket and a wake-up pair).
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
        cls.tmp = tempfile.TemporaryDirectory()
        cls.push = StandIns(cls.tmp.name)  # the FCM stand-in (HTTPS + OAuth2), shared by the three nodes
        cls.kafka = MockKafka(ARGS.kafka_mock)
        cls.nodes = [cls.node(i) for i in range(3)]
        for n in cls.nodes:
            n.start()

    @classmethod
    def node(cls, i):
        work = os.path.join(cls.tmp.name, f"n{i}")
        os.makedirs(work, exist_ok=True)
        kafka = f"""  - name: kafka
    config:
      bootstrap_servers: "{cls.kafka.bootstrap}"
      fetch_wait: 5ms
      presence_heartbeat: 200ms"""
        return ClusterNode(ARGS.herald, ARGS.plugin_dir, work, node_id=f"node{i}", early_plugins=kafka,
                           im_config="      replicated: true", plugins=cls.push.plugin_config())

    @classmethod
    def tearDownClass(cls):
        codes = [n.stop() for n in cls.nodes]
        cls.kafka.stop()
        cls.push.close()
        cls.tmp.cleanup()
        assert all(c in (0, None) for c in codes), f"herald exit codes {codes}"

    def setUp(self):
        self.devices = []

    def tearDown(self):
        for d in self.devices:
            d.disconnect()

    def dev(self, node, user, device, **kw):
        d = self.nodes[node].device(user, device, **kw)
        self.devices.append(d)
        return d

    def remote_devices(self, node):
        return sum(v for k, v in self.nodes[node].scrape().items()
                   if k.startswith("herald_cluster_presence_remote_devices"))

    def wait_remote_devices(self, node, value):
        deadline = time.monotonic() + TIMEOUT
        while self.remote_devices(node) != value:  # the gauge follows the presence topic per heartbeat
            self.assertLess(time.monotonic(), deadline, f"node{node}: remote devices never {value}")
            time.sleep(0.05)

    def test_0_offline_push_only_when_offline_on_every_node(self):
        # The recipient is connected to node 1 and the sender to node 0, so node 0 (the origin, which
        # decides about push) has no connection of the recipient. Only the presence map stops the push.
        before = self.remote_devices(0)
        pb = self.dev(1, "pb", "pb.android")
        r = pb.request("$im/push_token", {"provider": "fcm", "app_id": "com.example.chat", "token": "fcm-pb",
                                          "sandbox": False})
        self.assertEqual(r["kind"], "result", r)
        self.wait_remote_devices(0, before + 1)
        pa = self.dev(0, "pa", "pa.phone")
        pz = self.dev(2, "pz", "pz.android")
        r = pz.request("$im/push_token", {"provider": "fcm", "app_id": "com.example.chat", "token": "fcm-pz",
                                          "sandbox": False})
        self.assertEqual(r["kind"], "result", r)
        pz.disconnect()
        for i in range(3):
            pa.send("c2c", "pb", f"while online {i}", f"on-{i}")
        pb.wait_entries(lambda e: e.get("kind") == "msg" and e.get("cmid") == "on-2")
        pb.disconnect()
        self.wait_remote_devices(0, before)
        pa.send("c2c", "pb", "now offline", "off-0")
        pa.send("c2c", "pz", "marker", "marker-0")
        fcm = self.push.fcm.b
        # The marker was sent after the message to pb, by the same origin: once its push is there, so
        # is every push about pb's message.
        self.assertTrue(fcm.wait(lambda r: r[1] == "fcm-pz"), "no notification for the offline marker device")
        self.assertTrue(fcm.wait(lambda r: r[1] == "fcm-pb"), "no notification once pb was offline everywhere")
        pushes = fcm.for_token("fcm-pb")
        self.assertEqual(len(pushes), 1, f"pb got {len(pushes)} notifications: one for the message sent while "
                                         "it was offline everywhere, none while it was online on node 1")
        self.assertEqual(len(fcm.for_token("fcm-pz")), 1, "one notification, from the origin node only")

    def test_4_a_node_without_im_replicated_refuses_to_join(self):
        # Its store could hold changes no other node has; it must not start as part of the cluster.
        work = os.path.join(self.tmp.name, "loner")
        os.makedirs(work, exist_ok=True)
        kafka = f"""  - name: kafka
    config: {{bootstrap_servers: "{self.kafka.bootstrap}", fetch_wait: 5ms}}"""
        loner = ClusterNode(ARGS.herald, ARGS.plugin_dir, work, node_id="loner", early_plugins=kafka)
        proc = HeraldProcess(ARGS.herald, loner.config, env={"HERALD_PLUGIN_PATH": ARGS.plugin_dir})
        line = proc.wait_for(r"refused the replication log", timeout=TIMEOUT)
        self.assertIn("replicated: true", line)
        self.assertNotEqual(proc.proc.wait(timeout=TIMEOUT), 0)

    def test_1_c2c_across_nodes_reaches_every_device_once_in_order(self):
        a0 = self.dev(0, "ca", "ca.phone")
        a2 = self.dev(2, "ca", "ca.laptop")   # the sender's other device, on a third node
        b1 = self.dev(1, "cb", "cb.phone")
        n = 30
        for i in range(n):
            a0.send("c2c", "cb", f"a->b {i}", f"ab-{i}")
            b1.send("c2c", "ca", f"b->a {i}", f"ba-{i}")
        conv = "c2c:ca:cb"
        # The sending device gets its own messages as version-only "ack" entries; every other device
        # gets them as messages.
        for d, count in ((b1, n), (a2, 2 * n), (a0, n)):
            got = msgs(d.wait_entries(lambda e: e.get("kind") == "msg" and e.get("conv") == conv, count), conv)
            self.assertEqual(len(got), count, f"{d.device}: {len(got)} messages")
            seqs = [e["seq"] for e in got]
            self.assertEqual(len(seqs), len(set(seqs)), f"{d.device}: duplicates")
            self.assertEqual(seqs, sorted(seqs), f"{d.device}: out of conversation order")
        # The same conversation, as each node stores it: identical seq -> (cmid, msg_id).
        views = []
        for node in range(3):
            reader = self.dev(node, "ca", f"ca.reader{node}", clean=True)
            h = reader.request("$im/history", {"conv": conv, "before": 0, "limit": 100}, "history")
            views.append([(m["seq"], m["cmid"], m["msg_id"]) for m in h["messages"]])
        self.assertEqual([s for s, _, _ in sorted(views[0])], list(range(1, 2 * n + 1)))
        self.assertEqual(views[0], views[1])
        self.assertEqual(views[0], views[2])

    def test_2_group_of_1000_and_a_room_across_nodes(self):
        owner = self.dev(0, "gowner", "gowner.d")
        members = [f"gm{i}" for i in range(GROUP_SIZE - 1)]
        r = owner.request("$im/group/create", {"group": "big", "name": "Big", "members": members[:500]})
        self.assertTrue(r.get("ok"), r)
        r = owner.request("$im/group/add_members", {"group": "big", "members": members[500:]})
        self.assertTrue(r.get("ok"), r)
        online = [self.dev(i % 3, u, f"{u}.d") for i, u in enumerate(members[:max(ONLINE, 6)])]
        senders = [owner, online[1], online[2]]  # on nodes 0, 1 and 2
        per = 8
        for i in range(per):
            for k, s in enumerate(senders):
                s.send("group", "big", f"g{k}-{i}", f"g{k}-{i}")
        conv = "group:big"
        for d in online[3:]:  # the members that only receive (senders get their own as acks)
            got = [e for e in msgs(d.wait_entries(
                lambda e: e.get("kind") == "msg" and e.get("conv") == conv and e.get("type") == "text",
                per * 3), conv) if e.get("type") == "text"]
            seqs = [e["seq"] for e in got]
            self.assertEqual(len(got), per * 3, f"{d.device}: {len(got)} messages")
            self.assertEqual(seqs, sorted(set(seqs)), f"{d.device}: duplicates or out of order")
            for k in range(3):  # each sender's own order is kept too
                mine = [e["body"] for e in got if e["body"].startswith(f"g{k}-")]
                self.assertEqual(mine, [f"g{k}-{i}" for i in range(per)])
        # A member that was never connected reads the same history on any node.
        late = self.dev(1, members[-1], "late.d", clean=True)
        h = late.request("$im/history", {"conv": conv, "before": 0, "limit": 100}, "history")
        texts = [m for m in h["messages"] if m.get("type") == "text"]
        self.assertEqual(len(texts), per * 3)
        seqs = sorted(m["seq"] for m in h["messages"])
        self.assertEqual(seqs, list(range(seqs[0], seqs[0] + len(seqs))), "conv_seq has a hole")

        # Room: members on every node; each node fans out to its own members.
        room_devs = [self.dev(i % 3, f"rm{i}", f"rm{i}.d") for i in range(9)]
        for d in room_devs:
            r = d.request("$im/room/join", {"room": "lobby"})
            self.assertTrue(r.get("ok"), r)
        for i in range(10):
            room_devs[i % 3].send("room", "lobby", f"r{i}", f"r-{i}")
        for d in room_devs[3:]:  # the three speakers get acks for their own
            got = msgs(d.wait_entries(lambda e: e.get("kind") == "msg" and e.get("conv") == "room:lobby", 10),
                       "room:lobby")
            self.assertEqual(sorted(e["body"] for e in got), sorted(f"r{i}" for i in range(10)))
            seqs = [e["seq"] for e in got]
            self.assertEqual(seqs, sorted(set(seqs)), f"{d.device}: room duplicates or out of order")

    def test_3_kill9_a_node_under_load(self):
        # Senders on node 2 (killed), node 0 and node 1; receivers on all three (kr4 on the killed one).
        pairs = [(2, "ks0", 0, "kr0"), (2, "ks1", 1, "kr1"), (0, "ks2", 1, "kr2"), (1, "ks3", 0, "kr3"),
                 (0, "ks4", 2, "kr4")]
        receivers = {r: self.dev(rn, r, f"{r}.d") for _, _, rn, r in pairs}
        acked = {s: [] for _, s, _, _ in pairs}
        moved = {s: 0 for _, s, _, _ in pairs}  # reconnections to another node
        errors = []
        killed = threading.Event()

        def run(node, sender, receiver):
            dev = self.nodes[node].device(sender, f"{sender}.d")
            i = 0
            try:
                while i < KILL_SENDS:
                    cmid = f"{sender}-{i}"
                    try:
                        dev.send("c2c", receiver, f"{sender} {i}", cmid)
                        acked[sender].append(cmid)
                        i += 1
                        if node == 2 and i == KILL_SENDS // 3:
                            killed.wait(TIMEOUT)  # the kill happens while this sender is mid-stream
                    except (AssertionError, OSError, RuntimeError, ValueError):
                        # Our node died (or answered an error): go to another node, resend the same cmid.
                        dev.drop()
                        moved[sender] += 1
                        node = (node + 1) % 3
                        if node == 2:
                            node = 0
                        dev = self.nodes[node].device(sender, f"{sender}.d")
            except Exception as e:  # noqa: BLE001 - reported by the main thread
                errors.append(f"{sender}: {e!r}")
            finally:
                dev.disconnect()

        threads = [threading.Thread(target=run, args=(sn, s, r)) for sn, s, _, r in pairs]
        for t in threads:
            t.start()
        deadline = time.monotonic() + TIMEOUT
        while min(len(acked["ks0"]), len(acked["ks1"])) < KILL_SENDS // 3 and time.monotonic() < deadline:
            time.sleep(0.01)  # polling the senders' progress (a condition with a deadline)
        at_kill = {k: len(v) for k, v in acked.items()}
        self.nodes[2].kill9()
        killed.set()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])
        print(f"acked when node2 was killed: {at_kill}; reconnections: {moved}", file=sys.stderr)
        for _, s, _, _ in pairs:
            self.assertEqual(len(acked[s]), KILL_SENDS, s)
        self.assertGreaterEqual(moved["ks0"], 1, "the killed node's sender never failed over")
        self.assertGreaterEqual(moved["ks1"], 1, "the killed node's sender never failed over")
        # Every acked message exactly once, contiguous seqs, on both surviving nodes, and on the
        # receiver's device by push or sync.
        for _, s, rn, r in pairs:
            conv = "c2c:" + ":".join(sorted((s, r)))
            for node in (0, 1):
                reader = self.dev(node, r, f"{r}.reader{node}", clean=True)
                h = reader.request("$im/history", {"conv": conv, "before": 0, "limit": 200}, "history")
                got = sorted((m["seq"], m["cmid"]) for m in h["messages"])
                self.assertEqual([q for q, _ in got], list(range(1, len(got) + 1)), f"{conv} on node{node}")
                cmids = [c for _, c in got]
                self.assertEqual(len(cmids), len(set(cmids)), f"{conv} on node{node}: stored twice")
                self.assertEqual(set(cmids), set(acked[s]), f"{conv} on node{node}")
            if rn == 2:
                continue  # checked below, after its reconnect
            recv = receivers[r]
            pushed = msgs(recv.wait_entries(lambda e: e.get("kind") == "msg" and e.get("conv") == conv,
                                            KILL_SENDS), conv)
            self.assertEqual(sorted({e["cmid"] for e in pushed}), sorted(acked[s]), f"{r} device")
        # The receiver whose node died: reconnects to another node and syncs from the last version it
        # holds without a gap (the prev_version chain), like a client does.
        old = receivers["kr4"]
        old.drop()
        with old._lock:
            seen = [e for e in old.entries if e.get("kind") == "msg"]
        since = 0
        for e in sorted(seen, key=lambda e: e["version"]):
            if e.get("prev_version") != since:
                break
            since = e["version"]
        moved_dev = self.dev(1, "kr4", "kr4.d", clean=True)
        synced, _, _ = moved_dev.sync_all(since=since)
        conv = "c2c:kr4:ks4"
        have = {}
        for e in msgs(seen + synced, conv):
            self.assertEqual(have.setdefault(e["cmid"], e["msg_id"]), e["msg_id"], f"{e['cmid']} has two ids")
        self.assertEqual(sorted(have), sorted(acked["ks4"]), "kr4 after its node died: pushed + synced")
        self.assertGreater(len(seen), 0, "kr4 got nothing before the kill")
        # Restart the killed node: it catches up from its last committed position.
        self.nodes[2] = self.node(2)
        self.nodes[2].start()
        conv = "c2c:kr0:ks0"
        reader = self.dev(2, "kr0", "kr0.reader2", clean=True)
        h = reader.request("$im/history", {"conv": conv, "before": 0, "limit": 200}, "history")
        self.assertEqual(sorted(m["cmid"] for m in h["messages"]), sorted(acked["ks0"]))


if __name__ == "__main__":
    ARGS, argv = server_args("--kafka-mock")
    unittest.main(argv=argv, verbosity=2)
