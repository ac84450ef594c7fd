"""IM over MQTT for integration tests: a herald with the gateway and the messaging core on loopback
(ports chosen at run time), and an ImDevice built on paho (a real MQTT client) that speaks the
docs/protocol.md Part II contract. Every wait is bounded and waits for an event, never a sleep."""
import argparse
import json
import os
import queue
import socket
import sys
import threading
import time
import unittest

from herald_process import HeraldServer

import paho.mqtt.client as mqtt

SECRET = "messaging-test-secret-0123456789abcdef"
TIMEOUT = 20.0


class ImServer(HeraldServer):
    def __init__(self, herald, plugin_dir, workdir, im_config="", loops=2, admin="", auth_http_url="", plugins="",
                 before_store=(), after_store=(), mqtt_pipeline=(), node_id="", early_plugins=""):
        """plugins: more `plugins:` entries (YAML text, indented as list items); before_store /
        after_store: stage names put around im.store in the inbound pipeline; auth_http_url: an HTTP
        auth callback for the gateway (behind its circuit breaker); mqtt_pipeline: stage names of a
        pipeline `mqtt_in` that plain MQTT publishes run through; node_id: service.node_id (cluster
        nodes); early_plugins: `plugins:` entries started before the gateway (a cluster bridge)."""
        super().__init__(herald, plugin_dir, os.path.join(workdir, "herald.yaml"))
        self.dir = workdir
        with open(self.config, "w") as f:
            f.write(f"""
service:
  data_dir: {workdir}/var
  loops: {loops}
{f"  node_id: {node_id}" if node_id else ""}
  plugin_paths: ["{plugin_dir}"]
metrics:
  listen: 127.0.0.1:0
{admin}
plugins:
  - name: im
    config:
      pipeline: inbound
{im_config}
{early_plugins}
  - name: gateway
    config:
      listeners:
        - {{name: mqtt, protocol: mqtt, bind: "127.0.0.1:0"}}
        - {{name: bin, protocol: binary, bind: "127.0.0.1:0"}}
      auth:
        jwt:
          secrets: ["{SECRET}"]
{f'        http: {{url: "{auth_http_url}"}}' if auth_http_url else ""}
      acl:
        default: deny
        rules:
          - {{user: "*", topic: "chat/#", access: readwrite, allow: true}}
      mqtt:
        max_inflight: 1000
        max_queued: 100000
        receive_maximum: 1000
{"        pipeline: mqtt_in" if mqtt_pipeline else ""}
{plugins}
pipelines:
  inbound:
""" + "".join(f"    - stage: {s}\n" for s in (*before_store, "im.store", *after_store, "im.route"))
              + ("  mqtt_in:\n" + "".join(f"    - stage: {s}\n" for s in mqtt_pipeline) if mqtt_pipeline else ""))
        self._tokens = {}

    def start(self):
        super().start(timeout=60)
        return self

    def token(self, user):
        """One token per user for the whole run (thousands of connections, one `herald token` each user)."""
        if user not in self._tokens:
            self._tokens[user] = super().token(user, ttl="2h")
        return self._tokens[user]

    def device(self, user, device, **kw):
        return ImDevice(self, user, device, **kw)


class ImDevice:
    """One device of one user over MQTT 5 (or 3.1.1 with version=4)."""

    def __init__(self, server, user, device, version=5, clean=False, connect=True, on_entry=None):
        """on_entry: called (paho's thread) with each inbox entry instead of keeping it in entries."""
        self.server = server
        self.on_entry = on_entry
        self.user = user
        self.device = device
        self.version = version
        self.clean = clean
        self.inbox = queue.Queue()
        self.entries = []  # every inbox entry in arrival order
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self.client = None
        if connect:
            self.connect()

    def connect(self):
        proto = mqtt.MQTTv5 if self.version == 5 else mqtt.MQTTv311
        kwargs = {"client_id": self.device, "protocol": proto}
        if self.version != 5:
            kwargs["clean_session"] = self.clean
        c = mqtt.Client(**kwargs)
        c.username_pw_set(self.user, self.server.token(self.user))
        c.max_inflight_messages_set(1000)
        c.max_queued_messages_set(0)
        connected = threading.Event()
        result = {}

        def on_connect(client, userdata, flags, rc, properties=None):
            result["rc"] = rc
            connected.set()

        def on_message(client, userdata, msg):
            try:
                entry = json.loads(msg.payload)
            except ValueError:
                entry = {"kind": "unparsable", "raw": msg.payload}
            if self.on_entry:
                self.on_entry(entry)
                return
            with self._cond:
                self.entries.append(entry)
                self._cond.notify_all()

        c.on_connect = on_connect
        c.on_message = on_message
        if self.version == 5:
            from paho.mqtt.properties import Properties
            from paho.mqtt.packettypes import PacketTypes
            props = Properties(PacketTypes.CONNECT)
            props.SessionExpiryInterval = 0 if self.clean else 3600
            c.connect("127.0.0.1", self.server.ports["mqtt"], keepalive=60, clean_start=self.clean,
                      properties=props)
        else:
            c.connect("127.0.0.1", self.server.ports["mqtt"], keepalive=60)
        c.loop_start()
        assert connected.wait(TIMEOUT), f"{self.user}/{self.device}: no CONNACK"
        assert result["rc"] == 0, f"{self.user}/{self.device}: CONNACK {result['rc']}"
        self.client = c
        return self

    def disconnect(self):
        if self.client:
            self.client.disconnect()
            self.client.loop_stop()
            self.client = None

    def drop(self):
        """Cut the TCP connection without DISCONNECT."""
        if self.client:
            sock = self.client.socket()
            if sock:  # None once paho saw the connection end by itself
                sock.shutdown(socket.SHUT_RDWR)  # paho's thread sees the cut, then stops
            self.client.loop_stop()
            self.client = None

    def publish(self, topic, obj, wait=True):
        info = self.client.publish(topic, json.dumps(obj), qos=1)
        if wait:
            info.wait_for_publish(TIMEOUT)
            assert info.is_published(), f"no PUBACK for {topic}"
        return info

    def send(self, kind, target, body, cmid, wait=True, type_="text"):
        return self.publish(f"$im/send/{kind}/{target}", {"cmid": cmid, "type": type_, "body": body}, wait)

    def wait_entries(self, predicate, count=1, timeout=TIMEOUT):
        """Waits until at least `count` entries satisfy predicate; returns them (arrival order)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [e for e in self.entries if predicate(e)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{self.user}/{self.device}: {len(found)}/{count} entries after "
                                         f"{timeout}s; last entries: {self.entries[-5:]}")
                self._cond.wait(left)

    def request(self, topic, obj, kind="result"):
        req_id = obj.setdefault("req_id", f"r{time.monotonic_ns()}")
        self.publish(topic, obj)
        return self.wait_entries(lambda e: e.get("req_id") == req_id and e.get("kind") in (kind, "error"))[0]

    def sync_all(self, since=0, limit=200):
        """Pages $im/sync until more is false; returns (entries, final version, sync_end entries)."""
        got, ends = [], []
        while True:
            mark = len(self.entries)
            self.publish("$im/sync", {"since": since, "limit": limit})
            end = self.wait_entries(lambda e: e.get("kind") == "sync_end" and all(e is not x for x in ends))[-1]
            with self._lock:
                window = self.entries[mark:]
            idx = next(i for i, e in enumerate(window) if e is end)
            got += [e for e in window[:idx] if e.get("kind") in ("msg", "signal") and e.get("version", 0) > since]
            ends.append(end)
            since = end["version"]
            if not end.get("more"):
                return got, since, ends


class ImServerTestCase(unittest.TestCase):
    """A test class sharing one ImServer (cls.server, in cls.tmp, set up by the subclass's setUpClass):
    stops it and checks its exit code afterwards; dev() devices are disconnected after each test."""

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        cls.tmp.cleanup()
        assert code == 0, f"herald exit code {code}"

    def setUp(self):
        self.devices = []

    def tearDown(self):
        for d in self.devices:
            d.disconnect()

    def dev(self, user, device, **kw):
        d = self.server.device(user, device, **kw)
        self.devices.append(d)
        return d


def server_args(*required):
    """The command line of an ImServer suite: (--herald, --plugin-dir and the `required` options such as
    "--kafka-mock", argv for unittest.main)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--herald", required=True)
    parser.add_argument("--plugin-dir", required=True)
    for option in required:
        parser.add_argument(option, required=True)
    args, rest = parser.parse_known_args()
    return args, [sys.argv[0]] + rest
