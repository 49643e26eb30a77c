# SPDX-License-Identifier: Apache-2.0
"""End to end: the DNS stage against a real dnsmasq on loopback, and against resolvers that
refuse or never answer; answers that mislead (0.0.0.0 from a DNS filter, a loopback answer for
another host's name). Addresses 127.0.82.0/24 and 127.0.93.0/24 are this file's."""
import os
import socket
import tempfile
import unittest

from harness import (CATALOG, DOMAIN, Dnsmasq, KafkaPeer, TestPeer, catalog_host, free_port,
                     validate, vpcprobe)

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
            # asked again over TCP, where the sink takes the connection and never answers
            fallback = t["stages"]["dns"]["tcp_fallback"]
            self.assertFalse(fallback["answered"], fallback)
            self.assertEqual(fallback["code"], "dns.timeout")
            self.assertIn(f"asked again over TCP/{port}: no answer within 1s either",
                          t["stages"]["dns"]["detail"])
        self.assertLess(r.elapsed, 3.5, "seven lookups in parallel, each bounded by 1s over "
                        "UDP and 1s over TCP")

    def test_resolver_port_with_nothing_listening_is_refused(self):
        port = free_port("127.0.82.54")
        r = vpcprobe("check", "kafka.alikafka.aliyuncs.com:9095", "--dns-server",
                     f"127.0.82.54:{port}", "--timeout", "1s", "--format", "json")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.json["targets"][0]["cause"]["code"], "dns.refused", r.json)
        self.assertIn(f"127.0.82.54:{port}", r.json["agent"]["resolvers"])


class ThisHostListener:
    """A listener on 127.0.0.1 at a free port that never accepts: where a connection to
    0.0.0.0 at that port would land. connected() says whether one is waiting in its backlog."""

    def __enter__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        return self

    def connected(self):
        self.sock.setblocking(False)
        try:
            conn, _ = self.sock.accept()
        except BlockingIOError:
            return False
        conn.close()
        return True

    def __exit__(self, *exc):
        self.sock.close()


class MisleadingAnswers(unittest.TestCase):
    """A DNS firewall's 0.0.0.0 is dns.sinkhole, never probed (0.0.0.0 is this host: the probe
    would reach whatever listens here and call the target refused or, worse, healthy)."""

    DNS_ADDRESS = "127.0.93.53"

    def test_a_name_a_dns_filter_answers_0_0_0_0_for_is_dns_sinkhole(self):
        host = f"vpc-kafka-blocked.{DOMAIN}"
        with Dnsmasq({host: "0.0.0.0"}, address=self.DNS_ADDRESS) as dns, \
                ThisHostListener() as here:
            r = vpcprobe("check", f"{host}:{here.port}", "--dns-server", dns.server,
                         "--timeout", "1s", "--format", "json")
            self.assertFalse(here.connected(), "a connection reached this host")
        self.assertEqual(r.code, 2, r)
        validate(r.json)
        t = r.json["targets"][0]
        self.assertEqual(t["status"], "failed")
        self.assertEqual(t["cause"]["code"], "dns.sinkhole", t)
        self.assertNotEqual(t["cause"]["code"], "tcp.refused")
        self.assertEqual(t["cause"]["stage"], "dns")
        self.assertIn(dns.server, t["cause"]["summary"])
        self.assertIn("0.0.0.0", t["cause"]["summary"])
        self.assertEqual(t["stages"]["dns"]["status"], "failed")
        self.assertEqual(t["stages"]["dns"]["addresses"], ["0.0.0.0"])
        self.assertEqual(t["stages"]["tcp"]["status"], "skipped")
        self.assertEqual(t["addresses"], [])

    def test_the_text_report_names_the_cause_and_the_resolver(self):
        host = f"vpc-kafka-blocked2.{DOMAIN}"
        with Dnsmasq({host: ["0.0.0.0", "::"]}, address=self.DNS_ADDRESS) as dns, \
                ThisHostListener() as here:
            r = vpcprobe("check", f"{host}:{here.port}", "--dns-server", dns.server,
                         "--timeout", "1s")
            self.assertFalse(here.connected(), "a connection reached this host")
        self.assertEqual(r.code, 2, r)
        self.assertIn("dns.sinkhole", r.out)
        self.assertIn(dns.server, r.out)
        self.assertNotIn("tcp.refused", r.out)

    def test_0_0_0_0_beside_a_real_answer_probes_the_real_one_and_warns(self):
        host = f"vpc-kafka-mixed.{DOMAIN}"
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as real, \
                ThisHostListener() as here:
            real.bind(("127.0.93.10", here.port))
            real.listen(16)
            with Dnsmasq({host: ["0.0.0.0", "127.0.93.10"]}, address=self.DNS_ADDRESS) as dns:
                r = vpcprobe("check", f"{host}:{here.port}", "--dns-server", dns.server,
                             "--tcp-only", "--timeout", "1s", "--format", "json")
            self.assertFalse(here.connected(), "a connection reached this host")
        self.assertEqual(r.code, 1, r)  # a warning
        validate(r.json)
        t = r.json["targets"][0]
        self.assertEqual(t["status"], "warning")
        self.assertEqual(t["cause"]["code"], "dns.sinkhole", t)
        self.assertEqual(t["stages"]["dns"]["status"], "warning")
        self.assertEqual(sorted(t["stages"]["dns"]["addresses"]), ["0.0.0.0", "127.0.93.10"])
        self.assertEqual([a["address"] for a in t["addresses"]], ["127.0.93.10"])
        self.assertEqual(t["addresses"][0]["tcp"]["status"], "ok")
        self.assertIn("only 127.0.93.10 is probed", t["cause"]["summary"])
        # a loopback answer for a name that is not this host's own
        self.assertEqual(t["stages"]["dns"]["local_answers"], ["127.0.93.10"])

    def test_a_hosts_file_entry_0_0_0_0_is_a_local_block(self):
        host = f"vpc-kafka-adblocked.{DOMAIN}"
        with tempfile.TemporaryDirectory() as d, ThisHostListener() as here:
            hosts = os.path.join(d, "hosts")
            with open(hosts, "w") as f:
                f.write(f"0.0.0.0 {host}\n")
            r = vpcprobe("check", f"{host}:{here.port}", "--hosts-file", hosts,
                         "--timeout", "1s", "--format", "json")
            self.assertFalse(here.connected(), "a connection reached this host")
        self.assertEqual(r.code, 2, r)
        validate(r.json)
        t = r.json["targets"][0]
        self.assertEqual(t["cause"]["code"], "dns.sinkhole", t)
        self.assertEqual(t["stages"]["dns"]["source"], "hosts-file")
        self.assertIn(f"the hosts file {hosts} maps {host} to 0.0.0.0", t["cause"]["summary"])
        self.assertEqual(t["stages"]["tcp"]["status"], "skipped")

    def test_an_advertised_broker_answering_0_0_0_0_is_not_probed(self):
        bootstrap = f"vpc-kafka-sinkboot.{DOMAIN}"
        blocked = f"b1-vpc-kafka-sinkboot.{DOMAIN}"
        with ThisHostListener() as here, \
                Dnsmasq({bootstrap: "127.0.93.20", blocked: "0.0.0.0"},
                        address=self.DNS_ADDRESS) as dns, \
                KafkaPeer(address="127.0.93.20", advertise=[f"{blocked}:{here.port}"]) as peer:
            r = vpcprobe("check", "--bootstrap", f"PLAINTEXT://{bootstrap}:{peer.port}",
                         "--dns-server", dns.server, "--timeout", "2s", "--format", "json")
            self.assertFalse(here.connected(), "a connection reached this host")
        self.assertEqual(r.code, 2, r)
        validate(r.json)
        self.assertEqual(r.target(bootstrap, peer.port)["status"], "ok")
        b = r.target(blocked, here.port)
        self.assertEqual(b["origin"], "advertised")
        self.assertEqual(b["cause"]["code"], "dns.sinkhole", b)
        self.assertIn(dns.server, b["cause"]["summary"])
        self.assertEqual(b["stages"]["tcp"]["status"], "skipped")
        self.assertEqual(b["addresses"], [])
        # the bootstrap's own loopback answer is recorded, the blocked one has none
        self.assertEqual(r.target(bootstrap, peer.port)["stages"]["dns"]["local_answers"],
                         ["127.0.93.20"])
        self.assertEqual(b["stages"]["dns"]["local_answers"], [])

    def test_localhost_has_no_local_answers(self):
        with tempfile.TemporaryDirectory() as d, ThisHostListener() as here:
            hosts = os.path.join(d, "hosts")
            with open(hosts, "w") as f:
                f.write("127.0.0.1 localhost\n")
            r = vpcprobe("check", f"localhost:{here.port}", "--hosts-file", hosts, "--tcp-only",
                         "--timeout", "1s", "--format", "json")
        self.assertEqual(r.code, 0, r)
        t = r.json["targets"][0]
        self.assertEqual(t["stages"]["dns"]["status"], "ok", t)
        self.assertEqual(t["stages"]["dns"]["local_answers"], [])


if __name__ == "__main__":
    unittest.main()
