"""A local HTTP dependency for tests (a Python http.server on loopback, port chosen at run time):
POSTs are answered by `answer(mode, body) -> (status, json)`, where the test switches `mode`
("hang" holds the request past any caller's timeout). Counts requests and keeps the last body."""
import http.server
import json
import threading


class HttpDependency:
    def __init__(self, answer, mode="ok"):
        self.mode = mode
        self.requests = 0
        self.last_body = None
        self.lock = threading.Lock()
        self.release = threading.Event()
        dep = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with dep.lock:
                    dep.requests += 1
                    dep.last_body = body
                    mode = dep.mode
                if mode == "hang":
                    dep.release.wait(5)  # well past the caller's timeout; released at close
                status, reply = answer(mode, body)
                data = json.dumps(reply).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the caller gave up (timeout)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def set(self, mode):
        with self.lock:
            self.mode = mode

    def count(self):
        with self.lock:
            return self.requests

    def close(self):
        self.release.set()
        self.httpd.shutdown()
