# SPDX-License-Identifier: Apache-2.0
"""End to end, as root, with real routers: four network namespaces this test creates
(tests/integration/routed.py: agent - r1 - r2 - cluster, Linux forwarding between them) and
nftables on the routers and the cluster play the transit path and the security groups. Each
scenario asserts the TCP path trace hop by hop as the kernel really answers it (the TTL at which
each router answers, from which address, with which ICMP), the TCP cause and who sent it; the
same traces as user nobody with every capability dropped; what the text and Markdown reports
do with them; what a trace costs; that every probe of a trace is one flow (Paris); a path-MTU
black hole; a resolver behind a UDP/53 drop. Namespaces vp14-<pid>-*, addresses 10.50.0.0/16
and fd50::/16 inside them only."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

import harness
import routed
from harness import Dnsmasq, TestPeer, catalog_host, validate
from routed import (AGENT, CLOSED_PORT, CLUSTER, CLUSTER_V4, CLUSTER_V6, R1, R1_V4, R1_V6, R2,
                    R2_V4, R2_V6, UNROUTED_V4, UNROUTED_V6)

harness.skip_module_unless_root()

PORT = 9095  # the TCP listener (the kernel's SYN-ACK is all a trace needs)
TLS_PORT = 9096  # testpeer's TLS endpoint, for the MTU black hole
SILENT_TTLS = 5  # unanswered TTLs in a row that end a trace (TraceOptions)

# A router's nftables: a drop in the forward chain, a drop before routing, a reject.
FORWARD_DROP = f"""
table inet paths {{
  chain forward {{
    type filter hook forward priority 0; policy accept;
    tcp dport {PORT} drop
  }}
}}
"""
PREROUTING_DROP = f"""
table inet paths {{
  chain prerouting {{
    type filter hook prerouting priority 0; policy accept;
    tcp dport {PORT} drop
  }}
}}
"""
FORWARD_REJECT = f"""
table inet paths {{
  chain forward {{
    type filter hook forward priority 0; policy accept;
    meta nfproto ipv4 tcp dport {PORT} reject with icmp type admin-prohibited
    meta nfproto ipv6 tcp dport {PORT} reject with icmpv6 type admin-prohibited
  }}
}}
"""
SILENT_ROUTER = """
table inet paths {
  chain output {
    type filter hook output priority 0; policy accept;
    icmp type time-exceeded drop
    icmpv6 type time-exceeded drop
  }
}
"""
# The cluster's own filter, as a security group would drop.
INPUT_DROP = f"""
table inet paths {{
  chain input {{
    type filter hook input priority 0; policy accept;
    tcp dport {PORT} drop
  }}
}}
"""
INPUT_REJECT = f"""
table inet paths {{
  chain input {{
    type filter hook input priority 0; policy accept;
    tcp dport {PORT} reject with icmp type admin-prohibited
  }}
}}
"""
# Every source port r1 forwards a SYN to PORT from: one flow per trace leaves one element.
SOURCE_PORTS = f"""
table inet paths {{
  set sports {{ type inet_service; flags dynamic; }}
  chain forward {{
    type filter hook forward priority 0; policy accept;
    tcp dport {PORT} tcp flags & (syn | ack) == syn add @sports {{ tcp sport }}
  }}
}}
"""
# Full-size packets from the cluster toward the agent vanish, and no ICMP says why.
BLACK_HOLE = """
table inet paths {{
  chain forward {{
    type filter hook forward priority 0; policy accept;
    iifname "to-cluster" meta length gt {limit} drop
  }}
}}
"""
UDP_DNS_DROP = """
table inet paths {
  chain forward {
    type filter hook forward priority 0; policy accept;
    udp dport 53 drop
  }
}
"""

# User nobody, group nogroup, no supplementary group, every capability dropped (bounding,
# inheritable, ambient: nothing can come back through exec) and no_new_privs.
UNPRIVILEGED = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all", "--no-new-privs",
                "--"]

topology = None
listeners = []
unprivileged_binary = None  # VPCPROBE, or a copy user nobody can run
work_dir = None  # a directory user nobody can enter and read


def setUpModule():
    global topology, unprivileged_binary, work_dir
    work_dir = tempfile.mkdtemp(prefix="vpcprobe-paths-")
    os.chmod(work_dir, 0o755)
    unprivileged_binary = harness.VPCPROBE
    if not reachable_by_others(unprivileged_binary):
        unprivileged_binary = os.path.join(work_dir, "vpcprobe")
        shutil.copy(harness.VPCPROBE, unprivileged_binary)
        os.chmod(unprivileged_binary, 0o755)
    topology = routed.Topology()
    try:
        with topology.inside(CLUSTER):
            for family, address in ((socket.AF_INET, CLUSTER_V4), (socket.AF_INET6, CLUSTER_V6)):
                listener = socket.socket(family, socket.SOCK_STREAM)
                listeners.append(listener)
                listener.bind((address, PORT))
                listener.listen(512)
    except BaseException:
        tearDownModule()
        raise


def tearDownModule():
    for listener in listeners:
        listener.close()
    listeners.clear()
    if topology:
        topology.close()
    if work_dir:
        shutil.rmtree(work_dir, ignore_errors=True)


def reachable_by_others(path):
    path = os.path.abspath(path)
    if not os.stat(path).st_mode & 0o005:
        return False
    while path != "/":
        path = os.path.dirname(path)
        if not os.stat(path).st_mode & 0o001:
            return False
    return True


def endpoint(address, port=PORT):
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def hops(trace):
    return [(h["ttl"], h["address"], h["reply"]) for h in trace["hops"]]


def silent(first, last):
    return [(ttl, None, None) for ttl in range(first, last + 1)]


def path_of(trace):
    """What a trace says about the path, without what differs between two runs (the port the
    kernel chose, the times)."""
    return {"hops": hops(trace), "last_responding_hop": trace["last_responding_hop"],
            "reached": trace["reached"], "stopped": trace["stopped"],
            "source_address": trace["source_address"], "max_hops": trace["max_hops"]}


class RoutedPath(unittest.TestCase):
    def setUp(self):
        topology.clear_filters()

    def run_check(self, target, *extra, fmt="json", unprivileged=False):
        """`vpcprobe check TARGET --tcp-only --timeout 1s` in the agent's namespace, as root or
        UNPRIVILEGED."""
        argv = [unprivileged_binary if unprivileged else harness.VPCPROBE, "check", target,
                "--timeout", "1s", "--format", fmt, *extra]
        if "--no-protocol" not in extra:
            argv.append("--tcp-only")
        if unprivileged:
            argv = [*UNPRIVILEGED, *argv]
        env = dict(os.environ)
        env.pop("NO_COLOR", None)
        start = time.monotonic()
        proc = subprocess.run(topology.exec_argv(AGENT, argv), capture_output=True, text=True,
                              timeout=60, stdin=subprocess.DEVNULL, cwd=work_dir, env=env)
        result = harness.Result(proc.returncode, proc.stdout, proc.stderr,
                                time.monotonic() - start)
        if fmt == "json":
            self.assertIn(result.code, (0, 2), result)
            validate(result.json)
        return result

    def tcp_of(self, result):
        targets = result.json["targets"]
        self.assertEqual(len(targets), 1, result)
        return targets[0]["stages"]["tcp"]

    def assert_trace(self, tcp, expected_hops, last, reached, stopped, max_hops=30):
        trace = tcp["trace"]
        self.assertIsNotNone(trace, tcp)
        self.assertEqual(hops(trace), expected_hops, trace)
        self.assertEqual(trace["last_responding_hop"],
                         {"ttl": last[0], "address": last[1]} if last else None, trace)
        self.assertEqual(trace["reached"], reached, trace)
        self.assertEqual(trace["stopped"], stopped, trace)
        self.assertEqual(trace["max_hops"], max_hops)
        # What each answer means, mapped where the probe's own ICMP errors are: nothing for a
        # router on the way or a SYN-ACK, tcp.refused for the destination's RST, the probe's
        # own cause code for any other ICMP error.
        for hop in trace["hops"]:
            if hop["reply"] in (None, "time-exceeded", "syn-ack"):
                self.assertIsNone(hop["code"], hop)
            elif hop["reply"] == "rst":
                self.assertEqual(hop["code"], "tcp.refused", hop)
            else:
                self.assertIn(hop["code"], ("tcp.prohibited", "tcp.unreachable"), hop)
        for hop in trace["hops"]:
            if hop["reply"]:
                self.assertIsInstance(hop["rtt_ms"], (int, float), hop)
                self.assertGreaterEqual(hop["rtt_ms"], 0)
            else:
                self.assertIsNone(hop["rtt_ms"], hop)
        # One flow: the trace left from the agent's address and from one port (the Paris test
        # below checks on the wire that every probe used it).
        self.assertEqual(trace["source_address"], tcp["local_address"])
        self.assertGreater(trace["source_port"], 0)
        return trace

    def assert_unprivileged_same(self, target, root_tcp, *extra):
        """The same check as nobody with no capability draws the same path: the ICMP answers
        come from IP_RECVERR on ordinary sockets, never from a raw socket."""
        r = self.run_check(target, *extra, unprivileged=True)
        tcp = self.tcp_of(r)
        self.assertEqual((tcp["status"], tcp["code"]), (root_tcp["status"], root_tcp["code"]))
        self.assertEqual(tcp["icmp"], root_tcp["icmp"])
        self.assertEqual(path_of(tcp["trace"]), path_of(root_tcp["trace"]))
        return r

    def assert_formats_render(self, target, *extra, code=2):
        # The text and Markdown reports draw the trace; their wording is theirs to test, here
        # only that they render it and exit as the JSON run did.
        for fmt in ("text", "markdown"):
            r = self.run_check(target, *extra, fmt=fmt)
            self.assertEqual(r.code, code, r)
            self.assertTrue(r.out.strip(), r)
            self.assertNotIn("terminate called", r.err)


class Unprivileged(RoutedPath):
    def test_the_unprivileged_runs_hold_no_capability(self):
        # What the nobody runs of every scenario below run under, seen from inside.
        status = topology.exec(AGENT, [*UNPRIVILEGED, "cat", "/proc/self/status"]).stdout
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        self.assertEqual(fields["Uid"].split(), ["65534"] * 4)
        self.assertEqual(fields["Gid"].split(), ["65534"] * 4)
        self.assertEqual(fields["Groups"].strip(), "")
        for capabilities in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
            self.assertEqual(int(fields[capabilities], 16), 0, capabilities)
        self.assertEqual(fields["NoNewPrivs"].strip(), "1")


class Drops(RoutedPath):
    """Silent drops: at a router's forward chain, before a router's routing decision, at the
    destination. Each costs the probe's --timeout, then the trace's (at most one more)."""

    def test_drop_in_r2s_forward_chain_still_lets_r2_answer_its_ttl(self):
        # A SYN whose TTL runs out at r2 is answered before r2's filter sees it: ip_forward()
        # checks the TTL (and sends time-exceeded) before the NF_INET_FORWARD hook. So r2
        # answers TTL 2 and drops TTL 3 and on: the last responding hop is r2 itself, and the
        # packets die just past it, as they do for a drop at the destination (next test): the
        # trace tells "at or past r2", not which of the two filtered.
        topology.nft(R2, FORWARD_DROP)
        for ip, r1, r2 in ((CLUSTER_V4, R1_V4, R2_V4), (CLUSTER_V6, R1_V6, R2_V6)):
            with self.subTest(family="IPv6" if ":" in ip else "IPv4"):
                target = endpoint(ip)
                r = self.run_check(target)
                self.assertEqual(r.code, 2, r)
                self.assertLess(r.elapsed, 2.05, "the trace's budget is one --timeout")
                self.assertEqual(r.json["targets"][0]["cause"]["code"], "tcp.timeout")
                tcp = self.tcp_of(r)
                self.assertEqual(tcp["code"], "tcp.timeout")
                self.assertIsNone(tcp["icmp"])
                trace = self.assert_trace(
                    tcp, [(1, r1, "time-exceeded"), (2, r2, "time-exceeded")] +
                    silent(3, 2 + SILENT_TTLS), last=(2, r2), reached=False, stopped="silence")
                self.assertIn(f"no answer past hop 2, {r2}", trace["detail"])
                self.assert_unprivileged_same(target, tcp)
        self.assert_formats_render(endpoint(CLUSTER_V4))

    def test_drop_before_r2s_routing_silences_r2_too(self):
        # The same filter on r2's prerouting hook runs before the routing decision and the
        # TTL check: r2 never answers, and the trace ends at r1.
        topology.nft(R2, PREROUTING_DROP)
        r = self.run_check(endpoint(CLUSTER_V4))
        self.assertEqual(r.code, 2, r)
        tcp = self.tcp_of(r)
        self.assertEqual(tcp["code"], "tcp.timeout")
        trace = self.assert_trace(tcp, [(1, R1_V4, "time-exceeded")] + silent(2, 1 + SILENT_TTLS),
                                  last=(1, R1_V4), reached=False, stopped="silence")
        self.assertIn(f"no answer past hop 1, {R1_V4}", trace["detail"])
        self.assert_unprivileged_same(endpoint(CLUSTER_V4), tcp)

    def test_drop_at_the_destination_reaches_the_last_router_within_two_timeouts(self):
        # The cluster's input chain drops: TTL 3 arrives (a host does not check the TTL of
        # what it receives) and is dropped there. The whole check, probe and trace, costs at
        # most two --timeout (docs/performance.md measures it properly).
        topology.nft(CLUSTER, INPUT_DROP)
        target = endpoint(CLUSTER_V4)
        r = self.run_check(target)
        self.assertEqual(r.code, 2, r)
        self.assertLess(r.elapsed, 2.05, "the trace's budget is one --timeout")
        tcp = self.tcp_of(r)
        self.assertEqual(tcp["code"], "tcp.timeout")
        trace = self.assert_trace(
            tcp, [(1, R1_V4, "time-exceeded"), (2, R2_V4, "time-exceeded")] +
            silent(3, 2 + SILENT_TTLS), last=(2, R2_V4), reached=False, stopped="silence")
        self.assertLessEqual(trace["ms"], 1050)
        unprivileged = self.assert_unprivileged_same(target, tcp)
        self.assertLess(unprivileged.elapsed, 2.05)
        self.assert_formats_render(target)


    def test_a_deadline_during_the_trace_keeps_the_probes_verdict(self):
        # The SYN times out at 1 s and the trace starts; --deadline ends the run in it. The
        # address's stages had all ended: tcp.timeout stays (not run.deadline), without a trace.
        topology.nft(CLUSTER, INPUT_DROP)
        r = self.run_check(endpoint(CLUSTER_V4), "--deadline", "1.4s")
        self.assertEqual(r.code, 2, r)
        self.assertLess(r.elapsed, 1.9, r)
        tcp = self.tcp_of(r)
        self.assertEqual(tcp["code"], "tcp.timeout", tcp)
        self.assertIsNone(tcp["trace"], tcp)
        self.assertEqual(r.json["targets"][0]["cause"]["code"], "tcp.timeout")


class Rejects(RoutedPath):
    """ICMP errors from a router: the trace names the router and its distance, the TCP cause
    names it as the offender, not the destination."""

    def test_reject_by_r1_names_r1_not_the_destination(self):
        # TTL 1 expires at r1 before its forward chain (time-exceeded); TTL 2 reaches the
        # forward chain, whose reject answers from the same address.
        topology.nft(R1, FORWARD_REJECT)
        for ip, r1 in ((CLUSTER_V4, R1_V4), (CLUSTER_V6, R1_V6)):
            with self.subTest(family="IPv6" if ":" in ip else "IPv4"):
                target = endpoint(ip)
                r = self.run_check(target)
                self.assertEqual(r.code, 2, r)
                t = r.json["targets"][0]
                self.assertEqual(t["cause"]["code"], "tcp.prohibited")
                tcp = self.tcp_of(r)
                self.assertEqual(tcp["code"], "tcp.prohibited")
                self.assertEqual(tcp["icmp"]["offender"], r1, tcp)
                self.assertEqual(tcp["icmp"]["name"], "admin-prohibited")
                self.assertEqual((tcp["icmp"]["type"], tcp["icmp"]["code"]),
                                 (3, 13) if ":" not in ip else (1, 1))
                trace = self.assert_trace(
                    tcp, [(1, r1, "time-exceeded"), (2, r1, "admin-prohibited")], last=(2, r1),
                    reached=False, stopped="icmp")
                self.assertEqual(trace["hops"][-1]["code"], "tcp.prohibited", trace)
                self.assertLess(r.elapsed, 1.0, "an ICMP answer ends the probe and the trace")
                self.assert_unprivileged_same(target, tcp)
                self.assert_formats_render(target)

    def test_no_route_at_r2_is_unreachable_sent_by_r2(self):
        # r1 routes UNROUTED to r2, which has no route for it: r2's routing decision (before
        # any TTL check) answers net-unreachable (IPv4) / no-route (IPv6), also to TTL 2.
        for ip, r2, name in ((UNROUTED_V4, R2_V4, "net-unreachable"),
                             (UNROUTED_V6, R2_V6, "no-route")):
            with self.subTest(family="IPv6" if ":" in ip else "IPv4"):
                target = endpoint(ip)
                bind = ("--bind", self.fresh_source("10.50.0.3")) if ":" not in ip else ()
                r = self.run_check(target, *bind)
                self.assertEqual(r.code, 2, r)
                self.assertEqual(r.json["targets"][0]["cause"]["code"], "tcp.unreachable")
                tcp = self.tcp_of(r)
                self.assertEqual(tcp["code"], "tcp.unreachable")
                self.assertEqual(tcp["icmp"]["offender"], r2, tcp)
                self.assertEqual(tcp["icmp"]["name"], name)
                r1 = R1_V6 if ":" in ip else R1_V4
                trace = self.assert_trace(tcp, [(1, r1, "time-exceeded"), (2, r2, name)],
                                          last=(2, r2), reached=False, stopped="icmp")
                self.assertEqual(trace["hops"][-1]["code"], "tcp.unreachable", trace)
                self.assert_unprivileged_same(target, tcp, *bind)

    def test_no_route_at_r2_renders(self):
        # IPv6 only: the IPv4 trace is drawn the same way, and each of r2's IPv4 "no route"
        # answers is one more chance to lose the next to its limiter (fresh_source).
        self.assert_formats_render(endpoint(UNROUTED_V6))

    def fresh_source(self, address):
        """An agent address r2 has sent no ICMP to yet. An IPv4 router's "no route" ICMP
        (ip_error) is limited per destination address by a token bucket: a burst of 5, then
        one a second (net.ipv4.route.error_burst, error_cost: global sysctls a namespace
        cannot change). Every other ICMP r2 sends that address (time-exceeded, even with
        icmp_ratelimit 0) empties the same bucket, and each check takes two (the probe and
        TTL 2): on the agent's usual address, after the other tests, r2 would stay silent.
        (Even r2's own ICMP for a "no route" empties it when a clock tick falls between the
        two, which a check on a fresh address survives but for a tick in microseconds.)"""
        topology.ip(AGENT, "addr", "add", f"{address}/24", "dev", "to-r1")
        self.addCleanup(topology.ip, AGENT, "addr", "del", f"{address}/24", "dev", "to-r1")
        return address


class OpenPath(RoutedPath):
    def test_trace_always_reaches_the_destination(self):
        for ip, r1, r2 in ((CLUSTER_V4, R1_V4, R2_V4), (CLUSTER_V6, R1_V6, R2_V6)):
            with self.subTest(family="IPv6" if ":" in ip else "IPv4"):
                target = endpoint(ip)
                r = self.run_check(target, "--trace", "always")
                self.assertEqual(r.code, 0, r)
                tcp = self.tcp_of(r)
                self.assertEqual(tcp["status"], "ok")
                self.assert_trace(tcp, [(1, r1, "time-exceeded"), (2, r2, "time-exceeded"),
                                        (3, ip, "syn-ack")],
                                  last=(3, ip), reached=True, stopped="destination")
                self.assert_unprivileged_same(target, tcp, "--trace", "always")
                self.assert_formats_render(target, "--trace", "always", code=0)

    def test_auto_does_not_trace_a_path_that_works(self):
        r = self.run_check(endpoint(CLUSTER_V4))
        self.assertEqual(r.code, 0, r)
        self.assertIsNone(self.tcp_of(r)["trace"])

    def test_the_destination_answering_ends_the_trace_there(self):
        # A closed port (RST) and a reject by the cluster's own filter: the destination
        # answers TTL 3 itself. `auto` leaves both alone (no router in the way to find);
        # `always` traces them.
        closed = endpoint(CLUSTER_V4, CLOSED_PORT)
        r = self.run_check(closed)
        self.assertEqual(self.tcp_of(r)["code"], "tcp.refused")
        self.assertIsNone(self.tcp_of(r)["trace"])
        r = self.run_check(closed, "--trace", "always")
        self.assertEqual(r.code, 2, r)
        tcp = self.tcp_of(r)
        self.assertEqual(tcp["code"], "tcp.refused")
        self.assert_trace(tcp, [(1, R1_V4, "time-exceeded"), (2, R2_V4, "time-exceeded"),
                                (3, CLUSTER_V4, "rst")],
                          last=(3, CLUSTER_V4), reached=True, stopped="destination")

        topology.nft(CLUSTER, INPUT_REJECT)
        target = endpoint(CLUSTER_V4)
        self.assertIsNone(self.tcp_of(self.run_check(target))["trace"])
        r = self.run_check(target, "--trace", "always")
        tcp = self.tcp_of(r)
        self.assertEqual(tcp["code"], "tcp.prohibited")
        self.assertEqual(tcp["icmp"]["offender"], CLUSTER_V4)
        self.assert_trace(tcp, [(1, R1_V4, "time-exceeded"), (2, R2_V4, "time-exceeded"),
                                (3, CLUSTER_V4, "admin-prohibited")],
                          last=(3, CLUSTER_V4), reached=True, stopped="icmp")
        self.assert_unprivileged_same(target, tcp, "--trace", "always")

    def test_a_router_silent_on_ttl_expiry_is_a_gap_not_the_end(self):
        # r1 forwards but sends no time-exceeded (many cloud routers do not): TTL 1 goes
        # unanswered, its wait (a share of the budget: no round trip is known yet) is spent,
        # and the trace goes on past it.
        topology.nft(R1, SILENT_ROUTER)
        for ip, r2 in ((CLUSTER_V4, R2_V4), (CLUSTER_V6, R2_V6)):
            with self.subTest(family="IPv6" if ":" in ip else "IPv4"):
                r = self.run_check(endpoint(ip), "--trace", "always")
                self.assertEqual(r.code, 0, r)
                trace = self.assert_trace(
                    self.tcp_of(r), [(1, None, None), (2, r2, "time-exceeded"), (3, ip, "syn-ack")],
                    last=(3, ip), reached=True, stopped="destination")
                self.assertLess(trace["ms"], 1000)

    def test_max_hops_ends_a_trace_short_of_the_destination(self):
        r = self.run_check(endpoint(CLUSTER_V6), "--trace", "always", "--trace-max-hops", "2")
        self.assertEqual(r.code, 0, r)
        trace = self.assert_trace(self.tcp_of(r), [(1, R1_V6, "time-exceeded"),
                                                   (2, R2_V6, "time-exceeded")],
                                  last=(2, R2_V6), reached=False, stopped="max_hops",
                                  max_hops=2)
        self.assertIn("routers answered up to TTL 2", trace["detail"])


class OneFlowPerTrace(RoutedPath):
    def test_every_probe_of_a_trace_leaves_from_one_port(self):
        # Paris traceroute's property: every TTL of a trace is the same flow (same source
        # address and port to the same destination and port), so a router hashing the flow
        # sends all of them down the path the failed connection took. r1 records every source
        # port it forwards a SYN to PORT from; TTL 1 dies at r1 before its forward chain, the
        # probe itself and TTL 2 to 7 pass it.
        topology.nft(CLUSTER, INPUT_DROP)
        for unprivileged in (False, True):
            with self.subTest(unprivileged=unprivileged):
                topology.nft(R1, SOURCE_PORTS)
                r = self.run_check(endpoint(CLUSTER_V4), unprivileged=unprivileged)
                tcp = self.tcp_of(r)
                self.assertEqual(len(tcp["trace"]["hops"]), 2 + SILENT_TTLS, tcp["trace"])
                self.assertEqual(self.ports_r1_forwarded(), [tcp["trace"]["source_port"]])
                self.assertEqual(tcp["trace"]["source_port"], tcp["local_port"])

    def test_a_trace_after_a_connection_is_one_flow_too(self):
        # After a connection the probe's port is in TIME_WAIT and cannot make the same
        # 4-tuple again: the trace takes another port, one for all its TTLs.
        topology.nft(R1, SOURCE_PORTS)
        r = self.run_check(endpoint(CLUSTER_V4), "--trace", "always")
        tcp = self.tcp_of(r)
        self.assertEqual(tcp["trace"]["stopped"], "destination")
        self.assertEqual(sorted(self.ports_r1_forwarded()),
                         sorted({tcp["local_port"], tcp["trace"]["source_port"]}))

    def ports_r1_forwarded(self):
        listing = json.loads(topology.exec(R1, ["nft", "-j", "list", "set", "inet", "paths",
                                                "sports"]).stdout)
        for item in listing["nftables"]:
            if "set" in item:
                return [e["elem"]["val"] if isinstance(e, dict) else e
                        for e in item["set"].get("elem", [])]
        self.fail(f"no set in {listing}")


class MtuBlackHole(RoutedPath):
    """r2 drops every packet over N bytes from the cluster toward the agent and sends no ICMP
    fragmentation-needed: the handshake's small packets pass, the server's full-size certificate
    flight does not. The cause stays what a client sees (tls.timeout); the retries with a
    clamped MSS find the size that gets through, and the kernel, told nothing, still holds the
    interface's path MTU (1500, the veths')."""

    peer = None
    ca_file = None

    @classmethod
    def setUpClass(cls):
        with topology.inside(CLUSTER):
            cls.peer = TestPeer([f"{CLUSTER_V4}:{TLS_PORT}=tls:good",
                                 f"[{CLUSTER_V6}]:{TLS_PORT}=tls:good"], hosts=["localhost"])
        cls.ca_file = os.path.join(work_dir, "ca.pem")  # where nobody can read it
        shutil.copy(cls.peer.ca_file, cls.ca_file)
        os.chmod(cls.ca_file, 0o644)

    @classmethod
    def tearDownClass(cls):
        if cls.peer:
            cls.peer.close()

    def black_hole(self, limit, address=CLUSTER_V4, unprivileged=False):
        topology.nft(R2, BLACK_HOLE.format(limit=limit))
        r = self.run_check(endpoint(address, TLS_PORT), "--no-protocol", "--ca-file",
                           self.ca_file, unprivileged=unprivileged)
        self.assertEqual(r.code, 2, r)
        t = r.json["targets"][0]
        self.assertEqual(t["cause"]["code"], "tls.timeout", t)
        self.assertEqual(t["stages"]["tcp"]["status"], "ok")
        mtu = t["addresses"][0]["mtu"]
        self.assertEqual(mtu["stalled_stage"], "tls", mtu)
        self.assertEqual(mtu["kernel_path_mtu"], 1500, mtu)
        findings = [f for f in r.json["findings"] if f["code"] == "network.mtu_blackhole_suspected"]
        self.assertEqual(len(findings), 1 if mtu["working_mss"] else 0, r.json["findings"])
        if findings:
            self.assertTrue(findings[0]["remedy"])
        return mtu

    def attempts(self, mtu):
        return [(a["mss"], a["completed"]) for a in mtu["attempts"]]

    def test_full_size_packets_dropped_and_1200_works(self):
        for address in (CLUSTER_V4, CLUSTER_V6):
            with self.subTest(address=address):
                mtu = self.black_hole(1300, address)
                self.assertEqual(mtu["working_mss"], 1200, mtu)
                self.assertEqual(self.attempts(mtu), [(536, True), (1200, True)])
        # TCP_MAXSEG needs no privilege either.
        mtu = self.black_hole(1300, unprivileged=True)
        self.assertEqual(self.attempts(mtu), [(536, True), (1200, True)])

    def test_smaller_black_hole_only_536_gets_through(self):
        mtu = self.black_hole(1000)
        self.assertEqual(mtu["working_mss"], 536, mtu)
        self.assertEqual(self.attempts(mtu), [(536, True), (1200, False)])

    def test_a_hole_too_small_for_536_is_no_finding(self):
        mtu = self.black_hole(500)
        self.assertIsNone(mtu["working_mss"], mtu)
        self.assertEqual(self.attempts(mtu), [(536, False)])

    def test_a_deadline_during_the_retries_keeps_the_stall(self):
        # The handshake stalls for the 1 s timeout, the 536 retry stalls too (nothing fits a
        # 500-byte hole) and --deadline ends the run in it: the cause stays tls.timeout, the
        # retry that had not ended is not counted.
        topology.nft(R2, BLACK_HOLE.format(limit=500))
        r = self.run_check(endpoint(CLUSTER_V4, TLS_PORT), "--no-protocol", "--ca-file",
                           self.ca_file, "--deadline", "1.5s")
        self.assertEqual(r.code, 2, r)
        self.assertLess(r.elapsed, 2.0, r)
        t = r.json["targets"][0]
        self.assertEqual(t["cause"]["code"], "tls.timeout", t)
        mtu = t["addresses"][0]["mtu"]
        self.assertEqual(mtu["stalled_stage"], "tls", mtu)
        self.assertEqual(mtu["attempts"], [], mtu)
        self.assertIsNone(mtu["working_mss"], mtu)

    def test_without_the_black_hole_nothing_is_retried(self):
        r = self.run_check(endpoint(CLUSTER_V4, TLS_PORT), "--no-protocol", "--ca-file",
                           self.ca_file)
        self.assertEqual(r.code, 0, r)
        self.assertIsNone(r.json["targets"][0]["addresses"][0].get("mtu"))
        self.assertNotIn("network.mtu_blackhole_suspected",
                         [f["code"] for f in r.json["findings"]])


class ResolverBehindUdpDrop(RoutedPath):
    def test_udp_53_dropped_tcp_53_open(self):
        # r1 drops UDP to port 53; the resolver in the cluster answers over TCP. A client's C
        # library does not retry over TCP: dns.timeout stays, with what TCP answered beside it.
        host = catalog_host("kafka", "paths01")
        topology.nft(R1, UDP_DNS_DROP)
        with topology.inside(CLUSTER):
            dns = Dnsmasq({host: CLUSTER_V4}, address=CLUSTER_V4, port=53)
        with dns:
            r = self.run_check(f"{host}:{PORT}", "--dns-server", dns.server)
        self.assertEqual(r.code, 2, r)
        t = r.json["targets"][0]
        self.assertEqual(t["cause"]["code"], "dns.timeout", t)
        fallback = t["stages"]["dns"]["tcp_fallback"]
        self.assertTrue(fallback["answered"], fallback)
        self.assertEqual(fallback["addresses"], [CLUSTER_V4])
        self.assertIn("over TCP", t["cause"]["summary"])
        self.assertIn(f"{CLUSTER_V4}:53 answers over TCP/53 but not over UDP/53",
                      t["cause"]["remedy"])
        self.assertEqual(t["stages"]["tcp"]["status"], "skipped")


if __name__ == "__main__":
    unittest.main()
