# SPDX-License-Identifier: Apache-2.0
"""The Kafka test peers themselves, checked by a real Kafka client: kcat (librdkafka) must read
Metadata from kafkapeer.py with and without SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), over
TLS, and fail on a wrong password with the broker's authentication error; mockkafka's brokers
must answer, go down and come back; tlsproxy must carry a Kafka conversation over TLS. Without
kcat the whole file is skipped (exit 77). Everything listens on 127.0.0.1 / ::1 only."""
import json
import os
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import unittest

from harness import KafkaPeer, MockKafka, TestPeer, TlsProxy

KCAT = shutil.which("kcat") or shutil.which("kafkacat")
if not KCAT:
    print("SKIPPED: needs kcat (Debian package kcat) as the reference Kafka client",
          file=sys.stderr)
    sys.exit(77)

SCRAM_MESSAGE = ("Authentication failed during authentication due to invalid credentials with "
                 "SASL mechanism {}")


def kcat(bootstrap, *settings, metadata_timeout=5, topic=None):
    """kcat -L -J against `bootstrap` with -X settings; returns (exit code, stdout, stderr)."""
    args = [KCAT, "-b", bootstrap, "-L", "-J", "-m", str(metadata_timeout)]
    if topic:
        args += ["-t", topic]
    for setting in settings:
        args += ["-X", setting]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout, proc.stderr


def brokers_of(metadata):
    return [(b["id"], b["name"]) for b in metadata["brokers"]]


class Decoder:
    """Reads a response body field by field, written from Apache Kafka's message schemas
    (clients/src/main/resources/common/message/*.json) independently of kafkapeer.py; `done()`
    says every byte was consumed, so a field too many or too few shows."""

    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise AssertionError(f"response ends at {len(self.data)}, wanted {self.pos + n}")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def int8(self):
        return struct.unpack(">b", self.take(1))[0]

    def int16(self):
        return struct.unpack(">h", self.take(2))[0]

    def int32(self):
        return struct.unpack(">i", self.take(4))[0]

    def uvarint(self):
        value = shift = 0
        while True:
            byte = self.take(1)[0]
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value

    def string(self):
        n = self.int16()
        return None if n < 0 else self.take(n).decode()

    def done(self):
        return self.pos == len(self.data)


def receive_exactly(sock, n):
    """n bytes from a plain or TLS socket (SSLSocket takes no MSG_WAITALL)."""
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise AssertionError(f"closed after {len(data)} of {n} bytes")
        data += chunk
    return data


def exchange(sock, api_key, version, body, correlation_id, flexible_header=False):
    """One request (header v1, or v2 when flexible) and its response frame; returns the body
    after checking the correlation id of response header v0."""
    header = struct.pack(">hhi", api_key, version, correlation_id) + struct.pack(">h", 4) + b"test"
    if flexible_header:
        header += b"\x00"  # no tagged fields
    payload = header + body
    sock.sendall(struct.pack(">i", len(payload)) + payload)
    size = struct.unpack(">i", receive_exactly(sock, 4))[0]
    response = receive_exactly(sock, size)
    if struct.unpack(">i", response[:4])[0] != correlation_id:
        raise AssertionError("correlation id does not match")
    return response[4:]


def sasl_settings(protocol, mechanism, user, password):
    return [f"security.protocol={protocol}", f"sasl.mechanisms={mechanism}",
            f"sasl.username={user}", f"sasl.password={password}"]


class KafkaPeerPlaintext(unittest.TestCase):
    def test_metadata_lists_the_advertised_brokers_in_order(self):
        with KafkaPeer(advertise=["SELF", "127.0.0.2:9093", "127.0.0.3:9094"],
                       cluster_id="cluster-e2e") as peer:
            code, out, err = kcat(peer.listen)
            self.assertEqual(code, 0, err + peer.log_text())
            metadata = json.loads(out)
            self.assertEqual(brokers_of(metadata),
                             [(1, peer.listen), (2, "127.0.0.2:9093"), (3, "127.0.0.3:9094")])
            self.assertEqual(metadata["controllerid"], 1)
            self.assertEqual(metadata["topics"], [])

    def test_node_id_numbers_the_brokers_from_there(self):
        with KafkaPeer(advertise=["SELF", "127.0.0.2:9093"], node_id=7) as peer:
            code, out, err = kcat(peer.listen)
            self.assertEqual(code, 0, err)
            metadata = json.loads(out)
            self.assertEqual(brokers_of(metadata), [(7, peer.listen), (8, "127.0.0.2:9093")])
            self.assertEqual(metadata["controllerid"], 7)

    def test_a_named_topic_is_unknown(self):
        with KafkaPeer() as peer:
            code, out, err = kcat(peer.listen, topic="orders")
            self.assertEqual(code, 0, err)
            topics = json.loads(out)["topics"]
            self.assertEqual([t["topic"] for t in topics], ["orders"])
            self.assertEqual(topics[0]["error"], "Broker: Unknown topic or partition")
            self.assertEqual(topics[0]["partitions"], [])

    def test_old_apiversions_only_makes_the_client_fall_back(self):
        # ApiVersions v3 is answered with UNSUPPORTED_VERSION in the v0 layout; librdkafka
        # retries with v0 and goes on.
        with KafkaPeer(api_versions_max=0) as peer:
            code, out, err = kcat(peer.listen, "debug=protocol")
            self.assertEqual(code, 0, err)
            self.assertIn("retrying with v0", err)
            self.assertEqual(brokers_of(json.loads(out)), [(1, peer.listen)])

    def test_listens_on_ipv6_loopback_too(self):
        with KafkaPeer(advertise=["localhost:9092"], extra_listen=["[::1]:0"]) as peer:
            self.assertEqual(len(peer.listening), 2)
            self.assertTrue(peer.listening[1].startswith("[::1]:"))
            code, out, err = kcat(peer.listening[1])
            self.assertEqual(code, 0, err)
            self.assertEqual(brokers_of(json.loads(out)), [(1, "localhost:9092")])

    def test_sasl_handshake_without_sasl_configured_is_refused(self):
        with KafkaPeer() as peer:
            code, _, err = kcat(peer.listen, *sasl_settings("SASL_PLAINTEXT", "PLAIN", "a", "b"),
                                metadata_timeout=2)
            self.assertNotEqual(code, 0)
            self.assertIn("Request not valid in current SASL state", err)


class KafkaPeerWire(unittest.TestCase):
    """What librdkafka 2.0.2 never asks (it stops at Metadata v4), decoded per the schemas."""

    def test_metadata_v0_to_v8_layouts(self):
        advertised = ["SELF", "127.0.0.2:9093"]
        with KafkaPeer(advertise=advertised, cluster_id="wire-cluster", node_id=4) as peer, \
                socket.create_connection((peer.address, peer.port), timeout=5) as sock:
            for version in range(0, 9):
                with self.subTest(version=version):
                    # all topics: [] in v0, null from v1
                    body = struct.pack(">i", 0 if version == 0 else -1)
                    if version >= 4:
                        body += b"\x00"  # allow_auto_topic_creation
                    if version >= 8:
                        body += b"\x00\x00"  # include cluster / topic authorized operations
                    d = Decoder(exchange(sock, 3, version, body, 100 + version))
                    if version >= 3:
                        self.assertEqual(d.int32(), 0)  # throttle_time_ms
                    brokers = []
                    for _ in range(d.int32()):
                        broker = (d.int32(), d.string(), d.int32())
                        if version >= 1:
                            self.assertIsNone(d.string())  # rack
                        brokers.append(broker)
                    self.assertEqual(brokers, [(4, "127.0.0.1", peer.port),
                                               (5, "127.0.0.2", 9093)])
                    if version >= 2:
                        self.assertEqual(d.string(), "wire-cluster")
                    if version >= 1:
                        self.assertEqual(d.int32(), 4)  # controller
                    self.assertEqual(d.int32(), 0)  # topics
                    if version >= 8:
                        self.assertEqual(d.int32(), -2147483648)  # cluster authorized ops
                    self.assertTrue(d.done(), f"{len(d.data) - d.pos} bytes left over")

    def test_apiversions_v3_flexible_body_and_v4_unsupported_in_the_v0_layout(self):
        with KafkaPeer() as peer, \
                socket.create_connection((peer.address, peer.port), timeout=5) as sock:
            # v3: request header v2, compact strings; the response header stays v0
            v3_body = b"\x05test" + b"\x041.0" + b"\x00"
            d = Decoder(exchange(sock, 18, 3, v3_body, 11, flexible_header=True))
            self.assertEqual(d.int16(), 0)
            apis = {}
            for _ in range(d.uvarint() - 1):
                key, low, high = d.int16(), d.int16(), d.int16()
                self.assertEqual(d.uvarint(), 0)  # no tagged fields
                apis[key] = (low, high)
            self.assertEqual(apis, {3: (0, 8), 17: (0, 1), 18: (0, 3), 36: (0, 1)})
            self.assertEqual(d.int32(), 0)  # throttle_time_ms
            self.assertEqual(d.uvarint(), 0)  # no tagged fields
            self.assertTrue(d.done())

            d = Decoder(exchange(sock, 18, 4, v3_body, 12, flexible_header=True))
            self.assertEqual(d.int16(), 35)
            self.assertEqual(d.int32(), 1)
            self.assertEqual((d.int16(), d.int16(), d.int16()), (18, 0, 3))
            self.assertTrue(d.done())

            # the connection is still usable: v0
            d = Decoder(exchange(sock, 18, 0, b"", 13))
            self.assertEqual(d.int16(), 0)
            self.assertEqual(d.int32(), 4)

    def test_sasl_required_closes_on_metadata_before_authentication(self):
        with KafkaPeer(sasl="PLAIN") as peer, \
                socket.create_connection((peer.address, peer.port), timeout=5) as sock:
            d = Decoder(exchange(sock, 18, 0, b"", 1))
            self.assertEqual(d.int16(), 0)
            payload = struct.pack(">hhih", 3, 1, 2, -1) + struct.pack(">i", -1)
            sock.sendall(struct.pack(">i", len(payload)) + payload)
            self.assertEqual(sock.recv(16), b"")


class KafkaPeerSasl(unittest.TestCase):
    def check_mechanism(self, mechanism, wrong_message):
        with KafkaPeer(sasl=mechanism, user="alice", password="s3cret,=x") as peer:
            good = sasl_settings("SASL_PLAINTEXT", mechanism, "alice", "s3cret,=x")
            code, out, err = kcat(peer.listen, *good)
            self.assertEqual(code, 0, err + peer.log_text())
            self.assertEqual(brokers_of(json.loads(out)), [(1, peer.listen)])

            bad = sasl_settings("SASL_PLAINTEXT", mechanism, "alice", "s3cret,=y")
            code, out, err = kcat(peer.listen, *bad, metadata_timeout=2)
            self.assertNotEqual(code, 0, out)
            self.assertIn(f"SASL authentication error: {wrong_message}", err)

            code, _, err = kcat(peer.listen,
                                *sasl_settings("SASL_PLAINTEXT", mechanism, "bob", "s3cret,=x"),
                                metadata_timeout=2)
            self.assertNotEqual(code, 0)
            self.assertIn(f"SASL authentication error: {wrong_message}", err)

            # Metadata before authenticating: the broker closes the connection.
            code, _, err = kcat(peer.listen, metadata_timeout=2)
            self.assertNotEqual(code, 0)
            self.assertIn("broker might require SASL authentication", err)
            self.assertIn("before SASL authentication", peer.log_text())

    def test_plain(self):
        self.check_mechanism("PLAIN", "Authentication failed: Invalid username or password")

    def test_scram_sha_256(self):
        self.check_mechanism("SCRAM-SHA-256", SCRAM_MESSAGE.format("SCRAM-SHA-256"))

    def test_scram_sha_512(self):
        self.check_mechanism("SCRAM-SHA-512", SCRAM_MESSAGE.format("SCRAM-SHA-512"))

    def test_old_broker_with_bare_sasl_frames(self):
        with KafkaPeer(sasl="SCRAM-SHA-256", sasl_handshake_max=0) as peer:
            code, out, err = kcat(peer.listen, "debug=security",
                                  *sasl_settings("SASL_PLAINTEXT", "SCRAM-SHA-256", peer.user,
                                                 peer.password))
            self.assertEqual(code, 0, err + peer.log_text())
            self.assertIn("Authenticated as alice using SCRAM-SHA-256", err)
            self.assertEqual(brokers_of(json.loads(out)), [(1, peer.listen)])
            code, _, err = kcat(peer.listen, *sasl_settings("SASL_PLAINTEXT", "SCRAM-SHA-256",
                                                            peer.user, "wrong"),
                                metadata_timeout=2)
            self.assertNotEqual(code, 0)
            self.assertIn("in state AUTH_LEGACY", err)  # v0: a refusal is a plain close

    def test_only_the_configured_mechanism_is_offered(self):
        with KafkaPeer(sasl="SCRAM-SHA-512") as peer:
            code, _, err = kcat(peer.listen, *sasl_settings("SASL_PLAINTEXT", "SCRAM-SHA-256",
                                                            peer.user, peer.password),
                                metadata_timeout=2)
            self.assertNotEqual(code, 0)
            self.assertIn("broker's supported mechanisms: SCRAM-SHA-512", err)


class KafkaPeerTls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # testpeer writes the PKI (leaves for 127.0.0.1 and localhost); kafkapeer presents its
        # good leaf.
        cls.pki_owner = TestPeer(["127.0.0.1:0=close"], hosts=["localhost", "127.0.0.1"])
        cls.pki_dir = os.path.join(cls.pki_owner.dir, "pki")

    @classmethod
    def tearDownClass(cls):
        cls.pki_owner.close()

    def test_ssl(self):
        with KafkaPeer(tls_pki_dir=self.pki_dir) as peer:
            code, out, err = kcat(peer.listen, "security.protocol=SSL",
                                  f"ssl.ca.location={self.pki_owner.ca_file}")
            self.assertEqual(code, 0, err + peer.log_text())
            self.assertEqual(brokers_of(json.loads(out)), [(1, peer.listen)])

    def test_sasl_ssl_scram(self):
        with KafkaPeer(tls_pki_dir=self.pki_dir, sasl="SCRAM-SHA-256") as peer:
            tls = ["security.protocol=SASL_SSL", f"ssl.ca.location={self.pki_owner.ca_file}"]
            code, out, err = kcat(peer.listen, *tls, "sasl.mechanisms=SCRAM-SHA-256",
                                  f"sasl.username={peer.user}", f"sasl.password={peer.password}")
            self.assertEqual(code, 0, err + peer.log_text())
            self.assertEqual(brokers_of(json.loads(out)), [(1, peer.listen)])

            code, _, err = kcat(peer.listen, *tls, "sasl.mechanisms=SCRAM-SHA-256",
                                f"sasl.username={peer.user}", "sasl.password=wrong",
                                metadata_timeout=2)
            self.assertNotEqual(code, 0)
            self.assertIn(SCRAM_MESSAGE.format("SCRAM-SHA-256"), err)

    def test_the_certificate_is_really_checked(self):
        with KafkaPeer(tls_pki_dir=self.pki_dir) as peer:
            other_ca = os.path.join(self.pki_dir, "other-ca.pem")
            code, _, err = kcat(peer.listen, "security.protocol=SSL",
                                f"ssl.ca.location={other_ca}", metadata_timeout=2)
            self.assertNotEqual(code, 0)
            self.assertIn("certificate verify failed", err)


class MockCluster(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mock = MockKafka(brokers=3)

    @classmethod
    def tearDownClass(cls):
        cls.mock.close()

    def test_three_brokers_on_ipv4_loopback_advertised_by_address(self):
        self.assertEqual(sorted(self.mock.brokers), [1, 2, 3])
        self.assertEqual(self.mock.bootstrap.split(","), list(self.mock.brokers.values()))
        for broker_id in self.mock.brokers:
            host, _ = self.mock.address(broker_id)
            self.assertEqual(host, "127.0.0.1")
        code, out, err = kcat(self.mock.bootstrap)
        self.assertEqual(code, 0, err)
        self.assertEqual(brokers_of(json.loads(out)), sorted(self.mock.brokers.items()))

    def test_a_broker_down_refuses_connections_and_comes_back_up(self):
        address = self.mock.address(2)
        self.mock.down(2)
        try:
            with self.assertRaises(ConnectionRefusedError):
                socket.create_connection(address, timeout=3).close()
            code, _, _ = kcat(self.mock.brokers[2], metadata_timeout=2)
            self.assertNotEqual(code, 0)
        finally:
            self.mock.up(2)
        code, out, err = kcat(self.mock.brokers[2])
        self.assertEqual(code, 0, err)
        self.assertEqual(len(json.loads(out)["brokers"]), 3)

    def test_unknown_broker_is_an_error(self):
        with self.assertRaisesRegex(RuntimeError, "no broker"):
            self.mock.down(9)


class TlsProxyInFrontOfTheMock(unittest.TestCase):
    def test_kafka_over_tls_and_a_refused_upstream_closes_the_client(self):
        with MockKafka(brokers=2) as mock:
            routes = [f"127.0.0.1:0={mock.brokers[1]}", f"127.0.0.1:0={mock.brokers[2]}"]
            with TlsProxy(routes, hosts=["localhost", "127.0.0.1"]) as proxy:
                tls = ["security.protocol=SSL", f"ssl.ca.location={proxy.ca_file}"]
                code, out, err = kcat(proxy.listening[0], *tls)
                self.assertEqual(code, 0, err)
                # the mock still advertises its own plaintext ports
                self.assertEqual(brokers_of(json.loads(out)), sorted(mock.brokers.items()))

                # plaintext against the TLS port is not Kafka
                code, _, _ = kcat(proxy.listening[0], metadata_timeout=2)
                self.assertNotEqual(code, 0)

                mock.down(1)
                host, port = proxy.listening[0].rsplit(":", 1)
                with socket.create_connection((host, int(port)), timeout=3) as client:
                    self.assertEqual(client.recv(16), b"")  # closed before any TLS byte
                mock.up(1)
                code, _, err = kcat(proxy.listening[0], *tls)
                self.assertEqual(code, 0, err)

    def test_an_upstream_close_reaches_the_client_as_close_notify(self):
        # kafkapeer with SASL closes on Metadata before authentication; through the proxy the
        # client must read everything sent before it and then a clean TLS close.
        with KafkaPeer(sasl="SCRAM-SHA-256") as peer, \
                TlsProxy([f"127.0.0.1:0={peer.listen}"], hosts=["127.0.0.1"]) as proxy:
            context = ssl.create_default_context(cafile=proxy.ca_file)
            host, port = proxy.listening[0].rsplit(":", 1)
            with socket.create_connection((host, int(port)), timeout=5) as raw, \
                    context.wrap_socket(raw, server_hostname="127.0.0.1",
                                        suppress_ragged_eofs=False) as tls:
                self.assertEqual(Decoder(exchange(tls, 18, 0, b"", 1)).int16(), 0)
                payload = struct.pack(">hhih", 3, 1, 2, -1) + struct.pack(">i", -1)
                tls.sendall(struct.pack(">i", len(payload)) + payload)
                self.assertEqual(tls.recv(16), b"")  # close_notify, not SSLEOFError

    def test_sasl_failure_message_passes_through(self):
        with KafkaPeer(sasl="SCRAM-SHA-512") as peer, \
                TlsProxy([f"127.0.0.1:0={peer.listen}"], hosts=["127.0.0.1"]) as proxy:
            tls = ["security.protocol=SASL_SSL", f"ssl.ca.location={proxy.ca_file}"]
            code, out, err = kcat(proxy.listening[0], *tls, "sasl.mechanisms=SCRAM-SHA-512",
                                  f"sasl.username={peer.user}", f"sasl.password={peer.password}")
            self.assertEqual(code, 0, err)
            self.assertEqual(brokers_of(json.loads(out)), [(1, peer.listen)])
            code, _, err = kcat(proxy.listening[0], *tls, "sasl.mechanisms=SCRAM-SHA-512",
                                f"sasl.username={peer.user}", "sasl.password=wrong",
                                metadata_timeout=2)
            self.assertNotEqual(code, 0)
            self.assertIn(SCRAM_MESSAGE.format("SCRAM-SHA-512"), err)

    def test_reuses_a_pki_already_in_the_directory(self):
        with TestPeer(["127.0.0.1:0=close"], hosts=["localhost", "127.0.0.1"]) as owner, \
                MockKafka(brokers=1) as mock:
            pki_dir = os.path.join(owner.dir, "pki")
            with open(owner.ca_file) as f:
                ca_before = f.read()
            with TlsProxy([f"127.0.0.1:0={mock.brokers[1]}"], pki_dir=pki_dir) as proxy:
                with open(owner.ca_file) as f:
                    self.assertEqual(f.read(), ca_before)
                code, _, err = kcat(proxy.listening[0], "security.protocol=SSL",
                                    f"ssl.ca.location={owner.ca_file}")
                self.assertEqual(code, 0, err)


if __name__ == "__main__":
    unittest.main()
