#!/usr/bin/python3
"""An SMTP submission server for senderwatch's tests (aiosmtpd): STARTTLS required, AUTH LOGIN/PLAIN with one
fixed user, only after TLS. Each accepted message is appended to --log as a JSON line (envelope, whether the
session was TLS and authenticated, and the raw message).

Usage: smtp_sink.py --log FILE --ready FILE --cert PEM --key PEM --user U --password P [--port N]
Writes the port to --ready once accepting; stop it with SIGTERM.
"""
import argparse
import json
import os
import signal
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Recorder:
    def __init__(self, log):
        self.log = log
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        record = {
            "mailFrom": envelope.mail_from,
            "rcptTos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "authenticated": bool(session.authenticated),
            "data": envelope.content.decode("utf-8", "replace") if isinstance(envelope.content, bytes) else envelope.content,
        }
        with self.lock, open(self.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, sort_keys=True) + "\n")
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    for name in ("--log", "--ready", "--cert", "--key", "--user", "--password"):
        parser.add_argument(name, required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    # A parent may spawn us with SIGTERM blocked (inherited mask); we are stopped by it, so take it back.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})

    port = args.port
    if port == 0:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == args.user \
            and auth_data.password.decode() == args.password
        return AuthResult(success=ok)

    controller = Controller(Recorder(args.log), hostname="127.0.0.1", port=port,
                            tls_context=context, require_starttls=True,
                            authenticator=authenticator, auth_require_tls=True)
    controller.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with open(args.ready + ".tmp", "w") as f:
        f.write(str(port))
    os.replace(args.ready + ".tmp", args.ready)
    done.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
