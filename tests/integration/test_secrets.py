# SPDX-License-Identifier: Apache-2.0
"""End to end: one known SASL username and password, fed through every way vpcprobe takes
credentials (the environment, files named by a flag or by the config, environment variables named
by the config), must appear in nothing vpcprobe writes: any report format on stdout or in an -o
file, stderr, error messages of refused invocations, serve's log, its HTTP endpoints, its state
directory and `vpcprobe history`. The Kafka peer is kafkapeer.py with SASL/PLAIN (the mechanism
that hands the password over as is); one of them is careless and quotes a rejected login back in
its error message, which vpcprobe must redact before it reports it.

The secrets carry characters that every format escapes differently (quotes, backslash, <, &, |),
so the assertions look for their distinctive alphanumeric cores, which survive any escaping.
Addresses 127.0.87.0/24 are this file's."""
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import unittest

from harness import KafkaPeer, Serve, TestPeer, vpcprobe

USER_CORE = "probeuserK4d1f"
PASSWORD_CORE = "Zx9secretQw7"
USER = f"svc-{USER_CORE}"
PASSWORD = f'p"w\\<{PASSWORD_CORE}>&|*_`'
FORMATS = ("text", "json", "markdown", "prometheus", "junit")

GOOD_PEER = "127.0.87.1"  # accepts USER / PASSWORD
ECHO_PEER = "127.0.87.2"  # expects another password and quotes the rejected login back
SERVE_LISTEN = "127.0.87.100"
CLIENT_GOOD_PEER = "127.0.87.5"  # TLS + SASL/PLAIN, accepts USER / PASSWORD
CLIENT_ECHO_PEER = "127.0.87.6"  # TLS, expects another password and quotes the login back
CLIENT_SERVE_LISTEN = "127.0.87.101"
KEYTOOL = shutil.which("keytool")


def write(path, text, mode=0o600):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


class SecretAbsent(unittest.TestCase):
    def assert_clean(self, text, where):
        for core in (PASSWORD_CORE, USER_CORE):
            self.assertNotIn(core, text, f"the secret {core!r} leaked into {where}")

    def assert_files_clean(self, folder, where):
        """Every file under `folder`, whatever vpcprobe wrote there."""
        files = [p for p in glob.glob(os.path.join(folder, "**"), recursive=True)
                 if os.path.isfile(p)]
        self.assertTrue(files, f"nothing was written to {where}")
        for path in files:
            with open(path, errors="replace") as f:
                self.assert_clean(f.read(), f"{where}: {os.path.relpath(path, folder)}")
        return files


class Check(SecretAbsent):
    """`vpcprobe check` with the credentials given each way, every format, to stdout and -o."""

    @classmethod
    def setUpClass(cls):
        cls.good = KafkaPeer(sasl="PLAIN", user=USER, password=PASSWORD, address=GOOD_PEER)
        cls.echo = KafkaPeer(sasl="PLAIN", user=USER, password="the-broker-expects-another",
                             address=ECHO_PEER, echo_credentials=True)
        cls.dir = tempfile.mkdtemp(prefix="vpcprobe-secrets-")
        cls.password_file = write(os.path.join(cls.dir, "password"), PASSWORD + "\n")
        cls.username_file = write(os.path.join(cls.dir, "username"), USER + "\n")

    @classmethod
    def tearDownClass(cls):
        cls.good.close()
        cls.echo.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def config(self, name, sasl_lines):
        targets = (f'targets = ["SASL_PLAINTEXT://{self.good.listen}=kafka", '
                   f'"SASL_PLAINTEXT://{self.echo.listen}=kafka"]\n')
        return write(os.path.join(self.dir, name),
                     targets + 'timeout = "2s"\n[sasl]\nmechanism = "PLAIN"\n' + sasl_lines)

    def ways(self):
        """(name, extra argv, env): the same credentials, each way vpcprobe takes them."""
        targets = [f"SASL_PLAINTEXT://{self.good.listen}=kafka",
                   f"SASL_PLAINTEXT://{self.echo.listen}=kafka"]
        flags = ["--sasl-mechanism", "PLAIN", "--timeout", "2s"]
        files = self.config("files.toml", f'username_file = "{self.username_file}"\n'
                                          f'password_file = "{self.password_file}"\n')
        named_env = self.config("env.toml", 'username_env = "KAFKA_USER"\n'
                                            'password_env = "KAFKA_PASSWORD"\n')
        return [
            ("environment", [*targets, *flags],
             {"VPCPROBE_SASL_USERNAME": USER, "VPCPROBE_SASL_PASSWORD": PASSWORD}),
            ("--sasl-password-file", [*targets, *flags, "--sasl-password-file",
                                      self.password_file], {"VPCPROBE_SASL_USERNAME": USER}),
            ("config files", ["-c", files], {}),
            ("config environment names", ["-c", named_env],
             {"KAFKA_USER": USER, "KAFKA_PASSWORD": PASSWORD}),
        ]

    def test_every_way_in_every_format(self):
        for way, argv, env in self.ways():
            for fmt in FORMATS:
                with self.subTest(way=way, format=fmt), \
                        tempfile.TemporaryDirectory() as out:
                    report = os.path.join(out, f"report.{fmt}")
                    r = vpcprobe("check", *argv, "--format", fmt, "-o", report, env=env)
                    # The good peer authenticated; the echoing one refused: a failed target.
                    self.assertEqual(r.code, 2, r)
                    self.assert_clean(r.out, "stdout")
                    self.assert_clean(r.err, "stderr")
                    self.assert_files_clean(out, "the -o report")
                    with open(report) as f:
                        text = f.read()
                    self.assertIn("auth", text.lower())  # the refusal itself is reported
                    if fmt == "json":
                        r = vpcprobe("check", *argv, "--format", "json", env=env)
                        by_host = {t["host"]: t for t in r.json["targets"]}
                        good = by_host[GOOD_PEER]["stages"]["protocol"]["kafka"]
                        self.assertTrue(good["authenticated"], good)
                        echo = by_host[ECHO_PEER]
                        self.assertEqual(echo["cause"]["code"], "protocol.auth_failed")
                        # The peer did quote the login back, and vpcprobe redacted it.
                        self.assertIn("<redacted>", echo["cause"]["summary"] +
                                      echo["cause"].get("detail", ""), echo["cause"])
                        self.assertNotIn(PASSWORD_CORE, r.json["agent"]["command_line"])

    def test_the_echoing_peer_really_echoes(self):
        # Proves the check above can fail: the peer's own log shows what it would send.
        r = vpcprobe("check", f"SASL_PLAINTEXT://{self.echo.listen}=kafka", "--sasl-mechanism",
                     "PLAIN", "--timeout", "2s", "--format", "json",
                     env={"VPCPROBE_SASL_USERNAME": USER, "VPCPROBE_SASL_PASSWORD": PASSWORD})
        self.assertEqual(r.code, 2, r)
        self.assertIn(PASSWORD_CORE, self.echo.log_text())

    def test_refused_invocations_never_repeat_the_secret(self):
        bad_config = write(os.path.join(self.dir, "bad.toml"),
                           f'[sasl]\nmechanism = "PLAIN"\npassword = "{PASSWORD_CORE}"\n')
        host_config = write(os.path.join(self.dir, "host.toml"),
                            f'[[target]]\nhost = "{USER}:{PASSWORD_CORE}@b"\nport = 9092\n')
        two_lines = write(os.path.join(self.dir, "two-lines"), f"{PASSWORD}\n{PASSWORD}\n")
        target = f"SASL_PLAINTEXT://{self.good.listen}=kafka"
        cases = [
            (["check", target, "--sasl-password", PASSWORD], "--sasl-password"),
            (["check", target, f"--sasl-password={PASSWORD}"], "--sasl-password"),
            (["check", target, f"--api-key={PASSWORD}"], "--api-key"),
            (["check", f"SASL_SSL://{USER}:{PASSWORD}@{self.good.listen}"], "credentials"),
            (["check", "--bootstrap", f"{USER}:{PASSWORD}@{self.good.listen}"], "--bootstrap"),
            (["check", "-c", bad_config], "bad.toml"),
            (["check", "-c", host_config], "host.toml"),
            (["check", target, "--sasl-mechanism", "PLAIN", "--sasl-password-file", two_lines],
             "two-lines"),
            (["serve", target, "--sasl-password", PASSWORD], "--sasl-password"),
        ]
        for argv, named in cases:
            with self.subTest(argv=argv[:2]):
                r = vpcprobe(*argv, env={"VPCPROBE_SASL_USERNAME": USER})
                self.assertEqual(r.code, 3, r)
                self.assertIn(named, r.err)  # the error names what is at fault...
                self.assert_clean(r.out + r.err, "the error message")  # ...never the secret


class ServeLogsAndEndpoints(SecretAbsent):
    """`vpcprobe serve` over a config whose credentials come from files: its log, every
    endpoint, its state directory and `vpcprobe history`, across a refused reload too."""

    def test_serve(self):
        with KafkaPeer(sasl="PLAIN", user=USER, password=PASSWORD,
                       address="127.0.87.3") as good, \
                KafkaPeer(sasl="PLAIN", user=USER, password="another", address="127.0.87.4",
                          echo_credentials=True) as echo, \
                tempfile.TemporaryDirectory() as work:
            state = os.path.join(work, "state")
            password_file = write(os.path.join(work, "password"), PASSWORD + "\n")
            username_file = write(os.path.join(work, "username"), USER + "\n")
            config = os.path.join(work, "vpcprobe.toml")
            good_config = (f'targets = ["SASL_PLAINTEXT://{good.listen}=kafka", '
                           f'"SASL_PLAINTEXT://{echo.listen}=kafka"]\ntimeout = "2s"\n'
                           f'[sasl]\nmechanism = "PLAIN"\nusername_file = "{username_file}"\n'
                           f'password_file = "{password_file}"\n')
            write(config, good_config)
            with Serve("-c", config, "--interval", "200ms", "--state-dir", state,
                       address=SERVE_LISTEN) as serve:
                serve.wait_healthy()
                serve.wait_log("check", count=3)
                bodies = {}
                for path, headers in (("/metrics", {}),
                                      ("/metrics", {"Accept": "application/openmetrics-text"}),
                                      ("/report.json", {}), ("/report.md", {}),
                                      ("/healthz", {})):
                    status, _, body = serve.get_text(path, headers=headers)
                    self.assertEqual(status, 200, path)
                    self.assert_clean(body, f"serve {path}")
                    bodies[path] = body
                self.assertIn("protocol.auth_failed", bodies["/report.json"])

                # A reload whose config writes the password in: refused, logged, not echoed.
                write(config, good_config.replace(
                    f'password_file = "{password_file}"', f'password = "{PASSWORD_CORE}"'))
                serve.proc.send_signal(signal.SIGHUP)
                (rejected,) = serve.wait_log("reload")
                self.assertIn("result=rejected", rejected)
                self.assertIn("sasl.password", rejected)  # names the key at fault
                write(config, good_config)
                serve.proc.send_signal(signal.SIGHUP)
                self.assertIn("result=ok", serve.wait_log("reload", count=2)[1])
                serve.wait_log("check", count=len(serve.log_lines("check")) + 2)

                with open(f"/proc/{serve.proc.pid}/cmdline", "rb") as f:
                    self.assert_clean(f.read().decode(errors="replace"), "serve's command line")
                log = serve.log_text()
            self.assertIn("result=rejected", log)
            self.assert_clean(log, "serve's log")
            self.assertGreater(len(self.assert_files_clean(state, "the state directory")), 1)
            for fmt in ("text", "json"):
                r = vpcprobe("history", "--state-dir", state, "--format", fmt)
                self.assertEqual(r.code, 0, r)
                self.assertIn("auth_failed", r.out)  # the history has the refusal in it
                self.assert_clean(r.out + r.err, f"vpcprobe history --format {fmt}")


def properties_escaped(text):
    """`text` as a Java .properties value (backslashes and separators escaped)."""
    return "".join("\\" + c if c in "\\#!=:" else c for c in text)


def jaas_quoted(text):
    """`text` inside a JAAS double-quoted value."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


@unittest.skipUnless(KEYTOOL, "needs Java's keytool (openjdk-17-jre-headless)")
class ClientConfigSecrets(SecretAbsent):
    """The secrets of a Kafka client configuration (the JAAS password, librdkafka's
    sasl.password, the trust and key store passwords, ${file:...} and ${env:...} values) in
    nothing vpcprobe writes: every format, -o files, errors of refused files, serve's log, its
    endpoints and its state directory."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="vpcprobe-client-secrets-")
        cls.pki_peer = TestPeer(["127.0.87.7:0=tls:good"],
                                hosts=("localhost", CLIENT_GOOD_PEER, CLIENT_ECHO_PEER))
        pki = os.path.join(cls.pki_peer.dir, "pki")
        cls.good = KafkaPeer(sasl="PLAIN", user=USER, password=PASSWORD,
                             address=CLIENT_GOOD_PEER, tls_pki_dir=pki)
        cls.echo = KafkaPeer(sasl="PLAIN", user=USER, password="the-broker-expects-another",
                             address=CLIENT_ECHO_PEER, tls_pki_dir=pki, echo_credentials=True)
        cls.trust = os.path.join(cls.dir, "trust.jks")
        subprocess.run([KEYTOOL, "-importcert", "-noprompt", "-alias", "ca", "-file",
                        cls.pki_peer.ca_file, "-keystore", cls.trust, "-storetype", "JKS",
                        "-storepass", PASSWORD], check=True, capture_output=True, timeout=120)
        p12 = os.path.join(cls.dir, "client.p12")
        subprocess.run(["openssl", "pkcs12", "-export", "-in",
                        os.path.join(pki, "client-good.chain.pem"), "-inkey",
                        os.path.join(pki, "client-good.key.pem"), "-name", "client", "-out", p12,
                        "-passout", "pass:" + PASSWORD], check=True, capture_output=True,
                       timeout=120)
        cls.keystore = os.path.join(cls.dir, "client.jks")
        subprocess.run([KEYTOOL, "-importkeystore", "-noprompt", "-srckeystore", p12,
                        "-srcstoretype", "PKCS12", "-srcstorepass", PASSWORD, "-destkeystore",
                        cls.keystore, "-deststoretype", "JKS", "-deststorepass", PASSWORD,
                        "-destkeypass", "key-" + PASSWORD], check=True, capture_output=True,
                       timeout=120)
        cls.secrets = write(os.path.join(cls.dir, "secrets.properties"),
                            # Substituted into sasl.jaas.config's quotes, as Kafka does.
                            "sasl.password=" + properties_escaped(jaas_quoted(PASSWORD)) + "\n")

    @classmethod
    def tearDownClass(cls):
        for peer in (cls.echo, cls.good, cls.pki_peer):
            peer.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def java(self, name, password_value):
        """A Java client.properties with both brokers, the JKS trust and key stores and the
        JAAS password given as `password_value` (a literal or a config provider)."""
        return write(os.path.join(self.dir, name),
                     f"bootstrap.servers={self.good.listen},{self.echo.listen}\n"
                     "security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\n"
                     "config.providers=file,env\n"
                     f"sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule "
                     f'required username="{USER}" password="{password_value}";\n'
                     f"ssl.truststore.location={self.trust}\n"
                     f"ssl.truststore.password={properties_escaped(PASSWORD)}\n"
                     f"ssl.keystore.location={self.keystore}\n"
                     f"ssl.keystore.password={properties_escaped(PASSWORD)}\n"
                     f"ssl.key.password={properties_escaped('key-' + PASSWORD)}\n")

    def ways(self):
        escaped = jaas_quoted(PASSWORD)
        librdkafka = write(os.path.join(self.dir, "kcat.conf"),
                           f"bootstrap.servers={self.good.listen},{self.echo.listen}\n"
                           "security.protocol=sasl_ssl\nsasl.mechanisms=PLAIN\n"
                           f"sasl.username={USER}\nsasl.password={PASSWORD}\n"
                           f"ssl.ca.location={self.pki_peer.ca_file}\n")
        return [
            ("JAAS literal", self.java("literal.properties", properties_escaped(escaped)), {}),
            ("${file:...}", self.java("file.properties",
                                      "${file:" + self.secrets + ":sasl.password}"), {}),
            ("${env:...}", self.java("env.properties", "${env:KAFKA_JAAS_PASSWORD}"),
             {"KAFKA_JAAS_PASSWORD": escaped}),
            ("librdkafka", librdkafka, {}),
        ]

    def test_every_way_in_every_format(self):
        for way, path, env in self.ways():
            for fmt in FORMATS:
                with self.subTest(way=way, format=fmt), tempfile.TemporaryDirectory() as out:
                    r = vpcprobe("check", "--client-config", path, "--no-advertised", "--format",
                                 fmt, "-o", os.path.join(out, "report"), env=env)
                    self.assertEqual(r.code, 2, r)  # the echoing peer refused the login
                    self.assert_clean(r.out, "stdout")
                    self.assert_clean(r.err, "stderr")
                    self.assert_files_clean(out, "the -o report")
            r = vpcprobe("check", "--client-config", path, "--no-advertised", "--format", "json",
                         env=env)
            by_host = {t["host"]: t for t in r.json["targets"]}
            self.assertTrue(by_host[CLIENT_GOOD_PEER]["stages"]["protocol"]["kafka"]
                            ["authenticated"], r)
            self.assertEqual(by_host[CLIENT_ECHO_PEER]["cause"]["code"], "protocol.auth_failed")
            self.assertIsNotNone(r.json["agent"]["client_config"])

    def test_refused_client_configurations_never_repeat_a_secret(self):
        good = self.java("base.properties", properties_escaped(PASSWORD))
        with open(good) as f:
            base = f.read()
        cases = {
            "wrong-store-password": base.replace(
                f"ssl.truststore.password={properties_escaped(PASSWORD)}",
                f"ssl.truststore.password=x{properties_escaped(PASSWORD)}"),
            "wrong-key-password": base.replace(
                f"ssl.key.password={properties_escaped('key-' + PASSWORD)}",
                f"ssl.key.password={properties_escaped(PASSWORD)}"),
            "jaas-without-semicolon": base.replace('";\n', '"\n', 1),
            "unknown-provider": base.replace(
                f"ssl.keystore.password={properties_escaped(PASSWORD)}",
                "ssl.keystore.password=${vault:" + PASSWORD_CORE + "}"),
        }
        for name, text in cases.items():
            with self.subTest(case=name):
                path = write(os.path.join(self.dir, name + ".properties"), text)
                r = vpcprobe("check", "--client-config", path)
                self.assertEqual(r.code, 3, r)
                self.assertIn(name + ".properties", r.err)
                self.assert_clean(r.out + r.err, "the error message")

    def test_serve(self):
        path = self.java("serve.properties", "${file:" + self.secrets + ":sasl.password}")
        with tempfile.TemporaryDirectory() as work:
            state = os.path.join(work, "state")
            with Serve("--client-config", path, "--no-advertised", "--interval", "200ms",
                       "--state-dir", state, address=CLIENT_SERVE_LISTEN) as serve:
                serve.wait_healthy()
                serve.wait_log("check", count=2)
                for endpoint in ("/metrics", "/report.json", "/report.md"):
                    status, _, body = serve.get_text(endpoint)
                    self.assertEqual(status, 200, endpoint)
                    self.assert_clean(body, f"serve {endpoint}")
                log = serve.log_text()
            self.assert_clean(log, "serve's log")
            self.assert_files_clean(state, "the state directory")


if __name__ == "__main__":
    unittest.main()
