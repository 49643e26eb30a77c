# SPDX-License-Identifier: Apache-2.0
"""End to end: `vpcprobe check --client-config FILE` makes the connection the Kafka client makes.

Stores are made by the real tools at test time (Java's keytool for JKS and PKCS12, openssl
pkcs12), properties files are written as Java users write them (continuations, `:` separators,
escapes, config providers), the peers are real (kafkapeer.py with TLS, SASL/PLAIN and mutual TLS;
testpeer; librdkafka's mock cluster behind the TLS proxy), and the same librdkafka file is given to
kcat as a second opinion: both succeed, or both fail and vpcprobe says why.

Every password used here carries a distinctive core that must appear in nothing vpcprobe writes.
Addresses 127.0.88.0/24 are this file's."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import KafkaPeer, MockKafka, TestPeer, TlsProxy, validate, vpcprobe

KEYTOOL = shutil.which("keytool")
KCAT = shutil.which("kcat")

STORE_PASSWORD = "store-Jq7storeSecret"
KEY_PASSWORD = "key-Rt5keySecret"
SASL_PASSWORD = 'sasl-"Hv3jaasSecret"\\x'
SECRET_CORES = ("Jq7storeSecret", "Rt5keySecret", "Hv3jaasSecret")
USER = "alice"

PEER_HOSTS = ("localhost", "127.0.88.1", "127.0.88.2", "127.0.88.3", "127.0.88.4")


def run(*args, check=True, **kwargs):
    """A tool's run, bounded in time; its output is kept for the failure message."""
    proc = subprocess.run(list(args), capture_output=True, text=True, timeout=120, **kwargs)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {proc.stdout}\n{proc.stderr}")
    return proc


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def java_escaped(text):
    """`text` as a .properties value: backslashes and the characters Java's reader treats
    specially escaped, as Properties.store writes them."""
    out = []
    for c in text:
        if c in "\\#!=:":
            out.append("\\" + c)
        else:
            out.append(c)
    return "".join(out)


def jaas_value(user, password):
    quoted = password.replace("\\", "\\\\").replace('"', '\\"')
    return ("org.apache.kafka.common.security.plain.PlainLoginModule required "
            f'username="{user}" password="{quoted}";')


class Stores:
    """JKS and PKCS12 stores made with keytool and openssl from a test PKI's PEM files."""

    def __init__(self, pki_dir, folder):
        self.pki, self.dir = pki_dir, folder

    def pem(self, name):
        return os.path.join(self.pki, name)

    def trust_store(self, name, ca_pem, store_type):
        path = os.path.join(self.dir, name)
        run(KEYTOOL, "-importcert", "-noprompt", "-alias", "ca", "-file", ca_pem,
            "-keystore", path, "-storetype", store_type, "-storepass", STORE_PASSWORD)
        return path

    def key_store(self, name, variant, store_type):
        """The client certificate `variant` (good, other-ca, expired) with its key: a PKCS12 made
        by openssl, converted by keytool to JKS (with a key password of its own) when asked."""
        p12 = os.path.join(self.dir, name + ".openssl.p12")
        run("openssl", "pkcs12", "-export", "-in", self.pem(f"client-{variant}.chain.pem"),
            "-inkey", self.pem(f"client-{variant}.key.pem"), "-name", "client",
            "-out", p12, "-passout", "pass:" + STORE_PASSWORD)
        if store_type == "PKCS12":
            return p12
        path = os.path.join(self.dir, name)
        run(KEYTOOL, "-importkeystore", "-noprompt", "-srckeystore", p12, "-srcstoretype",
            "PKCS12", "-srcstorepass", STORE_PASSWORD, "-destkeystore", path,
            "-deststoretype", "JKS", "-deststorepass", STORE_PASSWORD,
            "-destkeypass", KEY_PASSWORD, "-srcalias", "client", "-destalias", "client")
        return path


@unittest.skipUnless(KEYTOOL, "needs Java's keytool (openjdk-17-jre-headless)")
class ClientConfig(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="vpcprobe-client-config-")
        cls.peer = TestPeer(["127.0.88.1:0=tls:wrong-host"], hosts=PEER_HOSTS)
        cls.pki = os.path.join(cls.peer.dir, "pki")
        cls.wrong_host = cls.peer.listening[0]
        cls.stores = Stores(cls.pki, cls.dir)
        cls.sasl_broker = KafkaPeer(address="127.0.88.2", tls_pki_dir=cls.pki, sasl="PLAIN",
                                    user=USER, password=SASL_PASSWORD)
        cls.mtls_broker = KafkaPeer(address="127.0.88.3", tls_pki_dir=cls.pki,
                                    tls_client_auth="required")

    @classmethod
    def tearDownClass(cls):
        for peer in (cls.mtls_broker, cls.sasl_broker, cls.peer):
            peer.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def assert_clean(self, result):
        for core in SECRET_CORES:
            self.assertNotIn(core, result.out, f"a secret leaked into stdout\n{result}")
            self.assertNotIn(core, result.err, f"a secret leaked into stderr\n{result}")

    def check(self, properties_text, *extra, env=None, name="client.properties"):
        path = write(os.path.join(self.dir, name), properties_text)
        result = vpcprobe("check", "--client-config", path, "--format", "json", *extra, env=env)
        self.assert_clean(result)
        return result

    def test_java_client_with_a_jks_trust_store_and_jaas_credentials(self):
        trust = self.stores.trust_store("trust.jks", self.peer.ca_file, "JKS")
        secrets = write(os.path.join(self.dir, "secrets.properties"),
                        "truststore.password : " + java_escaped(STORE_PASSWORD) + "\n")
        # As Java users write them: ':' and whitespace separators, a value continued over
        # lines, escapes, comments, and the store password from a config provider.
        properties = (
            "# the client's own file\n"
            f"bootstrap.servers : {self.sasl_broker.listen}\n"
            "security.protocol SASL_SSL\n"
            "sasl.mechanism=PLAIN\n"
            "config.providers=file\n"
            "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule \\\n"
            "    required \\\n"
            f"    username=\"{USER}\" password=\"" +
            java_escaped(SASL_PASSWORD.replace("\\", "\\\\").replace('"', '\\"')) + "\";\n"
            f"ssl.truststore.location={java_escaped(trust)}\n"
            "ssl.truststore.password=${file:" + java_escaped(secrets) + ":truststore.password}\n"
            "linger.ms=5\n")
        result = self.check(properties)
        self.assertEqual(result.code, 0, result)
        report = result.json
        validate(report)
        host, port = self.sasl_broker.address, self.sasl_broker.port
        target = result.target(host, port)
        self.assertEqual(target["status"], "ok", result)
        kafka = target["stages"]["protocol"]["kafka"]
        self.assertTrue(kafka["authenticated"], result)
        client = report["agent"]["client_config"]
        self.assertEqual(client["format"], "Java properties")
        self.assertEqual(client["keys_used"],
                         ["bootstrap.servers", "security.protocol", "sasl.mechanism",
                          "sasl.jaas.config", "ssl.truststore.location",
                          "ssl.truststore.password"])
        self.assertIn("JKS", report["agent"]["tls"]["trust"])
        self.assertEqual(len(report["agent"]["tls"]["trust_subjects"]), 1)
        text = vpcprobe("check", "--client-config", os.path.join(self.dir, "client.properties"))
        self.assert_clean(text)
        self.assertIn("checked as configured in", text.out)

    def test_the_clients_trust_store_replaces_the_system_store(self):
        # The "system store" here trusts the peer's CA (OpenSSL reads SSL_CERT_FILE); the
        # client's trust store holds another CA only. The client would fail, so must the check.
        system = {"SSL_CERT_FILE": self.peer.ca_file, "SSL_CERT_DIR": self.dir}
        listen = self.sasl_broker.listen
        plain = vpcprobe("check", "--bootstrap", "SSL://" + listen, "--no-protocol",
                         "--format", "json", env=system)
        self.assertEqual(plain.code, 0, plain)
        other = self.stores.trust_store("other.p12", self.stores.pem("other-ca.pem"), "PKCS12")
        result = self.check(f"bootstrap.servers={listen}\nsecurity.protocol=SSL\n"
                            f"ssl.truststore.location={other}\nssl.truststore.type=PKCS12\n"
                            f"ssl.truststore.password={java_escaped(STORE_PASSWORD)}\n",
                            "--no-protocol", env=system)
        self.assertEqual(result.code, 2, result)
        target = result.target(self.sasl_broker.address, self.sasl_broker.port)
        self.assertEqual(target["cause"]["code"], "cert.untrusted", result)
        self.assertIn("PKCS12", result.json["agent"]["tls"]["trust"])

    def test_a_wrong_store_password_is_a_usage_error_naming_the_key(self):
        trust = self.stores.trust_store("trust-pw.jks", self.peer.ca_file, "JKS")
        result = self.check(f"bootstrap.servers={self.sasl_broker.listen}\n"
                            "security.protocol=SSL\n"
                            f"ssl.truststore.location={trust}\n"
                            "ssl.truststore.password=not-the-Jq7storeSecret\n")
        self.assertEqual(result.code, 3, result)
        self.assertEqual(result.out, "")
        self.assertEqual(len(result.err.strip().splitlines()), 1, result)
        self.assertIn("client.properties", result.err)
        self.assertIn("ssl.truststore", result.err)
        self.assertIn("password", result.err)

    def test_a_client_that_does_not_verify_hostnames_gets_a_warning(self):
        trust = self.stores.trust_store("trust-host.p12", self.peer.ca_file, "PKCS12")
        common = (f"bootstrap.servers={self.wrong_host}\nsecurity.protocol=SSL\n"
                  f"ssl.truststore.location={trust}\nssl.truststore.type=PKCS12\n"
                  f"ssl.truststore.password={java_escaped(STORE_PASSWORD)}\n")
        verifying = self.check(common, "--no-protocol")
        self.assertEqual(verifying.code, 2, verifying)
        host, port = self.wrong_host.rsplit(":", 1)
        target = verifying.target(host, int(port))
        self.assertEqual(target["cause"]["code"], "cert.hostname_mismatch")

        lax = self.check(common + "ssl.endpoint.identification.algorithm=\n", "--no-protocol")
        self.assertEqual(lax.code, 1, lax)
        target = lax.target(host, int(port))
        self.assertEqual(target["status"], "warning", lax)
        self.assertEqual(target["cause"]["code"], "cert.hostname_mismatch")
        self.assertEqual(target["stages"]["certificate"]["status"], "warning")
        notes = " ".join(lax.json["agent"]["client_config"]["notes"])
        self.assertIn("does not verify hostnames", notes)

    def test_mutual_tls_with_the_clients_key_store(self):
        trust = self.stores.trust_store("trust-mtls.jks", self.peer.ca_file, "JKS")
        base = (f"bootstrap.servers={self.mtls_broker.listen}\nsecurity.protocol=SSL\n"
                f"ssl.truststore.location={trust}\n"
                f"ssl.truststore.password={java_escaped(STORE_PASSWORD)}\n")
        host, port = self.mtls_broker.address, self.mtls_broker.port

        without = self.check(base)
        self.assertEqual(without.code, 2, without)
        cause = without.target(host, port)["cause"]
        self.assertEqual(cause["code"], "tls.client_cert_required", without)
        self.assertTrue(cause["remedy"], without)

        keystore = self.stores.key_store("client.jks", "good", "JKS")
        with_jks = self.check(base + f"ssl.keystore.location={keystore}\n"
                              f"ssl.keystore.password={java_escaped(STORE_PASSWORD)}\n"
                              f"ssl.key.password={java_escaped(KEY_PASSWORD)}\n")
        self.assertEqual(with_jks.code, 0, with_jks)
        presented = with_jks.json["agent"]["tls"]["client_certificate"]
        self.assertIsNotNone(presented, with_jks)
        self.assertIn("ssl.keystore.location", presented["source"])

        other = self.stores.key_store("other.p12", "other-ca", "PKCS12")
        rejected = self.check(base + f"ssl.keystore.location={other}\n"
                              "ssl.keystore.type=PKCS12\n"
                              f"ssl.keystore.password={java_escaped(STORE_PASSWORD)}\n")
        self.assertEqual(rejected.code, 2, rejected)
        self.assertEqual(rejected.target(host, port)["cause"]["code"],
                         "tls.client_cert_rejected", rejected)

        wrong_key_password = self.check(base + f"ssl.keystore.location={keystore}\n"
                                        f"ssl.keystore.password={java_escaped(STORE_PASSWORD)}\n"
                                        "ssl.key.password=wrong-Rt5keySecret-not\n")
        self.assertEqual(wrong_key_password.code, 3, wrong_key_password)
        self.assertIn("ssl.key", wrong_key_password.err)

        chain, key = self.peer.client_cert("good")
        flags = vpcprobe("check", "--bootstrap", "SSL://" + self.mtls_broker.listen,
                         "--ca-file", self.peer.ca_file, "--client-cert", chain,
                         "--client-key", key, "--format", "json")
        self.assertEqual(flags.code, 0, flags)

    def test_a_mechanism_vpcprobe_does_not_speak_is_checked_up_to_the_handshake(self):
        trust = self.stores.trust_store("trust-oauth.p12", self.peer.ca_file, "PKCS12")
        jaas = ("org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required "
                'clientId="probe" clientSecret="never-sent";')
        with KafkaPeer(address="127.0.88.4", tls_pki_dir=self.pki, sasl="PLAIN",
                       password="unused", sasl_also=["OAUTHBEARER"]) as broker:
            properties = (f"bootstrap.servers={broker.listen}\nsecurity.protocol=SASL_SSL\n"
                          f"sasl.mechanism=OAUTHBEARER\nsasl.jaas.config={jaas}\n"
                          f"ssl.truststore.location={trust}\nssl.truststore.type=PKCS12\n"
                          f"ssl.truststore.password={java_escaped(STORE_PASSWORD)}\n")
            offered = self.check(properties)
            self.assertEqual(offered.code, 0, offered)
            kafka = offered.target(broker.address, broker.port)["stages"]["protocol"]["kafka"]
            self.assertIn("OAUTHBEARER", kafka["sasl_mechanisms_offered"])
            self.assertFalse(kafka["authenticated"])
            self.assertIn("does not speak", kafka["metadata_not_checked"])
            notes = " ".join(offered.json["agent"]["client_config"]["notes"])
            self.assertIn("OAuthBearerLoginModule", notes)
            self.assertEqual(offered.json["agent"]["sasl_mechanism"], "OAUTHBEARER")

            refused = self.check(properties.replace("OAUTHBEARER", "GSSAPI", 1))
            self.assertEqual(refused.code, 2, refused)
            cause = refused.target(broker.address, broker.port)["cause"]
            self.assertEqual(cause["code"], "protocol.auth_failed", refused)
            self.assertIn("does not offer SASL mechanism GSSAPI", cause["summary"])

    def test_a_cluster_link_json_body_is_a_client_configuration(self):
        with open(self.peer.ca_file) as f:
            trust_pem = f.read()
        body = {"source_cluster_id": "lkc-test",
                "configs": [{"name": "bootstrap.servers", "value": self.sasl_broker.listen},
                            {"name": "security.protocol", "value": "SASL_SSL"},
                            {"name": "sasl.mechanism", "value": "PLAIN"},
                            {"name": "sasl.jaas.config", "value": jaas_value(USER, SASL_PASSWORD)},
                            {"name": "ssl.truststore.type", "value": "PEM"},
                            {"name": "ssl.truststore.certificates", "value": trust_pem}]}
        result = self.check(json.dumps(body), name="link.json")
        self.assertEqual(result.code, 0, result)
        self.assertEqual(result.json["agent"]["client_config"]["format"], "cluster link JSON")


@unittest.skipUnless(KCAT, "needs kcat")
class KcatAgrees(unittest.TestCase):
    """The same librdkafka configuration to kcat -L -F and to vpcprobe: librdkafka's mock cluster
    behind the TLS proxy, which requires a client certificate."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="vpcprobe-kcat-")
        cls.mock = MockKafka(brokers=1)
        cls.proxy = TlsProxy([f"127.0.88.10:0={cls.mock.bootstrap.split(',')[0]}"],
                             hosts=("127.0.88.10", "localhost"), client_auth="required")
        cls.listen = cls.proxy.listening[0]

    @classmethod
    def tearDownClass(cls):
        cls.proxy.close()
        cls.mock.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def config(self, name, ca, certificate=None):
        lines = [f"bootstrap.servers={self.listen}", "security.protocol=ssl",
                 f"ssl.ca.location={ca}"]
        if certificate:
            chain, key = self.proxy.client_cert(certificate)
            lines += [f"ssl.certificate.location={chain}", f"ssl.key.location={key}"]
        return write(os.path.join(self.dir, name), "\n".join(lines) + "\n")

    def both(self, path):
        kcat = run(KCAT, "-L", "-F", path, "-m", "5", check=False)
        # kcat -L asks the bootstrap only; the mock's advertised brokers speak plaintext.
        ours = vpcprobe("check", "--client-config", path, "--no-advertised", "--format", "json")
        return kcat, ours

    def test_both_connect_with_the_right_certificate(self):
        kcat, ours = self.both(self.config("good.conf", self.proxy.ca_file, "good"))
        self.assertEqual(kcat.returncode, 0, kcat.stderr)
        self.assertEqual(ours.code, 0, ours)
        self.assertEqual(ours.json["agent"]["client_config"]["format"], "librdkafka")

    def test_both_fail_without_a_certificate_and_vpcprobe_says_why(self):
        kcat, ours = self.both(self.config("none.conf", self.proxy.ca_file))
        self.assertNotEqual(kcat.returncode, 0, kcat.stdout)
        self.assertEqual(ours.code, 2, ours)
        host, port = self.listen.rsplit(":", 1)
        self.assertEqual(ours.target(host, int(port))["cause"]["code"],
                         "tls.client_cert_required", ours)

    def test_both_fail_with_the_wrong_trust_anchor(self):
        other = os.path.join(self.proxy.pki_dir, "other-ca.pem")
        kcat, ours = self.both(self.config("other.conf", other, "good"))
        self.assertNotEqual(kcat.returncode, 0, kcat.stdout)
        self.assertEqual(ours.code, 2, ours)
        host, port = self.listen.rsplit(":", 1)
        self.assertEqual(ours.target(host, int(port))["cause"]["code"], "cert.untrusted", ours)


if __name__ == "__main__":
    unittest.main()
