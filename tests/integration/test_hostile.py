# SPDX-License-Identifier: Apache-2.0
"""End to end: hostile and broken peers. The real vpcprobe binary meets peers that
never speak, trickle a byte a second, flood it with garbage, present absurd certificate chains,
announce a 2 GiB Kafka frame, send endless HTTP headers, or answer DNS with oversized and
malformed replies (hostilepeer.py, dnspeer.py, testpeer). Every case must end in its cause code
within the stage timeout (the stage's ms in the report and the wall time), with the process's
peak memory under a fixed bound while the peer offers far more, and a report valid against the
schema. Set VPCPROBE_ASAN=1/0 to override the AddressSanitizer guess that scales the memory
bound. Addresses 127.0.96.0/24 are this file's (DNS answers count up from 127.0.96.100)."""
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import DnsPeer, HostilePeer, TestPeer, is_sanitized_build, validate, vpcprobe_measured

TIMEOUT_MS = 1500
TIMEOUT = f"{TIMEOUT_MS}ms"
STAGE_SLACK_MS = 400  # a stage that times out reports its timer's expiry plus scheduling
WALL_SLACK_S = 2.0  # process start (ASan's is slow), report, exit
# Peak RSS of one run. A plain build stays near 20 MiB in every case here; ASan's shadow
# memory, quarantine and allocator metadata add a large, roughly constant share.
RSS_BOUND_MIB = 64 * (4 if is_sanitized_build() else 1)
FLOOD_BYTES = 256 << 20  # what each flooding peer is ready to send: 4x the plain bound

PEER = "127.0.96.1"  # testpeer: silent, and the PKI for TLS-wrapped hostile modes
RAW = "127.0.96.2"  # hostilepeer, bytes as they are
WRAPPED = "127.0.96.3"  # hostilepeer inside TLS
ANSWERS = "127.0.96.100"  # where the DNS peers' A records point: nothing listens there


def wait_for_line(read_log, prefix, since=0, limit_s=10):
    """The first line of a peer's log (after line `since`) starting with `prefix`, waiting
    (bounded) for the peer to write it: it logs a connection once it has noticed its end."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        for line in read_log().splitlines()[since:]:
            if line.startswith(prefix):
                return line
        time.sleep(0.05)
    raise AssertionError(f"no log line starting with {prefix!r} in: {read_log()}")


class HostileCase(unittest.TestCase):
    """One vpcprobe run per case, with the checks every case shares."""

    def run_check(self, *args):
        r = vpcprobe_measured("check", *args, "--timeout", TIMEOUT, "--format", "json",
                              timeout=60)
        self.assertNotIn("AddressSanitizer", r.err, r)
        self.assertNotIn("runtime error", r.err, r)
        self.assertIn(r.code, (0, 1, 2), r)
        validate(r.json)
        self.assertLess(r.max_rss_mib, RSS_BOUND_MIB, f"peak RSS {r.max_rss_mib:.1f} MiB")
        self.assertEqual(len(r.json["targets"]), 1, r.json["targets"])
        return r, r.json["targets"][0]

    def assert_cause(self, target, code):
        cause = target["cause"]
        self.assertIsNotNone(cause, target)
        self.assertEqual(cause["code"], code, cause)
        self.assertEqual(target["status"], "failed", target)
        return cause

    def assert_times_out(self, r, target, code, timeouts=1, stalled=False):
        """Ends in `code` when the stage timeout expires: not before, not after. A DNS lookup
        that gets no answer over UDP is asked again over TCP within a second timeout
        (`timeouts=2`), which may end sooner (a TCP answer, a refused connection). A TLS or
        protocol stall (`stalled=True`) is tried once more with the smallest clamped MSS, bounded
        by the timeout (docs/report.md, "MTU black holes"): the wall time allows for it, and a
        peer that stalls on purpose must stall with it too, so no larger clamp is tried and no
        MTU finding raised."""
        cause = self.assert_cause(target, code)
        ms = target["stages"][cause["stage"]]["ms"]
        self.assertGreaterEqual(ms, TIMEOUT_MS * 0.85, cause)  # c-ares stops at 90%
        self.assertLessEqual(ms, timeouts * TIMEOUT_MS + STAGE_SLACK_MS, cause)
        wall = timeouts + (1 if stalled else 0)
        self.assertLess(r.elapsed, wall * TIMEOUT_MS / 1000 + WALL_SLACK_S, r.json["agent"])
        if stalled:
            self.assert_no_clamp_helped(r, target)
        return cause

    def assert_no_clamp_helped(self, r, target):
        mtu = target["addresses"][0]["mtu"]
        self.assertIsNotNone(mtu, target["addresses"][0])
        # The smallest clamp stalled too: no larger one is tried.
        self.assertEqual([a["mss"] for a in mtu["attempts"]], [536], mtu)
        for attempt in mtu["attempts"]:
            self.assertFalse(attempt["completed"], mtu)
            self.assertLessEqual(attempt["ms"], TIMEOUT_MS + STAGE_SLACK_MS, mtu)
        self.assertIsNone(mtu["working_mss"], mtu)
        codes = [f["code"] for f in r.json["findings"]]
        self.assertNotIn("network.mtu_blackhole_suspected", codes)

    def assert_quick(self, r, target, code):
        """Ends in `code` on the evidence, well before the stage timeout."""
        cause = self.assert_cause(target, code)
        self.assertLess(target["stages"][cause["stage"]]["ms"], TIMEOUT_MS * 0.8, cause)
        self.assertLess(r.elapsed, TIMEOUT_MS / 1000 + WALL_SLACK_S, r.json["agent"])
        return cause


class TcpPeers(HostileCase):
    """Peers on TCP: silent, trickling, flooding, oversized. One testpeer and two hostilepeer
    processes serve every mode on its own port."""

    RAW_MODES = ("trickle-tls", "trickle-http", "trickle-kafka", "garbage-at-accept",
                 "garbage-on-request", "kafka-huge-frame", "endless-headers")
    WRAPPED_MODES = ("trickle-http", "endless-headers")

    @classmethod
    def setUpClass(cls):
        cls.testpeer = TestPeer([f"{PEER}:0=silent"], hosts=[PEER, WRAPPED])
        try:
            pki = os.path.join(cls.testpeer.dir, "pki")
            cls.raw = HostilePeer([f"{RAW}:0={m}" for m in cls.RAW_MODES],
                                  max_bytes=FLOOD_BYTES)
            cls.wrapped = HostilePeer([f"{WRAPPED}:0={m}" for m in cls.WRAPPED_MODES],
                                      tls_pki_dir=pki, max_bytes=FLOOD_BYTES)
        except Exception:
            cls.tearDownClass()
            raise
        cls.silent = cls.testpeer.listening[0]
        cls.at = dict(zip(cls.RAW_MODES, cls.raw.listening))
        cls.tls_at = dict(zip(cls.WRAPPED_MODES, cls.wrapped.listening))

    @classmethod
    def tearDownClass(cls):
        for name in ("wrapped", "raw", "testpeer"):
            if hasattr(cls, name):
                getattr(cls, name).close()

    @staticmethod
    def peer_sent(peer, mode, since):
        """(bytes sent, why it ended) of the peer's `mode` connection logged after line
        `since`."""
        line = wait_for_line(peer.log_text, f"hostilepeer: {mode} ", since)
        return int(line.split(": sent ")[1].split()[0]), line.rsplit(", ", 1)[1]

    # --- accepts and never speaks ---------------------------------------------------------

    def test_silent_tls_endpoint_is_tls_timeout(self):
        r, t = self.run_check(f"{self.silent}=kafka")
        cause = self.assert_times_out(r, t, "tls.timeout", stalled=True)
        self.assertIn("no TLS answer", cause["summary"])

    def test_silent_kafka_broker_is_protocol_timeout(self):
        r, t = self.run_check(f"PLAINTEXT://{self.silent}=kafka")
        cause = self.assert_times_out(r, t, "protocol.timeout", stalled=True)
        self.assertIn("no answer to ApiVersions", cause["summary"])

    def test_silent_http_server_is_protocol_timeout(self):
        r, t = self.run_check(f"http://{self.silent}=schema-registry")
        cause = self.assert_times_out(r, t, "protocol.timeout", stalled=True)
        self.assertIn("0 bytes received", cause["summary"])

    # --- trickles a byte a second: ends at the stage timeout, not the trickle's end --------

    def test_trickled_tls_handshake_is_tls_timeout(self):
        r, t = self.run_check(f"{self.at['trickle-tls']}=kafka")
        cause = self.assert_times_out(r, t, "tls.timeout", stalled=True)
        self.assertIn("did not complete", cause["summary"])  # bytes came, the handshake not

    def test_trickled_http_header_is_protocol_timeout(self):
        for scheme, where in (("http://", self.at), ("", self.tls_at)):
            with self.subTest(tls=not scheme):
                r, t = self.run_check(f"{scheme}{where['trickle-http']}=schema-registry",
                                      "--ca-file", self.testpeer.ca_file)
                cause = self.assert_times_out(r, t, "protocol.timeout", stalled=True)
                self.assertNotIn("0 bytes received", cause["summary"])

    def test_trickled_kafka_answer_is_protocol_timeout(self):
        r, t = self.run_check(f"PLAINTEXT://{self.at['trickle-kafka']}=kafka")
        cause = self.assert_times_out(r, t, "protocol.timeout", stalled=True)
        self.assertIn("incomplete", cause["summary"])

    # --- megabytes of garbage: judged on the first bytes, the flood never read -------------

    def test_garbage_floods_end_in_the_protocols_not_x_cause(self):
        cases = [("", "kafka", "tls.not_tls"), ("PLAINTEXT://", "kafka", "protocol.not_kafka"),
                 ("http://", "schema-registry", "protocol.not_http")]
        for mode in ("garbage-at-accept", "garbage-on-request"):
            for scheme, component, code in cases:
                with self.subTest(mode=mode, code=code):
                    lines = len(self.raw.log_text().splitlines())
                    r, t = self.run_check(f"{scheme}{self.at[mode]}={component}")
                    self.assert_quick(r, t, code)
                    sent, why = self.peer_sent(self.raw, mode, lines)
                    self.assertIn("write failed", why)  # vpcprobe hung up, the flood was not done
                    self.assertLess(sent, FLOOD_BYTES)

    # --- absurd sizes ------------------------------------------------------------------------

    def test_kafka_peer_announcing_2_gib_is_protocol_too_large(self):
        lines = len(self.raw.log_text().splitlines())
        r, t = self.run_check(f"PLAINTEXT://{self.at['kafka-huge-frame']}=kafka")
        cause = self.assert_quick(r, t, "protocol.too_large")
        self.assertIn("2147483647", cause["summary"])
        sent, why = self.peer_sent(self.raw, "kafka-huge-frame", lines)
        self.assertIn("write failed", why)
        self.assertLess(sent, 64 << 20)

    def test_endless_http_headers_hit_the_header_cap(self):
        for scheme, peer, where in (("http://", self.raw, self.at),
                                    ("", self.wrapped, self.tls_at)):
            with self.subTest(tls=not scheme):
                lines = len(peer.log_text().splitlines())
                r, t = self.run_check(f"{scheme}{where['endless-headers']}=schema-registry",
                                      "--ca-file", self.testpeer.ca_file)
                cause = self.assert_quick(r, t, "protocol.too_large")
                self.assertIn("header", cause["summary"])
                self.assertIn("16384", cause["summary"])
                sent, why = self.peer_sent(peer, "endless-headers", lines)
                self.assertIn("write failed", why)
                self.assertLess(sent, 64 << 20)


class Pki:
    """Certificates made with the openssl CLI in a directory: EC P-256 keys, a year valid."""

    CA = ("basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n"
          "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n")

    def __init__(self, directory):
        self.dir = directory

    @staticmethod
    def leaf(*sans):
        return ("basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\n"
                f"authorityKeyIdentifier=keyid\nsubjectAltName={','.join(sans)}\n")

    def openssl(self, *args):
        subprocess.run(["openssl", *args], cwd=self.dir, check=True, capture_output=True,
                       timeout=30)

    def make(self, name, subject, issuer=None, extensions=CA, key=None):
        """name.pem for `subject` with name.key (or key.key), self-signed or by `issuer`."""
        key = key or name
        if not os.path.exists(os.path.join(self.dir, f"{key}.key")):
            self.openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                         "-out", f"{key}.key")
        with open(os.path.join(self.dir, f"{name}.cnf"), "w") as f:
            f.write("[req]\ndistinguished_name=dn\n[dn]\n[ext]\n" + extensions)
        args = ["req", "-x509", "-new", "-key", f"{key}.key", "-subj", f"/CN={subject}",
                "-days", "365", "-config", f"{name}.cnf", "-extensions", "ext",
                "-out", f"{name}.pem"]
        if issuer:
            args += ["-CA", f"{issuer}.pem", "-CAkey", f"{issuer}.key"]
        self.openssl(*args)

    def bundle(self, name, parts):
        with open(os.path.join(self.dir, name), "w") as out:
            for part in parts:
                with open(os.path.join(self.dir, f"{part}.pem")) as f:
                    out.write(f.read())
        return name


class Chains(HostileCase):
    """TLS servers with absurd chains: 150 intermediates, a leaf over OpenSSL's 100 KiB
    certificate-list limit, two CAs cross-signing each other. What OpenSSL 3 does with each is
    the answer; vpcprobe must name it, not hang or blame something else."""

    DEEP = "127.0.96.20"
    DEEP_OK = "127.0.96.21"
    BIG = "127.0.96.22"
    CYCLE = "127.0.96.23"

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="vpcprobe-chains-")
        cls.peers = []
        try:
            cls.make_chains(Pki(cls.dir))
            for address, name in ((cls.DEEP, "deep"), (cls.DEEP_OK, "deep20"),
                                  (cls.BIG, "big"), (cls.CYCLE, "cycle")):
                cls.peers.append(HostilePeer([f"{address}:0=tls-hold"], tls_pki_dir=cls.dir,
                                             chain=f"{name}.chain.pem", key=f"{name}.key"))
        except Exception:
            cls.tearDownClass()
            raise
        cls.at = {p.listening[0].rsplit(":", 1)[0]: p.listening[0] for p in cls.peers}

    @classmethod
    def make_chains(cls, pki):
        pki.make("root", "Hostile Root")
        previous = "root"
        for i in range(150):
            pki.make(f"i{i}", f"Hostile Intermediate {i}", issuer=previous)
            previous = f"i{i}"
        pki.make("deep", cls.DEEP, issuer="i149", extensions=Pki.leaf(f"IP:{cls.DEEP}"))
        pki.bundle("deep.chain.pem", ["deep"] + [f"i{i}" for i in reversed(range(150))])
        pki.make("deep20", cls.DEEP_OK, issuer="i19", extensions=Pki.leaf(f"IP:{cls.DEEP_OK}"))
        pki.bundle("deep20.chain.pem", ["deep20"] + [f"i{i}" for i in reversed(range(20))])
        # 3,000 names of 40 bytes: a leaf of about 130 KB.
        padding = [f"DNS:padding-{i:05d}-abcdefghijklmnopqrstuv.test" for i in range(3000)]
        pki.make("big", cls.BIG, issuer="root", extensions=Pki.leaf(f"IP:{cls.BIG}", *padding))
        pki.bundle("big.chain.pem", ["big"])
        # Cycle A signed by Cycle B, Cycle B signed by Cycle A; the leaf is A's.
        pki.make("cycle-a", "Cycle A")
        pki.make("cycle-b", "Cycle B")
        pki.make("a-by-b", "Cycle A", issuer="cycle-b", key="cycle-a")
        pki.make("b-by-a", "Cycle B", issuer="cycle-a", key="cycle-b")
        pki.make("cycle", cls.CYCLE, issuer="cycle-a", extensions=Pki.leaf(f"IP:{cls.CYCLE}"))
        pki.bundle("cycle.chain.pem", ["cycle", "a-by-b", "b-by-a"])

    @classmethod
    def tearDownClass(cls):
        for peer in cls.peers:
            peer.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def check_chain(self, address, ca="root.pem"):
        return self.run_check(f"{self.at[address]}=kafka", "--no-protocol",
                              "--ca-file", os.path.join(self.dir, ca))

    def test_150_intermediates_are_a_chain_too_long_not_an_untrusted_ca(self):
        # OpenSSL verifies at most 100 certificates deep; past that it also calls the cut end
        # unanchored. The root is trusted here: the length is the finding.
        r, t = self.check_chain(self.DEEP)
        cause = self.assert_quick(r, t, "cert.invalid")
        self.assertIn("too long", cause["summary"])
        certificate = t["stages"]["certificate"]
        self.assertEqual(len(certificate["chain"]), 151)  # the whole presented chain
        self.assertIn(22, [e["code"] for e in certificate["verify_errors"]])  # CHAIN_TOO_LONG
        self.assertEqual(t["stages"]["tls"]["status"], "ok")

    def test_20_intermediates_verify(self):
        r, t = self.check_chain(self.DEEP_OK)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(t["stages"]["certificate"]["status"], "ok", t["stages"])
        self.assertEqual(len(t["stages"]["certificate"]["chain"]), 21)

    def test_certificates_over_100_kib_fail_the_handshake(self):
        # OpenSSL's client refuses a Certificate message over its max_cert_list (100 KiB) with
        # "excessive message size" before it parses a certificate: there is no chain to judge.
        self.assertGreater(os.path.getsize(os.path.join(self.dir, "big.chain.pem")), 150_000)
        r, t = self.check_chain(self.BIG)
        cause = self.assert_quick(r, t, "tls.handshake_failed")
        self.assertIn("excessive message size", cause["summary"])
        self.assertEqual(t["stages"]["certificate"]["status"], "skipped")

    def test_cross_signed_cycle_is_untrusted_and_ends(self):
        r, t = self.check_chain(self.CYCLE)
        cause = self.assert_quick(r, t, "cert.untrusted")
        self.assertIn("Cycle", cause["summary"])
        self.assertEqual(len(t["stages"]["certificate"]["chain"]), 3)

    def test_cross_signed_cycle_verifies_when_one_ca_is_trusted(self):
        r, t = self.check_chain(self.CYCLE, ca="cycle-a.pem")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(t["stages"]["certificate"]["status"], "ok", t["stages"])


class DnsPeers(HostileCase):
    """DNS servers on loopback answering with oversized and malformed replies, or only over
    TCP: a name either resolves or fails with its dns.* cause within the DNS timeout (twice
    it when UDP got no answer and the lookup was asked again over TCP)."""

    def resolve(self, mode, *expected_log):
        """Checks a name through a dnspeer in `mode`; waits for the peer's log lines starting
        with each of `expected_log` (what it answered, and how)."""
        with DnsPeer(mode, address="127.0.96.53", answer_address=ANSWERS) as dns:
            r, t = self.run_check(f"kafka-{mode}.alikafka.aliyuncs.com:9095",
                                  "--dns-server", dns.server)

            def read_log():
                with open(dns.log, errors="replace") as f:
                    return f.read()
            for prefix in expected_log:
                wait_for_line(read_log, prefix, limit_s=5)
        self.assertLessEqual(t["stages"]["dns"]["ms"], 2 * TIMEOUT_MS + STAGE_SLACK_MS)
        return r, t

    def assert_resolved(self, t, count):
        dns = t["stages"]["dns"]
        self.assertEqual(dns["status"], "ok", dns)
        self.assertEqual(len(dns["addresses"]), count)
        self.assertEqual(dns["addresses"][0], ANSWERS)
        # Only --max-addresses (16) of them are probed; nothing listens there.
        self.assertEqual(len(t["addresses"]), min(count, 16))
        self.assertEqual(t["addresses_not_probed"], max(0, count - 16))
        self.assertEqual(t["cause"]["code"], "tcp.refused", t["cause"])

    def test_hundreds_of_records_come_over_tcp_after_a_truncated_udp_answer(self):
        _, t = self.resolve("many-records", "dnspeer: udp many-records",
                            "dnspeer: tcp many-records: 48")
        self.assert_resolved(t, 300)

    def test_an_oversized_udp_answer_without_edns_is_asked_again_over_tcp(self):
        # c-ares asks without EDNS, so an answer over 512 bytes counts as truncated even
        # without the TC bit: it asks again over TCP rather than trusting the datagram.
        _, t = self.resolve("udp-oversize", "dnspeer: udp udp-oversize: 48",
                            "dnspeer: tcp udp-oversize: 48")
        self.assert_resolved(t, 300)

    def test_the_largest_tcp_answer_and_a_flood_after_it(self):
        # 65,526 bytes (4,092 records; the 16-bit TCP length allows 65,535), then 1 MiB more
        # on the same connection, which the resolver must neither read as an answer nor keep.
        _, t = self.resolve("tcp-huge", "dnspeer: tcp tcp-huge: 65526 bytes")
        self.assert_resolved(t, 4092)

    def test_malformed_answers(self):
        # Answers that do not match the query (too short for a header, another ID, noise) are
        # dropped by c-ares as spoofing protection, so nothing usable came: dns.timeout.
        # Answers to the query that cannot be parsed are dns.error at once.
        expected = {"truncated-header": "dns.timeout", "wrong-id": "dns.timeout",
                    "garbage": "dns.timeout", "pointer-loop": "dns.error",
                    "count-mismatch": "dns.error"}
        for mode, code in expected.items():
            with self.subTest(mode=mode):
                r, t = self.resolve(mode, f"dnspeer: udp {mode}")  # the peer did answer
                if code == "dns.timeout":
                    # the same malformed answers come over TCP: no answer there either
                    self.assert_times_out(r, t, code, timeouts=2)
                    self.assertFalse(t["stages"]["dns"]["tcp_fallback"]["answered"])
                else:
                    cause = self.assert_quick(r, t, code)
                    self.assertIn("Misformatted DNS reply", cause["summary"])
                self.assertEqual(t["stages"]["tcp"]["status"], "skipped")

    def test_a_resolver_that_answers_over_tcp_only(self):
        # (a) UDP says "truncated" and TCP answers: c-ares retries over TCP, the name resolves.
        _, t = self.resolve("tcp-only", "dnspeer: tcp tcp-only")
        self.assert_resolved(t, 1)
        # (b) UDP is silently dropped, or refused, while TCP would answer. Resolvers on this
        # host (glibc, Java, librdkafka via getaddrinfo) ask over UDP and fail the same way,
        # so this is a DNS failure for the clients too: dns.timeout or dns.refused.
        # Asked again over TCP, it answers: the detail says UDP is blocked, the address is
        # kept in tcp_fallback and not probed.
        r, t = self.resolve("tcp-only-udp-silent")
        self.assert_times_out(r, t, "dns.timeout", timeouts=2)
        fallback = t["stages"]["dns"]["tcp_fallback"]
        self.assertTrue(fallback["answered"], fallback)
        self.assertEqual(fallback["addresses"], [ANSWERS])
        self.assertIn("is blocked between this host and the resolver", t["stages"]["dns"]["detail"])
        r, t = self.resolve("tcp-only-no-udp")
        self.assert_quick(r, t, "dns.refused")
        self.assertIsNone(t["stages"]["dns"]["tcp_fallback"])  # an answer: TCP is not asked


if __name__ == "__main__":
    unittest.main()
