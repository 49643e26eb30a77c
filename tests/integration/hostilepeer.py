# SPDX-License-Identifier: Apache-2.0
"""hostilepeer: TCP peers that misbehave on purpose, for vpcprobe's hostile-peer tests
(test_hostile.py). Each listener plays one mode on every connection:

    python3 hostilepeer.py --serve ADDR:PORT=MODE [--serve ...] [--tls-cert CHAIN.pem
        --tls-key KEY.pem] [--interval 1.0] [--max-bytes 268435456] [--max-seconds 120]

MODE (bytes go out as fast as the client takes them unless it says "trickle"):
  trickle-tls       the first records of a TLS 1.2 server handshake (ServerHello, ...), one byte
                    per --interval, after the ClientHello arrived
  trickle-http      an HTTP/1.1 response head, one byte per --interval, after the request
  trickle-kafka     a Kafka ApiVersions answer to the request's correlation id, one byte per
                    --interval
  garbage-at-accept seeded random bytes (first byte 0xff) right after accept, up to --max-bytes
  garbage-on-request the same, but only once the client has sent its first bytes
  kafka-huge-frame  answers the first Kafka request with a 0x7fffffff size prefix and the
                    request's correlation id, then streams filler up to --max-bytes
  endless-headers   answers the HTTP request with a status line and then header lines forever
                    (up to --max-bytes)
  tls-hold          only the TLS handshake (--tls-cert: serve that chain), then reads until
                    the client closes
With --tls-cert/--tls-key, every mode except trickle-tls and garbage-* runs inside a TLS
session (the handshake first). A write that fails (the client closed) ends the connection
quietly: the client hanging up is the point of most modes.

Prints "listening ADDR:PORT MODE" per listener and then "ready" on stdout (flushed); one line
per connection on stderr ("MODE CLIENT: sent N bytes in S s, REASON"), so a test can see how
much its client was offered. Each connection ends after CONNECTION_LIMIT seconds; the process
exits on SIGTERM/SIGINT or after --max-seconds. Exit 3 on bad arguments, 1 when a listener
cannot be set up. Python 3.11 standard library only.
"""
import argparse
import random
import signal
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time

from peertool import line_logger, parse_or_exit, server_tls_context

CONNECTION_LIMIT = 60.0  # seconds any one connection may live
CHUNK = 64 * 1024
MODES = ("trickle-tls", "trickle-http", "trickle-kafka", "garbage-at-accept",
         "garbage-on-request", "kafka-huge-frame", "endless-headers", "tls-hold")
RAW_MODES = ("trickle-tls", "garbage-at-accept", "garbage-on-request")  # never TLS-wrapped

# A TLS 1.2 ServerHello record (type 22, version 3.3): exactly what a real server's first
# bytes look like, so only the pace is wrong.
_HELLO_EXTENSIONS = bytes.fromhex("ff01000100" "000b00040300010200170000")
_HELLO_BODY = b"\x03\x03" + bytes(range(32)) + b"\x20" + bytes(range(32, 64)) + \
    bytes.fromhex("c02f00") + struct.pack(">H", len(_HELLO_EXTENSIONS)) + _HELLO_EXTENSIONS
_HELLO_MESSAGE = b"\x02" + struct.pack(">I", len(_HELLO_BODY))[1:] + _HELLO_BODY
SERVER_HELLO = b"\x16\x03\x03" + struct.pack(">H", len(_HELLO_MESSAGE)) + _HELLO_MESSAGE
HTTP_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nServer: slow/1.0\r\n" \
    b"X-Padding: " + b"a" * 200 + b"\r\nContent-Length: 2\r\n\r\n{}"


class Hangup(Exception):
    """The client closed or the connection's time is up: end this connection quietly."""


class Connection:
    def __init__(self, sock, mode, config):
        self.sock, self.mode, self.config = sock, mode, config
        self.sent = 0
        self.deadline = time.monotonic() + CONNECTION_LIMIT

    def left(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise Hangup("connection time limit")
        return left

    def send(self, data):
        self.sock.settimeout(min(self.left(), 10.0))
        try:
            self.sock.sendall(data)
        except (OSError, ssl.SSLError) as error:
            raise Hangup(f"write failed: {error.__class__.__name__}") from None
        self.sent += len(data)

    def receive_some(self):
        while True:
            self.sock.settimeout(min(self.left(), 10.0))
            try:
                data = self.sock.recv(CHUNK)
            except TimeoutError:
                continue  # left() ends the wait at the connection's limit
            except (OSError, ssl.SSLError) as error:
                raise Hangup(f"read failed: {error.__class__.__name__}") from None
            if not data:
                raise Hangup("the client closed")
            return data

    def receive_kafka_request(self):
        """The first size-prefixed request; returns its correlation id."""
        data = b""
        while len(data) < 12:
            data += self.receive_some()
        return struct.unpack(">i", data[8:12])[0]

    def trickle(self, data):
        for i in range(len(data)):
            self.send(data[i:i + 1])
            time.sleep(self.config.interval)

    def stream(self, first, piece):
        """`first`, then `piece` again and again until --max-bytes or the client hangs up."""
        self.send(first)
        while self.sent < self.config.max_bytes:
            self.send(piece)
        raise Hangup("--max-bytes sent")

    def run(self):
        mode = self.mode
        if mode == "trickle-tls":
            self.receive_some()  # the ClientHello
            self.trickle(SERVER_HELLO)
        elif mode == "trickle-http":
            self.receive_some()
            self.trickle(HTTP_HEAD)
        elif mode == "trickle-kafka":
            correlation_id = self.receive_kafka_request()
            body = struct.pack(">ihi", correlation_id, 0, 1) + struct.pack(">hhh", 18, 0, 3) + \
                struct.pack(">i", 0)
            self.trickle(struct.pack(">i", len(body)) + body)
        elif mode in ("garbage-at-accept", "garbage-on-request"):
            if mode == "garbage-on-request":
                self.receive_some()
            block = bytearray(random.Random(6).randbytes(CHUNK))
            block[0] = 0xFF  # neither a TLS record, nor text, nor a sane Kafka size
            self.stream(bytes(block), bytes(block))
        elif mode == "kafka-huge-frame":
            correlation_id = self.receive_kafka_request()
            self.stream(struct.pack(">ii", 0x7FFFFFFF, correlation_id), b"\0" * CHUNK)
        elif mode == "endless-headers":
            self.receive_some()
            line = b"X-Endless: " + b"h" * 100 + b"\r\n"
            self.stream(b"HTTP/1.1 200 OK\r\n", line * (CHUNK // len(line)))
        # tls-hold, and every mode whose bytes are all out: wait for the client to hang up.
        while True:
            self.receive_some()


def parse_arguments(argv):
    parser = argparse.ArgumentParser(prog="hostilepeer")
    parser.add_argument("--serve", action="append", required=True, metavar="ADDR:PORT=MODE")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--max-bytes", type=int, default=256 << 20)
    parser.add_argument("--max-seconds", type=float, default=120.0)
    config = parser.parse_args(argv)
    config.serves = []
    for item in config.serve:
        where, _, mode = item.partition("=")
        host, _, port = where.rpartition(":")
        if mode not in MODES or not host or not port.isdigit():
            parser.error(f"--serve {item}: expected ADDR:PORT=MODE, MODE one of {', '.join(MODES)}")
        config.serves.append((host.strip("[]"), int(port), mode))
    if bool(config.tls_cert) != bool(config.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    return config


def make_server(host, port, mode, config, tls, log):
    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            started = time.monotonic()
            sock = self.request
            connection = None
            reason = "done"
            try:
                if tls and mode not in RAW_MODES:
                    sock.settimeout(10.0)
                    sock = tls.wrap_socket(sock, server_side=True)
                connection = Connection(sock, mode, config)
                connection.run()
            except Hangup as why:
                reason = str(why)
            except (OSError, ssl.SSLError) as error:
                reason = f"TLS handshake failed: {error}"
            sent = connection.sent if connection else 0
            log(f"{mode} {self.client_address[0]}:{self.client_address[1]}: sent {sent} bytes "
                f"in {time.monotonic() - started:.1f} s, {reason}")

    class Server(socketserver.ThreadingTCPServer):
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        allow_reuse_address = True
        daemon_threads = True
        request_queue_size = 128

    return Server((host, port), Handler)


def main(argv):
    config = parse_or_exit(parse_arguments, argv)

    log = line_logger("hostilepeer")

    tls = server_tls_context(config.tls_cert, config.tls_key) if config.tls_cert else None

    servers = []
    try:
        for host, port, mode in config.serves:
            servers.append((make_server(host, port, mode, config, tls, log), mode))
    except OSError as error:
        print(f"hostilepeer: cannot listen: {error}", file=sys.stderr)
        sys.exit(1)
    for server, mode in servers:
        host, port = server.server_address[:2]
        shown = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        print(f"listening {shown} {mode}", flush=True)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                         daemon=True).start()
    print("ready", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait(config.max_seconds)
    for server, _ in servers:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main(sys.argv[1:])
