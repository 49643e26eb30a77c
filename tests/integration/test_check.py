# SPDX-License-Identifier: Apache-2.0
"""End to end: `vpcprobe check` against real TLS endpoints on loopback (dnsmasq + testpeer with a
PKI generated per run): the healthy catalog, every certificate cause, misbehaving TLS peers,
several addresses per name, and the report sinks. Addresses 127.0.81.0/24 are this file's."""
import os
import tempfile
import unittest

from harness import (CATALOG, Dnsmasq, KafkaPeer, TestPeer, catalog_host, validate, vpcprobe)

INSTANCE = "e2echeck01"


class HealthyCatalog(unittest.TestCase):
    """The seven VPC endpoints of an instance, all healthy: a TLS Kafka broker (kafkapeer.py)
    and the REST components answering like Confluent's (testpeer's http:COMPONENT)."""

    @classmethod
    def setUpClass(cls):
        cls.addresses = {}
        serves, records = [], {}
        for i, (component, (service, vpc_port, _)) in enumerate(CATALOG.items()):
            host = catalog_host(component, INSTANCE)
            # kafka and mds share the vpc-kafka host, as in the real catalog
            address = records.setdefault(host, f"127.0.81.{len(records) + 1}")
            cls.addresses[component] = address
            if component != "kafka":
                serves.append(f"{address}:{vpc_port}=http:{component}")
        cls.dns = Dnsmasq(records)
        cls.peer = TestPeer(serves, hosts=list(records))
        kafka_host = catalog_host("kafka", INSTANCE)
        cls.kafka = KafkaPeer(address=cls.addresses["kafka"], port=CATALOG["kafka"][1],
                              tls_pki_dir=os.path.join(cls.peer.dir, "pki"),
                              advertise=[f"{kafka_host}:{CATALOG['kafka'][1]}"])

    @classmethod
    def tearDownClass(cls):
        cls.kafka.close()
        cls.peer.close()
        cls.dns.close()

    def check(self, *extra):
        return vpcprobe("check", "--instance", f"alikafka_confluent-cn-{INSTANCE}",
                        "--dns-server", self.dns.server, "--ca-file", self.peer.ca_file,
                        "--timeout", "2s", *extra)

    def test_every_endpoint_ok_and_report_matches_schema(self):
        r = self.check("--format", "json")
        self.assertEqual(r.code, 0, r)
        validate(r.json)
        self.assertEqual(r.json["schema_version"], 1)
        self.assertEqual(r.json["tool"]["name"], "vpcprobe")
        self.assertEqual(r.json["summary"], {"ok": 7, "warning": 0, "failed": 0})
        self.assertIn(self.dns.server, r.json["agent"]["resolvers"])
        self.assertTrue(r.json["agent"]["source_addresses"])
        self.assertEqual(len(r.json["targets"]), 7)
        for component, (_, port, _) in CATALOG.items():
            t = r.target(catalog_host(component, INSTANCE), port)
            self.assertEqual(t["component"], component)
            self.assertEqual(t["access"], "vpc")
            self.assertEqual(t["status"], "ok", t)
            self.assertIsNone(t["cause"])
            stages = t["stages"]
            self.assertEqual(stages["dns"]["addresses"], [self.addresses[component]])
            self.assertEqual(stages["tcp"]["status"], "ok")
            self.assertEqual(stages["tcp"]["address"], self.addresses[component])
            self.assertIn(stages["tls"]["version"], ("TLSv1.2", "TLSv1.3"))
            self.assertTrue(stages["tls"]["cipher"])
            cert = stages["certificate"]
            self.assertEqual(cert["status"], "ok")
            self.assertIsNone(cert["code"])
            self.assertGreater(cert["days_left"], 30)
            # leaf + intermediate as the server presents them, with the name in the SANs
            self.assertEqual(len(cert["chain"]), 2)
            self.assertIn(catalog_host(component, INSTANCE), cert["chain"][0]["sans"])
            self.assertRegex(cert["chain"][0]["sha256"], "^[0-9a-f]{64}$")
            self.assertEqual(stages["protocol"]["status"], "ok", stages["protocol"])
            self.assertEqual(stages["protocol"]["name"], "kafka" if component == "kafka" else "http")

    def test_without_the_ca_every_chain_is_untrusted(self):
        r = vpcprobe("check", "--instance", INSTANCE, "--dns-server", self.dns.server,
                     "--timeout", "2s", "--format", "json")
        self.assertEqual(r.code, 2, r)
        validate(r.json)
        for t in r.json["targets"]:
            self.assertEqual(t["status"], "failed")
            self.assertEqual(t["cause"]["code"], "cert.untrusted", t)
            self.assertEqual(t["cause"]["stage"], "certificate")
            # the presented chain is reported even though it is not trusted
            self.assertEqual(len(t["stages"]["certificate"]["chain"]), 2)

    def test_tcp_only_stops_after_the_connect(self):
        r = self.check("--format", "json", "--tcp-only")
        self.assertEqual(r.code, 0, r)
        validate(r.json)
        for t in r.json["targets"]:
            self.assertEqual(t["status"], "ok")
            self.assertEqual(t["stages"]["tcp"]["status"], "ok")
            self.assertEqual(t["stages"]["tls"]["status"], "skipped")
            self.assertEqual(t["stages"]["certificate"]["status"], "skipped")

    def test_markdown_for_tickets(self):
        r = self.check("--format", "markdown")
        self.assertEqual(r.code, 0, r)
        self.assertTrue(r.out.startswith("**All 7 endpoints are healthy"), r.out[:200])
        self.assertEqual(r.out.count("<details>"), 7)
        for component in CATALOG:
            self.assertIn(catalog_host(component, INSTANCE), r.out)
        # Rendered by GitHub's own Markdown renderer: a real table, one row per endpoint.
        import subprocess
        html = subprocess.run(["cmark-gfm", "--unsafe", "-e", "table"], input=r.out,
                              capture_output=True, text=True, timeout=30, check=True).stdout
        self.assertEqual(html.count("<table>"), 1, html)
        body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        self.assertEqual(body.count("<tr>"), 7, html)
        self.assertEqual(html.count("<details>"), 7)
        self.assertTrue(html.startswith("<p><strong>All 7 endpoints are healthy"), html[:200])

    def test_junit_for_pipelines(self):
        import xml.etree.ElementTree as ET
        r = vpcprobe("check", "--instance", INSTANCE, "--dns-server", self.dns.server,
                     "--timeout", "2s", "--format", "junit")  # no CA: every chain untrusted
        self.assertEqual(r.code, 2, r)
        suite = ET.fromstring(r.out).find("testsuite")
        self.assertEqual(suite.get("tests"), "7")
        self.assertEqual(suite.get("failures"), "7")
        for case in suite.findall("testcase"):
            self.assertEqual(case.find("failure").get("type"), "cert.untrusted")

    def test_text_report_for_people(self):
        r = self.check()
        self.assertEqual(r.code, 0, r)
        for component in CATALOG:
            self.assertIn(component, r.out)
        self.assertNotIn("\x1b[", r.out, "no colour when stdout is not a terminal")
        self.assertIn("7 ok", r.out)

    def test_output_file_is_written_atomically(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "report.json")
            r = self.check("--format", "json", "-o", path)
            self.assertEqual(r.code, 0, r)
            self.assertEqual(r.out, "")
            self.assertEqual(os.listdir(d), ["report.json"], "no temporary file left behind")
            with open(path) as f:
                import json
                validate(json.load(f))

    def test_output_into_a_missing_folder_is_a_usage_error(self):
        r = self.check("-o", "/nonexistent-vpcprobe-dir/report.json")
        self.assertEqual(r.code, 3, r)
        self.assertIn("/nonexistent-vpcprobe-dir/report.json", r.err)


class CertificateCauses(unittest.TestCase):
    """One endpoint per certificate variant; each must end in its own cause, with the presented
    chain reported whether it is good or bad."""

    VARIANTS = {
        "expired": ("cert.expired", 2),
        "not-yet-valid": ("cert.not_yet_valid", 2),
        "wrong-host": ("cert.hostname_mismatch", 2),
        "no-intermediate": ("cert.incomplete_chain", 1),
        "self-signed": ("cert.self_signed", 1),
        "unknown-ca": ("cert.untrusted", 2),
    }

    @classmethod
    def setUpClass(cls):
        names = list(cls.VARIANTS) + ["expiring-soon"]
        cls.hosts = {v: f"{v}.certs.{'alikafka.aliyuncs.com'}" for v in names}
        records = {cls.hosts[v]: f"127.0.81.{100 + i}" for i, v in enumerate(names)}
        cls.dns = Dnsmasq(records)
        cls.peer = TestPeer([f"{records[cls.hosts[v]]}:8443=tls:{v}" for v in names],
                            hosts=list(records))

    @classmethod
    def tearDownClass(cls):
        cls.peer.close()
        cls.dns.close()

    def test_each_variant_has_its_cause(self):
        targets = [f"{self.hosts[v]}:8443=endpoint" for v in self.VARIANTS]
        r = vpcprobe("check", *targets, "--dns-server", self.dns.server, "--ca-file",
                     self.peer.ca_file, "--timeout", "2s", "--format", "json")
        self.assertEqual(r.code, 2, r)
        validate(r.json)
        self.assertEqual(r.json["summary"]["failed"], len(self.VARIANTS))
        for variant, (code, chain_length) in self.VARIANTS.items():
            with self.subTest(variant=variant):
                t = r.target(self.hosts[variant], 8443)
                self.assertEqual(t["component"], "endpoint")
                self.assertEqual(t["status"], "failed")
                self.assertEqual(t["cause"]["code"], code, t)
                self.assertEqual(t["stages"]["certificate"]["code"], code)
                self.assertEqual(t["stages"]["tls"]["status"], "ok", "handshake completes")
                chain = t["stages"]["certificate"]["chain"]
                self.assertEqual(len(chain), chain_length, chain)
                self.assertTrue(chain[0]["subject"])
                self.assertTrue(t["cause"]["summary"])

    def test_expiring_soon_is_a_warning_with_exit_1(self):
        target = f"{self.hosts['expiring-soon']}:8443"
        common = ["--dns-server", self.dns.server, "--ca-file", self.peer.ca_file,
                  "--format", "json"]
        r = vpcprobe("check", target, *common)
        self.assertEqual(r.code, 1, r)
        validate(r.json)
        t = r.json["targets"][0]
        self.assertEqual(t["status"], "warning")
        self.assertEqual(t["cause"]["code"], "cert.expiring_soon")
        self.assertLessEqual(t["stages"]["certificate"]["days_left"], 10)
        r = vpcprobe("check", target, *common, "--warn-days", "5")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.json["targets"][0]["status"], "ok")


class MisbehavingPeers(unittest.TestCase):
    """TCP connects, but what answers is not a healthy TLS server."""

    MODES = {
        "silent": "tls.timeout",
        "plaintext-http": "tls.not_tls",
        "garbage": "tls.not_tls",
        "close": "tls.handshake_failed",
        "tls-alert": "tls.handshake_failed",
    }

    def test_each_peer_has_its_cause(self):
        serves = [f"127.0.81.{200 + i}:9443={mode}" for i, mode in enumerate(self.MODES)]
        with TestPeer(serves) as peer:
            targets = [f"127.0.81.{200 + i}:9443=endpoint" for i in range(len(self.MODES))]
            r = vpcprobe("check", *targets, "--ca-file", peer.ca_file, "--timeout", "1s",
                         "--format", "json")
        self.assertEqual(r.code, 2, r)
        validate(r.json)
        for i, (mode, code) in enumerate(self.MODES.items()):
            with self.subTest(mode=mode):
                t = r.target(f"127.0.81.{200 + i}", 9443)
                self.assertEqual(t["cause"]["code"], code, t)
                self.assertEqual(t["stages"]["tcp"]["status"], "ok")
                self.assertEqual(t["stages"]["dns"]["addresses"], [f"127.0.81.{200 + i}"])
        # the silent peer is bounded by --timeout, its retry with the smallest clamped MSS (the
        # MTU black hole test) by one more, and all run in parallel
        self.assertLess(r.elapsed, 4, "two 1s TLS timeouts at most, not two per target")


class MutualTls(unittest.TestCase):
    """Listeners that ask for a client certificate (testpeer's tls:good:client-cert-*): with none
    configured the check names tls.client_cert_required and the CAs the server accepts, not the
    service hanging up: in TLS 1.3 (the refusal arrives at the Kafka check's first read) and in
    TLS 1.2 (during the handshake), also with --no-protocol. A listener that only asks lets the
    check in."""

    MODES = {
        "client-cert-required:tls1.3": ("tls.client_cert_required", "certificate required"),
        "client-cert-required:tls1.2": ("tls.client_cert_required", "handshake failure"),
    }

    def test_required_without_a_certificate(self):
        serves = [f"127.0.81.{220 + i}:9443=tls:good:{mode}" for i, mode in enumerate(self.MODES)]
        with TestPeer(serves) as peer:
            targets = [f"127.0.81.{220 + i}:9443=kafka" for i in range(len(self.MODES))]
            r = vpcprobe("check", *targets, "--ca-file", peer.ca_file, "--timeout", "2s",
                         "--format", "json")
            with open(peer.client_ca_file) as f:
                self.assertIn("BEGIN CERTIFICATE", f.read())
        self.assertEqual(r.code, 2, r)
        validate(r.json)
        for i, (mode, (code, alert)) in enumerate(self.MODES.items()):
            with self.subTest(mode=mode):
                t = r.target(f"127.0.81.{220 + i}", 9443)
                self.assertEqual(t["cause"]["code"], code, t)
                self.assertEqual(t["cause"]["stage"], "tls")
                tls = t["stages"]["tls"]
                self.assertEqual(tls["alert"], alert)
                self.assertTrue(tls["client_certificate_requested"])
                self.assertEqual(len(tls["client_ca_names"]), 1, tls)
                self.assertIn("CN=vpcprobe client CA", tls["client_ca_names"][0])
                self.assertIn("CN=vpcprobe client CA", t["cause"]["summary"])
                self.assertIn("--client-cert", t["cause"]["remedy"])
                self.assertEqual(t["stages"]["protocol"]["status"], "skipped")

    def test_a_broker_that_closes_at_once(self):
        """kafkapeer.py closes right after its alert, so the check's ApiVersions request meets a
        reset before any read: the alert waiting in the receive queue still names the cause."""
        with TestPeer(["127.0.81.231:9443=silent"], hosts=["127.0.81.232"]) as peer:
            with KafkaPeer(address="127.0.81.232", tls_pki_dir=os.path.join(peer.dir, "pki"),
                           tls_client_auth="required") as broker:
                for _ in range(5):
                    r = vpcprobe("check", f"{broker.listen}=kafka", "--ca-file", peer.ca_file,
                                 "--timeout", "2s", "--format", "json")
                    t = r.json["targets"][0]
                    self.assertEqual(t["cause"]["code"], "tls.client_cert_required", t)
                    self.assertEqual(t["stages"]["tls"]["alert"], "certificate required")

    def test_optional_lets_a_client_without_one_in(self):
        with TestPeer(["127.0.81.230:9443=tls:good:client-cert-optional:tls1.3"]) as peer:
            r = vpcprobe("check", "127.0.81.230:9443=kafka", "--ca-file", peer.ca_file,
                         "--timeout", "1s", "--format", "json")
        t = r.target("127.0.81.230", 9443)
        self.assertEqual(t["stages"]["tls"]["status"], "ok", t)
        self.assertTrue(t["stages"]["tls"]["client_certificate_requested"])
        self.assertIsNone(t["stages"]["tls"]["client_certificate"])
        # testpeer's TLS mode never answers Kafka: what fails is the protocol, not TLS
        self.assertEqual(t["cause"]["stage"], "protocol", t)

    def test_tls13_refusal_seen_without_a_protocol_check(self):
        """--no-protocol: nothing reads after the handshake, so the engine's one bounded read
        collects the TLS 1.3 refusal; a listener that only asks costs at most that second."""
        serves = ["127.0.81.233:9443=tls:good:client-cert-required:tls1.3",
                  "127.0.81.234:9443=tls:good:client-cert-optional:tls1.3"]
        with TestPeer(serves) as peer:
            common = ("127.0.81.233:9443=kafka", "127.0.81.234:9443=kafka", "--ca-file",
                      peer.ca_file, "--timeout", "2s", "--format", "json", "--no-protocol")
            without = vpcprobe("check", *common)
            chain, key = peer.client_cert("other-ca")
            other_ca = vpcprobe("check", *common, "--client-cert", chain, "--client-key", key)
        for r in (without, other_ca):
            self.assertEqual(r.code, 2, r)
            validate(r.json)
            self.assertLess(r.elapsed, 3, "the wait for a refusal is bounded by a second")
        optional = without.target("127.0.81.234", 9443)
        self.assertEqual(optional["stages"]["tls"]["status"], "ok", optional)
        self.assertTrue(optional["stages"]["tls"]["client_certificate_requested"])
        self.assertEqual(optional["stages"]["protocol"]["status"], "skipped")
        required = without.target("127.0.81.233", 9443)
        self.assertEqual(required["cause"]["code"], "tls.client_cert_required", required)
        self.assertEqual(required["stages"]["tls"]["alert"], "certificate required")
        self.assertIn("CN=vpcprobe client CA", required["cause"]["summary"])
        rejected = other_ca.target("127.0.81.233", 9443)
        self.assertEqual(rejected["cause"]["code"], "tls.client_cert_rejected", rejected)
        self.assertEqual(rejected["stages"]["tls"]["alert"], "unknown CA")
        self.assertEqual(rejected["stages"]["protocol"]["status"], "skipped")


class SeveralAddresses(unittest.TestCase):
    """A name with several addresses is probed on each: warning when some fail, failed when all do."""

    def test_partial_and_total_failure(self):
        host_partial = "partial.multi.alikafka.aliyuncs.com"
        host_dead = "dead.multi.alikafka.aliyuncs.com"
        records = {host_partial: ["127.0.81.50", "127.0.81.51"],
                   host_dead: ["127.0.81.52", "127.0.81.53"]}
        with Dnsmasq(records) as dns, \
                TestPeer(["127.0.81.50:9095=tls:good"], hosts=[host_partial]) as peer:
            # --no-protocol: the peer is a bare TLS server; this test is about addresses.
            r = vpcprobe("check", f"{host_partial}:9095", f"{host_dead}:9095", "--dns-server",
                         dns.server, "--ca-file", peer.ca_file, "--format", "json",
                         "--no-protocol")
        self.assertEqual(r.code, 2, r)
        validate(r.json)
        partial = r.target(host_partial, 9095)
        self.assertEqual(partial["status"], "warning", partial)
        self.assertEqual(partial["cause"]["code"], "tcp.refused")
        self.assertEqual(sorted(partial["stages"]["dns"]["addresses"]),
                         ["127.0.81.50", "127.0.81.51"])
        dead = r.target(host_dead, 9095)
        self.assertEqual(dead["status"], "failed")
        self.assertEqual(dead["cause"]["code"], "tcp.refused")
        self.assertEqual(r.json["summary"], {"ok": 0, "warning": 1, "failed": 1})


class Ipv6Literal(unittest.TestCase):
    def test_ipv6_target_with_ip_san(self):
        with TestPeer(["[::1]:0=tls:good"]) as peer:
            port = peer.listening[0].rsplit(":", 1)[1]
            # a bare TLS peer: the address and its IP SAN are the point, not the protocol
            r = vpcprobe("check", f"[::1]:{port}=kafka", "--ca-file", peer.ca_file,
                         "--format", "json", "--no-protocol")
        self.assertEqual(r.code, 0, r)
        t = r.json["targets"][0]
        self.assertEqual(t["host"], "::1")
        self.assertEqual(t["stages"]["tcp"]["address"], "::1")


class DescriptorLimit(unittest.TestCase):
    """Running out of descriptors must never be reported as a network failure: with a limit of
    128 and --concurrency 1000, 600 reachable targets must all come back ok."""

    def test_concurrency_beyond_the_descriptor_limit(self):
        count = 600
        with TestPeer(["127.0.81.30:0=close"]) as peer, \
                tempfile.TemporaryDirectory() as d:
            port = peer.listening[0].rsplit(":", 1)[1]
            hosts = os.path.join(d, "hosts")
            with open(hosts, "w") as f:  # distinct names, one address: no DNS server needed
                for i in range(count):
                    f.write(f"127.0.81.30 fd{i}.test\n")
            targets = [f"fd{i}.test:{port}" for i in range(count)]
            r = vpcprobe("check", *targets, "--tcp-only", "--concurrency", "1000",
                         "--format", "json", "--hosts-file", hosts, nofile=128)
        self.assertEqual(r.code, 0, r.err + str(
            [t["cause"] for t in r.json["targets"] if t["cause"]][:3] if r.out else ""))
        self.assertEqual(r.json["summary"], {"ok": count, "warning": 0, "failed": 0})


class Endpoints(unittest.TestCase):
    def test_plan_lists_both_sets_without_probing(self):
        r = vpcprobe("endpoints", "--instance", "alikafka_confluent-cn-abc123", "--access", "all")
        self.assertEqual(r.code, 0, r)
        for component, (service, vpc, pub) in CATALOG.items():
            self.assertIn(f"vpc-{service}-abc123.alikafka.aliyuncs.com", r.out)
            self.assertIn(f"pub-{service}-abc123.alikafka.aliyuncs.com", r.out)
            self.assertIn(str(vpc), r.out)


if __name__ == "__main__":
    unittest.main()
