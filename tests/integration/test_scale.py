# SPDX-License-Identifier: Apache-2.0
"""End to end at scale: 10,000 targets under `ulimit -n 1024`, and a run under a tiny limit.

Running out of descriptors must slow a run down, never turn into a verdict about the network.
Every target here has one known outcome (a TLS endpoint that answers, a refused port, a silent
listener, a dropped address, a name that does not exist), and the test checks each one: an
EMFILE reported as tcp.error, dns.refused, tls.timeout or a certificate problem fails it.

Everything runs inside a private network namespace (root): nothing else listens there, so a
port no peer holds is refused for certain, and nftables drops one address. Names come from a
hosts file (--hosts-file) and from a dnsmasq (its --addn-hosts file)."""
import collections
import os
import random
import resource
import shutil
import sys
import tempfile
import time
import unittest

from harness import (DOMAIN, Dnsmasq, TestPeer, enter_private_netns, skip_module_unless_root,
                     validate, vpcprobe)

skip_module_unless_root()

ZONE = f"scale.{DOMAIN}"  # every name here; dnsmasq answers NXDOMAIN for the unknown ones
TLS_ADDRESSES = [f"127.0.96.{i}" for i in range(1, 5)]
SILENT = "127.0.97.1"
REFUSED = [f"127.0.98.{i}" for i in range(1, 21)]
DROPPED = "127.0.99.1"
NFT_RULES = f"""table inet scale {{
    chain output {{ type filter hook output priority 0; ip daddr {DROPPED} drop; }}
}}
"""
OK = ("ok", None)


def setUpModule():
    enter_private_netns(nft_rules=NFT_RULES)


class Scene:
    """The peers and the names every run here uses: a TLS testpeer on four addresses (two
    listeners each) and a silent listener, a dnsmasq, and a hosts file. plan(counts) makes a
    config of targets with their expected (status, cause code)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="vpcprobe-scale-")
        self.peer = TestPeer([f"{a}:0=tls:good" for a in TLS_ADDRESSES for _ in range(2)] +
                             [f"{SILENT}:0=silent"], hosts=[f"*.{ZONE}"])
        self.tls_listeners = [l for l in self.peer.listening if not l.startswith(SILENT)]
        (self.silent_listener,) = [l for l in self.peer.listening if l.startswith(SILENT)]
        self.hosts_file = os.path.join(self.dir, "hosts")
        self.dns_hosts = os.path.join(self.dir, "dns-hosts")
        self.dns = None

    def plan(self, tls_hosts, tls_dns, refused, silent, dropped, nxdomain):
        """Writes the hosts files and a config; returns (config path, {endpoint: outcome})."""
        expected, hosts, dns_hosts = {}, [], []
        for i in range(tls_hosts):  # names from the hosts file, TLS answers
            listener = self.tls_listeners[i % len(self.tls_listeners)]
            address, port = listener.rsplit(":", 1)
            hosts.append(f"{address} h{i}.{ZONE}")
            expected[f"h{i}.{ZONE}:{port}"] = OK
        for i in range(tls_dns):  # names from dnsmasq, TLS answers
            address, port = self.tls_listeners[i % len(self.tls_listeners)].rsplit(":", 1)
            dns_hosts.append(f"{address} d{i}.{ZONE}")
            expected[f"d{i}.{ZONE}:{port}"] = OK
        for i in range(refused):  # half IP literals, half names; nothing listens there
            address, port = REFUSED[i % len(REFUSED)], 10000 + i // len(REFUSED)
            if i % 2:
                hosts.append(f"{address} r{i}.{ZONE}")
                expected[f"r{i}.{ZONE}:{port}"] = ("failed", "tcp.refused")
            else:
                expected[f"{address}:{port}"] = ("failed", "tcp.refused")
        silent_address, silent_port = self.silent_listener.rsplit(":", 1)
        for i in range(silent):  # TCP accepted, TLS never answered
            hosts.append(f"{silent_address} s{i}.{ZONE}")
            expected[f"s{i}.{ZONE}:{silent_port}"] = ("failed", "tls.timeout")
        for i in range(dropped):  # SYNs dropped by nftables
            expected[f"{DROPPED}:{20000 + i}"] = ("failed", "tcp.timeout")
        for i in range(nxdomain):
            expected[f"nx{i}.{ZONE}:443"] = ("failed", "dns.nxdomain")
        with open(self.hosts_file, "w") as f:
            f.write("\n".join(hosts) + "\n")
        with open(self.dns_hosts, "w") as f:
            f.write("\n".join(dns_hosts) + "\n")
        if self.dns:
            self.dns.close()
        self.dns = Dnsmasq({}, extra=[f"--addn-hosts={self.dns_hosts}"])
        # Interleaved, so that every kind of target is in flight at every moment of the run.
        endpoints = list(expected)
        random.Random(6).shuffle(endpoints)
        config = os.path.join(self.dir, "targets.toml")
        with open(config, "w") as f:
            f.write("targets = [\n" + "".join(f'  "{e}=endpoint",\n' for e in endpoints) + "]\n")
            f.write(f'dns_servers = ["{self.dns.server}"]\nca_files = ["{self.peer.ca_file}"]\n')
        return config, expected

    def check(self, config, *args, nofile, timeout=300):
        return vpcprobe("check", "-c", config, "--format", "json", "--hosts-file",
                        self.hosts_file, *args, nofile=nofile, timeout=timeout)

    def close(self):
        if self.dns:
            self.dns.close()
        self.peer.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def open_files_limit(pid):
    """The soft RLIMIT_NOFILE of a running process, from /proc/PID/limits."""
    with open(f"/proc/{pid}/limits") as f:
        for line in f:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    raise AssertionError("no 'Max open files' line")


class Scale(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scene = Scene()

    @classmethod
    def tearDownClass(cls):
        cls.scene.close()

    def assert_each_target(self, result, expected):
        """Every target is in the report exactly once, with its expected status and cause."""
        self.assertIn(result.code, (2,), result.err)  # some targets fail on purpose
        # The schema, on one target of each kind (jsonschema takes ~20 s over all 10,000).
        sample, kinds = dict(result.json), {}
        for t in result.json["targets"]:
            kinds.setdefault(expected.get(t["endpoint"]), t)
        sample["targets"] = list(kinds.values())
        validate(sample)
        seen = collections.Counter(t["endpoint"] for t in result.json["targets"])
        self.assertEqual(set(seen), set(expected))
        self.assertEqual(max(seen.values()), 1)
        wrong = collections.Counter()
        examples = {}
        for t in result.json["targets"]:
            got = (t["status"], t["cause"]["code"] if t["cause"] else None)
            if got != expected[t["endpoint"]]:
                wrong[(expected[t["endpoint"]], got)] += 1
                examples.setdefault((expected[t["endpoint"]], got), t["cause"])
        self.assertEqual(wrong, collections.Counter(), f"wrong outcomes; one of each: {examples}")
        outcomes = collections.Counter(expected.values())
        self.assertEqual(result.json["summary"],
                         {"ok": outcomes[OK], "warning": 0,
                          "failed": len(expected) - outcomes[OK]})

    def test_ten_thousand_targets_with_1024_descriptors(self):
        config, expected = self.scene.plan(tls_hosts=1500, tls_dns=500, refused=6900,
                                           silent=400, dropped=200, nxdomain=500)
        self.assertEqual(len(expected), 10000)
        # The peer must not be the one short of descriptors: it raises its own soft limit to
        # the hard one, which must cover every connection vpcprobe can hold open at once.
        self.assertGreaterEqual(open_files_limit(self.scene.peer.proc.pid), 2048)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        # --timeout 10s: 960 TLS handshakes in flight on one thread (slower still under ASan)
        # must not be mistaken for peers that do not answer.
        result = self.scene.check(config, "--concurrency", "5000", "--timeout", "10s",
                                  nofile=1024)
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"\n10,000 targets, ulimit -n 1024: {result.elapsed:.1f}s wall, engine "
              f"{result.json['agent']['duration_ms'] / 1000:.1f}s, peak RSS "
              f"{peak_kib / 1024:.0f} MiB" + ("" if peak_kib > before else " (not measured)"),
              file=sys.stderr)
        self.assert_each_target(result, expected)
        # Concurrency followed the limit: sockets kept to the budget (the limit less 64 kept
        # back), the budget used to the full, and more targets in flight than sockets.
        self.assertEqual(result.json["agent"]["concurrency"],
                         {"targets": 5000, "sockets": 960, "descriptor_limit": 1024,
                          "peak_targets": 5000, "peak_sockets": 960,
                          "queued_for_socket": result.json["agent"]["concurrency"][
                              "queued_for_socket"]})
        self.assertGreater(result.json["agent"]["concurrency"]["queued_for_socket"], 1000)

    def test_a_tiny_limit_still_gives_right_answers(self):
        config, expected = self.scene.plan(tls_hosts=100, tls_dns=30, refused=200, silent=8,
                                           dropped=4, nxdomain=20)
        for nofile in (32, 16):
            with self.subTest(nofile=nofile):
                started = time.monotonic()
                result = self.scene.check(config, "--concurrency", "1000", "--timeout", "2s",
                                          nofile=nofile)
                self.assert_each_target(result, expected)
                at_once = result.json["agent"]["concurrency"]
                self.assertEqual(at_once["descriptor_limit"], nofile)
                # What is open already (stdio, the event loop's) and what the resolver may
                # need are kept back: a few sockets are left, and all of them were used.
                self.assertGreater(at_once["sockets"], 1)
                self.assertLess(at_once["sockets"], nofile - 6)
                self.assertEqual(at_once["peak_sockets"], at_once["sockets"])
                self.assertLess(time.monotonic() - started, 60)

    def test_below_what_a_run_needs_is_exit_3(self):
        config, _ = self.scene.plan(tls_hosts=4, tls_dns=4, refused=4, silent=0, dropped=0,
                                    nxdomain=0)
        # Not below 9: under UBSan, the sanitizer's own checks need a pipe (two descriptors).
        for nofile in (9, 10):
            with self.subTest(nofile=nofile):
                result = self.scene.check(config, nofile=nofile)
                self.assertEqual(result.code, 3, result)
                self.assertEqual(result.out, "")
                self.assertRegex(result.err, rf"^vpcprobe: too few file descriptors: the limit "
                                             rf"is {nofile} \(ulimit -n\), \d+ are open, and a "
                                             rf"check needs at least \d+; raise it .*\n$")

    def test_the_text_report_says_what_ran_at_once(self):
        config, _ = self.scene.plan(tls_hosts=40, tls_dns=0, refused=40, silent=0, dropped=0,
                                    nxdomain=0)
        result = vpcprobe("check", "-c", config, "--concurrency", "500", "--format", "text",
                          "--hosts-file", self.scene.hosts_file, nofile=64)
        self.assertEqual(result.code, 2, result)
        self.assertRegex(result.out.splitlines()[1],
                         r"^at most 500 targets and (\d+) sockets at once \(descriptor limit "
                         r"64\); the most in flight: 80 targets, \1 sockets; \d+ addresses "
                         r"waited for a free socket$")


if __name__ == "__main__":
    unittest.main()
