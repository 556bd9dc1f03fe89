#!/usr/bin/env python3
"""A real SMTP server for notify's e-mail tests (aiosmtpd): STARTTLS required, AUTH (PLAIN or LOGIN)
with one user, every accepted message appended to OUT as a JSON line {rcpt, data}. Recipients whose
address starts with "bounce" are refused with 550. With --hang it accepts connections and never
greets; with --plain it offers neither STARTTLS nor AUTH. Prints its port on the first line.

Usage: smtp_server.py --port P --cert CERT --key KEY --user U --password PW --out FILE [--hang]
"""
import argparse
import json
import socket
import ssl
import sys
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, default=0)
parser.add_argument("--cert")
parser.add_argument("--key")
parser.add_argument("--user")
parser.add_argument("--password")
parser.add_argument("--out")
parser.add_argument("--hang", action="store_true")
parser.add_argument("--plain", action="store_true", help="no STARTTLS and no AUTH: a local relay")
args = parser.parse_args()

if args.hang:
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(16)
    print(listener.getsockname()[1], flush=True)
    held = []
    while True:
        connection, _ = listener.accept()
        held.append(connection)  # never a greeting


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("bounce"):
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with open(args.out, "a") as out:
            out.write(json.dumps({"rcpt": envelope.rcpt_tos, "from": envelope.mail_from,
                                  "data": envelope.content.decode("utf-8", "replace")}) + "\n")
        return "250 Message accepted"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == args.user and auth_data.password.decode() == args.password
    return AuthResult(success=ok)


context = None
if not args.plain:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)
if args.port == 0:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    args.port = probe.getsockname()[1]
    probe.close()
if args.plain:
    controller = Controller(Handler(), hostname="127.0.0.1", port=args.port)
else:
    controller = Controller(Handler(), hostname="127.0.0.1", port=args.port, tls_context=context, require_starttls=True,
                            auth_require_tls=True, authenticator=authenticator, auth_exclude_mechanism=["CRAM-MD5"])
controller.start()
print(args.port, flush=True)
try:
    while True:
        time.sleep(3600)
finally:
    controller.stop()
