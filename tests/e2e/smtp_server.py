"""A real SMTP server for the email tests (aiosmtpd, the python3-aiosmtpd Debian package).

Binds 127.0.0.1 on a free port (port 0) and writes the port to --port-file once it listens.
Records every accepted message as one JSON line in --out: envelope, the authenticated user,
whether the session was TLS, the headers, and the decoded text and HTML parts.

--reply-file: when the file exists and is not empty, its first line is the answer to DATA
(e.g. "451 4.3.0 Try again later"), read afresh for each message; the message is not recorded.
--tls-cert/--tls-key: offer STARTTLS and require it. --auth USER:PASSWORD: require AUTH.
--reject-rcpt ADDRESS (repeatable): answer RCPT TO for that address with 550, as a server does for
an unknown mailbox; the other recipients are accepted.

Run with an interpreter that has aiosmtpd (Debian's /usr/bin/python3)."""

import argparse
import asyncio
import email
import email.policy
import json
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Recorder:
    def __init__(self, out, reply_file, reject_rcpt):
        self.out = out
        self.reply_file = reply_file
        self.reject_rcpt = set(reject_rcpt or [])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject_rcpt:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.reply_file and os.path.exists(self.reply_file):
            with open(self.reply_file) as f:
                reply = f.readline().strip()
            if reply:
                return reply
        msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                       policy=email.policy.default)
        parts = {}
        for part in msg.walk():
            if part.get_content_maintype() == "text":
                parts[part.get_content_type()] = part.get_content()
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "auth_user": session.auth_data.login.decode() if isinstance(
                session.auth_data, LoginPassword) else None,
            "tls": session.ssl is not None,
            "headers": {k: str(v) for k, v in msg.items()},
            "raw_headers": (envelope.original_content or envelope.content).split(b"\r\n\r\n")[0]
            .decode("ascii", "replace"),
            "content_type": msg.get_content_type(),
            "text": parts.get("text/plain"),
            "html": parts.get("text/html"),
        }
        with open(self.out, "a") as f:
            f.write(json.dumps(record) + "\n")
        return "250 2.0.0 OK queued"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--reply-file")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--auth")
    p.add_argument("--reject-rcpt", action="append")
    args = p.parse_args()

    kwargs = {}
    if args.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        kwargs.update(tls_context=ctx, require_starttls=True)
    if args.auth:
        user, _, password = args.auth.partition(":")

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user
                  and auth_data.password.decode() == password)
            return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

        kwargs.update(authenticator=authenticator, auth_required=True,
                      auth_require_tls=bool(args.tls_cert))

    handler = Recorder(args.out, args.reply_file, args.reject_rcpt)
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(handler, hostname="smtp.test", **kwargs), host="127.0.0.1", port=0))
    port = server.sockets[0].getsockname()[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.replace(tmp, args.port_file)
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
