#!/usr/bin/python3
"""A webhook receiver for senderwatch's tests: records every request as a JSON line.

Usage: http_sink.py --log FILE --ready FILE [--port N] [--secret S] [--fail-first N]

Listens on 127.0.0.1 (port 0 picks a free one), writes the port to --ready once listening, and appends one JSON
object per request to --log: method, path, headers, body, and whether X-Senderwatch-Signature matched the
HMAC-SHA256 of the raw body under --secret. Answers 500 to the first --fail-first requests, then 200.
Stop it with SIGTERM. Standard library only.
"""
import argparse
import hashlib
import hmac
import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

args = None
lock = threading.Lock()
seen = 0


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        global seen
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        expected = None
        if args.secret is not None:
            expected = "sha256=" + hmac.new(args.secret.encode(), body, hashlib.sha256).hexdigest()
        given = self.headers.get("X-Senderwatch-Signature")
        with lock:
            seen += 1
            status = 500 if seen <= args.fail_first else 200
            record = {
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8", "replace"),
                "signatureValid": expected is not None and given is not None and hmac.compare_digest(expected, given),
                "status": status,
            }
            with open(args.log, "a", encoding="utf-8") as f:
                f.write(json.dumps(record, sort_keys=True) + "\n")
        reply = b'{"ok":true}' if status == 200 else b"receiver failing on purpose"
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *a):
        pass


def main():
    global args
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    parser.add_argument("--ready", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--secret")
    parser.add_argument("--fail-first", type=int, default=0)
    args = parser.parse_args()
    # A parent may spawn us with SIGTERM blocked (inherited mask); we are stopped by it, so take it back.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    with open(args.ready + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    import os
    os.replace(args.ready + ".tmp", args.ready)
    server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
