"""Two tiny SMTP servers for tests: one that records what it is sent, one that accepts and never answers."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes


class _RecordingHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        server: _RecordingServer = self.server  # type: ignore[assignment]
        self.wfile.write(b"220 test ESMTP\r\n")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line.strip().split(b" ")[0].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 test\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 go ahead\r\n")
                data = b""
                while not data.endswith(b"\r\n.\r\n"):
                    chunk = self.rfile.readline()
                    if not chunk:
                        return
                    data += chunk
                time.sleep(server.delay)  # a real server takes a moment: lets two senders overlap
                message = message_from_bytes(data[: -len(b".\r\n")])
                with server.lock:
                    server.messages.append((message["To"], message["Subject"]))
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:  # MAIL, RCPT, RSET, NOOP
                self.wfile.write(b"250 ok\r\n")


class _RecordingServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, delay: float) -> None:
        super().__init__(("127.0.0.1", 0), _RecordingHandler)
        self.delay = delay
        self.lock = threading.Lock()
        self.messages: list[tuple[str, str]] = []


@contextmanager
def recording_smtp_server(delay: float = 0.0) -> Iterator[_RecordingServer]:
    """A server on 127.0.0.1 (server.server_address[1] is its port) recording (to, subject) pairs."""
    server = _RecordingServer(delay)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def hanging_smtp_server() -> Iterator[int]:
    """A socket that accepts connections and never says a word; yields its port."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _addr = listener.accept()
            except OSError:
                continue
            accepted.append(conn)  # kept open, silent

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in accepted:
            conn.close()
        listener.close()


def closed_port() -> int:
    """A port nothing listens on (connection refused): a mail server that is down."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
