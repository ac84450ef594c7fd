#!/usr/bin/env python3
"""Issue #6 acceptance with real MQTT clients (paho) against the real herald binary.

randomized: concurrent clients send 1:1 and group messages (groups of mixed sizes on both sides of
  groups.write_diffusion_max, crossing it as members come and go), read, mute and unmute, while an
  admin adds and removes members; herald is kill -9'd at random points (--kills times). After every
  kill (on the crashed database, before the restart), after every restart and at the end:
  `herald unread check` finds 0 mismatches, the plugin's own start-up reconciliation reports 0, and
  every user's counts equal the test's own model: each conversation's unread == the messages after
  the user's read_seq (or join seq) not sent by the user, and total == the sum over unmuted ones.
big-group: a message into a 20,000-member read-diffusion group costs O(1) unread row writes (the
  herald_unread_row_writes_total metric) and every member's count is still exact.

--ops sets the size (ctest runs a modest one; the issue's figure is --ops 1000000)."""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tests", "integration"))
from im_harness import ImServer, ImDevice, TIMEOUT  # noqa: E402

WD_MAX = 8  # groups above 8 members are read-diffusion
ADMIN = "admin"


def c2c(a, b):
    return f"c2c:{min(a, b)}:{max(a, b)}"


class Server(ImServer):
    def __init__(self, args, workdir):
        self.token_file = os.path.join(workdir, "admin.token")
        super().__init__(args.herald, args.plugin_dir, workdir,
                         admin=f"admin:\n  enabled: true\n  listen: 127.0.0.1:0\n  token_file: {self.token_file}\n",
                         im_config=f"      groups: {{write_diffusion_max: {WD_MAX}, max_members: 100000}}\n"
                                   f"      storage: {{file: im.db, synchronous: normal}}",
                         plugins="  - name: unread\n    config: {check_on_start: true}",
                         stages=("im.store", "unread", "im.route"))
        self.db = os.path.join(workdir, "var", "im.db")

    def start(self):
        super().start()
        lines = [l for l in self.proc.lines if "reconciliation at start" in l]
        assert lines and lines[-1].endswith(" 0 mismatches"), f"start-up reconciliation: {lines}"
        return self

    def admin_unread(self, user, convs=None):
        """GET /v1/users/{user}/unread on the admin API: (status, JSON)."""
        with open(self.token_file) as f:
            token = f.read().strip()
        query = f"?convs={','.join(convs)}" if convs else ""
        req = urllib.request.Request(f"http://{self.admin}/v1/users/{user}/unread{query}")
        req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def check(self):
        """`herald unread check` on the database (live or crashed): returns its summary; fails on mismatches."""
        r = subprocess.run([self.herald, "unread", "-c", self.config, "check", "--db", self.db],
                           capture_output=True, text=True, timeout=120,
                           env={**os.environ, "HERALD_PLUGIN_PATH": self.plugin_dir})
        assert r.returncode == 0, f"herald unread check: exit {r.returncode}\n{r.stdout}{r.stderr}"
        summary = json.loads(r.stdout)
        assert summary["mismatches"] == 0, summary
        return summary


class Model:
    """What the clients know: every message's (seq, sender) from its ack, reads, mutes, memberships."""

    def __init__(self):
        self.lock = threading.Lock()
        self.msgs = {}      # conv -> {seq: sender}
        self.reads = {}     # (user, conv) -> seq
        self.muted = set()  # (user, conv)
        self.members = {}   # group -> set of users (as the admin's results say)

    def stored(self, conv, seq, sender, ack):
        with self.lock:
            prev = self.msgs.setdefault(conv, {}).setdefault(seq, sender)
            assert prev == sender, f"{conv} seq {seq} acked to {prev} and {sender}: {ack}"

    def last_known(self, conv):
        with self.lock:
            m = self.msgs.get(conv)
            return max(m) if m else 0


class Client:
    """One user's device running a window of operations; ids are unique, so a resend after a restart
    answers (or stores) exactly once."""

    def __init__(self, test, user, window):
        self.test = test
        self.user = user
        self.window = window
        self.cond = threading.Condition()
        self.pending = {}  # id -> op
        self.device = None
        self.errors = []

    def connect(self):
        self.device = ImDevice(self.test.server, self.user, f"{self.user}-d", version=4, clean=True,
                               on_entry=self.on_entry)

    def close(self, dead=False):
        """dead: the server was killed; paho's thread may sit in its reconnect back-off, so it is left
        to stop on its own instead of being waited for."""
        if self.device:
            device, self.device = self.device, None
            if dead:
                threading.Thread(target=device.disconnect, daemon=True).start()
            else:
                device.disconnect()

    def on_entry(self, e):
        kind = e.get("kind")
        key = e.get("cmid") if kind in ("ack", "error") and "cmid" in e else e.get("req_id")
        if kind not in ("ack", "error", "result") or key is None:
            return  # pushes: not what this test checks
        with self.cond:
            op = self.pending.pop(key, None)
            self.cond.notify_all()
        if op is None:
            return
        try:
            self.test.answered(self, op, e)
        except AssertionError as err:
            self.errors.append(str(err))

    def issue(self, op, stop=None):
        """Waits for room in the window (or for `stop`: the server was killed), then publishes."""
        with self.cond:
            deadline = time.monotonic() + TIMEOUT
            while len(self.pending) >= self.window and not (stop and stop.is_set()):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{self.user}: no answer within {TIMEOUT}s ({len(self.pending)} pending)")
                self.cond.wait(left)
            self.pending[op["id"]] = op
        self.device.publish(op["topic"], op["payload"], wait=False)

    def resend_pending(self):
        with self.cond:
            ops = list(self.pending.values())
        for op in ops:
            self.device.publish(op["topic"], op["payload"], wait=False)

    def drain(self, timeout=60.0):
        deadline = time.monotonic() + timeout
        with self.cond:
            while self.pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{self.user}: {len(self.pending)} operations unanswered: "
                                         f"{list(self.pending.values())[:3]}")
                self.cond.wait(left)


class RandomizedTest:
    def __init__(self, args, workdir):
        self.args = args
        self.rng = random.Random(args.seed)
        self.server = Server(args, workdir)
        self.model = Model()
        self.active = [f"a{i:02d}" for i in range(args.clients)]
        self.passive = [f"p{i:02d}" for i in range(args.passive)]  # offline recipients, checked on connect
        self.users = self.active + self.passive
        self.groups = {}
        self.ops_done = 0
        self.count_lock = threading.Lock()
        self.next_id = 0
        self.stats = {"sends": 0, "group_sends": 0, "reads": 0, "mutes": 0, "member_ops": 0, "refused": 0}

    def new_id(self, prefix):
        with self.count_lock:
            self.next_id += 1
            return f"{prefix}{self.next_id}"

    # ---- answers (paho threads) ---------------------------------------------------------------
    def answered(self, client, op, e):
        kind = e.get("kind")
        if kind == "error":
            with self.count_lock:
                self.stats["refused"] += 1
            # The one refusal the operations can meet: a group send, read or mute racing the admin's removal.
            assert op.get("conv", "").startswith("group:") and e.get("code") == 0x0101, \
                f"{client.user}: {op['op']} refused: {e}"
            return
        if op["op"] == "send":
            self.model.stored(op["conv"], e["seq"], client.user, e)
        elif op["op"] == "read":
            with self.model.lock:
                key = (client.user, op["conv"])
                self.model.reads[key] = max(self.model.reads.get(key, 0), op["seq"])
        elif op["op"] == "mute":
            with self.model.lock:
                (self.model.muted.add if op["mute"] else self.model.muted.discard)((client.user, op["conv"]))
        elif op["op"] == "member":
            with self.model.lock:
                members = self.model.members[op["group"]]
                (members.update if op["add"] else members.difference_update)(op["members"])

    # ---- operations ---------------------------------------------------------------------------
    def send_op(self, user, conv, topic):
        cmid = self.new_id("m")
        return {"id": cmid, "op": "send", "conv": conv, "topic": topic,
                "payload": {"cmid": cmid, "type": "text", "body": "x"}}

    def random_op(self, rng, user):
        r = rng.random()
        with self.model.lock:
            my_groups = [g for g, m in self.model.members.items() if user in m]
        if r < 0.45:
            peer = rng.choice(self.users)
            while peer == user:
                peer = rng.choice(self.users)
            self.stats["sends"] += 1
            return self.send_op(user, c2c(user, peer), f"$im/send/c2c/{peer}")
        if r < 0.72 and my_groups:
            g = rng.choice(my_groups)
            self.stats["group_sends"] += 1
            return self.send_op(user, f"group:{g}", f"$im/send/group/{g}")
        if r < 0.95:
            peer = rng.choice([u for u in self.users if u != user])
            conv = rng.choice([f"group:{g}" for g in my_groups] + [c2c(user, peer)])
            last = self.model.last_known(conv)
            if last == 0:  # nothing to read yet (READ needs a seq)
                return self.send_op(user, conv, f"$im/send/{conv.split(':')[0]}/{conv.split(':', 1)[1]}") \
                    if conv.startswith("group:") else self.random_op(rng, user)
            seq = last if rng.random() < 0.7 else rng.randint(1, last)
            rid = self.new_id("r")
            self.stats["reads"] += 1
            return {"id": rid, "op": "read", "conv": conv, "seq": seq, "topic": "$im/read",
                    "payload": {"req_id": rid, "conv": conv, "seq": seq}}
        # 1:1 conversations only: a group mute races the admin's removals (a leave drops the row and its
        # mute), which the unit tests cover deterministically.
        conv = c2c(user, rng.choice([u for u in self.users if u != user]))
        mute = rng.random() < 0.6
        rid = self.new_id("u")
        self.stats["mutes"] += 1
        return {"id": rid, "op": "mute", "conv": conv, "mute": mute, "topic": "$im/unread",
                "payload": {"req_id": rid, "op": "mute" if mute else "unmute", "convs": [conv]}}

    def member_op(self, rng):
        g = rng.choice(list(self.groups))
        with self.model.lock:
            members = set(self.model.members[g])
        outside = [u for u in self.users if u not in members]
        inside = [u for u in members if u != ADMIN]
        add = bool(outside) and (rng.random() < 0.55 or len(inside) < 3)
        who = rng.sample(outside if add else inside, min(len(outside if add else inside), rng.randint(1, 3)))
        rid = self.new_id("g")
        self.stats["member_ops"] += 1
        return {"id": rid, "op": "member", "group": g, "add": add, "members": who,
                "topic": f"$im/group/{'add_members' if add else 'remove_members'}",
                "payload": {"req_id": rid, "group": g, "members": who}}

    # ---- phases -------------------------------------------------------------------------------
    def connect_all(self):
        for c in self.clients.values():
            c.connect()

    def setup(self):
        self.server.start()
        self.clients = {u: Client(self, u, self.args.window) for u in self.active + [ADMIN]}
        self.connect_all()
        admin = self.clients[ADMIN]
        sizes = [3, 5, 7, 8, 9, 12, 16, 20]  # both sides of write_diffusion_max
        for i, size in enumerate(sizes):
            g = f"g{i}"
            members = self.rng.sample(self.users, size - 1)
            self.groups[g] = size
            self.model.members[g] = set(members) | {ADMIN}
            rid = self.new_id("c")
            admin.issue({"id": rid, "op": "create", "topic": "$im/group/create",
                         "payload": {"req_id": rid, "group": g, "name": g, "members": members}})
        admin.drain()

    def worker(self, user, budget, stop, kill_at):
        rng = random.Random(f"{self.args.seed}-{user}-{self.ops_done}")
        client = self.clients[user]
        for _ in range(budget):
            if stop.is_set():
                return
            op = self.member_op(rng) if user == ADMIN else self.random_op(rng, user)
            client.issue(op, stop)  # after a kill the op stays pending and is resent after the restart
            with self.count_lock:
                self.ops_done += 1
                kill = kill_at is not None and self.ops_done == kill_at
            if kill:
                # Mid-flight: every client has operations in the air.
                self.server.kill9()
                stop.set()
                for c in self.clients.values():
                    with c.cond:
                        c.cond.notify_all()
                return

    def run_phase(self, ops, kill_at):
        """Runs `ops` operations over every client; kills herald -9 once kill_at of them were issued."""
        stop = threading.Event()
        users = list(self.clients)
        per = {u: ops // len(users) for u in users}
        per[ADMIN] = max(1, ops // 200)  # membership changes are the rare operation
        before = self.ops_done
        at = None if kill_at is None else self.ops_done + kill_at
        errors = []

        def run(u):
            try:
                self.worker(u, per[u], stop, at)
            except Exception as e:  # surfaced below, with the user
                errors.append(f"{u}: {e}")
        threads = [threading.Thread(target=run, args=(u,), daemon=True) for u in users]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors[:3]
        return stop.is_set(), self.ops_done - before

    def recover(self):
        t0 = time.monotonic()
        for c in self.clients.values():
            c.close(dead=True)
        t1 = time.monotonic()
        summary = self.server.check()  # the crashed database itself
        t2 = time.monotonic()
        self.server.start()
        t3 = time.monotonic()
        self.connect_all()
        t4 = time.monotonic()
        for c in self.clients.values():
            c.resend_pending()
        for c in self.clients.values():
            c.drain()
        t5 = time.monotonic()
        if self.args.verbose:
            print(f"recover: close {t1 - t0:.2f}s check {t2 - t1:.2f}s start {t3 - t2:.2f}s "
                  f"connect {t4 - t3:.2f}s resend {t5 - t4:.2f}s", file=sys.stderr, flush=True)
        return summary

    def verify(self):
        """Every user's counts against the model (quiescent: nothing pending)."""
        admin = self.clients[ADMIN]
        for c in self.clients.values():
            c.drain()
            assert not c.errors, c.errors[:3]
        probe = ImDevice(self.server, ADMIN, "admin-probe", version=4, clean=True)
        join_seq, last_seq = {}, {}
        for g in self.groups:
            info = probe.request(f"$im/group/info", {"group": g})
            last_seq[f"group:{g}"] = info["group"]["last_seq"]
            offset = 0
            while True:
                page = probe.request("$im/group/list_members", {"group": g, "offset": offset, "limit": 1000})
                for m in page["members"]:
                    join_seq[(m["user"], f"group:{g}")] = m.get("join_seq", 0)
                offset = page.get("next_offset", 0)
                if not offset:
                    break
        probe.disconnect()
        with self.model.lock:
            msgs = {c: dict(m) for c, m in self.model.msgs.items()}
            reads = dict(self.model.reads)
            muted = set(self.model.muted)
        for c, m in msgs.items():
            if c.startswith("c2c:"):
                last_seq[c] = max(m)
                assert sorted(m) == list(range(1, max(m) + 1)), f"{c}: seqs not contiguous"
        checked = 0
        for user in self.users:
            expected = {}
            for conv, last in last_seq.items():
                if conv.startswith("c2c:"):
                    if user not in conv.split(":")[1:]:
                        continue
                    base = reads.get((user, conv), 0)
                elif (user, conv) in join_seq:
                    base = max(reads.get((user, conv), 0), join_seq[(user, conv)])
                else:
                    continue
                own = sum(1 for s, sender in msgs.get(conv, {}).items() if s > base and sender == user)
                n = max(0, last - base) - own
                if n:
                    expected[conv] = n
            device = self.clients[user].device if user in self.clients else \
                ImDevice(self.server, user, f"{user}-probe", version=4, clean=True)
            if user in self.clients:
                got = self.request_via(self.clients[user], {"op": "query"})
            else:
                got = device.request("$im/unread", {})
                device.disconnect()
            assert got.get("ok"), got
            counts = {e["conv"]: e["count"] for e in got["unread"]["convs"]}
            flags = {e["conv"]: e.get("muted", False) for e in got["unread"]["convs"]}
            assert counts == expected, f"{user}: server {counts} != model {expected}"
            status, admin = self.server.admin_unread(user)  # the admin API's view: the same numbers
            assert status == 200 and admin["total"] == got["unread"]["total"] and \
                {e["conv"]: e["count"] for e in admin["convs"]} == counts, (user, status, admin)
            total = sum(n for conv, n in expected.items() if (user, conv) not in muted)
            assert got["unread"]["total"] == total, f"{user}: total {got['unread']['total']} != model {total}"
            for conv in counts:
                assert flags[conv] == ((user, conv) in muted), f"{user} {conv}: muted flag"
            checked += len(expected)
        return checked

    def request_via(self, client, payload):
        """An $im/unread query through the client's own device (its entries go to on_entry)."""
        result = {}
        done = threading.Event()
        rid = self.new_id("q")
        original = client.device.on_entry

        def tap(e):
            if e.get("req_id") == rid:
                result.update(e)
                done.set()
            else:
                original(e)
        client.device.on_entry = tap
        client.device.publish("$im/unread", {"req_id": rid, **({} if payload.get("op") == "query" else payload)},
                              wait=False)
        assert done.wait(TIMEOUT), f"{client.user}: no unread answer"
        client.device.on_entry = original
        return result

    def run(self):
        started = time.monotonic()
        self.setup()
        kills = self.args.kills
        phases = kills + 1
        per_phase = self.args.ops // phases
        checks = []
        for phase in range(phases):
            kill_at = self.rng.randint(per_phase // 4, per_phase * 3 // 4) if phase < kills else None
            killed, done = self.run_phase(per_phase, kill_at)
            if killed:
                checks.append(self.recover())
                pairs = self.verify()  # right after the restart
                _, rest = self.run_phase(per_phase - done, None)  # the phase's remaining operations
            pairs = self.verify()
        for c in self.clients.values():
            c.close()
        scrape = self.server.scrape()
        final = self.server.check()
        self.server.stop()
        elapsed = time.monotonic() - started
        print(json.dumps({"ops": self.ops_done, "kills": len(checks), "seconds": round(elapsed, 1),
                          "ops_per_second": round(self.ops_done / elapsed), "final_check": final,
                          "model_pairs_checked_last": pairs, "stats": self.stats,
                          "herald_unread_updates_total": scrape.get("herald_unread_updates_total"),
                          "herald_unread_row_writes_total": scrape.get("herald_unread_row_writes_total"),
                          "mismatches": 0}))
        assert len(checks) == kills


def big_group(args, workdir):
    """20,000 members, read diffusion: O(1) unread writes per message, exact counts for everyone."""
    server = Server(args, workdir)
    server.start()
    n = args.big_members
    members = [f"m{i:05d}" for i in range(n)]
    owner = ImDevice(server, ADMIN, "admin-d", version=4, clean=True)
    created = owner.request("$im/group/create", {"group": "huge", "name": "huge", "members": members[:1000]})
    assert created.get("ok"), created
    for first in range(1000, n, 1000):  # a frame holds at most 1,024 repeated elements
        added = owner.request("$im/group/add_members", {"group": "huge", "members": members[first:first + 1000]})
        assert added.get("ok"), added
    sender = ImDevice(server, members[7], "m7-d", version=4, clean=True)
    before = server.scrape()
    sent = 5
    for i in range(sent):
        sender.publish("$im/send/group/huge", {"cmid": f"big{i}", "type": "text", "body": "hello"})
    sender.wait_entries(lambda e: e.get("kind") == "ack", count=sent)
    after = server.scrape()
    writes = after["herald_unread_row_writes_total"] - before.get("herald_unread_row_writes_total", 0)
    updates = after["herald_unread_updates_total"] - before.get("herald_unread_updates_total", 0)
    # Per message: the conversation's running count and the sender's own count (merged in a batch).
    assert writes <= 2 * sent, f"{writes} unread row writes for {sent} messages into a {n + 1}-member group"
    assert updates == sent, updates
    # Exact for everyone: the admin's system messages from the member's join on (one per chunk added:
    # the first chunk sees all n / 1000 of them, the last only its own) plus the 5, but the sender's own.
    chunks = (n + 999) // 1000
    for user in [members[0], members[7], members[n // 2], members[-1]]:
        d = ImDevice(server, user, f"{user}-probe", version=4, clean=True)
        got = d.request("$im/unread", {"convs": ["group:huge"]})
        d.disconnect()
        system = chunks - members.index(user) // 1000
        want = system + (0 if user == members[7] else sent)
        assert got["unread"]["convs"][0]["count"] == want and got["unread"]["total"] == want, (user, want, got)
    # PUSH.badge: the owner (online) got each message with its total at that point: 1, 2, ... 5.
    pushed = owner.wait_entries(lambda e: e.get("kind") == "msg" and e.get("from") == members[7], count=sent)
    assert [e.get("badge", 0) for e in pushed] == list(range(1, sent + 1)), pushed
    status, admin = server.admin_unread(members[0], ["group:huge"])
    assert status == 200 and admin["convs"][0]["count"] == chunks + sent, (status, admin)
    status, bad = server.admin_unread("not%20valid")
    assert status == 400 and bad["error"]["name"] == "INVALID_ID", (status, bad)
    sender.disconnect()
    owner.disconnect()
    summary = server.check()  # every one of the 20,000 members' counts against the messages
    assert summary["participants"] >= n, summary
    server.stop()
    print(json.dumps({"members": n + 1, "messages": sent, "unread_row_writes": writes, "updates": updates,
                      "check": summary}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--herald", required=True)
    ap.add_argument("--plugin-dir", required=True)
    ap.add_argument("--case", choices=["randomized", "big-group"], default="randomized")
    ap.add_argument("--ops", type=int, default=6000)
    ap.add_argument("--kills", type=int, default=5)
    ap.add_argument("--clients", type=int, default=12)
    ap.add_argument("--passive", type=int, default=16)
    ap.add_argument("--window", type=int, default=64)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--big-members", type=int, default=20000)
    ap.add_argument("--workdir", default="")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    print(f"seed {args.seed}", flush=True)
    with tempfile.TemporaryDirectory(prefix="herald-unread-") as tmp:
        workdir = args.workdir or tmp
        test = RandomizedTest(args, workdir) if args.case == "randomized" else None
        try:
            test.run() if test else big_group(args, workdir)
        finally:
            if test and test.server.proc:
                test.server.kill9()


if __name__ == "__main__":
    main()
