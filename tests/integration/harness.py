"""Shared parts of vpcprobe's end-to-end tests.

Every test here drives the real `vpcprobe` binary against real peers on loopback or inside a
private network namespace the test process created itself: dnsmasq for DNS, `testpeer` (our
TLS/plaintext/silent peer with a PKI generated per run) for endpoints, nftables for filtering.
Nothing here sends a packet anywhere else.
"""
import contextlib
import ctypes
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

VPCPROBE = os.environ.get("VPCPROBE", "")
BUILD_DIR = os.environ.get("VPCPROBE_BUILD_DIR", "")
SOURCE_DIR = os.environ.get("VPCPROBE_SOURCE_DIR", os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))
TESTPEER = os.path.join(BUILD_DIR, "testpeer")
SCHEMA = os.path.join(SOURCE_DIR, "docs", "report.schema.json")
DOMAIN = "alikafka.aliyuncs.com"

# The ApsaraMQ for Confluent catalog as the contract states it: component -> (service, vpc, pub).
CATALOG = {
    "kafka": ("kafka", 9095, 9092),
    "mds": ("kafka", 8090, 443),
    "schema-registry": ("schemaregistry", 8081, 443),
    "rest-proxy": ("kafkarestproxy", 8082, 443),
    "connect": ("connect", 8083, 443),
    "ksqldb": ("ksqldb", 8088, 443),
    "control-center": ("controlcenter", 9021, 443),
}


def catalog_host(component, instance, access="vpc"):
    return f"{access}-{CATALOG[component][0]}-{instance}.{DOMAIN}"


def is_root():
    return os.geteuid() == 0


def skip_module_unless_root(why="needs root for a private network namespace"):
    """Ends the whole test file with exit code 77, which ctest reports as "Skipped"."""
    if not is_root():
        import sys
        print(f"SKIPPED: {why}", file=sys.stderr)
        sys.exit(77)


def require_root(test):
    """Skips visibly (unittest prints 'skipped') when not root; CI runs as root."""
    return unittest.skipUnless(is_root(), "SKIPPED: needs root for a network namespace")(test)


def free_port(address="127.0.0.1"):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    for _ in range(50):
        with socket.socket(family, socket.SOCK_STREAM) as tcp:
            tcp.bind((address, 0))
            port = tcp.getsockname()[1]
            with socket.socket(family, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind((address, port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free port")


class Dnsmasq:
    """A real dnsmasq on `address` answering only for what it is given; every other name under
    the catalog's domain is NXDOMAIN (--local)."""

    def __init__(self, records, address="127.0.0.1", extra=()):
        self.address = address
        self.port = free_port(address)
        self.log = tempfile.NamedTemporaryFile(prefix="dnsmasq-", suffix=".log", delete=False)
        args = ["dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts",
                "--bind-interfaces", f"--listen-address={address}", f"--port={self.port}",
                "--pid-file=", f"--local=/{DOMAIN}/", "--log-facility=-"]
        if is_root():
            args.append("--user=root")
        for name, addresses in records.items():
            for a in ([addresses] if isinstance(addresses, str) else addresses):
                args.append(f"--address=/{name}/{a}")
        args.extend(extra)
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready()

    @property
    def server(self):
        return f"{self.address}:{self.port}"

    def _wait_ready(self):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("dnsmasq exited: " + open(self.log.name).read())
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                if s.connect_ex((self.address, self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("dnsmasq did not start")

    def close(self):
        stop(self.proc)
        os.unlink(self.log.name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class TestPeer:
    """`testpeer`: TLS endpoints with a PKI generated for this run, or misbehaving peers.
    `serves` is a list of "ADDR:PORT=MODE" (MODE tls:VARIANT | silent | plaintext-http |
    garbage | close | tls-alert)."""

    def __init__(self, serves, hosts=()):
        self.dir = tempfile.mkdtemp(prefix="vpcprobe-peer-")
        args = [TESTPEER, "--pki-dir", os.path.join(self.dir, "pki"),
                "--hosts", ",".join(hosts) if hosts else "localhost"]
        for s in serves:
            args += ["--serve", s]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self.listening = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("testpeer exited: " + self.proc.stderr.read())
            if line.startswith("listening "):
                self.listening.append(line.split()[1])
            if line.strip() == "ready":
                return
        raise RuntimeError("testpeer did not become ready")

    @property
    def ca_file(self):
        return os.path.join(self.dir, "pki", "ca.pem")

    def close(self):
        stop(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    for stream in (proc.stdout, proc.stderr):
        if stream:
            stream.close()


class Result:
    def __init__(self, code, out, err, elapsed):
        self.code, self.out, self.err, self.elapsed = code, out, err, elapsed
        self._json = None

    @property
    def json(self):
        if self._json is None:
            self._json = json.loads(self.out)
        return self._json

    def target(self, host, port):
        for t in self.json["targets"]:
            if t["host"] == host and t["port"] == port:
                return t
        raise KeyError(f"{host}:{port} not in report")

    def __repr__(self):
        return f"exit {self.code}\nstdout:\n{self.out}\nstderr:\n{self.err}"


def vpcprobe(*args, timeout=120, env=None, nofile=None):
    """Runs vpcprobe with `args`; bounded in time; never through a shell. `nofile` sets both
    the soft and hard descriptor limit of the child (like `ulimit -n`)."""
    full_env = dict(os.environ)
    full_env.pop("NO_COLOR", None)
    full_env.update(env or {})

    def limit_descriptors():
        import resource
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    start = time.monotonic()
    proc = subprocess.run([VPCPROBE, *args], capture_output=True, text=True, timeout=timeout,
                          env=full_env, stdin=subprocess.DEVNULL,
                          preexec_fn=limit_descriptors if nofile else None)
    return Result(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)


def validate(document):
    """Validates a JSON report against docs/report.schema.json (python3-jsonschema)."""
    import jsonschema
    with open(SCHEMA) as f:
        schema = json.load(f)
    jsonschema.validators.validator_for(schema)(schema).validate(document)


# --- network namespaces -------------------------------------------------------------------

CLONE_NEWNET = 0x40000000
_in_private_netns = False


def enter_private_netns(addresses=(), nft_rules=None):
    """Moves this whole test process into a fresh network namespace (root only): lo up, the
    given addresses on lo, and an nftables ruleset. Everything the test starts afterwards
    (dnsmasq, testpeer, vpcprobe) lives in it, so no packet can leave the machine."""
    global _in_private_netns
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET) failed")
    _in_private_netns = True
    run(["ip", "link", "set", "lo", "up"])
    for a in addresses:
        run(["ip", "addr", "add", a, "dev", "lo"] + (["nodad"] if ":" in a else []))
    if nft_rules:
        load_nft(nft_rules)


def load_nft(rules):
    assert _in_private_netns, "nftables rules are only ever loaded inside a private namespace"
    with tempfile.NamedTemporaryFile("w", suffix=".nft", delete=False) as f:
        f.write("flush ruleset\n" + rules)
    try:
        run(["nft", "-f", f.name])
    finally:
        os.unlink(f.name)


def run(argv):
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {proc.stderr.strip()}")
    return proc.stdout
