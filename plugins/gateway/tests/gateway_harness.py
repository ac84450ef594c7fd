"""Starts herald with the gateway plugin on loopback (every port chosen at run time) and gives tests
real clients: paho (TCP, TLS, WebSocket), mosquitto_pub/sub, raw MQTT sockets and an HTTP-tunnel
client. Every wait is bounded; nothing sleeps to synchronise."""
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "tests", "integration"))
from herald_process import HeraldServer  # noqa: E402

import paho.mqtt.client as mqtt  # noqa: E402

SECRET = "integration-test-secret-0123456789abcdef"
TIMEOUT = 10.0


def make_tls_files(directory):
    """A CA and a server certificate for 127.0.0.1, made with the openssl CLI."""
    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=directory)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=Herald Test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=127.0.0.1")
    with open(os.path.join(directory, "san.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "2", "-extfile", "san.ext")
    return {name: os.path.join(directory, name) for name in ("ca.pem", "server.pem", "server.key")}


class Gateway(HeraldServer):
    """herald + gateway with listeners: tcp (auth), anon (anonymous), tls, ws, tunnel."""

    def __init__(self, herald, plugin_dir, workdir, extra_mqtt=""):
        super().__init__(herald, plugin_dir, os.path.join(workdir, "herald.yaml"))
        self.dir = workdir
        self.tls = make_tls_files(workdir) if not os.path.exists(os.path.join(workdir, "ca.pem")) else {
            n: os.path.join(workdir, n) for n in ("ca.pem", "server.pem", "server.key")}
        with open(self.config, "w") as f:
            f.write(f"""
service:
  data_dir: {workdir}/var
  loops: 2
  plugin_paths: ["{plugin_dir}"]
metrics:
  listen: 127.0.0.1:0
plugins:
  - name: tag
  - name: gateway
    config:
      listeners:
        - {{name: tcp, protocol: mqtt, bind: "127.0.0.1:0"}}
        - {{name: anon, protocol: mqtt, bind: "127.0.0.1:0", allow_anonymous: true}}
        - name: tls
          protocol: mqtt
          bind: "127.0.0.1:0"
          tls: {{cert: "{self.tls['server.pem']}", key: "{self.tls['server.key']}"}}
        - {{name: ws, protocol: mqtt, transport: websocket, bind: "127.0.0.1:0"}}
        - {{name: tunnel, protocol: mqtt, transport: http-tunnel, bind: "127.0.0.1:0", allow_anonymous: true}}
        - {{name: bin, protocol: binary, bind: "127.0.0.1:0"}}
      auth:
        jwt:
          secrets: ["{SECRET}"]
      acl:
        default: deny
        rules:
          - {{user: "*", topic: "chat/#", access: readwrite, allow: true}}
          - {{user: "*", topic: "users/%u/#", access: readwrite, allow: true}}
          - {{user: "$anonymous", topic: "public/#", access: readwrite, allow: true}}
      mqtt:
        pipeline: inbound
        keepalive_max: 600
{extra_mqtt}
pipelines:
  inbound:
    - stage: tag
      config: {{header: x-gateway, value: seen}}
""")

    def start(self):
        started = super().start()
        assert set(self.ports) >= {"tcp", "anon", "tls", "ws", "tunnel", "bin"}, started
        return self


class Peer:
    """A paho client with bounded blocking helpers."""

    def __init__(self, client_id, protocol=mqtt.MQTTv5, clean=True, transport="tcp", will=None):
        kwargs = {"client_id": client_id, "protocol": protocol, "transport": "websockets" if transport == "ws" else "tcp"}
        if protocol != mqtt.MQTTv5:
            kwargs["clean_session"] = clean
        self.c = mqtt.Client(**kwargs)
        if transport == "ws":
            self.c.ws_set_options(path="/mqtt")
        self.protocol = protocol
        self.clean = clean
        self.cond = threading.Condition()
        self.messages = []
        self.connack = None
        self.suback = None
        self.disconnected = None
        self.c.on_message = self._on_message
        self.c.on_connect = self._on_connect
        self.c.on_subscribe = self._on_subscribe
        self.c.on_disconnect = self._on_disconnect
        if will:
            self.c.will_set(*will)

    def _on_message(self, client, userdata, msg):
        with self.cond:
            self.messages.append((msg.topic, msg.payload, msg.qos, msg.retain))
            self.cond.notify_all()

    def _on_connect(self, client, userdata, flags, rc, properties=None):
        with self.cond:
            self.connack = (flags, rc if isinstance(rc, int) else rc.value)
            self.cond.notify_all()

    def _on_subscribe(self, client, userdata, mid, granted, properties=None):
        with self.cond:
            self.suback = [g if isinstance(g, int) else g.value for g in granted]
            self.cond.notify_all()

    def _on_disconnect(self, client, userdata, rc, properties=None):
        with self.cond:
            self.disconnected = rc if isinstance(rc, int) else getattr(rc, "value", rc)
            self.cond.notify_all()

    def wait(self, predicate, timeout=TIMEOUT):
        with self.cond:
            if not self.cond.wait_for(predicate, timeout):
                raise AssertionError(f"timed out; messages={self.messages} connack={self.connack}")

    def connect(self, port, user=None, password=None, tls_ca=None, session_expiry=None, keepalive=60):
        if user is not None:
            self.c.username_pw_set(user, password)
        if tls_ca:
            self.c.tls_set(ca_certs=tls_ca)
        props = None
        if self.protocol == mqtt.MQTTv5:
            from paho.mqtt.packettypes import PacketTypes
            from paho.mqtt.properties import Properties
            props = Properties(PacketTypes.CONNECT)
            if session_expiry is not None:
                props.SessionExpiryInterval = session_expiry
            self.c.connect("127.0.0.1", port, keepalive=keepalive, clean_start=self.clean, properties=props)
        else:
            self.c.connect("127.0.0.1", port, keepalive=keepalive)
        self.c.loop_start()
        self.wait(lambda: self.connack is not None)
        return self.connack[1]

    def subscribe(self, topic, qos=1):
        self.suback = None
        self.c.subscribe(topic, qos)
        self.wait(lambda: self.suback is not None)
        return self.suback

    def publish(self, topic, payload, qos=1, retain=False):
        info = self.c.publish(topic, payload, qos=qos, retain=retain)
        if qos > 0:
            info.wait_for_publish(timeout=TIMEOUT)
            assert info.is_published(), f"publish to {topic} not acknowledged"
        return info

    def close(self):
        self.c.disconnect()
        self.c.loop_stop()


def mqtt_string(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("!H", len(b)) + b


def remaining_length(n):
    out = bytearray()
    while True:
        byte = n % 128
        n //= 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def connect_packet(client_id, keepalive=60, will=None, username=None, password=None, clean=True):
    """An MQTT 3.1.1 CONNECT; will = (topic, payload, qos, retain)."""
    flags = 0x02 if clean else 0
    payload = mqtt_string(client_id)
    if will:
        topic, message, qos, retain = will
        flags |= 0x04 | (qos << 3) | (0x20 if retain else 0)
        payload += mqtt_string(topic) + mqtt_string(message)
    if username is not None:
        flags |= 0x80
        payload += mqtt_string(username)
    if password is not None:
        flags |= 0x40
        payload += mqtt_string(password)
    body = mqtt_string("MQTT") + bytes([4, flags]) + struct.pack("!H", keepalive) + payload
    return bytes([0x10]) + remaining_length(len(body)) + body


def subscribe_packet(packet_id, topic, qos=1):
    body = struct.pack("!H", packet_id) + mqtt_string(topic) + bytes([qos])
    return bytes([0x82]) + remaining_length(len(body)) + body


def publish_packet(topic, payload, qos=0, packet_id=1):
    body = mqtt_string(topic) + (struct.pack("!H", packet_id) if qos else b"") + payload
    return bytes([0x30 | (qos << 1)]) + remaining_length(len(body)) + body


def first_packet(buffer):
    """The first complete packet in buffer as ((type, flags, body), size), or None."""
    if len(buffer) < 2:
        return None
    mult, value, i = 1, 0, 1
    while True:
        if i >= len(buffer):
            return None
        b = buffer[i]
        value += (b & 0x7F) * mult
        mult *= 128
        i += 1
        if not b & 0x80:
            break
    if len(buffer) < i + value:
        return None
    return (buffer[0] >> 4, buffer[0] & 0x0F, buffer[i:i + value]), i + value


class RawClient:
    """A hand-driven MQTT 3.1.1 socket, for behaviour stock clients hide (silence, abrupt close)."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buffer = b""

    def send(self, data):
        self.s.sendall(data)

    def read_packet(self, timeout=TIMEOUT):
        """(type, flags, body) of the next packet, or None when the server closed the connection."""
        deadline = time.monotonic() + timeout
        while True:
            found = first_packet(self.buffer)
            if found:
                packet, size = found
                self.buffer = self.buffer[size:]
                return packet
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no packet in time")
            self.s.settimeout(left)
            chunk = self.s.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk

    def wait_closed(self, timeout):
        """Seconds until the server closes the socket (reads and drops anything else)."""
        start = time.monotonic()
        deadline = start + timeout
        while time.monotonic() < deadline:
            self.s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = self.s.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                return time.monotonic() - start
            if not chunk:
                return time.monotonic() - start
        raise AssertionError(f"server did not close within {timeout}s")

    def abort(self):
        """Drop the connection without DISCONNECT (RST)."""
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.s.close()

    def close(self):
        self.s.close()


def run_in_tmp(fn):
    with tempfile.TemporaryDirectory() as tmp:
        return fn(tmp)
