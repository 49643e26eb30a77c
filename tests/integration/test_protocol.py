# SPDX-License-Identifier: Apache-2.0
"""End to end: the protocol stage. `vpcprobe check` against real Kafka peers (librdkafka's mock
cluster, plaintext or behind TLS; kafkapeer.py for SASL and for Metadata that advertises
unreachable brokers) and real HTTPS servers answering like each Confluent REST component.
Cross-checks the advertised broker list with kcat, and a real `python3 -m http.server` on a
Schema Registry port. Addresses 127.0.83.0/24 are this file's (127.0.94.0/24 for WrongScheme,
127.0.95.0/24 for UnrecognizedHttp)."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

from harness import (DOMAIN, Dnsmasq, KafkaPeer, MockKafka, TestPeer, TlsProxy, free_port,
                     require_root, stop, validate, vpcprobe, wait_until)

FORMATS = ("text", "json", "markdown", "junit")


def protocol_of(target):
    return target["stages"]["protocol"]


def finding(report, code):
    for f in report["findings"]:
        if f["code"] == code:
            return f
    return None


class MockCluster(unittest.TestCase):
    """A bootstrap of librdkafka's mock cluster: ApiVersions, Metadata, one target per broker."""

    def setUp(self):
        self.mock = MockKafka(brokers=3)
        self.addCleanup(self.mock.close)
        self.bootstrap = self.mock.bootstrap.split(",")[0]

    def check(self, *extra):
        return vpcprobe("check", f"PLAINTEXT://{self.bootstrap}=kafka", "--timeout", "2s",
                        "--format", "json", *extra)

    def test_bootstrap_answers_and_every_advertised_broker_is_probed(self):
        r = self.check()
        self.assertEqual(r.code, 0, r)
        validate(r.json)
        host, port = self.bootstrap.rsplit(":", 1)
        bootstrap = r.target(host, int(port))
        self.assertFalse(bootstrap["tls"])
        self.assertEqual(bootstrap["stages"]["tls"]["status"], "skipped")
        protocol = protocol_of(bootstrap)
        self.assertEqual(protocol["status"], "ok", protocol)
        self.assertEqual(protocol["name"], "kafka")
        kafka = protocol["kafka"]
        # librdkafka 2.0.2's mock knows ApiVersions v0..v2 only: it refuses v3 (error 35) and
        # the check falls back to v0, as it must with any broker older than Kafka 2.4.
        self.assertEqual(kafka["api_versions_version"], 0)
        api_keys = {api["api_key"]: api for api in kafka["apis"]}
        self.assertIn(18, api_keys)  # ApiVersions
        self.assertIn(3, api_keys)   # Metadata
        self.assertGreaterEqual(api_keys[3]["max_version"], 1)
        self.assertTrue(kafka["metadata_checked"])
        advertised = {b["node_id"]: f"{b['host']}:{b['port']}" for b in kafka["brokers"]}
        self.assertEqual(advertised, self.mock.brokers)
        # (the 2.0.2 mock reports controller id 0, which is none of its brokers: not checked)
        self.assertEqual(kafka["cluster_id"][:11], "mockCluster")

        # The bootstrap is broker 1 itself; the two others are targets of their own.
        others = [t for t in r.json["targets"] if t["origin"] == "advertised"]
        self.assertEqual(sorted(f"{t['host']}:{t['port']}" for t in others),
                         sorted(a for a in self.mock.brokers.values() if a != self.bootstrap))
        for t in others:
            self.assertEqual(t["advertised_by"], self.bootstrap)
            self.assertEqual(self.mock.brokers[t["node_id"]], f"{t['host']}:{t['port']}")
            self.assertEqual(t["status"], "ok", t)
            self.assertFalse(t["tls"])
            # advertised brokers get ApiVersions only: no Metadata of their own
            self.assertFalse(protocol_of(t)["kafka"]["metadata_checked"])
            self.assertEqual(protocol_of(t)["kafka"]["brokers"], [])
        self.assertEqual(r.json["summary"], {"ok": 3, "warning": 0, "failed": 0})

    def test_advertised_list_matches_kcat(self):
        if shutil.which("kcat") is None:
            self.skipTest("kcat is not installed (scripts/install-deps.sh installs it)")
        kcat = subprocess.run(["kcat", "-b", self.bootstrap, "-L", "-J", "-m", "5"],
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(kcat.returncode, 0, kcat.stderr)
        from_kcat = {b["id"]: b["name"] for b in json.loads(kcat.stdout)["brokers"]}
        r = self.check()
        host, port = self.bootstrap.rsplit(":", 1)
        kafka = protocol_of(r.target(host, int(port)))["kafka"]
        from_vpcprobe = {b["node_id"]: f"{b['host']}:{b['port']}" for b in kafka["brokers"]}
        self.assertEqual(from_vpcprobe, from_kcat)

    def test_a_broker_down_is_an_unreachable_advertised_broker(self):
        down = next(i for i, a in self.mock.brokers.items() if a != self.bootstrap)
        self.mock.down(down)
        r = self.check()
        self.assertEqual(r.code, 2, r)
        validate(r.json)
        host, port = self.mock.brokers[down].rsplit(":", 1)
        broker = r.target(host, int(port))
        self.assertEqual(broker["status"], "failed")
        self.assertEqual(broker["origin"], "advertised")
        self.assertIn(broker["cause"]["stage"], ("tcp", "protocol"), broker["cause"])
        f = finding(r.json, "kafka.advertised_unreachable")
        self.assertIsNotNone(f, r.json["findings"])
        self.assertEqual(f["targets"], [self.mock.brokers[down]])
        self.assertIn(f"bootstrap {self.bootstrap} answers", f["summary"])
        # the bootstrap itself is fine: the problem is what it sends clients on to
        bhost, bport = self.bootstrap.rsplit(":", 1)
        self.assertEqual(r.target(bhost, int(bport))["status"], "ok")
        text = vpcprobe("check", f"PLAINTEXT://{self.bootstrap}=kafka", "--timeout", "2s")
        self.assertIn("kafka.advertised_unreachable", text.out)
        self.assertIn(f"advertises node {down} {self.mock.brokers[down]} FAILED", text.out)

    def test_no_advertised_reads_no_metadata(self):
        r = self.check("--no-advertised")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(len(r.json["targets"]), 1)
        self.assertFalse(protocol_of(r.json["targets"][0])["kafka"]["metadata_checked"])
        self.assertIsNone(finding(r.json, "kafka.advertised_not_checked"))

    def test_tls_in_front_of_the_bootstrap(self):
        with TlsProxy([f"127.0.83.1:0={self.bootstrap}"], hosts=["127.0.83.1"]) as proxy:
            endpoint = proxy.listening[0]
            r = vpcprobe("check", f"{endpoint}=kafka", "--ca-file", proxy.ca_file,
                         "--timeout", "2s", "--format", "json", "--no-advertised")
            self.assertEqual(r.code, 0, r)
            t = r.json["targets"][0]
            self.assertTrue(t["tls"])
            self.assertEqual(t["stages"]["certificate"]["status"], "ok")
            self.assertEqual(protocol_of(t)["status"], "ok")
            self.assertGreaterEqual(len(protocol_of(t)["kafka"]["apis"]), 10)

            # Without --no-advertised: the TLS bootstrap advertises the mock's plaintext
            # listeners, a classic listener mix-up that clients hit after bootstrapping.
            r = vpcprobe("check", f"{endpoint}=kafka", "--ca-file", proxy.ca_file,
                         "--timeout", "2s", "--format", "json")
            self.assertEqual(r.code, 2, r)
            f = finding(r.json, "kafka.advertised_unreachable")
            self.assertIsNotNone(f, r.json["findings"])
            self.assertEqual(sorted(f["targets"]), sorted(self.mock.brokers.values()))
            for t in r.json["targets"]:
                if t["origin"] == "advertised":
                    self.assertTrue(t["cause"]["code"].startswith("tls."), t["cause"])


class WrongScheme(unittest.TestCase):
    """A wrong scheme is named as such, both ways: PLAINTEXT:// to a TLS listener is
    protocol.tls_required naming SSL://, SSL:// to a plaintext Kafka listener is tls.not_tls
    naming PLAINTEXT://, each after one extra connection (docs/report.md, "Wrong scheme").
    Addresses 127.0.94.0/24 are this class's."""

    def test_plaintext_to_a_tls_kafka_listener_names_ssl(self):
        with MockKafka(brokers=1) as mock, \
                TlsProxy([f"127.0.94.10:0={mock.bootstrap}"], hosts=["127.0.94.10"]) as proxy:
            endpoint = proxy.listening[0]
            for fmt in FORMATS:
                with self.subTest(format=fmt):
                    r = vpcprobe("check", f"PLAINTEXT://{endpoint}=kafka", "--timeout", "2s",
                                 "--format", fmt)
                    self.assertEqual(r.code, 2, r)
                    self.assertIn("protocol.tls_required", r.out)
                    self.assertIn("SSL://", r.out)
            r = vpcprobe("check", f"PLAINTEXT://{endpoint}=kafka", "--timeout", "2s",
                         "--format", "json")
            validate(r.json)
            t = r.json["targets"][0]
            self.assertEqual(t["cause"]["code"], "protocol.tls_required", t["cause"])
            self.assertIn("use SSL:// (or SASL_SSL:// with SASL), not PLAINTEXT://",
                          t["cause"]["summary"])
            self.assertIn("before answering ApiVersions", t["cause"]["summary"])
            self.assertIn("TLS ClientHello on a second connection", protocol_of(t)["note"])

    def test_tls_to_a_plaintext_kafka_listener_names_plaintext(self):
        user, password = "scheme-user", "scheme-password-never-sent"
        with KafkaPeer(address="127.0.94.11", sasl="PLAIN", user=user,
                       password=password) as peer:
            r = vpcprobe("check", f"SASL_SSL://{peer.listen}=kafka", "--timeout", "2s",
                         "--format", "json", "--sasl-mechanism", "PLAIN",
                         env={"VPCPROBE_SASL_USERNAME": user,
                              "VPCPROBE_SASL_PASSWORD": password})
            self.assertEqual(r.code, 2, r)
            validate(r.json)
            t = r.json["targets"][0]
            self.assertEqual(t["cause"]["code"], "tls.not_tls", t["cause"])
            self.assertEqual(t["cause"]["stage"], "tls", t["cause"])
            self.assertIn("this listener speaks plaintext Kafka: use PLAINTEXT://",
                          t["cause"]["summary"])
            self.assertIn("plaintext Kafka ApiVersions on a second connection",
                          protocol_of(t)["note"])
            self.assertIn("was answered", protocol_of(t)["note"])
            # The plaintext try is a bare ApiVersions: no SASL, so no credential went out.
            for text in (r.out, r.err):
                self.assertNotIn(password, text)
            self.assertNotIn("SASL", peer.log_text())


class NotKafka(unittest.TestCase):
    """Something answers on the Kafka port, but not Kafka."""

    def test_an_http_server_is_not_kafka(self):
        with TestPeer(["127.0.83.10:0=plaintext-http"], hosts=["127.0.83.10"]) as peer:
            r = vpcprobe("check", f"PLAINTEXT://{peer.listening[0]}=kafka", "--timeout", "1s",
                         "--format", "json")
            self.assertEqual(r.code, 2, r)
            cause = r.json["targets"][0]["cause"]
            self.assertEqual(cause["code"], "protocol.not_kafka", cause)
            self.assertIn("HTTP", cause["summary"])

    def test_a_silent_broker_times_out_within_the_bound(self):
        with TestPeer(["127.0.83.11:0=silent"], hosts=["127.0.83.11"]) as peer:
            r = vpcprobe("check", f"PLAINTEXT://{peer.listening[0]}=kafka", "--timeout", "500ms",
                         "--format", "json")
            self.assertEqual(r.code, 2, r)
            self.assertEqual(r.json["targets"][0]["cause"]["code"], "protocol.timeout")
            self.assertLess(r.elapsed, 5)


class Sasl(unittest.TestCase):
    """SASL against kafkapeer.py, which verifies PLAIN and SCRAM for real."""

    USER = "svc-probe-7f3a"
    PASSWORD = "s3cr3t-Pa55-9c1e"

    def check(self, peer, mechanism, password, *extra, fmt="json", env=None):
        full_env = {"VPCPROBE_SASL_USERNAME": self.USER, "VPCPROBE_SASL_PASSWORD": password}
        full_env.update(env or {})
        return vpcprobe("check", f"SASL_PLAINTEXT://{peer.listen}=kafka", "--sasl-mechanism",
                        mechanism, "--timeout", "2s", "--format", fmt, *extra, env=full_env)

    def assert_no_secret(self, result):
        for text in (result.out, result.err):
            self.assertNotIn(self.PASSWORD, text)
            self.assertNotIn(self.USER, text)

    def test_each_mechanism_authenticates_and_reads_metadata(self):
        for mechanism in ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"):
            with self.subTest(mechanism=mechanism), \
                    KafkaPeer(sasl=mechanism, user=self.USER, password=self.PASSWORD,
                              address="127.0.83.20") as peer:
                r = self.check(peer, mechanism, self.PASSWORD)
                self.assertEqual(r.code, 0, r)
                validate(r.json)
                kafka = protocol_of(r.json["targets"][0])["kafka"]
                self.assertEqual(kafka["sasl_mechanism"], mechanism)
                self.assertTrue(kafka["authenticated"])
                self.assertTrue(kafka["metadata_checked"])
                self.assertEqual(r.json["agent"]["sasl_mechanism"], mechanism)
                self.assert_no_secret(r)

    def test_a_wrong_password_is_a_credential_problem(self):
        with KafkaPeer(sasl="SCRAM-SHA-256", user=self.USER, password=self.PASSWORD,
                       address="127.0.83.21") as peer:
            wrong = "not-the-" + self.PASSWORD[::-1]
            for fmt in FORMATS:
                r = self.check(peer, "SCRAM-SHA-256", wrong, fmt=fmt)
                self.assertEqual(r.code, 2, r)
                self.assertIn("protocol.auth_failed", r.out)
                for text in (r.out, r.err):
                    self.assertNotIn(wrong, text)
                    self.assertNotIn(self.USER, text)
                if fmt == "json":
                    cause = r.json["targets"][0]["cause"]
                    self.assertEqual(cause["code"], "protocol.auth_failed")
                    self.assertIn("invalid credentials", cause["summary"])

    def test_a_mechanism_the_broker_does_not_offer(self):
        with KafkaPeer(sasl="SCRAM-SHA-512", user=self.USER, password=self.PASSWORD,
                       address="127.0.83.22") as peer:
            r = self.check(peer, "PLAIN", self.PASSWORD)
            self.assertEqual(r.code, 2, r)
            cause = r.json["targets"][0]["cause"]
            self.assertEqual(cause["code"], "protocol.auth_failed")
            self.assertIn("SCRAM-SHA-512", cause["summary"])
            self.assert_no_secret(r)

    def test_password_from_a_file_and_from_the_config(self):
        with KafkaPeer(sasl="SCRAM-SHA-512", user=self.USER, password=self.PASSWORD,
                       address="127.0.83.23") as peer, \
                tempfile.TemporaryDirectory() as work:
            secret = os.path.join(work, "secret")
            with open(secret, "w") as f:
                f.write(self.PASSWORD + "\n")
            os.chmod(secret, 0o600)
            r = vpcprobe("check", f"SASL_PLAINTEXT://{peer.listen}=kafka", "--sasl-mechanism",
                         "scram-sha-512", "--sasl-password-file", secret, "--format", "json",
                         env={"VPCPROBE_SASL_USERNAME": self.USER})
            self.assertEqual(r.code, 0, r)
            self.assertTrue(protocol_of(r.json["targets"][0])["kafka"]["authenticated"])
            self.assert_no_secret(r)

            config = os.path.join(work, "vpcprobe.toml")
            with open(config, "w") as f:
                f.write(f'targets = ["SASL_PLAINTEXT://{peer.listen}=kafka"]\n'
                        '[sasl]\nmechanism = "SCRAM-SHA-512"\n'
                        'username_env = "KAFKA_USER"\npassword_env = "KAFKA_PASSWORD"\n')
            for fmt in FORMATS:
                r = vpcprobe("check", "-c", config, "--format", fmt,
                             env={"KAFKA_USER": self.USER, "KAFKA_PASSWORD": self.PASSWORD})
                self.assertEqual(r.code, 0, r)
                self.assert_no_secret(r)

    def test_without_credentials_the_report_says_what_was_not_checked(self):
        with KafkaPeer(sasl="PLAIN", user=self.USER, password=self.PASSWORD,
                       address="127.0.83.24") as peer:
            r = vpcprobe("check", f"SASL_PLAINTEXT://{peer.listen}=kafka", "--timeout", "2s",
                         "--format", "json")
            self.assertEqual(r.code, 0, r)  # a broker answers: that is not a failure
            kafka = protocol_of(r.json["targets"][0])["kafka"]
            self.assertFalse(kafka["metadata_checked"])
            self.assertTrue(kafka["metadata_not_checked"])
            f = finding(r.json, "kafka.advertised_not_checked")
            self.assertIsNotNone(f, r.json["findings"])
            self.assertEqual(f["severity"], "info")
            self.assertIn("--sasl-mechanism", f["remedy"])

    def test_no_credentials_for_a_peer_whose_certificate_did_not_verify(self):
        # A TLS broker with a certificate this host does not trust (no --ca-file): the check
        # still says a broker answers there, but PLAIN would hand it the password as is.
        with TestPeer(["127.0.83.26:0=close"], hosts=["127.0.83.26"]) as pki_owner, \
                KafkaPeer(sasl="PLAIN", user=self.USER, password="the-peers-own-password",
                          address="127.0.83.26",
                          tls_pki_dir=os.path.join(pki_owner.dir, "pki")) as peer:
            r = vpcprobe("check", f"SASL_SSL://{peer.listen}=kafka", "--sasl-mechanism", "PLAIN",
                         "--timeout", "2s", "--format", "json",
                         env={"VPCPROBE_SASL_USERNAME": self.USER,
                              "VPCPROBE_SASL_PASSWORD": self.PASSWORD})
            log = peer.log_text()
        self.assertEqual(r.code, 2, r)
        t = r.json["targets"][0]
        self.assertEqual(t["cause"]["code"], "cert.untrusted")
        protocol = protocol_of(t)
        self.assertEqual(protocol["status"], "ok", protocol)  # a broker answers there
        self.assertFalse(protocol["kafka"]["authenticated"])
        self.assertIsNone(protocol["kafka"]["sasl_mechanism"])
        self.assertIn("credentials were not sent", protocol["note"])
        self.assertNotIn("authentication failed", log)  # nothing was offered to check
        self.assert_no_secret(r)

    def test_missing_credentials_are_a_usage_error(self):
        with KafkaPeer(address="127.0.83.25") as peer:
            r = vpcprobe("check", f"PLAINTEXT://{peer.listen}=kafka", "--sasl-mechanism",
                         "PLAIN", env={"VPCPROBE_SASL_USERNAME": self.USER,
                                       "VPCPROBE_SASL_PASSWORD": ""})
            self.assertEqual(r.code, 3, r)
            self.assertIn("VPCPROBE_SASL_PASSWORD", r.err)
            r = vpcprobe("check", f"PLAINTEXT://{peer.listen}=kafka", "--sasl-password",
                         self.PASSWORD)
            self.assertEqual(r.code, 3, r)
            self.assertIn("--sasl-password", r.err)
            self.assertNotIn(self.PASSWORD, r.err + r.out)


class AdvertisedUnreachable(unittest.TestCase):
    """A bootstrap whose Metadata names brokers this host cannot use: a name that does not
    resolve here and a port where nothing listens, next to one that works."""

    def test_each_broker_is_named_with_its_reason(self):
        instance = "protoadv01"
        bootstrap_host = f"vpc-kafka-{instance}.{DOMAIN}"
        gone_host = f"b2-vpc-kafka-{instance}.{DOMAIN}"  # NXDOMAIN in this dnsmasq
        good_host = f"b1-vpc-kafka-{instance}.{DOMAIN}"
        dead_port = free_port("127.0.83.32")
        with Dnsmasq({bootstrap_host: "127.0.83.30", good_host: "127.0.83.31",
                      f"b3-vpc-kafka-{instance}.{DOMAIN}": "127.0.83.32"}) as dns, \
                KafkaPeer(address="127.0.83.31", port=9092, node_id=1) as good, \
                KafkaPeer(address="127.0.83.30", port=9092,
                          advertise=[f"{good_host}:9092", f"{gone_host}:9092",
                                     f"b3-vpc-kafka-{instance}.{DOMAIN}:{dead_port}"]):
            r = vpcprobe("check", "--bootstrap", f"PLAINTEXT://{bootstrap_host}:9092",
                         "--dns-server", dns.server, "--timeout", "2s", "--format", "json")
            self.assertEqual(r.code, 2, r)
            validate(r.json)
            self.assertEqual(r.target(bootstrap_host, 9092)["status"], "ok")
            self.assertEqual(r.target(good_host, 9092)["status"], "ok")
            self.assertEqual(r.target(gone_host, 9092)["cause"]["code"], "dns.nxdomain")
            dead = r.target(f"b3-vpc-kafka-{instance}.{DOMAIN}", dead_port)
            self.assertEqual(dead["cause"]["code"], "tcp.refused")
            f = finding(r.json, "kafka.advertised_unreachable")
            self.assertIsNotNone(f, r.json["findings"])
            self.assertEqual(f["targets"], [f"{gone_host}:9092",
                                            f"b3-vpc-kafka-{instance}.{DOMAIN}:{dead_port}"])
            self.assertIn("2 of the 3 brokers", f["summary"])
            self.assertIn("does not resolve from this host", f["summary"])
            self.assertEqual([s["kind"] for s in f["suspects"]], ["dns", "service"])
            md = vpcprobe("check", "--bootstrap", f"PLAINTEXT://{bootstrap_host}:9092",
                          "--dns-server", dns.server, "--timeout", "2s", "--format", "markdown")
            self.assertIn("kafka.advertised_unreachable", md.out)


@require_root  # the REST endpoint listens on tcp/443 (of a loopback address)
class ConfluentCloudLike(unittest.TestCase):
    """A Confluent Cloud layout on loopback: pkc-… bootstrap on 9092 (TLS, SASL/PLAIN with an
    API key) advertising b0-/b1- brokers, and the REST endpoint on 443 of the same name."""

    API_KEY = "ABCDEFGH12345678"
    API_SECRET = "cflt-secret-0123456789abcdef"

    def test_bootstrap_brokers_and_rest_endpoint(self):
        cluster = "pkc-9zz9z.us-west-2.aws.confluent.cloud"
        brokers = [f"b{i}-{cluster}" for i in range(2)]
        records = {cluster: "127.0.83.60", brokers[0]: "127.0.83.61", brokers[1]: "127.0.83.62"}
        advertise = [f"{b}:9092" for b in brokers]
        with Dnsmasq(records) as dns, \
                TestPeer(["127.0.83.60:443=http-status:401"], hosts=list(records)) as peer:
            pki = os.path.join(peer.dir, "pki")
            peers = [KafkaPeer(address=records[name], port=9092, tls_pki_dir=pki, sasl="PLAIN",
                               user=self.API_KEY, password=self.API_SECRET, node_id=0,
                               advertise=advertise) for name in (cluster, *brokers)]
            try:
                r = vpcprobe("check", "--bootstrap", f"{cluster}:9092", f"{cluster}:443=rest-proxy",
                             "--sasl-mechanism", "PLAIN", "--dns-server", dns.server,
                             "--ca-file", peer.ca_file, "--timeout", "2s", "--format", "json",
                             env={"VPCPROBE_SASL_USERNAME": self.API_KEY,
                                  "VPCPROBE_SASL_PASSWORD": self.API_SECRET})
            finally:
                for p in peers:
                    p.close()
        self.assertEqual(r.code, 0, r)
        validate(r.json)
        self.assertEqual(r.json["summary"], {"ok": 4, "warning": 0, "failed": 0})
        kafka = protocol_of(r.target(cluster, 9092))["kafka"]
        self.assertTrue(kafka["authenticated"])
        self.assertEqual([f"{b['host']}:{b['port']}" for b in kafka["brokers"]], advertise)
        for i, name in enumerate(brokers):
            t = r.target(name, 9092)
            self.assertEqual((t["origin"], t["node_id"]), ("advertised", i))
            self.assertTrue(protocol_of(t)["kafka"]["authenticated"])
        rest = protocol_of(r.target(cluster, 443))
        self.assertEqual(rest["http"]["path"], "/kafka/v3/clusters")
        self.assertEqual(rest["http"]["status"], 401)
        self.assertTrue(rest["http"]["auth_required"])
        self.assertNotIn(self.API_SECRET, r.out + r.err)
        self.assertNotIn(self.API_KEY, r.out + r.err)


class RestComponents(unittest.TestCase):
    """Each REST component over HTTPS, as Confluent's answer, plus the ways it goes wrong."""

    COMPONENTS = {"schema-registry": 1, "connect": 2, "ksqldb": 3, "rest-proxy": 4, "mds": 5,
                  "control-center": 6}

    @classmethod
    def setUpClass(cls):
        serves = [f"127.0.83.4{n}:8443=http:{c}" for c, n in cls.COMPONENTS.items()]
        serves += ["127.0.83.50:8443=http-status:503", "127.0.83.51:8443=http:connect",
                   "127.0.83.52:8443=http-stall", "127.0.83.53:8443=http-not-http",
                   "127.0.83.54:8443=http-huge-header"]
        hosts = [f"127.0.83.4{n}" for n in cls.COMPONENTS.values()]
        hosts += [f"127.0.83.5{n}" for n in range(5)]
        cls.peer = TestPeer(serves, hosts=hosts)

    @classmethod
    def tearDownClass(cls):
        cls.peer.close()

    def check(self, *targets):
        return vpcprobe("check", *targets, "--ca-file", self.peer.ca_file, "--timeout", "1s",
                        "--format", "json")

    def test_every_component_answers_as_itself(self):
        r = self.check(*[f"127.0.83.4{n}:8443={c}" for c, n in self.COMPONENTS.items()])
        self.assertEqual(r.code, 0, r)
        validate(r.json)
        paths = {"schema-registry": "/", "connect": "/", "ksqldb": "/info",
                 "rest-proxy": "/v3/clusters", "mds": "/security/1.0/authenticate",
                 "control-center": "/"}
        for component, n in self.COMPONENTS.items():
            t = r.target(f"127.0.83.4{n}", 8443)
            protocol = protocol_of(t)
            self.assertEqual(protocol["status"], "ok", protocol)
            self.assertEqual(protocol["name"], "http")
            self.assertEqual(protocol["http"]["path"], paths[component])
        mds = protocol_of(r.target("127.0.83.45", 8443))
        self.assertEqual(mds["http"]["status"], 401)
        self.assertTrue(mds["http"]["auth_required"])
        self.assertTrue(mds["note"])
        self.assertTrue(protocol_of(r.target("127.0.83.42", 8443))["http"]["version"])  # Connect
        self.assertTrue(protocol_of(r.target("127.0.83.43", 8443))["http"]["version"])  # ksqlDB

    def test_each_failure_has_its_cause(self):
        expected = {"127.0.83.50": ("schema-registry", "protocol.http_error"),
                    "127.0.83.51": ("schema-registry", "protocol.wrong_service"),
                    "127.0.83.52": ("connect", "protocol.timeout"),
                    "127.0.83.53": ("ksqldb", "protocol.not_http"),
                    "127.0.83.54": ("rest-proxy", "protocol.too_large")}
        r = self.check(*[f"{a}:8443={c}" for a, (c, _) in expected.items()])
        self.assertEqual(r.code, 2, r)
        validate(r.json)
        for address, (_, code) in expected.items():
            t = r.target(address, 8443)
            self.assertEqual(t["cause"]["code"], code, t["cause"])
            self.assertEqual(t["stages"]["certificate"]["status"], "ok")
        self.assertIn("503", r.target("127.0.83.50", 8443)["cause"]["summary"])
        self.assertLess(r.elapsed, 10)

    def test_no_protocol_stops_after_the_certificate(self):
        r = vpcprobe("check", "127.0.83.50:8443=schema-registry", "--ca-file", self.peer.ca_file,
                     "--no-protocol", "--format", "json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(protocol_of(r.json["targets"][0])["status"], "skipped")


class UnrecognizedHttp(unittest.TestCase):
    """A real `python3 -m http.server` where Schema Registry should be: it answers HTTP 200 with
    a directory listing, which is not Schema Registry's answer, so the target is a warning
    (protocol.unrecognized) that says what answered, not an ok."""

    ADDRESS = "127.0.95.10"

    def setUp(self):
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        with open(os.path.join(directory, "notes.txt"), "w") as f:
            f.write("not a schema registry\n")
        self.port = free_port(self.ADDRESS)
        self.server = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(self.port), "--bind", self.ADDRESS,
             "--directory", directory],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        self.addCleanup(stop, self.server)

        def listening():
            try:
                with socket.create_connection((self.ADDRESS, self.port), timeout=0.5):
                    return True
            except OSError:
                return False

        wait_until(listening, 10, "python3 -m http.server")

    def test_directory_listing_on_schema_registry_is_unrecognized(self):
        target = f"http://{self.ADDRESS}:{self.port}=schema-registry"
        r = vpcprobe("check", target, "--timeout", "2s", "--format", "json")
        self.assertEqual(r.code, 1, r)
        validate(r.json)
        t = r.target(self.ADDRESS, self.port)
        self.assertEqual(t["status"], "warning", t)
        self.assertEqual(t["cause"]["code"], "protocol.unrecognized", t["cause"])
        summary = t["cause"]["summary"]
        self.assertIn("not as Schema Registry does", summary)
        self.assertIn('a directory listing ("Directory listing for /")', summary)
        protocol = protocol_of(t)
        self.assertEqual(protocol["status"], "warning")
        self.assertEqual(protocol["http"]["status"], 200)
        self.assertIn("SimpleHTTP", protocol["http"]["server"])
        self.assertEqual(self.server.poll(), None)  # still serving: vpcprobe only read

        text = vpcprobe("check", target, "--timeout", "2s", "--format", "text")
        self.assertEqual(text.code, 1, text)
        self.assertIn("a directory listing", text.out)


if __name__ == "__main__":
    unittest.main()
