#!/usr/bin/env python3
"""A DynamoDB stand-in that answers from memory at once over kept-alive
connections: PutItem answers {}, GetItem the item last put for that key.
It shows what the client costs without the server latency that lets its
caches go cold between calls. Prints its URL, then serves until killed."""
import http.server
import json
import zlib


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    items = {}

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        target = self.headers.get("X-Amz-Target", "").split(".")[-1]
        if target == "PutItem":
            key = json.dumps(next(iter(body["Item"].items())))
            self.items[key] = body["Item"]
            answer = {}
        elif target == "GetItem":
            key = json.dumps(next(iter(body["Key"].items())))
            answer = {"Item": self.items[key]} if key in self.items else {}
        elif target == "DescribeTable":
            answer = {"Table": {"TableName": body["TableName"], "TableStatus": "ACTIVE"}}
        else:
            answer = {}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amz-crc32", str(zlib.crc32(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True  # one per kept-alive connection: clients never queue behind another's
    print("http://127.0.0.1:%d" % server.server_address[1], flush=True)
    server.serve_forever()
