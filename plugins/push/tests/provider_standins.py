"""Loopback stand-ins for the push providers, speaking their wire protocols: APNs over HTTP/2 + TLS
(python3-h2) verifying each request's ES256 provider token against the configured public key, FCM
HTTP v1 with its OAuth2 token endpoint (checking the RS256 grant JWT), Huawei Push Kit, Xiaomi, OPPO
(checking the sha256 auth signature), vivo (checking the md5 auth signature) and Honor over HTTPS
(http.server + ssl). Each records what it received and answers on demand: success, invalid token,
throttling (429 + Retry-After) or hanging. Throwaway keys and a self-signed CA come from
python3-cryptography."""
import base64
import datetime
import hashlib
import http.server
import json
import os
import socket
import ssl
import threading
import time
import urllib.parse

import h2.config
import h2.connection
import h2.events
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def write_pem(path, key):
    with open(path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))


def make_tls(workdir):
    """A self-signed certificate for 127.0.0.1 (also the CA file herald is given)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.utcnow()
    import ipaddress
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = os.path.join(workdir, "tls.crt"), os.path.join(workdir, "tls.key")
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    write_pem(key_path, key)
    return cert_path, key_path


class Behaviour:
    """What a stand-in answers next: success, invalid token (for tokens in invalid_tokens), throttling
    (the next `throttle` requests get 429 + Retry-After), nothing at all (hang), or any of those
    `delay` seconds late (slow)."""

    def __init__(self):
        self.lock = threading.Condition()
        self.invalid_tokens = set()
        self.throttle = 0
        self.retry_after = "1"
        self.hang = False
        self.delay = 0.0
        self.received = []   # (time, token, headers dict, body dict) of every send request
        self.answered = []   # (token, status)

    def record(self, token, headers, body):
        with self.lock:
            self.received.append((time.monotonic(), token, headers, body))
            self.lock.notify_all()

    def answer(self, token, ok, invalid, throttled):
        """The answer for this request, from the provider's three kinds (each (status, body)); None to
        hang. A throttled answer gets Retry-After. A slow stand-in sleeps first (its handler thread only)."""
        with self.lock:
            delay = self.delay
        if delay:
            time.sleep(delay)
        with self.lock:
            if self.hang:
                return None
            if self.throttle > 0:
                self.throttle -= 1
                return (*throttled, {"retry-after": self.retry_after})
            if token in self.invalid_tokens:
                return (*invalid, {})
            return (*ok, {})

    def wait(self, predicate, timeout=20.0):
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                found = [r for r in self.received if predicate(r)]
                if found:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    return []
                self.lock.wait(left)

    def for_token(self, token):
        with self.lock:
            return [r for r in self.received if r[1] == token]


# ---- APNs: HTTP/2 over TLS ---------------------------------------------------------------------

class ApnsStandIn:
    def __init__(self, workdir, cert, key, keys):
        """keys: key id -> (public key, team id): the providers' signing keys this stand-in accepts."""
        self.b = Behaviour()
        self.keys = keys
        self.jwt_failures = 0
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        ctx.set_alpn_protocols(["h2"])
        self.ctx = ctx
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"https://127.0.0.1:{self.port}"
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self.closed = True
        self.sock.close()

    def _accept(self):
        while not self.closed:
            try:
                raw, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def verify_jwt(self, auth):
        """The ES256 provider token: header kid, claims iss/iat, signature against the public key."""
        try:
            scheme, token = auth.split(" ", 1)
            assert scheme.lower() == "bearer"
            h, c, s = token.split(".")
            header, claims = json.loads(b64url_decode(h)), json.loads(b64url_decode(c))
            assert header["alg"] == "ES256" and set(header) == {"alg", "kid"}, header
            public_key, team = self.keys[header["kid"]]
            assert claims["iss"] == team and abs(claims["iat"] - time.time()) < 3600, claims
            raw = b64url_decode(s)
            assert len(raw) == 64
            der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
            public_key.verify(der, f"{h}.{c}".encode(), ec.ECDSA(hashes.SHA256()))
            return True
        except Exception:  # noqa: BLE001 - any defect is a refused token
            return False

    def _serve(self, raw):
        try:
            conn_sock = self.ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            return
        if conn_sock.selected_alpn_protocol() != "h2":
            conn_sock.close()
            return
        conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False))
        conn.initiate_connection()
        lock = threading.Lock()
        conn_sock.sendall(conn.data_to_send())
        streams = {}

        def respond(stream_id, status, body, extra):
            with lock:
                hdrs = [(":status", str(status)), ("apns-id", "00000000-0000-0000-0000-%012d" % stream_id)]
                hdrs += list(extra.items())
                data = json.dumps(body).encode() if body else b""
                conn.send_headers(stream_id, hdrs, end_stream=not data)
                if data:
                    conn.send_data(stream_id, data, end_stream=True)
                try:
                    conn_sock.sendall(conn.data_to_send())
                except OSError:
                    pass

        while True:
            try:
                data = conn_sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            with lock:
                events = conn.receive_data(data)
            for ev in events:
                if isinstance(ev, h2.events.RequestReceived):
                    streams[ev.stream_id] = [dict((k.decode() if isinstance(k, bytes) else k,
                                                   v.decode() if isinstance(v, bytes) else v) for k, v in ev.headers), b""]
                elif isinstance(ev, h2.events.DataReceived):
                    streams[ev.stream_id][1] += ev.data
                    with lock:
                        conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, h2.events.StreamEnded):
                    headers, body = streams.pop(ev.stream_id)
                    self._request(ev.stream_id, headers, body, respond)
            with lock:
                try:
                    conn_sock.sendall(conn.data_to_send())
                except OSError:
                    return

    def _request(self, stream_id, headers, body, respond):
        path = headers.get(":path", "")
        token = path.rsplit("/", 1)[-1]
        if not path.startswith("/3/device/") or headers.get(":method") != "POST":
            return respond(stream_id, 404, {"reason": "BadPath"}, {})
        if not self.verify_jwt(headers.get("authorization", "")):
            self.jwt_failures += 1
            return respond(stream_id, 403, {"reason": "InvalidProviderToken"}, {})
        try:
            payload = json.loads(body)
        except ValueError:
            return respond(stream_id, 400, {"reason": "PayloadEmpty"}, {})
        self.b.record(token, headers, payload)
        ans = self.b.answer(token, ok=(200, None),
                            invalid=(410, {"reason": "Unregistered", "timestamp": int(time.time() * 1000)}),
                            throttled=(429, {"reason": "TooManyRequests"}))
        if ans is not None:  # None: hang, the stream never gets an answer
            respond(stream_id, *ans)


# ---- HTTPS stand-ins (FCM, Huawei) ------------------------------------------------------------

class _HttpsServer(http.server.ThreadingHTTPServer):
    daemon_threads = True


class HttpsStandIn:
    """Base: subclasses implement handle(path, headers, body) -> (status, body dict, headers) or None."""

    def __init__(self, cert, key):
        self.b = Behaviour()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("content-length", 0))
                body = self.rfile.read(n)
                ans = outer.handle(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                if ans is None:
                    time.sleep(3600)  # hang (the daemon thread dies with the test)
                    return
                status, obj, extra = ans
                data = json.dumps(obj or {}).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for k, v in extra.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = _HttpsServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.url = f"https://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


class FcmStandIn(HttpsStandIn):
    """POST /token (OAuth2 JWT-bearer grant, RS256 checked against the service account's public key)
    and POST /v1/projects/<project>/messages:send with the issued bearer token."""

    def __init__(self, cert, key, public_key, project, email):
        super().__init__(cert, key)
        self.public_key, self.project, self.email = public_key, project, email
        self.access_tokens = set()
        self.grants = 0

    def handle(self, path, headers, body):
        if path == "/token":
            form = urllib.parse.parse_qs(body.decode())
            if form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:jwt-bearer"]:
                return 400, {"error": "unsupported_grant_type"}, {}
            try:
                h, c, s = form["assertion"][0].split(".")
                claims = json.loads(b64url_decode(c))
                assert json.loads(b64url_decode(h))["alg"] == "RS256"
                assert claims["iss"] == self.email and claims["aud"] == f"{self.url}/token"
                assert claims["scope"] == "https://www.googleapis.com/auth/firebase.messaging"
                self.public_key.verify(b64url_decode(s), f"{h}.{c}".encode(), padding.PKCS1v15(), hashes.SHA256())
            except Exception:  # noqa: BLE001
                return 400, {"error": "invalid_grant"}, {}
            self.grants += 1
            tok = f"ya29.standin-{self.grants}"
            self.access_tokens.add(tok)
            return 200, {"access_token": tok, "expires_in": 3599, "token_type": "Bearer"}, {}
        if path != f"/v1/projects/{self.project}/messages:send":
            return 404, {"error": {"code": 404, "status": "NOT_FOUND", "message": "no such path"}}, {}
        if headers.get("authorization", "").removeprefix("Bearer ") not in self.access_tokens:
            return 401, {"error": {"code": 401, "status": "UNAUTHENTICATED"}}, {}
        msg = json.loads(body)["message"]
        self.b.record(msg["token"], headers, msg)
        unregistered = {"error": {"code": 404, "status": "NOT_FOUND", "message": "Requested entity was not found.",
                                  "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                                               "errorCode": "UNREGISTERED"}]}}
        return self.b.answer(msg["token"], ok=(200, {"name": f"projects/{self.project}/messages/{len(self.b.received)}"}),
                             invalid=(404, unregistered),
                             throttled=(429, {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED"}}))


class HuaweiStandIn(HttpsStandIn):
    """POST /oauth2/v3/token (client credentials) and POST /v1/<app id>/messages:send."""

    def __init__(self, cert, key, app_id, client_id, client_secret):
        super().__init__(cert, key)
        self.app_id, self.client_id, self.client_secret = app_id, client_id, client_secret
        self.access_tokens = set()

    def handle(self, path, headers, body):
        if path == "/oauth2/v3/token":
            form = urllib.parse.parse_qs(body.decode())
            if form.get("grant_type") != ["client_credentials"] or form.get("client_id") != [self.client_id] \
                    or form.get("client_secret") != [self.client_secret]:
                return 400, {"error": 1101, "error_description": "invalid client"}, {}
            tok = f"hw-{len(self.access_tokens) + 1}"
            self.access_tokens.add(tok)
            return 200, {"access_token": tok, "expires_in": 3600, "token_type": "Bearer"}, {}
        if path != f"/v1/{self.app_id}/messages:send":
            return 404, {"code": "80300010", "msg": "bad path"}, {}
        if headers.get("authorization", "").removeprefix("Bearer ") not in self.access_tokens:
            return 401, {"code": "80200003", "msg": "OAuth token expired"}, {}
        msg = json.loads(body)["message"]
        token = msg["token"][0]
        self.b.record(token, headers, msg)
        return self.b.answer(token, ok=(200, {"code": "80000000", "msg": "Success", "requestId": "1"}),
                             invalid=(200, {"code": "80300007", "msg": "All the tokens are invalid", "requestId": "1"}),
                             throttled=(429, {"code": "80300008", "msg": "flow control"}))


class XiaomiStandIn(HttpsStandIn):
    """POST /v3/message/regid, form-encoded, Authorization: key=<AppSecret>."""

    def __init__(self, cert, key, app_secret):
        super().__init__(cert, key)
        self.app_secret = app_secret

    def handle(self, path, headers, body):
        if path != "/v3/message/regid":
            return 404, {"result": "error", "code": 404, "reason": "bad path"}, {}
        if headers.get("authorization") != f"key={self.app_secret}":
            return 401, {"result": "error", "code": 22000, "reason": "invalid app secret"}, {}
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}
        token = form.get("registration_id", "")
        self.b.record(token, headers, form)
        return self.b.answer(token, ok=(200, {"result": "ok", "code": 0, "data": {"id": f"scm{len(self.b.received)}"}}),
                             invalid=(200, {"result": "error", "code": 20301, "reason": "No valid targets!"}),
                             throttled=(429, {"result": "error", "code": 429, "reason": "too many requests"}))


class OppoStandIn(HttpsStandIn):
    """POST /server/v1/auth (form app_key, timestamp, sign = sha256(app_key + timestamp + master_secret))
    and POST /server/v1/message/notification/unicast (form auth_token, message JSON). Throttling is
    OPPO's own answer: code -2 (flow control) in a 200."""

    def __init__(self, cert, key, app_key, master_secret):
        super().__init__(cert, key)
        self.app_key, self.master_secret = app_key, master_secret
        self.auth_tokens = set()
        self.sign_failures = 0

    def handle(self, path, headers, body):
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}
        if path == "/server/v1/auth":
            ts = form.get("timestamp", "0")
            expected = hashlib.sha256((self.app_key + ts + self.master_secret).encode()).hexdigest()
            if form.get("app_key") != self.app_key or form.get("sign") != expected \
                    or abs(int(ts) - time.time() * 1000) > 600_000:
                self.sign_failures += 1
                return 200, {"code": 16, "message": "Invalid Signature"}, {}
            tok = f"oppo-{len(self.auth_tokens) + 1}"
            self.auth_tokens.add(tok)
            return 200, {"code": 0, "message": "success", "data": {"auth_token": tok, "create_time": int(time.time() * 1000)}}, {}
        if path != "/server/v1/message/notification/unicast":
            return 404, {"code": 20, "message": "Invalid Method"}, {}
        if form.get("auth_token") not in self.auth_tokens:
            return 200, {"code": 11, "message": "Invalid AuthToken"}, {}
        msg = json.loads(form["message"])
        token = msg["target_value"]
        self.b.record(token, headers, msg)
        return self.b.answer(token, ok=(200, {"code": 0, "message": "Success", "data": {"messageId": f"m{len(self.b.received)}"}}),
                             invalid=(200, {"code": 10000, "message": "Invalid RegistrationId"}),
                             throttled=(200, {"code": -2, "message": "Service in Flow Control"}))


class VivoStandIn(HttpsStandIn):
    """POST /message/auth (JSON appId, appKey, timestamp, sign = md5(appId + appKey + timestamp +
    appSecret)) and POST /message/send with the authToken header."""

    def __init__(self, cert, key, app_id, app_key, app_secret):
        super().__init__(cert, key)
        self.app_id, self.app_key, self.app_secret = app_id, app_key, app_secret
        self.auth_tokens = set()
        self.sign_failures = 0

    def handle(self, path, headers, body):
        req = json.loads(body or b"{}")
        if path == "/message/auth":
            ts = str(req.get("timestamp", 0))
            expected = hashlib.md5(f"{self.app_id}{self.app_key}{ts}{self.app_secret}".encode()).hexdigest()
            if str(req.get("appId")) != self.app_id or req.get("appKey") != self.app_key \
                    or req.get("sign") != expected or abs(int(ts) - time.time() * 1000) > 600_000:
                self.sign_failures += 1
                return 200, {"result": 10203, "desc": "sign invalid"}, {}
            tok = f"vivo-{len(self.auth_tokens) + 1}"
            self.auth_tokens.add(tok)
            return 200, {"result": 0, "desc": "ok", "authToken": tok}, {}
        if path != "/message/send":
            return 404, {"result": 404, "desc": "bad path"}, {}
        if headers.get("authtoken") not in self.auth_tokens:
            return 200, {"result": 10000, "desc": "auth failed"}, {}
        token = req.get("regId", "")
        self.b.record(token, headers, req)
        return self.b.answer(token, ok=(200, {"result": 0, "desc": "ok", "taskId": str(len(self.b.received))}),
                             invalid=(200, {"result": 10302, "desc": "regId invalid"}),
                             throttled=(429, {"result": 429, "desc": "too many requests"}))


class HonorStandIn(HttpsStandIn):
    """POST /auth/token (client credentials) and POST /api/v1/<app id>/sendMessage."""

    def __init__(self, cert, key, app_id, client_id, client_secret):
        super().__init__(cert, key)
        self.app_id, self.client_id, self.client_secret = app_id, client_id, client_secret
        self.access_tokens = set()

    def handle(self, path, headers, body):
        if path == "/auth/token":
            form = urllib.parse.parse_qs(body.decode())
            if form.get("grant_type") != ["client_credentials"] or form.get("client_id") != [self.client_id] \
                    or form.get("client_secret") != [self.client_secret]:
                return 401, {"error": "invalid_client"}, {}
            tok = f"honor-{len(self.access_tokens) + 1}"
            self.access_tokens.add(tok)
            return 200, {"access_token": tok, "expires_in": 3600, "token_type": "Bearer"}, {}
        if path != f"/api/v1/{self.app_id}/sendMessage":
            return 404, {"code": 80300010, "message": "bad path"}, {}
        if headers.get("authorization", "").removeprefix("Bearer ") not in self.access_tokens:
            return 401, {"code": 80200003, "message": "OAuth token expired"}, {}
        if abs(int(headers.get("timestamp", "0")) - time.time() * 1000) > 600_000:
            return 400, {"code": 80100003, "message": "bad timestamp"}, {}
        msg = json.loads(body)
        token = msg["token"][0]
        self.b.record(token, headers, msg)
        return self.b.answer(token, ok=(200, {"code": 200, "message": "success", "data": {"requestId": "1"}}),
                             invalid=(200, {"code": 80300007, "message": "All the tokens are invalid"}),
                             throttled=(429, {"code": 80300008, "message": "flow control"}))


class StandIns:
    """Keys, certificates and the stand-ins, plus the push plugin's YAML config for them."""

    def __init__(self, workdir):
        self.dir = workdir
        self.cert, self.tlskey = make_tls(workdir)
        # APNs .p8 (EC P-256, PKCS#8) and its public key for the stand-in.
        # A second app with its own key and team: several credentials per provider in one instance.
        apns_key, other_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
        self.p8 = os.path.join(workdir, "AuthKey_TESTKEY123.p8")
        self.other_p8 = os.path.join(workdir, "AuthKey_OTHERKEY99.p8")
        write_pem(self.p8, apns_key)
        write_pem(self.other_p8, other_key)
        self.apns = ApnsStandIn(workdir, self.cert, self.tlskey,
                                {"TESTKEY123": (apns_key.public_key(), "TEAM123456"),
                                 "OTHERKEY99": (other_key.public_key(), "TEAM654321")})
        # FCM service account (RSA).
        sa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.fcm = FcmStandIn(self.cert, self.tlskey, sa_key.public_key(), "herald-test", "push@herald-test.iam")
        self.sa = os.path.join(workdir, "service-account.json")
        with open(self.sa, "w") as f:
            json.dump({"type": "service_account", "project_id": "herald-test",
                       "private_key": sa_key.private_bytes(serialization.Encoding.PEM,
                                                           serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption()).decode(),
                       "client_email": "push@herald-test.iam", "token_uri": f"{self.fcm.url}/token"}, f)
        self.huawei = HuaweiStandIn(self.cert, self.tlskey, "104000001", "104000001", "hw-secret")
        self.xiaomi = XiaomiStandIn(self.cert, self.tlskey, "mi-secret")
        self.oppo = OppoStandIn(self.cert, self.tlskey, "oppo-key", "oppo-master")
        self.vivo = VivoStandIn(self.cert, self.tlskey, "10004", "vivo-key", "vivo-secret")
        self.honor = HonorStandIn(self.cert, self.tlskey, "104400", "honor-client", "honor-secret")

    def plugin_config(self, breaker="", retry="{max_attempts: 5, base: 100ms, max: 2s}", timeout="1s"):
        common = f'ca_file: "{self.cert}", timeout: {timeout}, retry: {retry}'
        if breaker:
            common += f", breaker: {breaker}"
        return f"""  - name: push
    config:
      templates: {{title: "{{sender}}", text: "{{text}}"}}
      providers:
        - {{name: apns, type: apns, url: "{self.apns.url}", sandbox_url: "{self.apns.url}", key_file: "{self.p8}",
           key_id: TESTKEY123, team_id: TEAM123456, app_ids: [com.example.chat], {common}}}
        - {{name: apns-other, type: apns, url: "{self.apns.url}", key_file: "{self.other_p8}",
           key_id: OTHERKEY99, team_id: TEAM654321, app_ids: [com.example.other], {common}}}
        - {{name: fcm, type: fcm, url: "{self.fcm.url}", service_account_file: "{self.sa}", {common}}}
        - {{name: huawei, type: huawei, url: "{self.huawei.url}", token_uri: "{self.huawei.url}/oauth2/v3/token",
           app_id: "104000001", client_id: "104000001", client_secret: hw-secret, {common}}}
        - {{name: xiaomi, type: xiaomi, url: "{self.xiaomi.url}", app_secret: mi-secret, {common}}}
        - {{name: oppo, type: oppo, url: "{self.oppo.url}", app_key: oppo-key, master_secret: oppo-master, {common}}}
        - {{name: vivo, type: vivo, url: "{self.vivo.url}", app_id: "10004", app_key: vivo-key, app_secret: vivo-secret,
           {common}}}
        - {{name: honor, type: honor, url: "{self.honor.url}", token_uri: "{self.honor.url}/auth/token", app_id: "104400",
           client_id: honor-client, client_secret: honor-secret, {common}}}
"""

    def close(self):
        for s in (self.apns, self.fcm, self.huawei, self.xiaomi, self.oppo, self.vivo, self.honor):
            s.close()
