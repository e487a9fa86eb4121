#!/usr/bin/env python3
"""HTTPS server on loopback for the MTA-STS tests (started like the other sinks: --port 0 picks one, written to
--ready): serves ROOT/<host>/<path> with the certificate in
CERTS/default.{crt,key}, or CERTS/<first label after mta-sts.>.{crt,key} when one exists for the name the
client asked for (SNI). Hosts named mta-sts.redirect.* answer 301; mta-sts.slow.* wait before answering."""
import argparse
import http.server
import os
import ssl
import sys
import threading
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--certs", required=True)
    parser.add_argument("--ready", required=True)
    parser.add_argument("--log")
    args = parser.parse_args()

    contexts = {}

    def context(name):
        if name not in contexts:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(os.path.join(args.certs, name + ".crt"), os.path.join(args.certs, name + ".key"))
            contexts[name] = ctx
        return contexts[name]

    default = context("default")

    def pick(sock, server_name, _ctx):
        if not server_name:
            return
        labels = server_name.split(".")
        if len(labels) > 1 and os.path.exists(os.path.join(args.certs, labels[1] + ".crt")):
            sock.context = context(labels[1])

    default.sni_callback = pick

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def do_GET(self):
            host = (self.headers.get("Host") or "").split(":")[0].lower()
            if host.startswith("mta-sts.slow."):
                time.sleep(10)
            if host.startswith("mta-sts.redirect."):
                self.send_response(301)
                self.send_header("Location", "https://mta-sts.good.sts.test/.well-known/mta-sts.txt")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            path = os.path.normpath(os.path.join(args.root, host, self.path.lstrip("/")))
            if not path.startswith(os.path.abspath(args.root)) or not os.path.isfile(path):
                body = b"not found\n"
                self.send_response(404)
            else:
                with open(path, "rb") as f:
                    body = f.read()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.socket = default.wrap_socket(server.socket, server_side=True)
    with open(args.ready, "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
