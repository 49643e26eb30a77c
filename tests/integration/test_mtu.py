# SPDX-License-Identifier: Apache-2.0
"""End to end, as root: a path MTU black hole (docs/report.md, "MTU black holes"). Inside a
private network namespace, TLS endpoints on lo present a certificate chain of a few KB, and
nftables drops every packet from the endpoint's port longer than 1300 bytes with no ICMP
fragmentation-needed coming back, over IPv4 and IPv6. vpcprobe must keep tls.timeout (what a
client sees), retry with MSS 1200, and raise network.mtu_blackhole_suspected with the packet
size that gets through, in the JSON (valid against the schema), text and Markdown reports. lo
gets gso_max_segs 1 so each TCP segment meets the rule on its own, as on a real link."""
import unittest

import harness
from harness import TestPeer, require_root, validate, vpcprobe

harness.skip_module_unless_root()

OPEN = "10.89.1.1"
BLACKHOLE4 = "10.89.1.2"
BLACKHOLE6 = "fd89::2"
PORT = 9443
FINDING = "network.mtu_blackhole_suspected"

FILTER = f"""
table inet mtu {{
  chain output {{
    type filter hook output priority 0; policy accept;
    ip saddr {BLACKHOLE4} tcp sport {PORT} meta length gt 1300 drop
    ip6 saddr {BLACKHOLE6} tcp sport {PORT} meta length gt 1300 drop
  }}
}}
"""

# SANs enough for a leaf of a few KB: the server's first flight is far longer than 1300 bytes.
HOSTS = [OPEN, BLACKHOLE4, BLACKHOLE6] + [
    f"broker-{i:02}.mtu-blackhole.vpcprobe-test.example" for i in range(40)]

peer = None


def setUpModule():
    global peer
    if not harness.is_root():
        return
    harness.enter_private_netns([f"{OPEN}/32", f"{BLACKHOLE4}/32", f"{BLACKHOLE6}/128"],
                                FILTER)
    harness.run(["ip", "link", "set", "dev", "lo", "gso_max_segs", "1"])
    peer = TestPeer([f"{OPEN}:{PORT}=tls:good", f"{BLACKHOLE4}:{PORT}=tls:good",
                     f"[{BLACKHOLE6}]:{PORT}=tls:good"], hosts=HOSTS)


def tearDownModule():
    if peer:
        peer.close()


@require_root
class MtuBlackhole(unittest.TestCase):
    def check(self, fmt, *targets):
        return vpcprobe("check", *targets, "--ca-file", peer.ca_file, "--timeout", "1s",
                        "--no-protocol", "--format", fmt)

    def test_json_keeps_the_cause_and_names_the_path(self):
        r = self.check("json", f"{OPEN}:{PORT}=kafka", f"{BLACKHOLE4}:{PORT}=kafka",
                       f"[{BLACKHOLE6}]:{PORT}=kafka")
        self.assertEqual(r.code, 2, r)
        validate(r.json)
        self.assertLess(r.elapsed, 5, "one stall and one quick retry, all in parallel")
        ok = r.target(OPEN, PORT)
        self.assertEqual(ok["status"], "ok", ok)
        self.assertIsNone(ok["addresses"][0]["mtu"])
        for address, packet in ((BLACKHOLE4, 1240), (BLACKHOLE6, 1260)):
            with self.subTest(address=address):
                t = r.target(address, PORT)
                self.assertEqual(t["cause"]["code"], "tls.timeout", t["cause"])
                mtu = t["addresses"][0]["mtu"]
                self.assertEqual(mtu["stalled_stage"], "tls")
                self.assertEqual([(a["mss"], a["completed"], a["code"]) for a in mtu["attempts"]],
                                 [(536, True, None), (1200, True, None)])
                self.assertEqual(mtu["working_mss"], 1200)
                # Nothing came back to lower it: lo's MTU, as IP_MTU / IPV6_MTU give it.
                self.assertIn(mtu["kernel_path_mtu"], (65535, 65536))
                self.assertIn(FINDING, t["cause"]["remedy"])
                self.assertIn(f"packets of up to {packet} bytes get through",
                              self.finding(r)["summary"])
        finding = self.finding(r)
        self.assertEqual(finding["severity"], "error")
        self.assertEqual(sorted(finding["targets"]),
                         sorted([f"{BLACKHOLE4}:{PORT}", f"[{BLACKHOLE6}]:{PORT}"]))
        self.assertIn("ICMP fragmentation-needed", finding["remedy"])

    def test_text_and_markdown_say_it_under_the_cause(self):
        text = self.check("text", f"{BLACKHOLE4}:{PORT}=kafka")
        self.assertEqual(text.code, 2, text)
        self.assertIn("tls.timeout", text.out)
        self.assertIn("a retry with MSS 1200 completed the TLS handshake: path MTU black hole "
                      "suspected", text.out)
        self.assertIn(FINDING, text.out)
        markdown = self.check("markdown", f"{BLACKHOLE4}:{PORT}=kafka")
        self.assertIn("**Retried:** a retry with MSS 1200 completed the TLS handshake",
                      markdown.out)
        self.assertIn(FINDING, markdown.out)

    def finding(self, r):
        found = [f for f in r.json["findings"] if f["code"] == FINDING]
        self.assertEqual(len(found), 1, r.json["findings"])
        return found[0]


if __name__ == "__main__":
    unittest.main()
