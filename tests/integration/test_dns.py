# SPDX-License-Identifier: Apache-2.0
"""End to end: the DNS stage against a real dnsmasq on loopback, and against resolvers that
refuse or never answer. Addresses 127.0.82.0/24 are this file's."""
import socket
import unittest

from harness import CATALOG, Dnsmasq, TestPeer, catalog_host, free_port, validate, vpcprobe

INSTANCE = "e2edns01"


class CatalogDns(unittest.TestCase):
    def test_pub_endpoints_that_do_not_exist_are_nxdomain(self):
        # Only the VPC names and Control Center's public name exist, as on a fresh instance.
        records = {catalog_host(c, INSTANCE): "127.0.82.1" for c in CATALOG}
        records[catalog_host("control-center", INSTANCE, "pub")] = "127.0.82.2"
        with Dnsmasq(records) as dns:
            r = vpcprobe("check", "--instance", INSTANCE, "--access", "pub", "--dns-server",
                         dns.server, "--timeout", "1s", "--format", "json")
        self.assertEqual(r.code, 2, r)
        validate(r.json)
        self.assertEqual(len(r.json["targets"]), 7)
        for t in r.json["targets"]:
            self.assertEqual(t["access"], "pub")
            if t["component"] == "control-center":
                # it resolves; nothing listens on 127.0.82.2:443
                self.assertEqual(t["stages"]["dns"]["status"], "ok")
                self.assertEqual(t["stages"]["dns"]["addresses"], ["127.0.82.2"])
                self.assertEqual(t["cause"]["code"], "tcp.refused", t)
            else:
                self.assertEqual(t["status"], "failed")
                self.assertEqual(t["cause"]["code"], "dns.nxdomain", t)
                self.assertEqual(t["cause"]["stage"], "dns")
                self.assertEqual(t["stages"]["tcp"]["status"], "skipped")
                self.assertIn(t["host"], t["cause"]["summary"])

    def test_several_addresses_both_families(self):
        host = "dual.alikafka.aliyuncs.com"
        with Dnsmasq({host: ["127.0.82.10", "127.0.82.11", "::1"]}) as dns:
            r = vpcprobe("endpoints", "--instance", INSTANCE)  # sanity: plan without DNS
            self.assertEqual(r.code, 0, r)
            r = vpcprobe("check", f"{host}:1", "--dns-server", dns.server, "--timeout", "1s",
                         "--format", "json")
        self.assertEqual(r.code, 2, r)
        t = r.json["targets"][0]
        self.assertEqual(sorted(t["stages"]["dns"]["addresses"]),
                         sorted(["127.0.82.10", "127.0.82.11", "::1"]))
        # every address was probed (port 1: nothing listens, so each is refused)
        self.assertEqual(len(t["addresses"]), 3)
        self.assertEqual(t["cause"]["code"], "tcp.refused")


class BrokenResolvers(unittest.TestCase):
    def test_a_run_ends_when_its_lookups_do_not_at_the_timeout(self):
        # The resolver once kept an idle c-ares timer armed after the last answer, so every run
        # with a name in it lasted a third of --timeout longer than its probes (10s here).
        host = f"quick.{INSTANCE}.alikafka.aliyuncs.com"
        with Dnsmasq({host: "127.0.82.40"}) as dns:
            r = vpcprobe("check", f"{host}:1", "--dns-server", dns.server, "--timeout", "30s",
                         "--format", "json")
        self.assertEqual(r.code, 2, r)  # nothing listens on port 1: refused, at once
        self.assertEqual(r.json["targets"][0]["cause"]["code"], "tcp.refused")
        self.assertLess(r.elapsed, 5, r.json["agent"]["duration_ms"])

    def test_resolver_that_never_answers_times_out_within_the_stage_timeout(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sink, \
                socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp_sink:
            sink.bind(("127.0.82.53", 0))
            port = sink.getsockname()[1]
            tcp_sink.bind(("127.0.82.53", port))
            tcp_sink.listen(16)  # accepts (in the backlog) and never answers either
            r = vpcprobe("check", "--instance", INSTANCE, "--dns-server",
                         f"127.0.82.53:{port}", "--timeout", "1s", "--format", "json")
        self.assertEqual(r.code, 2, r)
        validate(r.json)
        for t in r.json["targets"]:
            self.assertEqual(t["cause"]["code"], "dns.timeout", t)
        self.assertLess(r.elapsed, 3.5, "seven lookups in parallel, each bounded by 1s")

    def test_resolver_port_with_nothing_listening_is_refused(self):
        port = free_port("127.0.82.54")
        r = vpcprobe("check", "kafka.alikafka.aliyuncs.com:9095", "--dns-server",
                     f"127.0.82.54:{port}", "--timeout", "1s", "--format", "json")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.json["targets"][0]["cause"]["code"], "dns.refused", r.json)
        self.assertIn(f"127.0.82.54:{port}", r.json["agent"]["resolvers"])


if __name__ == "__main__":
    unittest.main()
