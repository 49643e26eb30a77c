# SPDX-License-Identifier: Apache-2.0
"""A routed topology of network namespaces for end-to-end tests of what happens on the way
(root only):

    agent --- r1 --- r2 --- cluster

Four namespaces named `vp14-<pid>-agent`, `-r1`, `-r2`, `-cluster`, joined by veth pairs
created inside them (nothing is added to the namespace the test runs in). r1 and r2 forward
IPv4 and IPv6 and answer with ICMP without rate limits, so every probe of a test gets its
answer. Addresses (IPv6 mirrors IPv4 with fd50::/16, added with nodad):

    agent   10.50.0.2   fd50::2        (link a, 10.50.0.0/24, fd50::/64)
    r1      10.50.0.1   fd50::1        on link a, toward the agent
            10.50.1.1   fd50:0:0:1::1  on link b, toward r2
    r2      10.50.1.2   fd50:0:0:1::2  on link b, toward r1
            10.50.3.1   fd50:0:0:3::1  on link c, toward the cluster
    cluster 10.50.3.2   fd50:0:0:3::2  (link c)

A router answers ICMP from its address toward the sender (the agent): r1 as 10.50.0.1, r2 as
10.50.1.2. UNROUTED (10.50.9.2, fd50:0:0:9::2) is routed by the agent and r1 toward r2, which
has no route for it. `close()` deletes the namespaces, which ends the veth pairs with them;
processes started inside() one are the caller's to stop first.
"""
import contextlib
import ctypes
import os
import socket
import subprocess
import tempfile
import time

CLONE_NEWNET = 0x40000000


@contextlib.contextmanager
def inside_netns(netns):
    """This thread in the named network namespace (`ip netns` name) for the block; back in its
    own afterwards."""
    libc = ctypes.CDLL(None, use_errno=True)
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open(f"/run/netns/{netns}", os.O_RDONLY)
    try:
        if libc.setns(target, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns into {netns} failed")
        try:
            yield
        finally:
            if libc.setns(home, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back home failed")
    finally:
        os.close(target)
        os.close(home)

AGENT, R1, R2, CLUSTER = "agent", "r1", "r2", "cluster"
ROUTERS = (R1, R2)

ADDRESSES = {
    # namespace: [(interface, IPv4/prefix, IPv6/prefix)]
    AGENT: [("to-r1", "10.50.0.2/24", "fd50::2/64")],
    R1: [("to-agent", "10.50.0.1/24", "fd50::1/64"),
         ("to-r2", "10.50.1.1/24", "fd50:0:0:1::1/64")],
    R2: [("to-r1", "10.50.1.2/24", "fd50:0:0:1::2/64"),
         ("to-cluster", "10.50.3.1/24", "fd50:0:0:3::1/64")],
    CLUSTER: [("to-r2", "10.50.3.2/24", "fd50:0:0:3::2/64")],
}
# veth pairs: (namespace, interface) <-> (namespace, interface)
LINKS = [((AGENT, "to-r1"), (R1, "to-agent")),
         ((R1, "to-r2"), (R2, "to-r1")),
         ((R2, "to-cluster"), (CLUSTER, "to-r2"))]
ROUTES = {
    AGENT: [("10.50.0.0/16", "10.50.0.1"), ("fd50::/16", "fd50::1")],
    # The connected /24s and /64s win over these; the rest of 10.50/16 goes on to r2.
    R1: [("10.50.0.0/16", "10.50.1.2"), ("fd50::/16", "fd50:0:0:1::2")],
    # Back toward the agent only, and to the cluster's link: r2 has no route for UNROUTED.
    R2: [("10.50.0.0/24", "10.50.1.1"), ("fd50::/64", "fd50:0:0:1::1")],
    CLUSTER: [("10.50.0.0/16", "10.50.3.1"), ("fd50::/16", "fd50:0:0:3::1")],
}

AGENT_V4, AGENT_V6 = "10.50.0.2", "fd50::2"
R1_V4, R1_V6 = "10.50.0.1", "fd50::1"  # what r1 answers from
R2_V4, R2_V6 = "10.50.1.2", "fd50:0:0:1::2"  # what r2 answers from
CLUSTER_V4, CLUSTER_V6 = "10.50.3.2", "fd50:0:0:3::2"
UNROUTED_V4, UNROUTED_V6 = "10.50.9.2", "fd50:0:0:9::2"
CLOSED_PORT = 9  # nothing listens on it anywhere in the topology

# Applied before any interface exists, so that the veths come up with them.
SYSCTLS_EVERYWHERE = {
    "net.ipv6.conf.all.accept_dad": "0",
    "net.ipv6.conf.default.accept_dad": "0",
    "net.ipv6.conf.all.accept_ra": "0",
    "net.ipv6.conf.default.accept_ra": "0",
}
SYSCTLS_ROUTERS = {
    "net.ipv4.ip_forward": "1",
    "net.ipv6.conf.all.forwarding": "1",
    # The kernel's defaults answer one ICMP error per peer per second or so (icmp_ratelimit
    # 1000 ms, ICMPv6 ratelimit 1000 ms): a trace asks each router several times in a row.
    "net.ipv4.icmp_ratelimit": "0",
    "net.ipv6.icmp.ratelimit": "0",
}


def run(argv, input=None, check=True):
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=30, input=input)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc


class Namespaces:
    """Network namespaces named PREFIX-NAME (the prefix carries the test's PID), made by the
    subclass's _create() in the constructor and all deleted by close(), also when _create()
    fails half-way. The base of every namespace set the integration tests build."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.created = []
        try:
            self._create()
        except BaseException:
            self.close()
            raise

    def _create(self):
        raise NotImplementedError

    def ns(self, name):
        return f"{self.prefix}-{name}"

    def add_netns(self, name):
        """A new namespace `name` with its loopback up."""
        run(["ip", "netns", "add", self.ns(name)])
        self.created.append(self.ns(name))
        self.ip(name, "link", "set", "lo", "up")

    def ip(self, name, *args):
        return run(["ip", "-n", self.ns(name), *args]).stdout

    def exec_argv(self, name, argv):
        return ["ip", "netns", "exec", self.ns(name), *argv]

    def exec(self, name, argv, input=None, check=True):
        return run(self.exec_argv(name, argv), input=input, check=check)

    def nft(self, name, rules=""):
        """Replaces the namespace's whole nftables ruleset by `rules` ("" = none)."""
        with tempfile.NamedTemporaryFile("w", suffix=".nft", delete=False) as f:
            f.write("flush ruleset\n" + rules)
        try:
            self.exec(name, ["nft", "-f", f.name])
        finally:
            os.unlink(f.name)

    @contextlib.contextmanager
    def inside(self, name):
        """Moves this thread into the namespace for the block: a program started in it (by the
        harness's peers, say) lives there, and the thread comes back out afterwards."""
        with inside_netns(self.ns(name)):
            yield

    def close(self):
        for ns in reversed(self.created):
            run(["ip", "netns", "del", ns], check=False)
        self.created = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Topology(Namespaces):
    """The four namespaces, created by the constructor (deleted again if that fails)."""

    def __init__(self, prefix=None):
        super().__init__(prefix or f"vp14-{os.getpid()}")

    def _create(self):
        for name in (AGENT, R1, R2, CLUSTER):
            self.add_netns(name)
            settings = dict(SYSCTLS_EVERYWHERE)
            if name in ROUTERS:
                settings.update(SYSCTLS_ROUTERS)
            self.sysctl(name, settings)
        for (left, left_if), (right, right_if) in LINKS:
            self.ip(left, "link", "add", "name", left_if, "type", "veth", "peer", "name",
                    right_if, "netns", self.ns(right))
            # One wire packet per buffer, as on a real link: a veth otherwise passes a TCP
            # sender's 64 KB GSO buffer through whole, and nft's `meta length` would measure
            # that, not the packets a router of a real path sees.
            self.ip(left, "link", "set", "dev", left_if, "gso_max_segs", "1")
            self.ip(right, "link", "set", "dev", right_if, "gso_max_segs", "1")
        for name, interfaces in ADDRESSES.items():
            for interface, v4, v6 in interfaces:
                self.ip(name, "addr", "add", v4, "dev", interface)
                self.ip(name, "-6", "addr", "add", v6, "dev", interface, "nodad")
                self.ip(name, "link", "set", interface, "up")
        for name, routes in ROUTES.items():
            for prefix, via in routes:
                self.ip(name, "route", "add", prefix, "via", via)
        self._wait_ready()

    def _wait_ready(self, limit=10.0):
        """Until the agent reaches the cluster over both families (a RST from a closed port).
        A new veth's carrier reaches the stack through the kernel's link watch, which runs at
        most once a second: until then IPv6 has no usable address on it and the first
        neighbour solicitation is lost, so a probe sent at once would wait a second for the
        retry and look like a drop."""
        deadline = time.monotonic() + limit
        waiting = {CLUSTER_V4: socket.AF_INET, CLUSTER_V6: socket.AF_INET6}
        with self.inside(AGENT):
            while waiting:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the topology did not carry traffic to {list(waiting)}")
                for address, family in list(waiting.items()):
                    with socket.socket(family, socket.SOCK_STREAM) as probe:
                        probe.settimeout(0.05)
                        try:
                            probe.connect((address, CLOSED_PORT))
                        except ConnectionRefusedError:
                            del waiting[address]
                        except OSError:
                            pass

    def sysctl(self, name, settings):
        self.exec(name, ["sysctl", "-q", "-w"] + [f"{k}={v}" for k, v in settings.items()])

    def clear_filters(self):
        for name in (AGENT, R1, R2, CLUSTER):
            self.nft(name)

