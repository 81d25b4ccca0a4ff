"""A scriptable fault-injecting HTTP proxy in front of a DynamoDB endpoint
(moto's server, see scripts/localdynamo.py).

Requests pass through to the upstream unchanged unless a fault is
scripted; each scripted fault is used up by the next request it matches.

    with FaultServer(moto_url) as proxy:
        proxy.script("503", "throttle")            # next two requests
        proxy.script("reset", op="PutItem")        # next PutItem only
        proxy.always("503")                        # every request, until clear()
        ... point the store's endpoint at proxy.url ...
        proxy.records                              # what arrived, in order

Faults:
    "500" "502" "503" "504"   that status (500/503 with DynamoDB's JSON error
                              body and CRC, 502/504 with a load balancer's HTML)
    "throttle"                400 ProvisionedThroughputExceededException
    "throttling"              400 ThrottlingException
    "expired"                 400 ExpiredTokenException
    "condition"               400 ConditionalCheckFailedException
    "validation"              400 ValidationException
    "reset"                   TCP reset after reading the request
    "landreset"               the request passed upstream (a write lands), then
                              a TCP reset instead of the answer
    "truncate"                upstream's answer, cut off halfway (Content-Length
                              promises more than is sent)
    "badcrc"                  upstream's answer with a wrong x-amz-crc32
    "garbage"                 200 with a body that is not JSON, correct CRC
    "nothttp"                 bytes that are not HTTP at all, then close
    "huge"                    200 with a body over the client's 16 MiB cap
    "echo"                    400 ValidationException whose message echoes the
                              request's head (Authorization line and all), and
                              a forged log line after a CR/LF
    "bigerror"                400 ValidationException with a 1,000,000-byte message
    "unprocessed"             (BatchWriteItem) 200 with every request of the
                              batch left in UnprocessedItems and nothing done,
                              as DynamoDB answers under throttling (moto never
                              leaves items unprocessed)
    ("slow", seconds)         wait, then answer from upstream (longer than the
                              client's timeout: the client gives up first)

Provisioned throughput, as DynamoDB enforces it (the reaper's budget tests):
    proxy.provision(read=8, write=8, burst_seconds=1)
each kind of request is answered ProvisionedThroughputExceededException
(fault "capacity" in the records) while the capacity units that earlier
answers reported in ConsumedCapacity exceed `units per second` over time,
allowing `burst_seconds` of unused capacity to build up. Reads: GetItem,
Scan, Query, BatchGetItem; writes: PutItem, UpdateItem, DeleteItem,
BatchWriteItem. proxy.provision() with no limits turns it off.

Other processes can script it too, over HTTP on the same port:
    POST   /__faults__   {"faults": ["503", ["slow", 3]], "op": "GetItem"}
    DELETE /__faults__   clears every fault
    GET    /__records__  the records as JSON

Each record: {"op", "key_id", "token", "fault"}: the operation (from
X-Amz-Target), the access key id that signed it (from Authorization), the
X-Amz-Security-Token sent, and the fault applied (None: passed through).
"""
import http.client
import json
import re
import socket
import struct
import threading
import time
import urllib.parse
import zlib

from loopback import Handler, LoopbackServer

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")
_PREFIX = "com.amazonaws.dynamodb.v20120810#"

_ERRORS = {
    "500": (500, "InternalServerError", "Internal server error"),
    "503": (503, "ServiceUnavailable", "Service unavailable"),
    "throttle": (400, "ProvisionedThroughputExceededException",
                 "The level of configured provisioned throughput for the table was exceeded."),
    "throttling": (400, "ThrottlingException", "Rate of requests exceeds the allowed throughput."),
    "expired": (400, "ExpiredTokenException", "The security token included in the request is expired"),
    "condition": (400, "ConditionalCheckFailedException", "The conditional request failed"),
    "validation": (400, "ValidationException", "One or more parameter values were invalid"),
}
_GATEWAY = {"502": 502, "504": 504}
_CAPACITY_KIND = {op: "read" for op in ("GetItem", "Scan", "Query", "BatchGetItem")}
_CAPACITY_KIND.update({op: "write" for op in ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem")})
KNOWN = set(_ERRORS) | set(_GATEWAY) | {"reset", "landreset", "truncate", "badcrc", "garbage", "slow",
                                        "nothttp", "huge", "echo", "bigerror", "unprocessed"}
HUGE_BODY = 17 << 20
BIG_MESSAGE = 1_000_000


def crc32(body):
    return str(zlib.crc32(body) & 0xFFFFFFFF)


def _normalise(fault):
    """(name, argument) of a fault given as "name", ("name", arg) or [..]."""
    if isinstance(fault, (list, tuple)):
        name, arg = fault[0], (fault[1] if len(fault) > 1 else None)
    else:
        name, arg = fault, None
    name = str(name)
    if name not in KNOWN:
        raise ValueError("unknown fault %r (known: %s)" % (name, ", ".join(sorted(KNOWN))))
    if name == "slow" and arg is None:
        arg = 5.0
    return name, arg


class _ProxyHandler(Handler):
    def do_GET(self):
        owner = self.server.owner
        if self.path == "/__records__":
            return self.reply(200, json.dumps(owner.records), [("Content-Type", "application/json")])
        self.reply(404, "not found")

    def do_DELETE(self):
        if self.path == "/__faults__":
            self.server.owner.clear()
            return self.reply(200, "{}")
        self.reply(404, "not found")

    def do_POST(self):
        owner = self.server.owner
        body = self.body()
        if self.path == "/__faults__":
            try:
                spec = json.loads(body or b"{}")
                owner.script(*spec.get("faults", []), op=spec.get("op"))
            except (ValueError, TypeError) as e:
                return self.reply(400, str(e))
            return self.reply(200, "{}")

        target = self.headers.get("X-Amz-Target", "")
        op = target.rsplit(".", 1)[-1] if target else ""
        match = _CREDENTIAL.search(self.headers.get("Authorization", ""))
        fault = owner._take(op)
        kind = _CAPACITY_KIND.get(op)
        if fault is None and kind and not owner._capacity_left(kind):
            fault = ("capacity", None)
        owner._record({"op": op, "key_id": match.group(1) if match else None,
                       "token": self.headers.get("X-Amz-Security-Token"),
                       "fault": fault[0] if fault else None})
        name, arg = fault if fault else (None, None)
        if name == "capacity":
            status, error, message = _ERRORS["throttle"]
            payload = json.dumps({"__type": _PREFIX + error, "message": message}).encode()
            return self.reply(status, payload, [("Content-Type", "application/x-amz-json-1.0"),
                                                ("x-amz-crc32", crc32(payload))])

        if name in _ERRORS:
            status, kind, message = _ERRORS[name]
            payload = json.dumps({"__type": _PREFIX + kind, "message": message}).encode()
            return self.reply(status, payload, [("Content-Type", "application/x-amz-json-1.0"),
                                                ("x-amz-crc32", crc32(payload))])
        if name in ("echo", "bigerror"):
            if name == "echo":
                # The secrets first, as a server echoing them would, so that
                # they fall within what the client keeps of the text.
                first = ("Authorization", "X-Amz-Security-Token")
                lines = ["%s: %s" % (k, self.headers[k]) for k in first if k in self.headers]
                lines += ["%s: %s" % (k, v) for k, v in self.headers.items() if k not in first]
                message = "bad request\r\nERROR forged log line\r\n" + "\r\n".join(lines)
            else:
                message = "x" * BIG_MESSAGE
            payload = json.dumps({"__type": _PREFIX + "ValidationException", "message": message}).encode()
            return self.reply(400, payload, [("Content-Type", "application/x-amz-json-1.0"),
                                             ("x-amz-crc32", crc32(payload))])
        if name == "nothttp":
            self.wfile.write(b"\x16\x03\x01\x00 this is not an HTTP answer\r\n\r\n")
            self.wfile.flush()
            self.close_connection = True
            return
        if name == "huge":
            self.send_response(200)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Content-Length", str(HUGE_BODY))
            self.end_headers()
            chunk = b" " * (1 << 20)
            try:
                for _ in range(HUGE_BODY // len(chunk)):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading at its cap
            self.close_connection = True
            return
        if name in _GATEWAY:
            page = b"<html><body><h1>%d</h1></body></html>" % _GATEWAY[name]
            return self.reply(_GATEWAY[name], page, [("Content-Type", "text/html")])
        if name == "landreset":
            owner._forward(self.command, self.path, self.headers, body)
        if name in ("reset", "landreset"):
            # SO_LINGER 0: close() sends RST instead of FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if name == "unprocessed":
            items = json.loads(body or b"{}").get("RequestItems", {})
            payload = json.dumps({"UnprocessedItems": items}).encode()
            return self.reply(200, payload, [("Content-Type", "application/x-amz-json-1.0"),
                                             ("x-amz-crc32", crc32(payload))])
        if name == "garbage":
            payload = b'{"Item": {"id": {"S": not json at all'
            return self.reply(200, payload, [("Content-Type", "application/x-amz-json-1.0"),
                                             ("x-amz-crc32", crc32(payload))])
        if name == "slow":
            if owner.stopping.wait(float(arg)):
                return
        status, headers, payload = owner._forward(self.command, self.path, self.headers, body)
        if kind and status == 200:
            owner._consume(kind, payload)
        if name == "badcrc":
            headers = [(k, v) for k, v in headers if k.lower() != "x-amz-crc32"]
            headers.append(("x-amz-crc32", str((zlib.crc32(payload) + 1) & 0xFFFFFFFF)))
        if name == "truncate":
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        try:
            self.reply(status, payload, headers)
        except (BrokenPipeError, ConnectionResetError):
            pass  # a slow reply whose client gave up


class FaultServer(LoopbackServer):
    """The proxy. Thread-safe: faults may be scripted while requests run."""

    def __init__(self, upstream, tls=None):
        super().__init__(_ProxyHandler, tls=tls)
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream_host = parsed.hostname
        self.upstream_port = parsed.port or 80
        self.lock = threading.Lock()
        self.queue = []        # [(op or None, (name, arg))]
        self.persistent = None  # (op or None, (name, arg))
        self.records = []
        self.limits = {}   # kind -> (units per second, burst seconds)
        self.buckets = {}  # kind -> [units available, monotonic time]

    def provision(self, read=None, write=None, burst_seconds=1.0):
        """Throttles reads and writes beyond these capacity units per second
        (None: unlimited), like a provisioned table."""
        with self.lock:
            self.limits = {kind: (rate, burst_seconds)
                           for kind, rate in (("read", read), ("write", write)) if rate}
            self.buckets = {kind: [rate * burst_seconds, time.monotonic()]
                            for kind, (rate, burst_seconds) in self.limits.items()}
        return self

    def _refill(self, kind):
        rate, burst = self.limits[kind]
        bucket = self.buckets[kind]
        now = time.monotonic()
        bucket[0] = min(rate * burst, bucket[0] + (now - bucket[1]) * rate)
        bucket[1] = now
        return bucket

    def _capacity_left(self, kind):
        with self.lock:
            return kind not in self.limits or self._refill(kind)[0] > 0

    def _consume(self, kind, payload):
        try:
            consumed = json.loads(payload).get("ConsumedCapacity")
        except ValueError:
            return
        items = consumed if isinstance(consumed, list) else [consumed] if consumed else []
        units = sum(float(c.get("CapacityUnits", 0)) for c in items if isinstance(c, dict))
        with self.lock:
            if kind in self.limits:
                self._refill(kind)[0] -= units

    def throttled(self):
        """How many requests the provisioned throughput turned away."""
        with self.lock:
            return sum(1 for r in self.records if r["fault"] == "capacity")

    def script(self, *faults, op=None):
        """Queues faults for the next requests (of operation `op`, if given)."""
        with self.lock:
            self.queue.extend((op, _normalise(f)) for f in faults)
        return self

    def always(self, fault, op=None):
        """Applies `fault` to every request (of `op`) until clear()."""
        with self.lock:
            self.persistent = (op, _normalise(fault))
        return self

    def clear(self):
        """Forgets every scripted fault (records stay)."""
        with self.lock:
            self.queue.clear()
            self.persistent = None

    def reset_records(self):
        with self.lock:
            self.records = []

    def key_ids(self, op=None):
        """The access key ids that signed the requests (of `op`), in order."""
        with self.lock:
            return [r["key_id"] for r in self.records if op is None or r["op"] == op]

    def _take(self, op):
        with self.lock:
            for i, (want, fault) in enumerate(self.queue):
                if want is None or want == op:
                    del self.queue[i]
                    return fault
            if self.persistent and self.persistent[0] in (None, op):
                return self.persistent[1]
            return None

    def _record(self, record):
        with self.lock:
            self.records.append(record)

    def _forward(self, method, path, headers, body):
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=30)
        try:
            skip = {"connection", "content-length", "transfer-encoding", "keep-alive"}
            sent = {k: v for k, v in headers.items() if k.lower() not in skip}
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            payload = response.read()
            kept = [(k, v) for k, v in response.getheaders() if k.lower() not in skip | {"server", "date"}]
            return response.status, kept, payload
        finally:
            conn.close()
