# SPDX-License-Identifier: Apache-2.0
"""dnspeer: a DNS server that answers badly on purpose, over UDP and TCP on the same loopback
port, for vpcprobe's hostile-peer tests (test_hostile.py):

    python3 dnspeer.py --listen ADDR:PORT --mode MODE [--answer-address 127.0.96.1]
        [--max-seconds 120]

Every question gets the mode's answer; A questions get --answer-address (or, for the "many"
modes, addresses counting up from it), AAAA questions a NOERROR answer without records.
MODE:
  many-records      300 A records: over UDP a TC=1 answer without records, as a server must do
                    when the answer does not fit 512 bytes and the query had no EDNS; the full
                    answer over TCP
  udp-oversize      the same 300 records over UDP too, in one datagram far over 512 bytes and
                    without TC (against RFC 1035), and over TCP
  tcp-huge          UDP: TC=1; TCP: the largest message TCP can frame (65,535 bytes, about
                    4,000 A records), then 1 MiB more of filler on the same connection
  truncated-header  six bytes: the query's ID and flags, no counts
  wrong-id          a correct answer with the ID off by one
  pointer-loop      a correct header and question; the answer's name is a compression pointer
                    to itself
  count-mismatch    ANCOUNT 5 with one answer record present
  garbage           the query's ID, then 500 seeded random bytes
  tcp-only          UDP: TC=1 and no records; TCP: the correct answer (one A record)
  tcp-only-udp-silent  UDP: every query read and dropped; TCP: the correct answer
  tcp-only-no-udp   no UDP socket at all (the kernel answers port unreachable); TCP: the
                    correct answer
Prints "listening ADDR:PORT MODE" and then "ready" on stdout (flushed), one line per answer on
stderr. TCP connections end after CONNECTION_LIMIT seconds; the process exits on SIGTERM/SIGINT
or after --max-seconds. Exit 3 on bad arguments, 1 when a socket cannot be set up. Python 3.11
standard library only.
"""
import argparse
import ipaddress
import random
import signal
import socket
import socketserver
import struct
import sys
import threading
import time

from peertool import line_logger, parse_or_exit

CONNECTION_LIMIT = 30.0
TYPE_A = 1
FLAG_QR, FLAG_AA, FLAG_TC, FLAG_RD, FLAG_RA = 0x8000, 0x0400, 0x0200, 0x0100, 0x0080
MODES = ("many-records", "udp-oversize", "tcp-huge", "truncated-header", "wrong-id",
         "pointer-loop", "count-mismatch", "garbage", "tcp-only", "tcp-only-udp-silent",
         "tcp-only-no-udp")
TCP_MAX = 65535
QUESTION_OFFSET = 12


def question_of(query):
    """(id, rd flag, the question section's bytes, qtype) of a query; None when malformed."""
    if len(query) < QUESTION_OFFSET + 5:
        return None
    ident, flags, qdcount = struct.unpack(">HHH", query[:6])
    if qdcount != 1:
        return None
    end = QUESTION_OFFSET
    while end < len(query) and query[end] != 0:
        end += 1 + query[end]
    end += 1 + 4  # the root label, qtype, qclass
    if end > len(query):
        return None
    qtype = struct.unpack(">H", query[end - 4:end - 2])[0]
    return ident, flags & FLAG_RD, query[QUESTION_OFFSET:end], qtype


def a_record(address):
    """An A record for the question's name (a compression pointer to offset 12), TTL 60."""
    return struct.pack(">HHHIH", 0xC000 | QUESTION_OFFSET, TYPE_A, 1, 60, 4) + \
        ipaddress.IPv4Address(address).packed


def message(ident, rd, question, records=(), flags=0, ancount=None):
    header = struct.pack(">HHHHHH", ident, FLAG_QR | FLAG_AA | FLAG_RA | rd | flags, 1,
                         len(records) if ancount is None else ancount, 0, 0)
    return header + question + b"".join(records)


def addresses_from(first, count):
    start = int(ipaddress.IPv4Address(first))
    return [str(ipaddress.IPv4Address(start + i)) for i in range(count)]


class Answers:
    """What the mode answers to one query, over UDP or TCP; None sends nothing."""

    def __init__(self, mode, answer_address):
        self.mode, self.address = mode, answer_address

    def answer(self, query, over_tcp):
        parsed = question_of(query)
        if parsed is None:
            return None
        ident, rd, question, qtype = parsed
        mode = self.mode
        records = [a_record(self.address)] if qtype == TYPE_A else []
        if mode == "truncated-header":
            return query[:2] + struct.pack(">H", FLAG_QR | rd | FLAG_RA) + b"\0\0"
        if mode == "wrong-id":
            return message((ident + 1) & 0xFFFF, rd, question, records)
        if mode == "pointer-loop":
            # The answer's owner name sits right after the question and points at itself.
            loop_at = QUESTION_OFFSET + len(question)
            looped = struct.pack(">HHHIH", 0xC000 | loop_at, TYPE_A, 1, 60, 4) + bytes(4)
            return message(ident, rd, question, [looped])
        if mode == "count-mismatch":
            return message(ident, rd, question, [a_record(self.address)], ancount=5)
        if mode == "garbage":
            return struct.pack(">H", ident) + random.Random(53).randbytes(500)
        if mode in ("many-records", "udp-oversize", "tcp-huge") and qtype == TYPE_A:
            count = 300
            if mode == "tcp-huge":
                count = (TCP_MAX - QUESTION_OFFSET - len(question)) // len(a_record(self.address))
            records = [a_record(a) for a in addresses_from(self.address, count)]
        # What a server does when the answer does not fit a 512-byte datagram (or, for
        # tcp-only, always): TC=1 and no records, so the client asks again over TCP.
        truncate = mode == "tcp-only" or mode in ("many-records", "tcp-huge") and qtype == TYPE_A
        if truncate and not over_tcp:
            return message(ident, rd, question, flags=FLAG_TC)
        return message(ident, rd, question, records)


def parse_arguments(argv):
    parser = argparse.ArgumentParser(prog="dnspeer")
    parser.add_argument("--listen", required=True, metavar="ADDR:PORT")
    parser.add_argument("--mode", required=True, choices=MODES)
    parser.add_argument("--answer-address", default="127.0.96.1")
    parser.add_argument("--max-seconds", type=float, default=120.0)
    config = parser.parse_args(argv)
    host, _, port = config.listen.rpartition(":")
    if not host or not port.isdigit():
        parser.error(f"--listen {config.listen}: expected ADDR:PORT")
    config.host, config.port = host.strip("[]"), int(port)
    return config


def main(argv):
    config = parse_or_exit(parse_arguments, argv)
    answers = Answers(config.mode, config.answer_address)
    log = line_logger("dnspeer")

    class TcpHandler(socketserver.BaseRequestHandler):
        def handle(self):
            sock = self.request
            deadline = time.monotonic() + CONNECTION_LIMIT
            buffer = b""
            try:
                while time.monotonic() < deadline:
                    sock.settimeout(max(0.1, deadline - time.monotonic()))
                    chunk = sock.recv(4096)
                    if not chunk:
                        return
                    buffer += chunk
                    while len(buffer) >= 2 + int.from_bytes(buffer[:2], "big"):
                        size = int.from_bytes(buffer[:2], "big")
                        query, buffer = buffer[2:2 + size], buffer[2 + size:]
                        reply = answers.answer(query, over_tcp=True)
                        if reply is None:
                            continue
                        sock.sendall(struct.pack(">H", len(reply)) + reply)
                        log(f"tcp {config.mode}: {len(reply)} bytes")
                        if config.mode == "tcp-huge":
                            sock.sendall(b"\xff" * (1 << 20))  # past the 64 KiB framing bound
            except OSError:
                return

    class UdpHandler(socketserver.BaseRequestHandler):
        def handle(self):
            query, sock = self.request
            if config.mode == "tcp-only-udp-silent":
                return
            reply = answers.answer(query, over_tcp=False)
            if reply is not None:
                sock.sendto(reply, self.client_address)
                log(f"udp {config.mode}: {len(reply)} bytes")

    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET

    class TcpServer(socketserver.ThreadingTCPServer):
        address_family = family
        allow_reuse_address = True
        daemon_threads = True

    class UdpServer(socketserver.UDPServer):
        address_family = family

    servers = []
    try:
        servers.append(TcpServer((config.host, config.port), TcpHandler))
        if config.mode != "tcp-only-no-udp":
            servers.append(UdpServer(servers[0].server_address[:2], UdpHandler))
    except OSError as error:
        print(f"dnspeer: cannot listen: {error}", file=sys.stderr)
        sys.exit(1)
    port = servers[0].server_address[1]
    shown = f"[{config.host}]:{port}" if family == socket.AF_INET6 else f"{config.host}:{port}"
    for server in servers:
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                         daemon=True).start()
    print(f"listening {shown} {config.mode}", flush=True)
    print("ready", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait(config.max_seconds)
    for server in servers:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main(sys.argv[1:])
