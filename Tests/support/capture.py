"""A loopback HTTP server that answers every POST with 200 `{}` and keeps
what it was sent: the requests (path, headers, body) and how many TCP
connections carried them. With `drop_idle` set, it closes each connection
right after its reply without saying so (no "Connection: close"), as a
server does with a kept-alive connection that has been idle too long."""
import http.server
import threading

import pytest


class Capture(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), CaptureHandler)
        self.requests = []
        self.connections = 0
        self.drop_idle = False

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]


class CaptureHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # one reply, not two segments 40 ms apart

    def setup(self):
        super().setup()
        self.server.connections += 1

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.requests.append((self.path, dict(self.headers.items()), body))
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
