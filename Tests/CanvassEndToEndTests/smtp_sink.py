#!/usr/bin/env python3
"""An SMTP sink on loopback for the campaign email tests (aiosmtpd).

Usage: smtp_sink.py DIRECTORY

Listens on 127.0.0.1 on a free port, prints "smtp-sink listening on PORT" once ready, and writes
every message it accepts to DIRECTORY/NNNN.json: the envelope (mail_from, rcpt_tos), the decoded
Subject, the decoded plain-text body, every header, and the raw message. Runs until killed.
"""
import asyncio
import json
import os
import signal
import sys
from email import message_from_bytes, policy

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = message_from_bytes(raw, policy=policy.default)
        body = message.get_body(preferencelist=("plain",))
        self.count += 1
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "subject": str(message["subject"] or ""),
            "body": body.get_content() if body is not None else "",
            "headers": [[k, str(v)] for k, v in message.items()],
            "raw": raw.decode("utf-8", "replace"),
        }
        name = os.path.join(self.directory, "%04d.json" % self.count)
        with open(name + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(name + ".tmp", name)  # readers never see half a file
        return "250 OK"


def main():
    directory = sys.argv[1]
    # A parent may have blocked signals (test runners do); SIGTERM must reach the loop.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    os.makedirs(directory, exist_ok=True)
    sink = Sink(directory)
    loop = asyncio.new_event_loop()
    # Port 0: the system picks a free port, read back from the socket, so tests never collide.
    server = loop.run_until_complete(loop.create_server(lambda: SMTP(sink), host="127.0.0.1", port=0))
    port = server.sockets[0].getsockname()[1]
    print("smtp-sink listening on %d" % port, flush=True)
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    loop.run_until_complete(stop)
    server.close()


if __name__ == "__main__":
    main()
