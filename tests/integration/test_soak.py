# SPDX-License-Identifier: Apache-2.0
"""A `vpcprobe serve` soak with faults toggling in turn: the DNS server goes down and comes
back, SYNs to the TLS endpoint are dropped and then let through, and the endpoint's whole PKI
is rotated (a new CA at the same path, a new leaf on the same address and port). Each toggle
must be seen in /report.json (the right cause while the fault is on, ok after), and memory and
descriptors must stay flat over the hundreds of runs around them.

Runs inside a private network namespace (root) so nftables can filter: one port is always
rejected (tcp.prohibited), the TLS port's SYNs are dropped on and off."""
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

from harness import (DOMAIN, Dnsmasq, Serve, TestPeer, assert_flat, enter_private_netns, fd_count,
                     free_port, load_nft, skip_module_unless_root, soak_env, validate, vm_rss_kib,
                     wait_until, write_config)

skip_module_unless_root()

ZONE = f"soak.{DOMAIN}"
TLS_HOST, FILTERED_HOST = f"tls.{ZONE}", f"filtered.{ZONE}"
TLS_ADDRESS, FILTERED_ADDRESS, DNS_ADDRESS = "127.0.86.1", "127.0.86.2", "127.0.86.53"
FILTERED_PORT = 9443
TIME_BOUND = 80  # seconds of toggling at most
WARM_UP_RUNS, ENOUGH_RUNS = 100, 800


def nft_rules(drop_tls_syns, tls_port):
    reject = (f"ip daddr {FILTERED_ADDRESS} tcp dport {FILTERED_PORT} "
              f"reject with icmpx type admin-prohibited;")
    drop = (f"ip daddr {TLS_ADDRESS} tcp dport {tls_port} tcp flags & (syn | ack) == syn drop;"
            if drop_tls_syns else "")
    return f"""table inet soak {{
    chain output {{
        type filter hook output priority 0;
        {reject}
        {drop}
    }}
}}
"""


def setUpModule():
    enter_private_netns()


class FaultSoak(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="vpcprobe-soak-")
        self.ca_file = os.path.join(self.dir, "ca.pem")  # one path, new content on rotation
        self.tls_port = free_port(TLS_ADDRESS)
        load_nft(nft_rules(False, self.tls_port))
        self.dns = Dnsmasq({TLS_HOST: TLS_ADDRESS, FILTERED_HOST: FILTERED_ADDRESS},
                           address=DNS_ADDRESS)
        self.peer = None
        self.start_peer()
        self.install_ca()
        self.samples = {"rss": [], "fds": []}

    def tearDown(self):
        if self.peer:
            self.peer.close()
        self.dns.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def start_peer(self):
        """A TLS testpeer on the same address and port each time, with a PKI of its own."""
        self.peer = TestPeer([f"{TLS_ADDRESS}:{self.tls_port}=tls:good"], hosts=[TLS_HOST])

    def install_ca(self):
        shutil.copyfile(self.peer.ca_file, self.ca_file + ".tmp")
        os.replace(self.ca_file + ".tmp", self.ca_file)  # a run never reads half a file

    def restart_dns(self):
        """dnsmasq again, with the same arguments: the same address and port."""
        self.dns.proc = subprocess.Popen(self.dns.proc.args, stdout=self.dns.log,
                                         stderr=subprocess.STDOUT)
        self.dns._wait_ready()

    def report(self):
        """The TLS target and the filtered one of the latest /report.json; also samples VmRSS
        and descriptors once the run count is past warm-up."""
        status, _, body = self.serve.request("/report.json")
        self.assertEqual(status, 200)
        report = json.loads(body)
        self.runs = len(self.serve.log_lines("check"))
        if self.warmed_up and self.runs >= WARM_UP_RUNS:
            self.samples["rss"].append(vm_rss_kib(self.serve.proc.pid))
            self.samples["fds"].append(fd_count(self.serve.proc.pid))
        targets = {t["host"]: t for t in report["targets"]}
        # The filtered port is rejected by nftables all along, or not resolved while DNS is
        # down (dns.timeout for a run whose query dnsmasq took with it when it stopped).
        self.assertIn(targets[FILTERED_HOST]["cause"]["code"],
                      ("tcp.prohibited", "dns.refused", "dns.timeout"))
        self.last = report
        return targets[TLS_HOST]

    def wait_for(self, cause, what, timeout=20):
        """Polls /report.json until the TLS target's cause is `cause` (None: ok); returns it."""
        def reached():
            target = self.report()
            code = target["cause"]["code"] if target["cause"] else None
            return target if code == cause else None
        return wait_until(reached, timeout, what, step=0.05)

    def settle(self, seconds=0.5):
        """Healthy runs between faults (most of the soak's runs), sampled like the others."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.report()
            time.sleep(0.05)

    def leaf(self, target):
        chain = target["stages"]["certificate"]["chain"]
        return chain[0]["sha256"], chain[0]["not_after"]

    def test_faults_toggling_memory_and_descriptors_flat(self):
        # soak_env: under ASan, the fault paths keep finding new allocation stacks in OpenSSL
        # and c-ares (~9 KiB per run here) that ASan would keep for good.
        with Serve("-c", self.config_file(), "--interval", "50ms", "--timeout", "1s",
                   env=soak_env()) as serve:
            self.serve = serve
            self.warmed_up = False
            serve.wait_healthy()
            leaf = self.leaf(self.wait_for(None, "the TLS target ok"))
            validate(self.last)
            seen = {"dns": 0, "drop": 0, "rotation": 0}
            started = time.monotonic()
            while time.monotonic() - started < TIME_BOUND:
                # DNS down: dnsmasq stopped (the port answers ICMP port unreachable), then
                # started again on the same address and port.
                self.dns.proc.terminate()
                self.dns.proc.wait(timeout=10)
                self.wait_for("dns.refused", "dns.refused while dnsmasq is down")
                self.restart_dns()
                self.wait_for(None, "ok once dnsmasq is back")
                self.settle()
                seen["dns"] += 1

                # Drops: SYNs to the TLS port dropped, then let through again.
                load_nft(nft_rules(True, self.tls_port))
                self.wait_for("tcp.timeout", "tcp.timeout while SYNs are dropped")
                load_nft(nft_rules(False, self.tls_port))
                self.wait_for(None, "ok once SYNs pass again")
                self.settle()
                seen["drop"] += 1

                # Rotation: a new PKI on the same address and port. Until the CA file has the
                # new root, the new chain is not trusted; after, it is, with a new leaf.
                self.peer.close()
                self.start_peer()
                self.wait_for("cert.untrusted", "the new chain untrusted under the old CA")
                self.install_ca()
                rotated = self.leaf(self.wait_for(None, "ok under the new CA"))
                self.assertNotEqual(rotated[0], leaf[0])
                leaf = rotated
                self.settle()
                seen["rotation"] += 1

                # Warm-up ends after the first round of every fault: each path's first-time
                # allocations (OpenSSL's error tables, c-ares's server state) are in the
                # baseline, not counted as growth.
                self.warmed_up = True
                if self.runs >= ENOUGH_RUNS:
                    break
            print(f"\nsoak: {self.runs} runs, {seen} faults in {time.monotonic() - started:.0f}s,"
                  f" VmRSS {min(self.samples['rss'])}-{max(self.samples['rss'])} KiB, "
                  f"descriptors {min(self.samples['fds'])}-{max(self.samples['fds'])}",
                  file=sys.stderr)
            self.assertGreaterEqual(self.runs, 300, "too few runs in the time allowed")
            self.assertGreaterEqual(min(seen.values()), 4, seen)
            assert_flat(self, self.samples["rss"], self.samples["fds"], self.runs,
                        pid=self.serve.proc.pid)
            self.assertIsNone(serve.proc.poll())
            self.assertEqual(serve.log_lines("check_error"), [])
            validate(self.last)

    def config_file(self):
        path = os.path.join(self.dir, "vpcprobe.toml")
        write_config(path, [f"{TLS_HOST}:{self.tls_port}=endpoint",
                            f"{FILTERED_HOST}:{FILTERED_PORT}=endpoint"],
                     self.dns.server, self.ca_file)
        return path


class OutOfDescriptors(unittest.TestCase):
    """serve's HTTP clients take every descriptor the limit leaves: a run that cannot have a
    socket is a check_error (logged, the previous report kept), never a target reported
    failed; once the clients leave, runs go on as before."""

    def test_clients_holding_every_descriptor(self):
        with TestPeer([f"{TLS_ADDRESS}:0=tls:good"]) as peer, \
                Serve(f"{peer.listening[0]}=endpoint", f"{FILTERED_ADDRESS}:1=endpoint",
                      "--ca-file", peer.ca_file, "--interval", "50ms", "--timeout", "2s") as serve:
            serve.wait_healthy()

            def runs():  # "event=check" lines only, not "event=check_error"
                return [r for r in serve.log_lines("check") if " event=check " in r]

            checks = len(runs())
            resource.prlimit(serve.proc.pid, resource.RLIMIT_NOFILE, (48, 48))
            clients = []
            try:
                for _ in range(60):  # serve keeps 64 at most; the rest wait in the backlog
                    clients.append(socket.create_connection((serve.address, serve.port), 5))
                serve.wait_log("check_error")
            finally:
                for client in clients:
                    client.close()
            wait_until(lambda: len(runs()) >= checks + 5, 30, "runs again once clients left")
            self.assertIsNone(serve.proc.poll())
            errors = serve.log_lines("check_error")
            self.assertTrue(all("too few file descriptors: the limit is 48 (ulimit -n)" in e
                                for e in errors), errors)
            # Every run that did report judged both targets right: one ok, one refused.
            self.assertEqual([r for r in runs() if " ok=1 warning=0 failed=1 " not in r], [])
            status, _, body = serve.request("/report.json")
            self.assertEqual(status, 200)
            at_once = json.loads(body)["agent"]["concurrency"]
            self.assertEqual(at_once["descriptor_limit"], 48)


if __name__ == "__main__":
    unittest.main()
