# SPDX-License-Identifier: Apache-2.0
"""kafkapeer: a minimal Kafka broker impersonator for vpcprobe's end-to-end tests, for the cases
librdkafka's mock cluster (`mockkafka`) cannot produce: SASL (PLAIN, SCRAM-SHA-256,
SCRAM-SHA-512, with real server-side verification), TLS on the broker itself, and Metadata that
advertises whatever brokers a test wants (names that resolve through the test's dnsmasq, ports
of other peers, dead ports).

    python3 kafkapeer.py --listen 127.0.0.1:PORT [--listen [::1]:PORT]
        [--tls-cert CHAIN.pem --tls-key KEY.pem [--tls-client-auth optional|required
         --tls-client-ca CA.pem]]
        [--sasl PLAIN|SCRAM-SHA-256|SCRAM-SHA-512 --user U --password-file F]
        --advertise HOST:PORT [--advertise HOST:PORT ...] [--node-id N] [--cluster-id ID]
        [--api-versions-max V] [--sasl-handshake-max V] [--max-seconds 120]

It answers, with the request/response layouts of Apache Kafka's protocol:
  ApiVersions (18) v0..v3   v3 requests use request header v2 and a flexible body; the response
                            always uses response header v0. A version above --api-versions-max
                            (default 3) is answered with UNSUPPORTED_VERSION (35) in the v0
                            layout, listing ApiVersions 0..max, as a real broker does.
  SaslHandshake (17) v0..v1 offers only the configured mechanism (33 for any other; 34
                            ILLEGAL_SASL_STATE when no SASL is configured). After v0 the SASL
                            tokens travel as bare size-prefixed frames, as in Kafka before KIP-152.
                            --sasl-handshake-max 0 makes it an old (pre-1.0) broker: SaslHandshake
                            v0 only and no SaslAuthenticate in ApiVersions.
  SaslAuthenticate (36) v0..v1  PLAIN and SCRAM (RFC 5802/7677: random salt, 4096 iterations,
                            the client proof verified, server-final "v=" signature sent). Bad
                            credentials: error 58 with the message a real broker sends, then the
                            connection is closed.
  Metadata (3) v0..v8       (non-flexible) brokers = the --advertise list with node ids N, N+1,
                            ... (N = --node-id, default 1), the cluster id, controller = the first
                            broker, no topics (a named topic is UNKNOWN_TOPIC_OR_PARTITION).
With SASL configured, any request other than ApiVersions/SaslHandshake/SaslAuthenticate before
authentication closes the connection, as a real broker does. Unknown API keys or versions and
malformed requests close the connection too.

Prints "listening HOST:PORT" per listener and then "ready" on stdout (flushed); a few words per
notable event go to stderr. One thread per connection (at most MAX_CONNECTIONS at once); every
connection ends after CONNECTION_LIMIT seconds or IDLE_LIMIT seconds without a request; the
process exits on SIGTERM/SIGINT or after --max-seconds. Exit 3 on bad arguments, 1 when a
listener cannot be set up. Python 3.11 standard library only.
"""
import argparse
import base64
import hashlib
import hmac
import secrets
import signal
import socket
import ssl
import struct
import sys
import threading
import time

from peertool import CLIENT_AUTH, line_logger, parse_or_exit, server_tls_context

MAX_FRAME_BYTES = 1 << 20
MAX_CONNECTIONS = 512
CONNECTION_LIMIT = 120.0  # seconds any one connection may live
IDLE_LIMIT = 30.0  # seconds without a complete request before the connection is closed
SCRAM_ITERATIONS = 4096

API_METADATA = 3
API_SASL_HANDSHAKE = 17
API_API_VERSIONS = 18
API_SASL_AUTHENTICATE = 36

NONE = 0
UNKNOWN_TOPIC_OR_PARTITION = 3
UNSUPPORTED_SASL_MECHANISM = 33
ILLEGAL_SASL_STATE = 34
UNSUPPORTED_VERSION = 35
SASL_AUTHENTICATION_FAILED = 58

MECHANISMS = {"PLAIN": None, "SCRAM-SHA-256": "sha256", "SCRAM-SHA-512": "sha512"}
AUTHORIZED_OPERATIONS_OMITTED = -2147483648


class Malformed(Exception):
    """A request that cannot be parsed: the connection is closed, as a broker does."""


class CloseConnection(Exception):
    """Ends the connection after the responses already sent (the broker's way to refuse)."""


# --- wire format ----------------------------------------------------------------------------


class Reader:
    """Bounds-checked reads of Kafka primitive types from one request."""

    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise Malformed(f"needs {n} bytes at {self.pos}, has {len(self.data) - self.pos}")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def int8(self):
        return struct.unpack(">b", self.take(1))[0]

    def int16(self):
        return struct.unpack(">h", self.take(2))[0]

    def int32(self):
        return struct.unpack(">i", self.take(4))[0]

    def boolean(self):
        return self.int8() != 0

    def uvarint(self):
        value = shift = 0
        for _ in range(5):
            byte = self.take(1)[0]
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7
        raise Malformed("varint longer than 5 bytes")

    def string(self, nullable=False):
        n = self.int16()
        if n == -1 and nullable:
            return None
        if n < 0:
            raise Malformed("negative string length")
        return self.take(n).decode("utf-8", "replace")

    def bytes_(self):
        n = self.int32()
        if n < 0:
            raise Malformed("negative bytes length")
        return self.take(n)

    def compact_string(self):
        n = self.uvarint()
        if n == 0:
            return None
        return self.take(n - 1).decode("utf-8", "replace")

    def tagged_fields(self):
        for _ in range(self.uvarint()):
            self.uvarint()  # tag
            self.take(self.uvarint())

    def array_count(self, nullable=False):
        n = self.int32()
        if n == -1 and nullable:
            return None
        if n < 0 or n > len(self.data) - self.pos:  # every element is at least one byte
            raise Malformed(f"bad array length {n}")
        return n


def i8(v):
    return struct.pack(">b", v)


def i16(v):
    return struct.pack(">h", v)


def i32(v):
    return struct.pack(">i", v)


def i64(v):
    return struct.pack(">q", v)


def uvarint(v):
    out = bytearray()
    while True:
        byte = v & 0x7F
        v >>= 7
        if v:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def string(s):
    if s is None:
        return i16(-1)
    raw = s.encode()
    return i16(len(raw)) + raw


def bytes_(b):
    return i32(len(b)) + b


# --- SASL -------------------------------------------------------------------------------------


class AuthFailed(Exception):
    """Bad credentials: answered with SASL_AUTHENTICATION_FAILED and this message."""


def auth_failed_message(mechanism):
    if mechanism == "PLAIN":
        # PlainSaslServer's SaslAuthenticationException, as the broker forwards it
        return "Authentication failed: Invalid username or password"
    return ("Authentication failed during authentication due to invalid credentials with SASL "
            f"mechanism {mechanism}")


class PlainServer:
    def __init__(self, user, password, echo_credentials=False):
        self.user, self.password = user, password
        self.echo_credentials = echo_credentials
        self.complete = False

    def step(self, token):
        parts = token.split(b"\0")
        if len(parts) != 3:
            raise AuthFailed("Invalid SASL/PLAIN response: expected 3 tokens")
        authzid, authcid, passwd = (p.decode("utf-8", "replace") for p in parts)
        if authzid and authzid != authcid:
            raise AuthFailed("Authentication failed: Client requested an authorization id "
                             "that is different from username")
        if not (hmac.compare_digest(authcid.encode(), self.user.encode()) and
                hmac.compare_digest(passwd.encode(), self.password.encode())):
            if self.echo_credentials:  # a careless broker or proxy: the login quoted back
                raise AuthFailed(f"Authentication failed for user '{authcid}' with password "
                                 f"'{passwd}'")
            raise AuthFailed(auth_failed_message("PLAIN"))
        self.complete = True
        return b""


def scram_attributes(text):
    attributes = {}
    for part in text.split(","):
        if len(part) < 2 or part[1] != "=":
            raise AuthFailed("Invalid SCRAM message")
        attributes.setdefault(part[0], part[2:])
    return attributes


def scram_name(text):
    return text.replace("=2C", ",").replace("=3D", "=")


class ScramServer:
    """RFC 5802 server side, with the user's password known in clear (salted per connection)."""

    def __init__(self, mechanism, user, password):
        self.mechanism, self.user, self.password = mechanism, user, password
        self.hash = MECHANISMS[mechanism]
        self.state = "first"
        self.complete = False

    def hmac(self, key, message):
        return hmac.new(key, message, self.hash).digest()

    def step(self, token):
        text = token.decode("utf-8", "replace")
        if self.state == "first":
            return self.client_first(text)
        if self.state == "final":
            return self.client_final(text)
        raise AuthFailed("Unexpected SCRAM message")

    def client_first(self, text):
        # gs2-header "n,," or "n,a=authzid," (channel binding is never offered over Kafka)
        pieces = text.split(",", 2)
        if len(pieces) != 3 or pieces[0] not in ("n", "y"):
            raise AuthFailed("Invalid SCRAM client-first message")
        self.gs2_header = pieces[0] + "," + pieces[1] + ","
        self.client_first_bare = pieces[2]
        attributes = scram_attributes(self.client_first_bare)
        if "m" in attributes or "n" not in attributes or "r" not in attributes:
            raise AuthFailed("Invalid SCRAM client-first message")
        self.username = scram_name(attributes["n"])
        self.nonce = attributes["r"] + secrets.token_urlsafe(18)
        self.salt = secrets.token_bytes(16)
        self.server_first = (f"r={self.nonce},s={base64.b64encode(self.salt).decode()},"
                             f"i={SCRAM_ITERATIONS}")
        self.state = "final"
        return self.server_first.encode()

    def client_final(self, text):
        self.state = "done"
        cut = text.rfind(",p=")
        if cut < 0:
            raise AuthFailed("Invalid SCRAM client-final message")
        without_proof = text[:cut]
        attributes = scram_attributes(without_proof)
        # endswith, not ==: Kafka's ScramSaslServer accepts any nonce that ends with the one it
        # sent, and librdkafka (2.0.x) sends its own nonce once more in front of it.
        if not attributes.get("r", "").endswith(self.nonce):
            raise AuthFailed("Invalid client nonce in the final client message.")
        if attributes.get("c") != base64.b64encode(self.gs2_header.encode()).decode():
            raise AuthFailed("Invalid SCRAM channel binding")
        try:
            proof = base64.b64decode(text[cut + 3:], validate=True)
        except ValueError as error:
            raise AuthFailed("Invalid SCRAM client proof") from error
        salted = hashlib.pbkdf2_hmac(self.hash, self.password.encode(), self.salt,
                                     SCRAM_ITERATIONS)
        client_key = self.hmac(salted, b"Client Key")
        stored_key = hashlib.new(self.hash, client_key).digest()
        auth_message = ",".join((self.client_first_bare, self.server_first,
                                 without_proof)).encode()
        client_signature = self.hmac(stored_key, auth_message)
        if len(proof) != len(client_signature):
            raise AuthFailed(auth_failed_message(self.mechanism))
        recovered_key = bytes(a ^ b for a, b in zip(proof, client_signature))
        user_ok = hmac.compare_digest(self.username.encode(), self.user.encode())
        proof_ok = hmac.compare_digest(hashlib.new(self.hash, recovered_key).digest(),
                                       stored_key)
        if not (user_ok and proof_ok):
            raise AuthFailed(auth_failed_message(self.mechanism))
        server_key = self.hmac(salted, b"Server Key")
        server_signature = self.hmac(server_key, auth_message)
        self.complete = True
        return b"v=" + base64.b64encode(server_signature)


def sasl_server(config):
    if config.sasl == "PLAIN":
        return PlainServer(config.user, config.password, config.echo_credentials)
    return ScramServer(config.sasl, config.user, config.password)


# --- one connection ---------------------------------------------------------------------------


class Connection:
    def __init__(self, sock, peer, config, log):
        self.sock, self.peer, self.config, self.log = sock, peer, config, log
        self.deadline = time.monotonic() + CONNECTION_LIMIT
        self.authenticated = config.sasl is None
        self.handshake_version = None  # set by SaslHandshake
        self.sasl = None

    # Reads exactly n bytes; None on a clean close before the first byte.
    def read_exact(self, n):
        chunks, have = [], 0
        while have < n:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise CloseConnection("connection lifetime over")
            self.sock.settimeout(min(left, IDLE_LIMIT))
            chunk = self.sock.recv(min(n - have, 65536))
            if not chunk:
                if have == 0:
                    return None
                raise CloseConnection("closed mid-frame")
            chunks.append(chunk)
            have += len(chunk)
        return b"".join(chunks)

    def read_frame(self):
        head = self.read_exact(4)
        if head is None:
            return None
        size = struct.unpack(">i", head)[0]
        if size < 0 or size > MAX_FRAME_BYTES:
            raise CloseConnection(f"frame of {size} bytes")
        body = self.read_exact(size) if size else b""
        if body is None:
            raise CloseConnection("closed mid-frame")
        return body

    def send_frame(self, payload):
        self.sock.settimeout(max(0.1, min(self.deadline - time.monotonic(), IDLE_LIMIT)))
        self.sock.sendall(i32(len(payload)) + payload)

    def respond(self, correlation_id, body):
        # Every response this peer sends uses response header v0: the correlation id alone.
        self.send_frame(i32(correlation_id) + body)

    def serve(self):
        try:
            if isinstance(self.sock, ssl.SSLSocket):
                self.sock.settimeout(IDLE_LIMIT)
                self.sock.do_handshake()
            while True:
                frame = self.read_frame()
                if frame is None:
                    return
                if self.handshake_version == 0 and not self.authenticated:
                    self.raw_sasl_token(frame)
                else:
                    self.request(frame)
        except CloseConnection as why:
            self.log(f"{self.peer}: closing: {why}")
        except Malformed as why:
            self.log(f"{self.peer}: malformed request, closing: {why}")
        except (OSError, ssl.SSLError) as error:
            self.log(f"{self.peer}: {error}")
        except Exception as error:  # a bug here must end this connection, not the peer
            self.log(f"{self.peer}: internal error, closing: {error!r}")
        finally:
            try:
                self.sock.close()
            except OSError:
                pass

    def request(self, frame):
        r = Reader(frame)
        api_key, version, correlation_id = r.int16(), r.int16(), r.int32()
        if api_key == API_API_VERSIONS:
            if version > self.config.api_versions_max or version < 0:
                # The v0 layout whatever version was asked, so any client can read it.
                self.respond(correlation_id, i16(UNSUPPORTED_VERSION) + i32(1) +
                             i16(API_API_VERSIONS) + i16(0) + i16(self.config.api_versions_max))
                return
            r.string(nullable=True)  # client id (request header v1 and v2)
            if version >= 3:
                r.tagged_fields()  # request header v2
                r.compact_string()  # client_software_name
                r.compact_string()  # client_software_version
                r.tagged_fields()
            self.respond(correlation_id, self.api_versions_body(version))
            return
        if api_key == API_SASL_HANDSHAKE and 0 <= version <= self.config.sasl_handshake_max:
            r.string(nullable=True)
            self.sasl_handshake(r, version, correlation_id)
            return
        if api_key == API_SASL_AUTHENTICATE and self.config.sasl_handshake_max >= 1 and \
                version in (0, 1):
            r.string(nullable=True)
            self.sasl_authenticate(r, version, correlation_id)
            return
        if not self.authenticated:
            raise CloseConnection(f"api key {api_key} before SASL authentication")
        if api_key == API_METADATA and 0 <= version <= 8:
            r.string(nullable=True)
            self.respond(correlation_id, self.metadata_body(r, version))
            return
        raise CloseConnection(f"unsupported request: api key {api_key} version {version}")

    def api_versions_body(self, version):
        apis = [(API_METADATA, 0, 8), (API_SASL_HANDSHAKE, 0, self.config.sasl_handshake_max),
                (API_API_VERSIONS, 0, self.config.api_versions_max)]
        if self.config.sasl_handshake_max >= 1:
            apis.append((API_SASL_AUTHENTICATE, 0, 1))
        if version >= 3:
            body = i16(NONE) + uvarint(len(apis) + 1)
            for key, low, high in apis:
                body += i16(key) + i16(low) + i16(high) + uvarint(0)
            return body + i32(0) + uvarint(0)  # throttle_time_ms, no tagged fields
        body = i16(NONE) + i32(len(apis))
        for key, low, high in apis:
            body += i16(key) + i16(low) + i16(high)
        if version >= 1:
            body += i32(0)  # throttle_time_ms
        return body

    def sasl_handshake(self, r, version, correlation_id):
        mechanism = r.string()
        if self.config.sasl is None:
            # What a broker answers on a listener without SASL.
            self.respond(correlation_id, i16(ILLEGAL_SASL_STATE) + i32(0))
            return
        if self.handshake_version is not None or self.authenticated:
            raise CloseConnection("second SaslHandshake")
        mechanisms = [self.config.sasl, *self.config.sasl_also]
        offered = i32(len(mechanisms)) + b"".join(string(m) for m in mechanisms)
        if mechanism not in mechanisms:
            self.respond(correlation_id, i16(UNSUPPORTED_SASL_MECHANISM) + offered)
            raise CloseConnection(f"mechanism {mechanism!r} not enabled")
        self.respond(correlation_id, i16(NONE) + offered)
        self.handshake_version = version
        # Only offered (--sasl-also): a login with it is not implemented and ends the connection.
        self.sasl = sasl_server(self.config) if mechanism == self.config.sasl else None

    def sasl_authenticate(self, r, version, correlation_id):
        if self.handshake_version != 1 or self.authenticated:
            self.respond(correlation_id, i16(ILLEGAL_SASL_STATE) +
                         string("Unexpected SaslAuthenticate request") + bytes_(b"") +
                         (i64(0) if version >= 1 else b""))
            raise CloseConnection("SaslAuthenticate out of order")
        token = r.bytes_()
        lifetime = i64(0) if version >= 1 else b""
        if self.sasl is None:
            raise CloseConnection("a login with a mechanism this peer only offers")
        try:
            answer = self.sasl.step(token)
        except AuthFailed as failure:
            self.log(f"{self.peer}: SASL {self.config.sasl} authentication failed: {failure}")
            self.respond(correlation_id, i16(SASL_AUTHENTICATION_FAILED) + string(str(failure)) +
                         bytes_(b"") + lifetime)
            raise CloseConnection("authentication failed") from None
        self.respond(correlation_id, i16(NONE) + string(None) + bytes_(answer) + lifetime)
        if self.sasl.complete:
            self.authenticated = True

    def raw_sasl_token(self, token):
        """SaslHandshake v0: tokens as bare frames; a failure simply closes the connection."""
        try:
            answer = self.sasl.step(token)
        except AuthFailed as failure:
            raise CloseConnection(f"SASL {self.config.sasl} authentication failed: "
                                  f"{failure}") from None
        self.send_frame(answer)
        if self.sasl.complete:
            self.authenticated = True

    def metadata_body(self, r, version):
        if version == 0:
            n = r.array_count()
            topics = [r.string() for _ in range(n)]
        else:
            n = r.array_count(nullable=True)
            topics = None if n is None else [r.string() for _ in range(n)]
        if version >= 4:
            r.boolean()  # allow_auto_topic_creation
        if version >= 8:
            r.boolean()  # include_cluster_authorized_operations
            r.boolean()  # include_topic_authorized_operations

        body = i32(0) if version >= 3 else b""  # throttle_time_ms
        body += i32(len(self.config.advertise))
        for index, (host, port) in enumerate(self.config.advertise):
            body += i32(self.config.node_id + index) + string(host) + i32(port)
            if version >= 1:
                body += string(None)  # rack
        if version >= 2:
            body += string(self.config.cluster_id)
        if version >= 1:
            body += i32(self.config.node_id)  # controller: the first advertised broker
        names = topics or []
        body += i32(len(names))
        for name in names:
            body += i16(UNKNOWN_TOPIC_OR_PARTITION) + string(name)
            if version >= 1:
                body += i8(0)  # is_internal
            body += i32(0)  # partitions
            if version >= 8:
                body += i32(AUTHORIZED_OPERATIONS_OMITTED)
        if version >= 8:
            body += i32(AUTHORIZED_OPERATIONS_OMITTED)
        return body


# --- process ----------------------------------------------------------------------------------


def parse_host_port(text, what):
    if text.startswith("["):
        host, sep, port = text[1:].partition("]:")
    else:
        host, sep, port = text.rpartition(":")
        if ":" in host:
            sep = ""
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(f"{what} {text!r}: expected HOST:PORT "
                                         "(IPv6 as [ADDR]:PORT)")
    return host, int(port)


def parse_arguments(argv):
    parser = argparse.ArgumentParser(prog="kafkapeer", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen", action="append", required=True,
                        type=lambda t: parse_host_port(t, "--listen"),
                        help="IP:PORT to listen on (port 0 picks one); repeatable")
    parser.add_argument("--tls-cert", help="PEM chain to present (leaf first)")
    parser.add_argument("--tls-key", help="PEM key of the leaf")
    parser.add_argument("--tls-client-auth", choices=CLIENT_AUTH, default="none",
                        help="ask for a client certificate (mutual TLS)")
    parser.add_argument("--tls-client-ca", help="PEM CA file client certificates must chain to")
    parser.add_argument("--sasl", choices=sorted(MECHANISMS))
    parser.add_argument("--user")
    parser.add_argument("--password-file")
    parser.add_argument("--advertise", action="append", required=True,
                        type=lambda t: parse_host_port(t, "--advertise"),
                        help="HOST:PORT of a broker in Metadata; repeatable, in order")
    parser.add_argument("--node-id", type=int, default=1,
                        help="node id of the first advertised broker (the others follow)")
    parser.add_argument("--cluster-id", default="kafkapeer-cluster")
    parser.add_argument("--api-versions-max", type=int, default=3, choices=range(0, 4),
                        help="highest ApiVersions version answered (lower ones get error 35)")
    parser.add_argument("--sasl-handshake-max", type=int, default=1, choices=range(0, 2),
                        help="highest SaslHandshake version (0: SASL tokens as bare frames)")
    parser.add_argument("--sasl-also", action="append", default=[], metavar="MECH",
                        help="another mechanism SaslHandshake offers (GSSAPI, OAUTHBEARER, ...), "
                             "whose login this peer does not implement; repeatable")
    parser.add_argument("--echo-credentials", action="store_true",
                        help="quote a rejected PLAIN login (user and password) in the error")
    parser.add_argument("--max-seconds", type=float, default=120.0)
    config = parser.parse_args(argv)
    if bool(config.tls_cert) != bool(config.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if config.tls_client_auth != "none" and not (config.tls_cert and config.tls_client_ca):
        parser.error("--tls-client-auth needs --tls-cert and --tls-client-ca")
    if config.sasl:
        if not config.user or not config.password_file:
            parser.error("--sasl needs --user and --password-file")
        with open(config.password_file, encoding="utf-8") as f:
            config.password = f.read().rstrip("\r\n")
    if not 0 < config.max_seconds <= 86400:
        parser.error("--max-seconds must be in (0, 86400]")
    for host, _ in config.listen:
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        except OSError:
            parser.error(f"--listen {host}: not an IP address")
    return config


def main(argv):
    config = parse_or_exit(parse_arguments, argv)

    log = line_logger("kafkapeer")

    tls = server_tls_context(config.tls_cert, config.tls_key, config.tls_client_auth,
                             config.tls_client_ca) if config.tls_cert else None

    listeners = []
    try:
        for host, port in config.listen:
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind((host, port))
            sock.listen(128)
            listeners.append(sock)
    except OSError as error:
        print(f"kafkapeer: cannot listen: {error}", file=sys.stderr)
        sys.exit(1)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def run_connection(conn, peer):
        try:
            Connection(conn, peer, config, log).serve()
        finally:
            slots.release()

    def accept_loop(listener):
        listener.settimeout(0.5)  # so the loop notices the stop
        while not stop.is_set():
            try:
                conn, peer = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                if stop.is_set():
                    return
                time.sleep(0.05)  # out of descriptors: back off
                continue
            if not slots.acquire(blocking=False):
                log(f"{peer}: over {MAX_CONNECTIONS} connections, closing")
                conn.close()
                continue
            if tls:
                try:
                    conn = tls.wrap_socket(conn, server_side=True,
                                           do_handshake_on_connect=False)
                except (OSError, ssl.SSLError):
                    conn.close()
                    slots.release()
                    continue
            threading.Thread(target=run_connection, args=(conn, peer), daemon=True).start()

    for listener in listeners:
        host, port = listener.getsockname()[:2]
        shown = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        print(f"listening {shown}")
        threading.Thread(target=accept_loop, args=(listener,), daemon=True).start()
    print("ready", flush=True)

    if not stop.wait(config.max_seconds):
        log("lifetime over, exiting")
    stop.set()
    for listener in listeners:
        listener.close()
    sys.exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
