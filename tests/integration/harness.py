# SPDX-License-Identifier: Apache-2.0
"""Shared parts of vpcprobe's end-to-end tests.

Every test here drives the real `vpcprobe` binary against real peers on loopback or inside a
private network namespace the test process created itself: dnsmasq for DNS, `testpeer` (our
TLS/plaintext/silent peer with a PKI generated per run) for endpoints, nftables for filtering.
Nothing here sends a packet anywhere else.
"""
import contextlib
import ctypes
import http.client
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
import urllib.parse

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
    the catalog's domain is NXDOMAIN (--local). `port` None picks a free one."""

    def __init__(self, records, address="127.0.0.1", extra=(), port=None):
        self.address = address
        self.port = port or free_port(address)
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
    garbage | close | tls-alert, or a REST component: http:COMPONENT[:VARIANT] |
    http-plaintext:COMPONENT | http-status:CODE | http-stall | http-not-http |
    http-huge-header | http-huge-body | http-close). tls:VARIANT takes options after it:
    tls:good:client-cert-required (or -optional) asks for a client certificate verified
    against the PKI's client CA, tls1.2 / tls1.3 hold it to one version; client_cert() names
    the client certificates (good, other-ca, expired) and their keys."""

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

    @property
    def client_ca_file(self):
        return os.path.join(self.dir, "pki", "client-ca.pem")

    def client_cert(self, variant="good"):
        """(chain file, key file) of a client certificate: good, other-ca or expired."""
        base = os.path.join(self.dir, "pki", "client-" + variant)
        return base + ".chain.pem", base + ".key.pem"

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


# Debian's `prometheus`: the real scraper of serve's /metrics in the tests that need one.
PROMETHEUS = shutil.which("prometheus") or ""


class Prometheus:
    """A real Prometheus server with its own storage under `directory`, configured by
    `config` (the text of a prometheus.yml), listening on address:port; `enter()` is a context
    manager putting this thread where it runs (a network namespace, say). Stopped by close()."""

    def __init__(self, directory, config, address, port, enter=contextlib.nullcontext):
        self.address, self.port, self.enter = address, port, enter
        os.makedirs(directory, exist_ok=True)
        config_file = os.path.join(directory, "prometheus.yml")
        with open(config_file, "w") as f:
            f.write(config)
        self.log = os.path.join(directory, "prometheus.log")
        with open(self.log, "w") as log, enter():
            self.proc = subprocess.Popen(
                [PROMETHEUS, f"--config.file={config_file}",
                 f"--storage.tsdb.path={os.path.join(directory, 'data')}",
                 f"--web.listen-address={address}:{port}"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)

    def log_tail(self):
        with open(self.log, errors="replace") as f:
            return f.read()[-3000:]

    def api(self, path, **params):
        """The `data` of an API answer; AssertionError if Prometheus exited or answered other
        than success, OSError (ConnectionError) while it is not up or not ready yet."""
        if self.proc.poll() is not None:
            raise AssertionError(f"prometheus exited: {self.log_tail()}")
        with self.enter():
            connection = http.client.HTTPConnection(self.address, self.port, timeout=5)
            try:
                query = "?" + urllib.parse.urlencode(params) if params else ""
                connection.request("GET", path + query)
                response = connection.getresponse()
                body = response.read()
            finally:
                connection.close()
        if response.status == 503:  # what it answers until its storage is ready
            raise ConnectionError(f"prometheus not ready: {body[:200]!r}")
        answer = json.loads(body)
        if answer.get("status") != "success":
            raise AssertionError(f"prometheus answered {answer}")
        return answer["data"]

    def query(self, expression):
        """[(labels, value)] of an instant query, the value a float."""
        data = self.api("/api/v1/query", query=expression)
        if data["resultType"] != "vector":
            raise AssertionError(f"{expression}: not a vector: {data}")
        return [(r["metric"], float(r["value"][1])) for r in data["result"]]

    def close(self):
        stop(self.proc)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


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


# --- Kafka peers: mockkafka, tlsproxy, kafkapeer.py ---------------------------------------------
# Each class starts its program, waits (bounded) for its "ready" line, keeps its stderr in a log
# file (a pipe nobody reads could fill up and stall the peer) and stops it on close()/exit.

MOCKKAFKA = os.path.join(BUILD_DIR, "mockkafka")
TLSPROXY = os.path.join(BUILD_DIR, "tlsproxy")
KAFKAPEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kafkapeer.py")


class _LineReader:
    """Lines from a child's stdout pipe, each read bounded by a timeout (a bare readline() could
    wait forever on a peer that hangs)."""

    def __init__(self, pipe):
        self.fd = pipe.fileno()
        self.buffer = b""

    def readline(self, timeout):
        import select
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no line within the time limit")
            readable, _, _ = select.select([self.fd], [], [], left)
            if not readable:
                continue
            chunk = os.read(self.fd, 4096)
            if not chunk:
                raise EOFError("the program closed its output")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode(errors="replace").rstrip("\r")


def _start_until_ready(args, what, stdin=subprocess.DEVNULL, timeout=20):
    """Starts `args`, returns (proc, reader, log path, the stdout lines before "ready")."""
    log = tempfile.NamedTemporaryFile(prefix=f"{what}-", suffix=".log", delete=False)
    proc = subprocess.Popen(args, stdin=stdin, stdout=subprocess.PIPE, stderr=log)
    log.close()
    reader = _LineReader(proc.stdout)
    lines = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            line = reader.readline(max(0.0, deadline - time.monotonic()))
            if line == "ready":
                return proc, reader, log.name, lines
            lines.append(line)
    except (TimeoutError, EOFError) as why:
        stop(proc)
        if proc.stdin:
            proc.stdin.close()
        with open(log.name, errors="replace") as f:
            output = f.read()
        os.unlink(log.name)
        raise RuntimeError(f"{what} did not become ready ({why}): {output}") from None


def _split_host_port(text):
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


class MockKafka:
    """`mockkafka`: librdkafka's mock cluster, plaintext on 127.0.0.1 (it listens on IPv4
    only and advertises 127.0.0.1:PORT, never a name). `brokers` maps node id -> "HOST:PORT" as
    its Metadata advertises them; `bootstrap` is the comma list. down(id) closes that broker's
    listener (new connections are refused) and its connections; up(id) listens again on the
    same port."""

    def __init__(self, brokers=3, max_seconds=300):
        self.proc, self._reader, self.log, lines = _start_until_ready(
            [MOCKKAFKA, "--brokers", str(brokers), "--max-seconds", str(max_seconds)],
            "mockkafka", stdin=subprocess.PIPE)
        self.bootstrap = ""
        self.brokers = {}
        for line in lines:
            words = line.split()
            if words[:1] == ["bootstrap"]:
                self.bootstrap = words[1]
            elif words[:1] == ["broker"]:
                self.brokers[int(words[1])] = words[2]

    def address(self, broker_id):
        """(host, port) of one broker."""
        return _split_host_port(self.brokers[broker_id])

    def command(self, text, timeout=10):
        self.proc.stdin.write(text.encode() + b"\n")
        self.proc.stdin.flush()
        answer = self._reader.readline(timeout)
        if answer != "ok":
            raise RuntimeError(f"mockkafka {text!r}: {answer}")

    def down(self, broker_id):
        self.command(f"down {broker_id}")

    def up(self, broker_id):
        self.command(f"up {broker_id}")

    def close(self):
        if self.proc.stdin and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()  # EOF: mockkafka exits on its own
            except OSError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        stop(self.proc)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.log)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _ToolInDir:
    """A test tool started by _start_until_ready with a temporary directory of its own (removed
    on close, and when the start fails); `listening` lists the "ADDR:PORT" it printed as bound."""

    def _start(self, args, what):
        try:
            self.proc, _, self.log, lines = _start_until_ready(args, what)
        except RuntimeError:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise
        self.listening = [line.split()[1] for line in lines if line.startswith("listening ")]

    def close(self):
        stop(self.proc)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.log)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class TlsProxy(_ToolInDir):
    """`tlsproxy`: TLS (the test PKI's good leaf) in front of plaintext loopback upstreams.
    `routes` is a list of "ADDR:PORT=UPSTREAM_HOST:UPSTREAM_PORT" (port 0 picks one);
    `listening` lists the bound "ADDR:PORT" in the same order. Pass a TestPeer's PKI
    (`os.path.join(peer.dir, "pki")`) as `pki_dir` to reuse its CA; otherwise a fresh PKI for
    `hosts` (plus the listen addresses) is written into a directory of this proxy's own. A
    refused upstream closes the client before any TLS byte. `client_auth` "optional" or
    "required" asks for a client certificate, verified against `client_ca` (default the PKI's
    client-ca.pem; its client-good.chain.pem / client-good.key.pem pass)."""

    def __init__(self, routes, pki_dir=None, hosts=("localhost",), max_seconds=600,
                 client_auth=None, client_ca=None):
        self.dir = tempfile.mkdtemp(prefix="vpcprobe-tlsproxy-")
        self.pki_dir = pki_dir or os.path.join(self.dir, "pki")
        args = [TLSPROXY, "--pki-dir", self.pki_dir, "--hosts", ",".join(hosts),
                "--max-seconds", str(max_seconds)]
        if client_auth:
            args += ["--client-auth", client_auth]
        if client_ca:
            args += ["--client-ca", client_ca]
        for route in routes:
            args += ["--listen", route]
        self._start(args, "tlsproxy")

    @property
    def ca_file(self):
        return os.path.join(self.pki_dir, "ca.pem")

    def client_cert(self, variant="good"):
        """(chain file, key file) of a client certificate of the PKI: good, other-ca, expired."""
        base = os.path.join(self.pki_dir, "client-" + variant)
        return base + ".chain.pem", base + ".key.pem"


class KafkaPeer(_ToolInDir):
    """tests/integration/kafkapeer.py: a minimal Kafka broker (ApiVersions, SaslHandshake,
    SaslAuthenticate with real PLAIN/SCRAM checks, Metadata) for cases the mock cluster cannot
    produce. Listens on address:port (port None = a free one); Metadata advertises `advertise`
    ("HOST:PORT" items; "SELF" or None = this peer's own address) with node ids node_id,
    node_id+1, ...; `tls_pki_dir` serves TLS with that PKI's good leaf (e.g. a TestPeer's or
    TlsProxy's pki dir); `sasl` = "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512" with
    user/password; `api_versions_max` < 3 makes newer ApiVersions answer error 35;
    `sasl_handshake_max=0` makes an old broker (SaslHandshake v0, SASL tokens as bare frames);
    `echo_credentials` makes a careless one that quotes a rejected PLAIN login back in its
    error message; `tls_client_auth` "optional" or "required" asks for a client certificate
    verified against the PKI's client-ca.pem; `sasl_also` lists mechanisms SaslHandshake offers
    besides `sasl` without implementing their login (GSSAPI, OAUTHBEARER, ...)."""

    def __init__(self, advertise=None, address="127.0.0.1", port=None, tls_pki_dir=None,
                 sasl=None, user="alice", password="alice-secret", node_id=None,
                 cluster_id=None, api_versions_max=None, sasl_handshake_max=None, extra_listen=(),
                 max_seconds=120, echo_credentials=False, tls_client_auth=None, sasl_also=()):
        self.address = address
        self.port = port if port is not None else free_port(address)
        self.dir = tempfile.mkdtemp(prefix="vpcprobe-kafkapeer-")
        self.user, self.password, self.sasl = user, password, sasl
        import sys
        args = [sys.executable, KAFKAPEER, "--listen", self.listen,
                "--max-seconds", str(max_seconds)]
        for extra in extra_listen:
            args += ["--listen", extra]
        for item in (advertise or ["SELF"]):
            args += ["--advertise", self.listen if item == "SELF" else item]
        if tls_pki_dir:
            args += ["--tls-cert", os.path.join(tls_pki_dir, "good.chain.pem"),
                     "--tls-key", os.path.join(tls_pki_dir, "good.key.pem")]
            if tls_client_auth:
                args += ["--tls-client-auth", tls_client_auth,
                         "--tls-client-ca", os.path.join(tls_pki_dir, "client-ca.pem")]
        if sasl:
            password_file = os.path.join(self.dir, "password")
            with open(password_file, "w") as f:
                f.write(password)
            args += ["--sasl", sasl, "--user", user, "--password-file", password_file]
        if node_id is not None:
            args += ["--node-id", str(node_id)]
        if cluster_id is not None:
            args += ["--cluster-id", cluster_id]
        if api_versions_max is not None:
            args += ["--api-versions-max", str(api_versions_max)]
        if sasl_handshake_max is not None:
            args += ["--sasl-handshake-max", str(sasl_handshake_max)]
        if echo_credentials:
            args += ["--echo-credentials"]
        for mechanism in sasl_also:
            args += ["--sasl-also", mechanism]
        self._start(args, "kafkapeer")

    @property
    def listen(self):
        return f"[{self.address}]:{self.port}" if ":" in self.address else \
            f"{self.address}:{self.port}"

    def log_text(self):
        with open(self.log, errors="replace") as f:
            return f.read()


# --- hostile peers and resource bounds (test_hostile.py) ----------------------------------------

HOSTILEPEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hostilepeer.py")
DNSPEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dnspeer.py")


class HostilePeer(_ToolInDir):
    """tests/integration/hostilepeer.py: TCP peers that trickle, flood, announce absurd sizes
    or send endless headers. `serves` is a list of "ADDR:PORT=MODE" (port 0 picks one);
    `listening` lists the bound "ADDR:PORT" in the same order. `tls_pki_dir` (+ `chain`, a
    file name in it) wraps the modes that are not raw bytes in TLS with that PKI's leaf."""

    def __init__(self, serves, tls_pki_dir=None, chain="good.chain.pem", key="good.key.pem",
                 interval=1.0, max_bytes=256 << 20, max_seconds=120):
        import sys
        self.dir = tempfile.mkdtemp(prefix="vpcprobe-hostilepeer-")
        args = [sys.executable, HOSTILEPEER, "--interval", str(interval),
                "--max-bytes", str(max_bytes), "--max-seconds", str(max_seconds)]
        for serve in serves:
            args += ["--serve", serve]
        if tls_pki_dir:
            args += ["--tls-cert", os.path.join(tls_pki_dir, chain),
                     "--tls-key", os.path.join(tls_pki_dir, key)]
        self._start(args, "hostilepeer")

    def log_text(self):
        with open(self.log, errors="replace") as f:
            return f.read()


class DnsPeer(_ToolInDir):
    """tests/integration/dnspeer.py: a DNS server on UDP and TCP of one loopback port that
    answers in `mode` (oversized, malformed, TCP only; see the program). `server` is the
    --dns-server value."""

    def __init__(self, mode, address="127.0.0.1", answer_address="127.0.96.1", max_seconds=120):
        import sys
        self.dir = tempfile.mkdtemp(prefix="vpcprobe-dnspeer-")
        port = free_port(address)
        self._start([sys.executable, DNSPEER, "--listen", f"{address}:{port}", "--mode", mode,
                     "--answer-address", answer_address, "--max-seconds", str(max_seconds)],
                    "dnspeer")
        self.server = self.listening[0]


def is_sanitized_build(binary=None):
    """True when `binary` (default $VPCPROBE) is built with AddressSanitizer: its dynamic
    symbols name __asan_init. VPCPROBE_ASAN=1/0 in the environment overrides the guess."""
    forced = os.environ.get("VPCPROBE_ASAN")
    if forced in ("0", "1"):
        return forced == "1"
    with open(binary or VPCPROBE, "rb") as f:
        previous = b""
        while chunk := f.read(1 << 20):
            if b"__asan_init" in previous[-16:] + chunk:
                return True
            previous = chunk
    return False


def vpcprobe_measured(*args, timeout=120, env=None):
    """Like vpcprobe(), and also measures the child's peak resident memory: the Result gets
    `max_rss_mib` from wait4()'s rusage (the child alone, not this process or the peers)."""
    import threading
    full_env = dict(os.environ)
    full_env.update(env or {})
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen([VPCPROBE, *args], stdout=out, stderr=err, env=full_env,
                                stdin=subprocess.DEVNULL)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        elapsed = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        result = Result(proc.returncode, out.read().decode(errors="replace"),
                        err.read().decode(errors="replace"), elapsed)
    result.max_rss_mib = usage.ru_maxrss / 1024.0  # Linux: kilobytes
    return result


# --- vpcprobe serve: the process, its HTTP endpoints, and soak measurements -----------------


def wait_until(predicate, timeout, what, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Serve:
    """`vpcprobe serve` on `address`:a free port; stderr (the logfmt log) kept in a file."""

    def __init__(self, *args, env=None, address="127.0.0.1"):
        self.address = address
        self.port = free_port(address)
        self.log = tempfile.NamedTemporaryFile(prefix="vpcprobe-serve-", suffix=".log",
                                               delete=False)
        full_env = dict(os.environ)
        # ASan keeps freed memory in quarantine (256 MiB by default), which would read as
        # growth in the soak; a small quarantine still catches use-after-free nearby.
        full_env["ASAN_OPTIONS"] = ":".join(
            filter(None, [os.environ.get("ASAN_OPTIONS", ""), "quarantine_size_mb=4"]))
        full_env.update(env or {})
        self.argv = [VPCPROBE, "serve", "--listen", f"{address}:{self.port}", *args]
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.log, env=full_env)

    @property
    def endpoint(self):
        return f"{self.address}:{self.port}"

    def request(self, path, method="GET", headers=None, timeout=5):
        """(status, {lower-case header: value}, body bytes)."""
        connection = http.client.HTTPConnection(self.address, self.port, timeout=timeout)
        try:
            connection.request(method, path, headers=headers or {})
            response = connection.getresponse()
            body = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, body
        finally:
            connection.close()

    def get_text(self, path, **kw):
        status, headers, body = self.request(path, **kw)
        return status, headers, body.decode()

    def wait_healthy(self, timeout=30):
        def healthy():
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited {self.proc.returncode}: {self.log_text()}")
            try:
                return self.request("/healthz", timeout=2)[0] == 200
            except OSError:
                return False
        wait_until(healthy, timeout, "/healthz to answer 200")

    def log_text(self):
        with open(self.log.name, errors="replace") as f:
            return f.read()

    def log_lines(self, event):
        return [line for line in self.log_text().splitlines() if f" event={event}" in line]

    def wait_log(self, event, count=1, timeout=20):
        return wait_until(lambda: len(self.log_lines(event)) >= count and self.log_lines(event),
                          timeout, f"{count} event={event} lines")

    def close(self):
        stop(self.proc)
        self.log.close()
        os.unlink(self.log.name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def write_config(path, targets, dns, ca_file, extra=""):
    with open(path + ".tmp", "w") as f:
        f.write(f"targets = {json.dumps(targets)}\n"
                f"dns_servers = [\"{dns}\"]\n"
                f"ca_files = [\"{ca_file}\"]\n"
                f"timeout = \"2s\"\n"
                f"protocol_checks = false\n{extra}")
    os.replace(path + ".tmp", path)  # a SIGHUP never reads half a file


def vm_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def soak_env():
    """The environment of a serve a soak measures. Under ASan, a small quarantine (ASan keeps
    freed memory, 256 MiB by default) and no allocation stacks (ASan keeps every new allocation
    call stack in its stack depot for good; new paths through OpenSSL and c-ares keep finding
    new ones, a few KiB per run, which reads as growth that is ASan's own). Errors are still
    caught, without the stack of the allocation."""
    return {"ASAN_OPTIONS": ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"),
                                                   "quarantine_size_mb=4",
                                                   "malloc_context_size=0"]))}


def memory_picture(pid):
    """What a soak failure needs to tell a leak from the machine's accounting: the process's
    Vm*/Rss* lines, its huge pages, its descriptor limit and the machine's THP mode."""
    lines = []
    try:
        with open(f"/proc/{pid}/status") as f:
            lines += [l.strip() for l in f if l.startswith(("Vm", "Rss", "Threads"))]
        with open(f"/proc/{pid}/smaps_rollup") as f:
            lines += [l.strip() for l in f if l.startswith(("AnonHugePages", "Private_Dirty"))]
        with open(f"/proc/{pid}/limits") as f:
            lines += [" ".join(l.split()) for l in f if l.startswith("Max open files")]
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            lines.append("THP " + f.read().strip())
    except OSError as e:
        lines.append(f"({e})")
    return "; ".join(lines)


def assert_flat(test, rss, fds, runs, fd_slack=8, pid=None):
    """A soak's verdict on VmRSS (KiB) and open-descriptor samples taken after warm-up: the
    first quarter of the samples against the last. A sample may land in the middle of a run
    (its sockets open, its buffers allocated), so the floors are compared, and the peaks more
    loosely: a leak raises both. 2 MiB over a few hundred runs catches a leak of a few KiB per
    run (a report, a certificate chain, a c-ares channel), and stays above allocator noise.
    Descriptors: no growth of the floor at all, and at most one run's sockets above it."""
    test.assertGreaterEqual(len(rss), 20)
    quarter = len(rss) // 4
    floor_growth = min(rss[-quarter:]) - min(rss[:quarter])
    peak_growth = max(rss[-quarter:]) - max(rss[:quarter])
    picture = f"; now: {memory_picture(pid)}" if pid else ""
    test.assertLess(floor_growth, 2048, f"VmRSS floor grew {floor_growth} KiB over {runs} runs: "
                                        f"{rss}{picture}")
    test.assertLess(peak_growth, 4096, f"VmRSS peak grew {peak_growth} KiB: {rss}{picture}")
    test.assertLessEqual(min(fds[-quarter:]) - min(fds[:quarter]), 0, fds)
    test.assertLessEqual(max(fds), min(fds) + fd_slack, fds)
