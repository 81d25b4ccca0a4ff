"""A loopback HTTP server that answers every POST with 200 `{}` and keeps
what it was sent: the requests (path, headers, body) and how many TCP
connections carried them. With `drop_idle` set, it closes each connection
right after its reply without saying so (no "Connection: close"), as a
server does with a kept-alive connection that has been idle too long.
With `hold_seconds` set, each reply waits that long, so that a client's
calls overlap and it needs as many connections as it has calls in flight
(or is limited to fewer)."""
import http.server
import threading
import time

import pytest


class Capture(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # Room for a thousand connects at once: with the default backlog of 5,
    # a burst of connects would stall in SYN retries, not reach accept.
    request_queue_size = 1024

    def __init__(self):
        super().__init__(("127.0.0.1", 0), CaptureHandler)
        self.requests = []
        self.connections = 0
        self.drop_idle = False
        self.hold_seconds = 0.0
        self.lock = threading.Lock()  # one handler thread per connection

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]


class CaptureHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # one reply, not two segments 40 ms apart

    def setup(self):
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.requests.append((self.path, dict(self.headers.items()), body))
        if self.server.hold_seconds:
            time.sleep(self.server.hold_seconds)
        answer = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
        if self.server.drop_idle:
            self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def capture():
    server = Capture()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
