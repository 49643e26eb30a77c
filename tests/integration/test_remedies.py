# SPDX-License-Identifier: Apache-2.0
"""End to end: the real binary's remedies (docs/report.md, "Remedies") are written for the target
that failed: a port nobody listens on names that port and address, a server that does not send
its intermediate certificate names that intermediate, in every format. Addresses 127.0.91.0/24
are this file's."""
import unittest

from harness import Dnsmasq, TestPeer, free_port, validate, vpcprobe

REFUSED_ADDRESS = "127.0.91.2"
TLS_ADDRESS = "127.0.91.3"
TLS_HOST = "no-intermediate.remedies.alikafka.aliyuncs.com"
INTERMEDIATE_CN = "vpcprobe test intermediate CA"


class RemediesNameTheTarget(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dns = Dnsmasq({TLS_HOST: TLS_ADDRESS}, address="127.0.91.1")
        cls.peer = TestPeer([f"{TLS_ADDRESS}:8443=tls:no-intermediate"], hosts=[TLS_HOST])
        # A port on an address of ours where nothing listens: the kernel answers with a RST.
        cls.refused_port = free_port(REFUSED_ADDRESS)

    @classmethod
    def tearDownClass(cls):
        cls.peer.close()
        cls.dns.close()

    def check(self, *extra):
        return vpcprobe("check", f"{REFUSED_ADDRESS}:{self.refused_port}=connect",
                        f"{TLS_HOST}:8443=schema-registry", "--dns-server", self.dns.server,
                        "--ca-file", self.peer.ca_file, "--timeout", "2s", "--no-protocol",
                        *extra)

    def test_json_remedies_name_the_port_address_and_intermediate(self):
        r = self.check("--format", "json")
        self.assertEqual(r.code, 2, r)
        validate(r.json)
        refused = r.target(REFUSED_ADDRESS, self.refused_port)
        self.assertEqual(refused["cause"]["code"], "tcp.refused", refused)
        self.assertIn(f"nothing listens on port {self.refused_port} at {REFUSED_ADDRESS}",
                      refused["cause"]["remedy"])
        chain = r.target(TLS_HOST, 8443)
        self.assertEqual(chain["cause"]["code"], "cert.incomplete_chain", chain)
        remedy = chain["cause"]["remedy"]
        self.assertIn(f"the server at {TLS_ADDRESS}:8443 must send its intermediate certificate",
                      remedy)
        self.assertIn(INTERMEDIATE_CN, remedy)
        self.assertIn("the leaf's issuer", remedy)
        # The leaf's issuer as the chain shows it is the one named.
        issuer = chain["stages"]["certificate"]["chain"][0]["issuer"]
        self.assertIn(f"({issuer}, the leaf's issuer)", remedy)

    def test_text_report_says_what_to_do_under_each_failure(self):
        r = self.check("--format", "text", "--no-color")
        self.assertEqual(r.code, 2, r)
        lines = r.out.splitlines()
        to_do = [line.strip() for line in lines if line.strip().startswith("what to do: ")]
        self.assertEqual(len(to_do), 2, r.out)
        self.assertTrue(any(f"nothing listens on port {self.refused_port} at {REFUSED_ADDRESS}" in line
                            for line in to_do), to_do)
        self.assertTrue(any(INTERMEDIATE_CN in line for line in to_do), to_do)
        # The certificate column says why the chain failed, not its days left.
        self.assertIn("\u2717 incomplete chain", r.out)
        self.assertIn("2 targets: 0 ok, 0 warnings, 2 failed", r.out)

    def test_markdown_and_junit_carry_the_remedies(self):
        markdown = self.check("--format", "markdown")
        self.assertEqual(markdown.code, 2, markdown)
        self.assertIn(f"- **What to do:** nothing listens on port {self.refused_port} at "
                      f"{REFUSED_ADDRESS}", markdown.out)
        junit = self.check("--format", "junit")
        self.assertEqual(junit.code, 2, junit)
        self.assertIn(f"what to do: nothing listens on port {self.refused_port} at {REFUSED_ADDRESS}",
                      junit.out)
        self.assertIn(INTERMEDIATE_CN, junit.out)


if __name__ == "__main__":
    unittest.main()
