# SPDX-License-Identifier: Apache-2.0
"""End to end, as root: inside a private network namespace this test creates, addresses on lo
stand in for VPC endpoints and nftables plays the security group: a silent drop, an
admin-prohibited reject, an ICMP host-unreachable, a port with no listener, and a network
with no route. vpcprobe must name each one correctly, and a check of 14 silently dropped
endpoints must take about one --timeout, not fourteen."""
import json
import os
import subprocess
import tempfile
import unittest

import harness
from harness import CATALOG, Dnsmasq, TestPeer, catalog_host, require_root, validate, vpcprobe

harness.skip_module_unless_root()

INSTANCE = "netns01"
ADDRESS = {"kafka": "10.88.0.11", "schema-registry": "10.88.0.12", "rest-proxy": "10.88.0.13",
           "connect": "10.88.0.14", "ksqldb": "10.88.0.15", "control-center": "10.88.0.16"}
ADDRESS["mds"] = ADDRESS["kafka"]  # same vpc-kafka host, port 8090
UDP_BLOCKED_DNS = "10.88.0.53"  # a resolver nftables lets TCP reach, but not UDP

FILTER = """
table inet vpc {
  chain input {
    type filter hook input priority 0; policy accept;
    ip daddr 10.88.0.11 tcp dport 9095 drop
    ip daddr 10.88.0.12 tcp dport 8081 reject with icmp type admin-prohibited
    ip daddr 10.88.0.13 tcp dport 8082 reject with icmp type host-unreachable
    ip daddr 10.88.0.16 tcp dport 9095 drop
    ip daddr 10.88.0.17 tcp dport 9095 reject
    ip6 daddr fd00:88::11 tcp dport 9095 reject with icmpv6 type admin-prohibited
    ip daddr 10.88.1.0/24 drop
    ip daddr 10.88.0.53 meta l4proto udp drop
  }
}
"""

dns = peer = None


def setUpModule():
    global dns, peer
    if not harness.is_root():
        return
    addresses = [f"{a}/32" for a in sorted(set(ADDRESS.values()))]
    addresses += ["10.88.0.17/32", "fd00:88::11/128", f"{UDP_BLOCKED_DNS}/32"]
    addresses += [f"10.88.1.{i}/32" for i in range(1, 15)]
    harness.enter_private_netns(addresses, FILTER)
    records = {catalog_host(c, INSTANCE): ADDRESS[c] for c in CATALOG}
    for i, c in enumerate(CATALOG):  # the 14-endpoint instance, every address dropped
        records[catalog_host(c, "dropped01")] = f"10.88.1.{i + 1}"
        records[catalog_host(c, "dropped01", "pub")] = f"10.88.1.{i + 8}"
    dns = Dnsmasq(records)
    serves = [f"{ADDRESS[c]}:{CATALOG[c][1]}=tls:good" for c in CATALOG if c != "connect"]
    serves += ["[fd00:88::11]:9095=tls:good", "10.88.0.17:9095=tls:good"]
    peer = TestPeer(serves, hosts=list(records))


def tearDownModule():
    if peer:
        peer.close()
    if dns:
        dns.close()


@require_root
class Firewalled(unittest.TestCase):
    # --no-protocol: the peers are bare TLS servers; these tests are about what the network
    # filters (the protocol stage has its own tests in test_protocol.py).
    def check(self, *args):
        return vpcprobe("check", *args, "--dns-server", dns.server, "--ca-file", peer.ca_file,
                        "--format", "json", "--no-protocol")

    def test_each_kind_of_block_is_named(self):
        r = self.check("--instance", INSTANCE, "--timeout", "1s")
        self.assertEqual(r.code, 2, r)
        validate(r.json)
        expected = {
            ("kafka", 9095): "tcp.timeout",
            ("schema-registry", 8081): "tcp.prohibited",
            ("rest-proxy", 8082): "tcp.unreachable",
            ("connect", 8083): "tcp.refused",
        }
        for t in r.json["targets"]:
            key = (t["component"], t["port"])
            with self.subTest(component=t["component"]):
                if key in expected:
                    self.assertEqual(t["status"], "failed")
                    self.assertEqual(t["cause"]["code"], expected[key], t)
                    self.assertEqual(t["cause"]["stage"], "tcp")
                    self.assertEqual(t["stages"]["tls"]["status"], "skipped")
                else:
                    self.assertEqual(t["status"], "ok", t)
        prohibited = r.target(catalog_host("schema-registry", INSTANCE), 8081)
        icmp = prohibited["stages"]["tcp"]["icmp"]
        self.assertEqual((icmp["type"], icmp["code"]), (3, 13), "ICMP admin-prohibited")
        self.assertIn(ADDRESS["schema-registry"], prohibited["cause"]["summary"])
        # Each remedy is written for its target: the ICMP sender, the port, the address.
        remedy = prohibited["cause"]["remedy"]
        self.assertTrue(icmp["offender"], icmp)
        self.assertIn(icmp["offender"], remedy)
        self.assertIn("ICMP admin-prohibited", remedy)
        self.assertIn("allow tcp/8081 from", remedy)
        dropped = r.target(catalog_host("kafka", INSTANCE), 9095)["cause"]["remedy"]
        self.assertIn("allow tcp/9095 from ", dropped)
        self.assertIn(f"(or its subnet) to {ADDRESS['kafka']} in the security group and network "
                      "ACL of the Kafka broker endpoint", dropped)
        refused = r.target(catalog_host("connect", INSTANCE), 8083)["cause"]["remedy"]
        self.assertIn(f"nothing listens on port 8083 at {ADDRESS['connect']}", refused)

    def test_a_port_dropped_on_several_hosts_is_a_firewall_finding(self):
        # tcp/9095 is dropped on .11 and .16 while 8090 and 9021 on the same hosts answer.
        r = self.check("10.88.0.11:9095", "10.88.0.11:8090", "10.88.0.16:9095",
                       "10.88.0.16:9021", "--timeout", "1s")
        self.assertEqual(r.code, 2, r)
        validate(r.json)
        findings = [f for f in r.json["findings"] if f["code"] == "firewall.port_blocked"]
        self.assertEqual(len(findings), 1, r.json["findings"])
        self.assertEqual(sorted(findings[0]["targets"]), ["10.88.0.11:9095", "10.88.0.16:9095"])
        self.assertEqual(findings[0]["severity"], "error")
        self.assertEqual(findings[0]["confidence"], "certain")
        self.assertTrue(findings[0]["remedy"])
        # the ticket formats carry it too
        md = self.check_format("markdown", "10.88.0.11:9095", "10.88.0.11:8090",
                               "10.88.0.16:9095", "10.88.0.16:9021")
        self.assertIn("firewall.port_blocked", md)

    def test_a_port_blocked_finding_holds_on_partial_evidence_and_says_how_sure(self):
        # .11 proves alive on 8090; .16 is probed on 9095 only: still the port's rule, likely.
        r = self.check("10.88.0.11:9095", "10.88.0.11:8090", "10.88.0.16:9095", "--timeout",
                       "1s")
        self.assertEqual(r.code, 2, r)
        validate(r.json)
        findings = [f for f in r.json["findings"] if f["code"] == "firewall.port_blocked"]
        self.assertEqual(len(findings), 1, r.json["findings"])
        finding = findings[0]
        self.assertEqual(sorted(finding["targets"]), ["10.88.0.11:9095", "10.88.0.16:9095"])
        self.assertEqual(finding["confidence"], "likely")
        self.assertIn("10.88.0.11 answers on tcp/8090", finding["summary"])
        self.assertIn("10.88.0.16 was probed on no other port", finding["summary"])

    def test_suspects_name_the_group_and_the_acl_rule_the_exports_blame(self):
        # The exports say what nftables does: sg-kafka admits only 8090 on 10.88.0.11, and
        # acl-cc rule 90 denies 9095 into the subnet of 10.88.0.16. Both SYNs are dropped.
        everything = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                      "Ipv6Ranges": [], "UserIdGroupPairs": [], "PrefixListIds": []}

        def tcp(port_from, port_to, cidr):
            return {"IpProtocol": "tcp", "FromPort": port_from, "ToPort": port_to,
                    "IpRanges": [{"CidrIp": cidr}], "Ipv6Ranges": [], "UserIdGroupPairs": [],
                    "PrefixListIds": []}

        def group(gid, ingress):
            return {"GroupId": gid, "GroupName": gid, "VpcId": "vpc-1", "Description": "",
                    "IpPermissions": ingress, "IpPermissionsEgress": [everything]}

        def eni(eid, address, subnet, gid):
            return {"NetworkInterfaceId": eid, "SubnetId": subnet, "VpcId": "vpc-1",
                    "PrivateIpAddress": address,
                    "PrivateIpAddresses": [{"PrivateIpAddress": address, "Primary": True}],
                    "Ipv6Addresses": [], "Groups": [{"GroupId": gid, "GroupName": gid}]}

        def entry(number, action, egress, port=None):
            e = {"RuleNumber": number, "Protocol": "6" if port else "-1", "RuleAction": action,
                 "Egress": egress, "CidrBlock": "0.0.0.0/0"}
            if port:
                e["PortRange"] = {"From": port, "To": port}
            return e

        allow_all = [entry(100, "allow", False), entry(100, "allow", True)]
        exports = {
            "sg.json": {"SecurityGroups": [
                group("sg-client", []),
                group("sg-kafka", [tcp(8090, 8090, "10.88.0.0/24")]),
                group("sg-cc", [tcp(0, 65535, "10.88.0.0/24")])]},
            "eni.json": {"NetworkInterfaces": [
                eni("eni-client", "10.88.0.12", "subnet-a", "sg-client"),
                eni("eni-kafka", "10.88.0.11", "subnet-b", "sg-kafka"),
                eni("eni-cc", "10.88.0.16", "subnet-c", "sg-cc")]},
            "acl.json": {"NetworkAcls": [
                {"NetworkAclId": "acl-default", "VpcId": "vpc-1", "IsDefault": True,
                 "Entries": allow_all,
                 "Associations": [{"SubnetId": "subnet-a"}, {"SubnetId": "subnet-b"}]},
                {"NetworkAclId": "acl-cc", "VpcId": "vpc-1", "IsDefault": False,
                 "Entries": [entry(90, "deny", False, 9095)] + allow_all,
                 "Associations": [{"SubnetId": "subnet-c"}]}]},
        }
        with tempfile.TemporaryDirectory() as d:
            args = []
            for name, doc in exports.items():
                with open(os.path.join(d, name), "w") as f:
                    json.dump(doc, f)
                args += ["--rules", os.path.join(d, name)]
            r = self.check("10.88.0.11:9095", "10.88.0.11:8090", "10.88.0.16:9095",
                           "--bind", "10.88.0.12", "--timeout", "1s", *args)
        self.assertEqual(r.code, 2, r)
        validate(r.json)
        kafka = r.target("10.88.0.11", 9095)
        self.assertEqual(kafka["cause"]["code"], "tcp.timeout")
        self.assertEqual([(s["kind"], s["id"], s["direction"]) for s in kafka["cause"]["suspects"]],
                         [("security-group", "sg-kafka", "ingress")], kafka["cause"])
        cc = r.target("10.88.0.16", 9095)
        self.assertEqual([(s["kind"], s["id"], s["rule"]) for s in cc["cause"]["suspects"]],
                         [("network-acl-rule", "acl-cc", "90")], cc["cause"])
        # The remedies name the group and the ACL entry the exports blame, for this flow.
        self.assertIn("allow tcp/9095 from 10.88.0.12 to 10.88.0.11 in sg-kafka (ingress)",
                      kafka["cause"]["remedy"])
        self.assertIn("allow tcp/9095 from 10.88.0.12 to 10.88.0.16 in acl-cc entry 90",
                      cc["cause"]["remedy"])
        self.assertEqual(r.target("10.88.0.11", 8090)["status"], "ok")

    def test_alibaba_drop_rule_is_named(self):
        # Alibaba Cloud: sg-kafka accepts 9095 from the VPC at priority 50 but a Drop at
        # priority 1 wins for the bastion's /32; nftables drops that SYN as the group would.
        def rule(rid, port, cidr, policy, priority):
            return {"SecurityGroupRuleId": rid, "Direction": "ingress", "IpProtocol": "TCP",
                    "PortRange": f"{port}/{port}", "SourceCidrIp": cidr, "DestCidrIp": "",
                    "Ipv6SourceCidrIp": "", "SourceGroupId": "", "DestGroupId": "",
                    "Policy": policy, "Priority": str(priority)}

        def eni(eid, address, vswitch, gid):
            return {"NetworkInterfaceId": eid, "VpcId": "vpc-1", "VSwitchId": vswitch,
                    "PrivateIpAddress": address,
                    "PrivateIpSets": {"PrivateIpSet": [{"PrivateIpAddress": address,
                                                        "Primary": True}]},
                    "SecurityGroupIds": {"SecurityGroupId": [gid]}}

        exports = {
            "sg-client.json": {"SecurityGroupId": "sg-client", "VpcId": "vpc-1",
                               "InnerAccessPolicy": "Accept", "Permissions": {"Permission": []}},
            "sg-kafka.json": {"SecurityGroupId": "sg-kafka", "VpcId": "vpc-1",
                              "InnerAccessPolicy": "Accept", "Permissions": {"Permission": [
                                  rule("sgr-accept-vpc", 9095, "10.88.0.0/24", "Accept", 50),
                                  rule("sgr-drop-bastion", 9095, "10.88.0.12/32", "Drop", 1)]}},
            "enis.json": {"NetworkInterfaceSets": {"NetworkInterfaceSet": [
                eni("eni-client", "10.88.0.12", "vsw-a", "sg-client"),
                eni("eni-kafka", "10.88.0.16", "vsw-b", "sg-kafka")]}},
        }
        with tempfile.TemporaryDirectory() as d:
            args = []
            for name, doc in exports.items():
                with open(os.path.join(d, name), "w") as f:
                    json.dump(doc, f)
                args += ["--rules", os.path.join(d, name)]
            r = self.check("10.88.0.16:9095", "--bind", "10.88.0.12", "--timeout", "1s", *args)
        self.assertEqual(r.code, 2, r)
        validate(r.json)
        cause = r.json["targets"][0]["cause"]
        self.assertEqual(cause["code"], "tcp.timeout")
        self.assertEqual([s["kind"] for s in cause["suspects"]], ["security-group-rule"], cause)
        self.assertIn("sgr-drop-bastion", json.dumps(cause["suspects"][0]))

    def test_malformed_rules_file_stops_the_check_before_any_probe(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            f.write('{"SecurityGroups": [{"GroupId": 7}]}')
            f.flush()
            r = vpcprobe("check", "10.88.0.11:8090", "--rules", f.name)
        self.assertEqual(r.code, 3, r)
        self.assertIn(f.name, r.err)

    def check_format(self, fmt, *targets):
        r = vpcprobe("check", *targets, "--dns-server", dns.server, "--ca-file", peer.ca_file,
                     "--timeout", "1s", "--format", fmt, "--no-protocol")
        self.assertEqual(r.code, 2, r)
        return r.out

    def test_default_reject_is_prohibited_not_refused(self):
        # iptables/nft "reject" sends ICMP port-unreachable: a filter, not a closed port.
        r = self.check("10.88.0.17:9095", "--timeout", "1s")
        self.assertEqual(r.json["targets"][0]["cause"]["code"], "tcp.prohibited", r)

    def test_ipv6_admin_prohibited(self):
        r = self.check("[fd00:88::11]:9095", "--timeout", "1s")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.json["targets"][0]["cause"]["code"], "tcp.prohibited", r)

    def test_no_route_is_unreachable(self):
        # 10.99.0.0/16 has no route inside this namespace: the kernel says so at once.
        r = self.check("10.99.0.1:9095", "--timeout", "1s")
        self.assertEqual(r.json["targets"][0]["cause"]["code"], "tcp.unreachable", r)
        self.assertLess(r.elapsed, 1.5)

    def test_fourteen_dropped_endpoints_take_one_timeout(self):
        r = self.check("--instance", "dropped01", "--access", "all", "--timeout", "1s")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(len(r.json["targets"]), 14)
        for t in r.json["targets"]:
            self.assertEqual(t["cause"]["code"], "tcp.timeout", t)
        self.assertLess(r.elapsed, 2.5, "14 drops in parallel: about one 1s timeout")

    def test_deadline_bounds_the_run(self):
        r = self.check("--instance", "dropped01", "--timeout", "10s", "--deadline", "1s")
        self.assertEqual(r.code, 2, r)
        validate(r.json)
        self.assertLess(r.elapsed, 3)
        for t in r.json["targets"]:
            self.assertEqual(t["status"], "failed")
            self.assertEqual(t["cause"]["code"], "run.deadline", t)

    def test_bind_sets_the_source_address(self):
        r = self.check(f"{catalog_host('ksqldb', INSTANCE)}:8088", "--bind", "10.88.0.12")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.json["agent"]["source_addresses"], ["10.88.0.12"])
        self.assertEqual(r.json["targets"][0]["stages"]["tcp"]["local_address"], "10.88.0.12")

    def test_no_root_and_no_capability_needed(self):
        # The same check as test_each_kind_of_block_is_named, as user nobody with every
        # capability dropped (bounding, inheritable, ambient) and no_new_privs: the ICMP
        # errors come from IP_RECVERR on ordinary TCP sockets, not from a raw socket, so every
        # cause must come out exactly as it does for root (docs/security.md, "Privileges").
        path = os.path.abspath(harness.VPCPROBE)
        while path != "/":
            if not os.stat(path).st_mode & 0o001:
                self.skipTest(f"SKIPPED: user nobody cannot reach {path} (no o+x)")
            path = os.path.dirname(path)
        with tempfile.TemporaryDirectory() as work:
            os.chmod(work, 0o755)  # the CA file must be readable by nobody
            ca_file = os.path.join(work, "ca.pem")
            with open(peer.ca_file) as source, open(ca_file, "w") as copy:
                copy.write(source.read())
            os.chmod(ca_file, 0o644)
            argv = ["check", "--instance", INSTANCE, "--timeout", "1s", "--dns-server",
                    dns.server, "--ca-file", ca_file, "--format", "json", "--no-protocol"]
            as_root = vpcprobe(*argv)
            drop = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    "--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all",
                    "--no-new-privs", "--", harness.VPCPROBE, *argv, "--no-color"]
            proc = subprocess.run(drop, capture_output=True, text=True, timeout=60,
                                  stdin=subprocess.DEVNULL, cwd=work)
        self.assertEqual(proc.returncode, as_root.code, proc.stderr)
        unprivileged = json.loads(proc.stdout)
        validate(unprivileged)

        def causes(report):
            return {(t["component"], t["port"]): (t["status"], (t.get("cause") or {}).get("code"))
                    for t in report["targets"]}
        self.assertEqual(causes(unprivileged), causes(as_root.json))
        self.assertIn(("failed", "tcp.prohibited"), causes(unprivileged).values())
        self.assertIn(("failed", "tcp.unreachable"), causes(unprivileged).values())
        self.assertIn(("ok", None), causes(unprivileged).values())  # TLS and certificate too


if __name__ == "__main__":
    unittest.main()


@require_root
class DnsOverTcp(unittest.TestCase):
    def test_udp_blocked_tcp_answering_resolver_is_named_and_the_name_not_probed(self):
        # A glibc client does not retry over TCP after a UDP timeout: dns.timeout stays, and
        # what TCP answered is kept beside it (docs/report.md, "DNS over TCP").
        host = catalog_host("kafka", INSTANCE)
        with Dnsmasq({host: ADDRESS["kafka"]}, address=UDP_BLOCKED_DNS) as blocked:
            r = vpcprobe("check", f"{host}:9095", "--dns-server", blocked.server, "--timeout",
                         "1s", "--format", "json", "--no-protocol")
        self.assertEqual(r.code, 2, r)
        validate(r.json)
        t = r.json["targets"][0]
        dns_stage = t["stages"]["dns"]
        self.assertEqual(t["cause"]["code"], "dns.timeout", t)
        self.assertEqual(dns_stage["status"], "failed")
        self.assertEqual(dns_stage["addresses"], [])
        fallback = dns_stage["tcp_fallback"]
        self.assertTrue(fallback["answered"], fallback)
        self.assertIsNone(fallback["code"])
        self.assertEqual(fallback["addresses"], [ADDRESS["kafka"]])
        port = blocked.port
        self.assertIn(f"no answer over UDP/{port} from {blocked.server}", dns_stage["detail"])
        self.assertIn(f"over TCP/{port} it answers ({ADDRESS['kafka']})", dns_stage["detail"])
        self.assertIn(f"UDP/{port} is blocked", dns_stage["detail"])
        self.assertEqual(t["stages"]["tcp"]["status"], "skipped")
        self.assertLess(r.elapsed, 4, "1s over UDP, then one quick TCP answer")

    def test_a_resolver_that_answers_over_udp_is_not_asked_over_tcp(self):
        r = vpcprobe("check", f"{catalog_host('kafka', INSTANCE)}:9095", "--dns-server",
                     dns.server, "--timeout", "1s", "--format", "json", "--no-protocol")
        dns_stage = r.json["targets"][0]["stages"]["dns"]
        self.assertEqual(dns_stage["status"], "ok", dns_stage)
        self.assertIsNone(dns_stage["tcp_fallback"])
