# SPDX-License-Identifier: Apache-2.0
"""End to end, as root: the filters between a client and the cluster that the exports of
docs/rules.md describe, each played by nftables exactly as the exports say, in three
namespaces this test creates (named `vp63-<pid>-client`, `-nat`, `-cluster`):

    client 10.63.1.2 --- nat 10.63.1.1 | 10.63.2.1, 203.0.113.7 --- cluster 10.63.2.10-11,
                                                                            203.0.113.10

The nat namespace forwards, and translates the client's traffic to 203.0.113.0/24 (the
"Internet") to 203.0.113.7, as the SNAT entry of the exports says; 203.0.113.10 stands for the
CLB address of a `pub-` endpoint. vpcprobe runs in the client namespace with --tcp-only against
plain TCP listeners in the cluster namespace, and must name the Cloud Firewall policy, the
Alibaba ACL entry (request and return path) or the AWS security group whose prefix list lacks
the host; with exports that allow the same flows it must point beyond them instead.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

import harness
import routed
from harness import Result, VPCPROBE, validate

harness.skip_module_unless_root()

CLIENT, NAT, CLUSTER = "client", "nat", "cluster"
CLIENT_ADDRESS = "10.63.1.2"
SNAT_ADDRESS = "203.0.113.7"
PUBLIC_KAFKA = "203.0.113.10"
ALIBABA_KAFKA = "10.63.2.10"
AWS_KAFKA = "10.63.2.11"
PUB_HOST = "pub-kafka-e2e63.alikafka.aliyuncs.com"

# What each namespace drops: exactly what the blocking exports below say.
CLUSTER_FILTER = f"""
table inet filter {{
  chain input {{
    type filter hook input priority 0; policy accept;
    ip saddr {SNAT_ADDRESS} ip daddr {PUBLIC_KAFKA} tcp dport 9092 drop
    ip saddr 10.63.1.0/24 ip daddr {ALIBABA_KAFKA} tcp dport 9095 drop
    ip saddr {CLIENT_ADDRESS} ip daddr {AWS_KAFKA} tcp dport 9092 drop
  }}
  chain output {{
    type filter hook output priority 0; policy accept;
    ip saddr {ALIBABA_KAFKA} tcp sport 9096 ip daddr 10.63.1.0/24 drop
  }}
}}
"""
NAT_RULES = f"""
table ip nat {{
  chain postrouting {{
    type nat hook postrouting priority 100; policy accept;
    ip saddr 10.63.1.0/24 ip daddr 203.0.113.0/24 snat to {SNAT_ADDRESS}
  }}
}}
"""
LISTENER = """
import selectors, socket, sys
sel = selectors.DefaultSelector()
for port in map(int, sys.argv[1:]):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(64); sel.register(s, selectors.EVENT_READ)
print("ready", flush=True)
while True:
    for key, _ in sel.select():
        conn, _ = key.fileobj.accept(); conn.close()
"""
PORTS = ["9092", "9093", "9095", "9096"]


class Namespaces(routed.Namespaces):
    """The client, the NAT and the cluster, each in a namespace of its own."""

    def __init__(self):
        super().__init__(f"vp63-{os.getpid()}")

    def _create(self):
        for name in (CLIENT, NAT, CLUSTER):
            self.add_netns(name)
        self.exec(NAT, ["sysctl", "-qw", "net.ipv4.ip_forward=1"])
        self.ip(CLIENT, "link", "add", "to-nat", "type", "veth", "peer", "name", "to-client",
                "netns", self.ns(NAT))
        self.ip(NAT, "link", "add", "to-cluster", "type", "veth", "peer", "name", "to-nat",
                "netns", self.ns(CLUSTER))
        addresses = {CLIENT: [("to-nat", f"{CLIENT_ADDRESS}/24")],
                     NAT: [("to-client", "10.63.1.1/24"), ("to-cluster", "10.63.2.1/24"),
                           ("to-cluster", f"{SNAT_ADDRESS}/24")],
                     CLUSTER: [("to-nat", f"{ALIBABA_KAFKA}/24"), ("to-nat", f"{AWS_KAFKA}/24"),
                               ("to-nat", f"{PUBLIC_KAFKA}/24")]}
        for name, pairs in addresses.items():
            for interface, address in pairs:
                self.ip(name, "addr", "add", address, "dev", interface)
                self.ip(name, "link", "set", interface, "up")
        self.ip(CLIENT, "route", "add", "default", "via", "10.63.1.1")
        self.ip(CLUSTER, "route", "add", "10.63.1.0/24", "via", "10.63.2.1")
        self.nft(NAT, NAT_RULES)
        self.nft(CLUSTER, CLUSTER_FILTER)

    def popen(self, name, argv):
        return subprocess.Popen(["ip", "netns", "exec", self.ns(name), *argv],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


spaces = listener = None
workdir = None


def setUpModule():
    global spaces, listener, workdir
    spaces = Namespaces()
    listener = spaces.popen(CLUSTER, [sys.executable, "-c", LISTENER, *PORTS])
    if listener.stdout.readline().strip() != "ready":
        tearDownModule()
        raise RuntimeError("the TCP listener did not start")
    workdir = tempfile.TemporaryDirectory()
    with open(os.path.join(workdir.name, "hosts"), "w") as f:
        f.write(f"{PUBLIC_KAFKA} {PUB_HOST}\n")


def tearDownModule():
    global spaces, listener, workdir
    if listener is not None:
        listener.kill()
        listener.wait(timeout=10)
        listener = None
    if spaces is not None:
        spaces.close()
        spaces = None
    if workdir is not None:
        workdir.cleanup()
        workdir = None


def write_exports(exports):
    """Each export as its own file in a fresh folder under the work dir; the --rules args."""
    folder = tempfile.mkdtemp(dir=workdir.name)
    args = []
    for name, doc in exports.items():
        path = os.path.join(folder, name)
        with open(path, "w") as f:
            json.dump(doc, f)
        args += ["--rules", path]
    return args


def check(target, exports, *extra):
    start = time.monotonic()
    proc = subprocess.run(
        ["ip", "netns", "exec", spaces.ns(CLIENT), VPCPROBE, "check", target, "--tcp-only",
         "--trace", "never", "--timeout", "1s", "--format", "json",
         "--hosts-file", os.path.join(workdir.name, "hosts"), *write_exports(exports), *extra],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    return Result(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)


def suspects(result, host, port):
    cause = result.target(host, port)["cause"]
    return cause["suspects"] if cause else []


# ---- Alibaba exports ----

def alibaba_eni(eid, address, vswitch, group):
    return {"NetworkInterfaceId": eid, "VpcId": "vpc-e2e", "VSwitchId": vswitch,
            "PrivateIpAddress": address, "SecurityGroupIds": {"SecurityGroupId": [group]}}


ALIBABA_ENDS = {
    "enis.json": {"NetworkInterfaceSets": {"NetworkInterfaceSet": [
        alibaba_eni("eni-client", CLIENT_ADDRESS, "vsw-client", "sg-client"),
        alibaba_eni("eni-kafka", ALIBABA_KAFKA, "vsw-kafka", "sg-kafka")]}},
    "sg-client.json": {"SecurityGroupId": "sg-client", "InnerAccessPolicy": "Accept",
                       "Permissions": {"Permission": []}},
    "sg-kafka.json": {"SecurityGroupId": "sg-kafka", "InnerAccessPolicy": "Accept",
                      "Permissions": {"Permission": [
                          {"SecurityGroupRuleId": "sgr-clients", "Direction": "ingress",
                           "IpProtocol": "TCP", "PortRange": "9095/9096",
                           "SourceCidrIp": "10.63.1.0/24", "Policy": "Accept",
                           "Priority": "1"}]}},
}


def acl_entry(eid, policy, cidr_key, cidr, port):
    return {"NetworkAclEntryId": eid, "NetworkAclEntryName": eid, "Policy": policy,
            "Protocol": "tcp", cidr_key: cidr, "Port": port, "EntryType": "custom"}


def kafka_acl(ingress, egress):
    return {"NetworkAclAttribute": {
        "NetworkAclId": "nacl-kafka", "VpcId": "vpc-e2e",
        "IngressAclEntries": {"IngressAclEntry": ingress},
        "EgressAclEntries": {"EgressAclEntry": egress},
        "Resources": {"Resource": [{"ResourceId": "vsw-kafka", "ResourceType": "VSwitch",
                                    "Status": "BINDED"}]}}}


ACCEPT_ALL_IN = acl_entry("nae-in-all", "accept", "SourceCidrIp", "0.0.0.0/0", "-1/-1")
ACCEPT_ALL_OUT = acl_entry("nae-out-all", "accept", "DestinationCidrIp", "0.0.0.0/0", "-1/-1")


# ---- AWS exports ----

def aws_exports(prefix_list_cidr):
    group = {"GroupId": "sg-kafka-pl", "VpcId": "vpc-aws",
             "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 9092, "ToPort": 9092,
                                "IpRanges": [], "UserIdGroupPairs": [{"GroupId": "sg-admin"}],
                                "PrefixListIds": [{"PrefixListId": "pl-0e2e63"}]}],
             "IpPermissionsEgress": []}
    client = {"GroupId": "sg-client", "VpcId": "vpc-aws", "IpPermissions": [],
              "IpPermissionsEgress": [{"IpProtocol": "-1",
                                       "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}
    return {
        "sg.json": {"SecurityGroups": [group, client]},
        "enis.json": {"NetworkInterfaces": [
            {"NetworkInterfaceId": "eni-client", "SubnetId": "subnet-a", "VpcId": "vpc-aws",
             "PrivateIpAddress": CLIENT_ADDRESS, "Groups": [{"GroupId": "sg-client"}]},
            {"NetworkInterfaceId": "eni-kafka", "SubnetId": "subnet-b", "VpcId": "vpc-aws",
             "PrivateIpAddress": AWS_KAFKA, "Groups": [{"GroupId": "sg-kafka-pl"}]}]},
        "pl-0e2e63.json": {"Entries": [{"Cidr": prefix_list_cidr, "Description": "clients"}]},
    }


# ---- Cloud Firewall and SNAT exports ----

SNAT = {"SnatTableEntries": {"SnatTableEntry": [
    {"SnatEntryId": "snat-e2e63", "NatGatewayId": "ngw-e2e63", "SourceCIDR": "10.63.1.0/24",
     "SourceVSwitchId": "", "SnatIp": SNAT_ADDRESS, "Status": "Available"}]}}


def cloud_firewall(blocked_source):
    def policy(uuid, order, action, source, port):
        return {"AclUuid": uuid, "AclAction": action, "Description": uuid, "Direction": "in",
                "Order": order, "Release": "true", "Proto": "TCP", "ApplicationName": "ANY",
                "Source": source, "SourceType": "net", "Destination": f"{PUBLIC_KAFKA}/32",
                "DestinationType": "net", "DestPort": port, "DestPortType": "port"}
    return {"Policys": [
        policy("cfw-e2e-office", 1, "accept", "198.51.100.0/24", "0/0"),
        policy("cfw-e2e-drop", 2, "drop", blocked_source, "9092/9092"),
        policy("cfw-e2e-off", 3, "drop", "0.0.0.0/0", "0/0") | {"Release": "false"}]}


def looks_beyond(test, found):
    test.assertTrue(found, "no suspect")
    test.assertEqual(found[0]["kind"], "firewall", found)
    test.assertNotIn(found[0]["kind"], ("cloud-firewall-policy", "network-acl-rule"))


class RulesBorders(unittest.TestCase):
    def test_cloud_firewall_policy_on_a_pub_endpoint_seen_through_snat(self):
        r = check(f"{PUB_HOST}:9092", {"snat.json": SNAT,
                                       "cfw.json": cloud_firewall(f"{SNAT_ADDRESS}/32")})
        self.assertEqual(r.code, 2, r)
        validate(r.json)
        target = r.target(PUB_HOST, 9092)
        self.assertEqual(target["cause"]["code"], "tcp.timeout", target)
        found = target["cause"]["suspects"]
        self.assertEqual([(s["kind"], s["id"]) for s in found],
                         [("cloud-firewall-policy", "cfw-e2e-drop")], found)
        self.assertIn("order 2", found[0]["rule"])
        self.assertIn(f"from {SNAT_ADDRESS}", found[0]["detail"])
        self.assertIn(f"this host reaches the Internet as {SNAT_ADDRESS} via snat-e2e63",
                      found[0]["detail"])
        # The port the policy does not name connects through the same NAT.
        ok = check(f"{PUB_HOST}:9093", {"snat.json": SNAT,
                                        "cfw.json": cloud_firewall(f"{SNAT_ADDRESS}/32")})
        self.assertEqual(ok.code, 0, ok)

    def test_cloud_firewall_exports_that_allow_point_beyond_them(self):
        # The policy blocks another address than the SNAT one: the exports allow the flow.
        r = check(f"{PUB_HOST}:9092", {"snat.json": SNAT,
                                       "cfw.json": cloud_firewall("203.0.113.99/32")})
        self.assertEqual(r.code, 2, r)
        found = suspects(r, PUB_HOST, 9092)
        looks_beyond(self, found)
        self.assertIn(f"reaches the Internet as {SNAT_ADDRESS}", found[0]["detail"])

    def test_public_source_by_hand(self):
        r = check(f"{PUB_HOST}:9092", {"cfw.json": cloud_firewall(f"{SNAT_ADDRESS}/32")},
                  "--public-source", SNAT_ADDRESS)
        self.assertEqual(r.code, 2, r)
        found = suspects(r, PUB_HOST, 9092)
        self.assertEqual(found[0]["id"], "cfw-e2e-drop", found)
        self.assertIn("as given by --public-source", found[0]["detail"])

    def test_alibaba_acl_entry_on_the_cluster_vswitch(self):
        exports = dict(ALIBABA_ENDS)
        exports["nacl.json"] = kafka_acl(
            [acl_entry("nae-e2e-drop", "drop", "SourceCidrIp", "10.63.1.0/24", "9095/9095"),
             ACCEPT_ALL_IN], [ACCEPT_ALL_OUT])
        r = check(f"{ALIBABA_KAFKA}:9095", exports)
        self.assertEqual(r.code, 2, r)
        validate(r.json)
        found = suspects(r, ALIBABA_KAFKA, 9095)
        self.assertEqual([(s["kind"], s["id"], s["rule"], s["direction"]) for s in found],
                         [("network-acl-rule", "nacl-kafka", "nae-e2e-drop", "ingress")], found)

        exports["nacl.json"] = kafka_acl([ACCEPT_ALL_IN], [ACCEPT_ALL_OUT])
        allowed = check(f"{ALIBABA_KAFKA}:9095", exports)
        self.assertEqual(allowed.code, 2, allowed)
        looks_beyond(self, suspects(allowed, ALIBABA_KAFKA, 9095))

    def test_alibaba_acl_return_path(self):
        # The cluster's vSwitch lets the SYN in, but only tcp/22 out: the SYN-ACK to the
        # client's ephemeral port is dropped, as nftables does on the way out.
        exports = dict(ALIBABA_ENDS)
        exports["nacl.json"] = kafka_acl(
            [ACCEPT_ALL_IN],
            [acl_entry("nae-out-ssh", "accept", "DestinationCidrIp", "0.0.0.0/0", "22/22")])
        r = check(f"{ALIBABA_KAFKA}:9096", exports)
        self.assertEqual(r.code, 2, r)
        found = suspects(r, ALIBABA_KAFKA, 9096)
        self.assertEqual([(s["kind"], s["id"], s["rule"], s["direction"]) for s in found],
                         [("network-acl-rule", "nacl-kafka", "*", "egress")], found)
        self.assertIn("return traffic", found[0]["detail"])

        exports["nacl.json"] = kafka_acl([ACCEPT_ALL_IN], [ACCEPT_ALL_OUT])
        allowed = check(f"{ALIBABA_KAFKA}:9096", exports)
        looks_beyond(self, suspects(allowed, ALIBABA_KAFKA, 9096))

    def test_aws_rule_whose_prefix_list_lacks_the_host(self):
        r = check(f"{AWS_KAFKA}:9092", aws_exports("10.63.9.0/24"))
        self.assertEqual(r.code, 2, r)
        validate(r.json)
        found = suspects(r, AWS_KAFKA, 9092)
        self.assertEqual([(s["kind"], s["id"], s["direction"]) for s in found],
                         [("security-group", "sg-kafka-pl", "ingress")], found)
        self.assertIn("pl-0e2e63", found[0]["rule"])

        allowed = check(f"{AWS_KAFKA}:9092", aws_exports("10.63.1.0/24"))
        looks_beyond(self, suspects(allowed, AWS_KAFKA, 9092))


if __name__ == "__main__":
    unittest.main()
