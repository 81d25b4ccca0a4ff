"""A threaded HTTP server on a free loopback port, for the test doubles
(the fault-injecting proxy, fake IMDS, container and STS services).

    with LoopbackServer(Handler) as server:
        server.url            # "http://127.0.0.1:PORT"

With `tls=(certfile, keyfile)` it serves HTTPS instead (url "https://...").

Each request runs on its own daemon thread, so a deliberately slow reply
never holds up the others, and `stop()` never waits for one. Every reply
closes its connection (as moto does): a client cannot reuse a connection
and so silently recover from a fault on a fresh one.
"""
import http.server
import ssl
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    """Base handler: HTTP/1.1, quiet, one request per connection."""

    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # keep pytest output clean
        pass

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def reply(self, status, body=b"", headers=()):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class LoopbackServer:
    """Serves `handler` (a Handler subclass) on 127.0.0.1; the handler sees
    this object as `self.server.owner`."""

    def __init__(self, handler, tls=None):
        self.handler = handler
        self.tls = tls
        self.httpd = None
        self.thread = None
        self.stopping = threading.Event()

    @property
    def port(self):
        return self.httpd.server_address[1]

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % ("https" if self.tls else "http", self.port)

    def start(self):
        self.httpd = _Server(("127.0.0.1", 0), self.handler)
        self.httpd.owner = self
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            # The handshake happens in each request's thread, not in accept.
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True,
                                                    do_handshake_on_connect=False)
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.stopping.set()
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
