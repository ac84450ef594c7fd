"""Gateway acceptance with stock clients on loopback: mosquitto_pub/sub (-V 311 and -V 5) and paho
(3.1.1 and 5) over TCP, TLS and WebSocket, an HTTP-tunnel client, and raw sockets for what stock
clients hide (a silent client, an abrupt close). Run by ctest with --herald and --plugin-dir."""
import argparse
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import unittest
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from gateway_harness import (TIMEOUT, Gateway, Peer, RawClient, connect_packet, first_packet,  # noqa: E402
                             mqtt, publish_packet, subscribe_packet)

ARGS = None


def uid(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def mosquitto_sub(port, topic, count, version, user=None, password=None, cafile=None, qos=1, extra=()):
    args = ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-t", topic, "-C", str(count), "-W", "15",
            "-q", str(qos), "-V", version, "-v", "-i", uid("msub"), *extra]
    if user:
        args += ["-u", user, "-P", password]
    if cafile:
        args += ["--cafile", cafile]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def mosquitto_pub(port, topic, message, version, qos=1, user=None, password=None, retain=False, extra=()):
    args = ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-t", topic, "-m", message, "-q", str(qos),
            "-V", version, "-i", uid("mpub"), *extra]
    if user:
        args += ["-u", user, "-P", password]
    if retain:
        args.append("-r")
    return subprocess.run(args, capture_output=True, text=True, timeout=30)


def publish_until_received(test, sub, publisher, topic, payload):
    """mosquitto_sub prints nothing until it has a message, so its subscription cannot be awaited: publish
    (bounded number of times) until it exits with one. Returns its output line."""
    for _ in range(100):
        publisher.publish(topic, payload, qos=1)
        try:
            out, err = sub.communicate(timeout=0.2)
            break
        except subprocess.TimeoutExpired:
            continue
    else:
        sub.kill()
        test.fail("mosquitto_sub never received")
    test.assertEqual(sub.returncode, 0, err)
    return out.strip()


class SharedGatewayTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.gw = Gateway(ARGS.herald, ARGS.plugin_dir, cls.tmp.name).start()
        cls.alice = cls.gw.token("alice")
        cls.bob = cls.gw.token("bob")

    @classmethod
    def tearDownClass(cls):
        code = cls.gw.stop()
        cls.tmp.cleanup()
        assert code == 0, code

    def peer(self, user, protocol=mqtt.MQTTv5, transport="tcp", port=None, **kw):
        p = Peer(uid(user), protocol=protocol, transport=transport, **kw)
        token = {"alice": self.alice, "bob": self.bob}[user]
        rc = p.connect(port or self.gw.ports["tcp" if transport == "tcp" else transport], user, token)
        self.assertEqual(rc, 0)
        self.addCleanup(p.close)
        return p

    def test_wildcards_and_qos_levels_with_mosquitto_clients(self):
        port = self.gw.ports["tcp"]
        # paho subscribers with + and # wildcards, one per protocol version.
        v5 = self.peer("bob")
        v311 = self.peer("bob", protocol=mqtt.MQTTv311)
        self.assertEqual(v5.subscribe("chat/+/wild", 2), [2])
        self.assertEqual(v311.subscribe("chat/#", 2), [2])
        for qos, version in ((0, "311"), (1, "5"), (2, "311"), (2, "5")):
            r = mosquitto_pub(port, f"chat/q{qos}v{version}/wild", f"m{qos}{version}", version, qos=qos,
                              user="alice", password=self.alice)
            self.assertEqual(r.returncode, 0, r.stderr)
        v5.wait(lambda: len(v5.messages) == 4)
        v311.wait(lambda: len(v311.messages) == 4)
        self.assertEqual([m[1] for m in v5.messages], [b"m0311", b"m15", b"m2311", b"m25"])
        # Delivered QoS = min(published, granted).
        self.assertEqual([m[2] for m in v5.messages], [0, 1, 2, 2])
        # mosquitto_sub as the receiver, both versions.
        for version in ("311", "5"):
            topic = f"chat/sub{version}/x"
            sub = mosquitto_sub(port, "chat/+/x", 1, version, user="bob", password=self.bob)
            line = publish_until_received(self, sub, self.peer("alice"), topic, f"hello{version}")
            self.assertEqual(line, f"{topic} hello{version}")

    def test_retained_messages(self):
        alice = self.peer("alice")
        topic = f"chat/retained/{uid('t')}"
        alice.publish(topic, b"kept", qos=1, retain=True)
        late = self.peer("bob")
        late.subscribe(topic, 1)
        late.wait(lambda: len(late.messages) == 1)
        self.assertEqual(late.messages[0][1], b"kept")
        self.assertTrue(late.messages[0][3], "retained flag on delivery to a new subscriber")
        alice.publish(topic, b"", qos=1, retain=True)  # clears
        later = self.peer("bob")
        later.subscribe(topic, 1)
        alice.publish(topic, b"live", qos=1)
        later.wait(lambda: len(later.messages) >= 1)
        self.assertEqual(later.messages[0][1], b"live", "a cleared retained message is not delivered")

    def test_will_on_abnormal_disconnect_only(self):
        watcher = self.peer("bob")
        topic = f"chat/will/{uid('w')}"
        watcher.subscribe(topic, 1)
        # A normal DISCONNECT sends no will.
        polite = RawClient(self.gw.ports["tcp"])
        polite.send(connect_packet(uid("polite"), will=(topic, b"polite-will", 1, False), username="alice",
                                   password=self.alice))
        self.assertEqual(polite.read_packet()[0], 2)  # CONNACK
        polite.send(bytes([0xE0, 0]))
        polite.close()
        # An abrupt close does.
        rude = RawClient(self.gw.ports["tcp"])
        rude.send(connect_packet(uid("rude"), will=(topic, b"rude-will", 1, False), username="alice",
                                 password=self.alice))
        self.assertEqual(rude.read_packet()[0], 2)
        rude.abort()
        watcher.wait(lambda: len(watcher.messages) >= 1)
        self.peer("alice").publish(topic, b"marker", qos=1)
        watcher.wait(lambda: any(m[1] == b"marker" for m in watcher.messages))
        self.assertEqual([m[1] for m in watcher.messages], [b"rude-will", b"marker"])

    def test_persistent_session_receives_what_was_queued_offline(self):
        client_id = uid("persist")
        topic = f"chat/persist/{client_id}"
        sub = Peer(client_id, protocol=mqtt.MQTTv311, clean=False)
        self.assertEqual(sub.connect(self.gw.ports["tcp"], "bob", self.bob), 0)
        sub.subscribe(topic, 1)
        sub.close()
        alice = self.peer("alice")
        for i in range(5):
            alice.publish(topic, f"queued-{i}".encode(), qos=1)
        again = Peer(client_id, protocol=mqtt.MQTTv311, clean=False)
        self.assertEqual(again.connect(self.gw.ports["tcp"], "bob", self.bob), 0)
        self.addCleanup(again.close)
        self.assertEqual(again.connack[0]["session present"], 1)
        again.wait(lambda: len(again.messages) == 5)
        self.assertEqual([m[1] for m in again.messages], [f"queued-{i}".encode() for i in range(5)])

    def test_keepalive_timeout_within_one_and_a_half_keepalives(self):
        silent = RawClient(self.gw.ports["anon"])
        silent.send(connect_packet(uid("silent"), keepalive=2))
        packet = silent.read_packet()
        self.assertEqual(packet[0], 2)
        self.assertEqual(packet[2][1], 0, "CONNACK accepted")
        closed_after = silent.wait_closed(timeout=10)
        silent.close()
        self.assertGreaterEqual(closed_after, 1.9, "not before the keepalive ran out")
        self.assertLessEqual(closed_after, 3.0 + 0.5, "within 1.5 x keepalive (3 s) plus scheduling slack")

    def test_tls_listener_with_mosquitto_sub_cafile(self):
        topic = f"chat/tls/{uid('t')}"
        sub = mosquitto_sub(self.gw.ports["tls"], topic, 1, "5", user="bob", password=self.bob,
                            cafile=self.gw.tls["ca.pem"])
        self.assertEqual(publish_until_received(self, sub, self.peer("alice"), topic, b"over-tls"), f"{topic} over-tls")
        # paho over TLS publishes too.
        tls_peer = Peer(uid("tls"))
        self.assertEqual(tls_peer.connect(self.gw.ports["tls"], "alice", self.alice, tls_ca=self.gw.tls["ca.pem"]), 0)
        self.addCleanup(tls_peer.close)
        watcher = self.peer("bob")
        watcher.subscribe(topic, 1)
        tls_peer.publish(topic, b"from-tls", qos=1)
        watcher.wait(lambda: any(m[1] == b"from-tls" for m in watcher.messages))

    def test_websocket_and_tcp_clients_exchange_messages(self):
        ws = self.peer("alice", transport="ws")
        tcp = self.peer("bob")
        ws.subscribe("chat/ws/in", 1)
        tcp.subscribe("chat/ws/out", 1)
        tcp.publish("chat/ws/in", b"tcp->ws", qos=1)
        ws.publish("chat/ws/out", b"ws->tcp", qos=1)
        ws.wait(lambda: len(ws.messages) == 1)
        tcp.wait(lambda: len(tcp.messages) == 1)
        self.assertEqual(ws.messages[0][1], b"tcp->ws")
        self.assertEqual(tcp.messages[0][1], b"ws->tcp")

    def test_http_tunnel_and_mqtt_client_exchange_messages_across_a_cut_poll(self):
        port = self.gw.ports["tunnel"]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        conn.request("POST", "/herald/v1/tunnel", body=connect_packet(uid("tunnel"), keepalive=60),
                     headers={"Content-Type": "application/x-herald-frames"})
        r = conn.getresponse()
        r.read()
        self.assertEqual(r.status, 200)
        tid = r.getheader("Herald-Tunnel")
        self.assertTrue(tid)
        seq = [0]

        def up(data):
            seq[0] += 1
            conn.request("POST", f"/herald/v1/tunnel/{tid}/up?seq={seq[0]}", body=data)
            resp = conn.getresponse()
            resp.read()
            self.assertEqual(resp.status, 204)

        def down(after, wait=5):
            conn.request("GET", f"/herald/v1/tunnel/{tid}/down?after={after}&wait={wait}")
            resp = conn.getresponse()
            body = resp.read()
            if resp.status == 204:
                return [], after
            self.assertEqual(resp.status, 200)
            packets = []
            while body:
                packet, size = first_packet(body)
                packets.append(packet)
                body = body[size:]
            return packets, int(resp.getheader("Herald-Last-Frame"))

        packets, last = down(0)
        self.assertEqual(packets[0][0], 2, "CONNACK downstream")
        up(subscribe_packet(1, "public/tunnel/down", 1))
        packets, last = down(last)
        self.assertEqual(packets[0][0], 9, "SUBACK downstream")

        anon = Peer(uid("anon"))
        self.assertEqual(anon.connect(self.gw.ports["anon"]), 0)
        self.addCleanup(anon.close)
        anon.subscribe("public/tunnel/up", 1)
        # Tunnel -> MQTT.
        up(publish_packet("public/tunnel/up", b"via-tunnel", qos=0))
        anon.wait(lambda: len(anon.messages) == 1)
        self.assertEqual(anon.messages[0][1], b"via-tunnel")

        # Cut a poll mid-way: a GET that hangs, then its socket dies before data arrives.
        cut = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        cut.sendall(f"GET /herald/v1/tunnel/{tid}/down?after={last}&wait=20 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        cut.close()
        # MQTT -> tunnel while no poll is alive; the resumed poll gets it, exactly once.
        anon.publish("public/tunnel/down", b"while-cut", qos=1)
        packets, newest = down(last)
        publishes = [p for p in packets if p[0] == 3]
        self.assertEqual(len(publishes), 1)
        self.assertIn(b"while-cut", publishes[0][2])
        # Acknowledging by polling after the newest id: nothing is resent.
        anon.publish("public/tunnel/down", b"next", qos=1)
        packets, _ = down(newest)
        self.assertEqual([p[0] for p in packets if p[0] == 3], [3])
        self.assertIn(b"next", [p for p in packets if p[0] == 3][0][2])
        conn.request("DELETE", f"/herald/v1/tunnel/{tid}")
        self.assertEqual(conn.getresponse().status, 204)
        conn.close()

    def test_bad_token_is_refused_with_the_right_reason_code(self):
        forged = self.alice[:-4] + ("AAAA" if not self.alice.endswith("AAAA") else "BBBB")
        v5 = Peer(uid("forged"))
        self.assertEqual(v5.connect(self.gw.ports["tcp"], "alice", forged), 0x86)
        v5.c.loop_stop()
        v311 = Peer(uid("forged"), protocol=mqtt.MQTTv311)
        self.assertEqual(v311.connect(self.gw.ports["tcp"], "alice", forged), 4)  # bad user name or password
        v311.c.loop_stop()
        r = mosquitto_pub(self.gw.ports["tcp"], "chat/x", "m", "5", user="alice", password="not-a-jwt")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("bad user name or password", r.stderr.lower())
        # An anonymous client on an authenticated listener is refused too.
        anon = Peer(uid("anon"))
        self.assertEqual(anon.connect(self.gw.ports["tcp"]), 0x87)
        anon.c.loop_stop()
        log = "\n".join(self.gw.proc.lines)
        self.assertNotIn(forged, log, "a token never reaches the log")

    def test_another_users_private_topics_are_refused_and_never_delivered(self):
        alice = self.peer("alice")
        alice311 = self.peer("alice", protocol=mqtt.MQTTv311)
        self.assertEqual(alice.subscribe("users/bob/#", 1), [0x87])
        self.assertEqual(alice.subscribe("$im/inbox/bob", 1), [0x87])
        self.assertEqual(alice.subscribe("users/+/secret", 1), [0x87])
        self.assertEqual(alice311.subscribe("users/bob/#", 1), [0x80])
        self.assertEqual(alice.subscribe("users/alice/#", 1), [1])
        bob = self.peer("bob")
        bob.publish("users/bob/secret", b"bob-only", qos=1)
        alice.publish("users/alice/marker", b"marker", qos=1)
        alice.wait(lambda: any(m[1] == b"marker" for m in alice.messages))
        self.assertEqual([m[1] for m in alice.messages], [b"marker"])
        self.assertEqual(alice311.messages, [])

    def test_metrics_count_connections_and_auth(self):
        self.peer("alice")
        m = self.gw.scrape()
        self.assertGreaterEqual(m['herald_gateway_connections{listener="tcp",transport="tcp"}'], 1)
        self.assertGreaterEqual(sum(v for k, v in m.items() if k.startswith("herald_mqtt_connects_total")), 1)
        self.assertTrue(any(k.startswith("herald_auth_attempts_total") for k in m))


class DrainTest(unittest.TestCase):
    def test_drain_stops_accepting_and_moves_clients_elsewhere(self):
        with tempfile.TemporaryDirectory() as tmp:
            gw = Gateway(ARGS.herald, ARGS.plugin_dir, tmp).start()
            try:
                client = Peer(uid("drained"))
                self.assertEqual(client.connect(gw.ports["tcp"], "alice", gw.token("alice")), 0)
                client.c.reconnect_delay_set(60, 60)  # keep paho from reconnecting during the check
                gw.proc.signal(signal.SIGUSR1)
                client.wait(lambda: client.disconnected is not None)
                self.assertEqual(client.disconnected, 0x8B, "v5 DISCONNECT: server shutting down, go elsewhere")
                client.c.loop_stop()
                gw.proc.wait_for(r"gateway drained: accepting stopped, 1 connections asked to reconnect elsewhere")
                with self.assertRaises(ConnectionRefusedError):
                    socket.create_connection(("127.0.0.1", gw.ports["tcp"]), timeout=TIMEOUT)
            finally:
                self.assertEqual(gw.stop(), 0)


class RestartTest(unittest.TestCase):
    def test_persistent_session_survives_a_herald_restart(self):
        with tempfile.TemporaryDirectory() as tmp:
            gw = Gateway(ARGS.herald, ARGS.plugin_dir, tmp).start()
            try:
                bob, alice = gw.token("bob"), gw.token("alice")
                client_id = uid("durable")
                sub = Peer(client_id, clean=False)
                self.assertEqual(sub.connect(gw.ports["tcp"], "bob", bob, session_expiry=3600), 0)
                sub.subscribe("chat/durable", 1)
                sub.close()
                pub = Peer(uid("pub"))
                self.assertEqual(pub.connect(gw.ports["tcp"], "alice", alice), 0)
                for i in range(3):
                    pub.publish("chat/durable", f"kept-{i}".encode(), qos=1)
                pub.close()
                self.assertEqual(gw.stop(), 0)
                gw.start()
                again = Peer(client_id, clean=False)
                self.assertEqual(again.connect(gw.ports["tcp"], "bob", bob, session_expiry=3600), 0)
                again.wait(lambda: len(again.messages) == 3)
                self.assertEqual([m[1] for m in again.messages], [b"kept-0", b"kept-1", b"kept-2"])
                again.close()
            finally:
                gw.stop()


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--herald", required=True)
    p.add_argument("--plugin-dir", required=True)
    ARGS, rest = p.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
