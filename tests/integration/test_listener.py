# SPDX-License-Identifier: Apache-2.0
"""End to end: `vpcprobe serve`'s listener beyond loopback's defaults (docs/serve.md, "Web
configuration" and "Bounds"). A real Prometheus (Debian's `prometheus`) scrapes serve over TLS
with basic authentication, configured by an exporter-toolkit web configuration file, and a job
with a wrong password is refused with a 401; client certificates as each client_auth_type says (Go's meanings); a broken
web configuration is exit 3 at the start and a rejected reload on SIGHUP (the old one kept); and
1,000 connections holding partial requests (or partial TLS handshakes), from the scraper's
address or reopened without pause from another, do not keep scrapes out.
The certificates are made here by the openssl command, the bcrypt hashes by Python's crypt
module (libxcrypt). Root is not needed. Addresses 127.0.112.0/24 are this file's."""
import base64
import http.client
import os
import resource
import selectors
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest
import warnings

import harness
from harness import VPCPROBE, free_port, fd_count, stop, wait_until

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # Python 3.11's, on libxcrypt: a real bcrypt, not the product's code

PROMETHEUS = harness.PROMETHEUS

LISTEN = "127.0.112.1"
PROMETHEUS_ADDRESS = "127.0.112.2"
REFUSED = "127.0.112.3"  # nothing listens: the target serve checks (down, with its cause)
FLOOD_LISTEN = "127.0.112.4"
FLOOD_SOURCE, SCRAPER_SOURCE = "127.0.112.5", "127.0.112.6"  # two hosts, as serve sees them
PASSWORD = "s3cret-Pr0m"
FLOOD_CONNECTIONS = 1000


def bcrypt(password, cost=10):
    return crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=2 ** cost))


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_pki(directory):
    """A CA, a server certificate for LISTEN and FLOOD_LISTEN (IP SANs) and a client
    certificate, all signed by the CA; PEM files in `directory`."""
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=listener test CA",
            cwd=directory)
    for name, extension in (
            ("server", f"subjectAltName=IP:{LISTEN},IP:{FLOOD_LISTEN}\n"
                       "extendedKeyUsage=serverAuth\n"),
            ("client", "extendedKeyUsage=clientAuth\n")):
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}",
                cwd=directory)
        with open(os.path.join(directory, f"{name}.ext"), "w") as f:
            f.write(extension)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", "2", "-extfile", f"{name}.ext",
                "-out", f"{name}.pem", cwd=directory)


def write_atomically(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def web_config(users, extra=""):
    """A web config with the server certificate, `extra` lines in tls_server_config, and
    `users` (name: bcrypt hash)."""
    text = ("# vpcprobe serve's listener, the exporter toolkit's format\n"
            "tls_server_config:\n"
            "  cert_file: server.pem\n"
            "  key_file: 'server.key'\n" + extra)
    if users:
        text += "basic_auth_users:\n" + "".join(f"  {u}: {h}\n" for u, h in users.items())
    return text


class Serve:
    """`vpcprobe serve --web.config.file FILE` on `address`: a free port; its log in a file."""

    def __init__(self, web_file, address=LISTEN, extra=()):
        self.address, self.port = address, free_port(address)
        self.log = tempfile.NamedTemporaryFile(prefix="vpcprobe-listener-", suffix=".log",
                                               delete=False)
        self.argv = [VPCPROBE, "serve", "--listen", f"{address}:{self.port}", "--interval",
                     "500ms", "--timeout", "1s", *(["--web.config.file", web_file]
                                                   if web_file else []),
                     *extra, f"{REFUSED}:9=endpoint"]
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.log)

    @property
    def endpoint(self):
        return f"{self.address}:{self.port}"

    def log_text(self):
        with open(self.log.name, errors="replace") as f:
            return f.read()

    def log_lines(self, event):
        return [line for line in self.log_text().splitlines() if f" event={event}" in line]

    def close(self):
        stop(self.proc)
        self.log.close()
        os.unlink(self.log.name)


def https_get(serve, path, context, user=None, password=None, timeout=5):
    """(status, {lower-case header: value}, body text) over TLS."""
    headers = {}
    if user is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(
            f"{user}:{password}".encode()).decode()
    connection = http.client.HTTPSConnection(serve.address, serve.port, context=context,
                                             timeout=timeout)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read().decode()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


def http_get(serve, path, timeout=5, source=None):
    connection = http.client.HTTPConnection(serve.address, serve.port, timeout=timeout,
                                            source_address=(source, 0) if source else None)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


class ListenerTls(unittest.TestCase):
    """TLS and basic authentication from a web configuration file, read by a real Prometheus."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="vpcprobe-listener-")
        make_pki(cls.dir)
        cls.ca = os.path.join(cls.dir, "ca.pem")
        cls.web = os.path.join(cls.dir, "web.yml")
        cls.hash = bcrypt(PASSWORD)
        write_atomically(cls.web, web_config({"prometheus": cls.hash}))
        cls.context = ssl.create_default_context(cafile=cls.ca)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def start(self, web=None):
        serve = Serve(web or self.web)
        self.addCleanup(serve.close)

        def answers():
            if serve.proc.poll() is not None:
                raise AssertionError(f"serve exited {serve.proc.returncode}: {serve.log_text()}")
            try:
                return https_get(serve, "/healthz", self.context, "prometheus", PASSWORD,
                                 timeout=2)[0] == 200
            except OSError:
                return False
        wait_until(answers, 30, "serve to answer /healthz over TLS")
        return serve

    def test_tls_and_basic_auth(self):
        serve = self.start()
        status, headers, body = https_get(serve, "/metrics", self.context, "prometheus",
                                          PASSWORD)
        self.assertEqual(status, 200)
        self.assertIn("vpcprobe_target_up", body)
        for user, password in (("prometheus", "wrong"), ("nobody", PASSWORD), (None, None)):
            status, headers, body = https_get(serve, "/metrics", self.context, user, password)
            self.assertEqual(status, 401, (user, password))
            self.assertEqual(headers["www-authenticate"], "Basic")
            self.assertNotIn("vpcprobe_", body)
        # Plain HTTP on the TLS port gets no answer, and a client that does not trust the CA
        # does not get through.
        with self.assertRaises((OSError, http.client.HTTPException)):
            http_get(serve, "/metrics", timeout=3)
        with self.assertRaises(ssl.SSLError):
            https_get(serve, "/metrics", ssl.create_default_context(), "prometheus", PASSWORD)
        self.assertIn("tls=on basic_auth=on", serve.log_lines("listening")[0])
        # The password is never written anywhere serve writes.
        self.assertNotIn(PASSWORD, serve.log_text())
        self.assertNotIn("wrong", serve.log_text())

    def test_client_auth_types_mean_what_they_mean_in_go(self):
        # A client certificate from the CA, one nobody signed, and none.
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-keyout", "rogue.key", "-out", "rogue.pem", "-days", "2", "-subj",
                "/CN=rogue", cwd=self.dir)
        clients = {"none": self.context}
        for name in ("client", "rogue"):
            context = ssl.create_default_context(cafile=self.ca)
            context.load_cert_chain(os.path.join(self.dir, f"{name}.pem"),
                                    os.path.join(self.dir, f"{name}.key"))
            clients[name] = context
        expected = {  # policy: the clients let in
            "NoClientCert": {"none", "client", "rogue"},
            "RequestClientCert": {"none", "client", "rogue"},
            "RequireAnyClientCert": {"client", "rogue"},
            "VerifyClientCertIfGiven": {"none", "client"},
            "RequireAndVerifyClientCert": {"client"},
        }
        for policy, allowed in expected.items():
            web = os.path.join(self.dir, f"{policy}.yml")
            write_atomically(web, web_config({}, extra=(
                "" if policy == "NoClientCert" else "  client_ca_file: ca.pem\n") +
                f"  client_auth_type: {policy}\n"))
            serve = Serve(web)
            try:
                def answers():
                    if serve.proc.poll() is not None:
                        raise AssertionError(f"serve exited: {serve.log_text()}")
                    try:
                        return https_get(serve, "/healthz", clients["client"], timeout=2)[0]
                    except OSError:
                        return None
                wait_until(answers, 30, f"serve with {policy}")
                let_in = set()
                for name, context in clients.items():
                    try:
                        # TLS 1.3 refuses a certificate after the handshake: at the first read.
                        if https_get(serve, "/metrics", context, timeout=5)[0] == 200:
                            let_in.add(name)
                    except (ssl.SSLError, ConnectionError, http.client.HTTPException):
                        pass
                self.assertEqual(let_in, allowed, policy)
            finally:
                serve.close()

    def test_prometheus_scrapes_over_tls_with_basic_auth(self):
        if not PROMETHEUS:
            self.skipTest("prometheus not found (Debian's prometheus package)")
        serve = self.start()
        prometheus_dir = tempfile.mkdtemp(prefix="vpcprobe-prometheus-", dir=self.dir)
        port = free_port(PROMETHEUS_ADDRESS)
        job = ("  - job_name: {name}\n    scheme: https\n"
               "    tls_config:\n      ca_file: {ca}\n"
               "    basic_auth:\n      username: prometheus\n      password: {password}\n"
               "    static_configs:\n      - targets: ['{target}']\n")
        config = ("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n" +
                  job.format(name="vpcprobe", ca=self.ca, password=PASSWORD,
                             target=serve.endpoint) +
                  job.format(name="wrong-password", ca=self.ca, password="not-" + PASSWORD,
                             target=serve.endpoint))
        with harness.Prometheus(prometheus_dir, config, PROMETHEUS_ADDRESS, port) as prometheus:
            api = prometheus.api

            def values(expression):
                return {labels.get("job", ""): value
                        for labels, value in prometheus.query(expression)}

            def both_scraped():
                try:
                    up = values("up")
                except OSError:
                    return None
                return up if len(up) == 2 and "vpcprobe" in values("vpcprobe_target_up") else None

            up = wait_until(both_scraped, 60, "Prometheus to scrape both jobs", step=0.5)
            self.assertEqual(up, {"vpcprobe": 1.0, "wrong-password": 0.0})
            self.assertEqual(values(f'vpcprobe_target_up{{host="{REFUSED}"}}'),
                             {"vpcprobe": 0.0})
            self.assertEqual(values('vpcprobe_serve_ready{job="vpcprobe"}'), {"vpcprobe": 1.0})
            targets = {t["labels"]["job"]: t for t in api("/api/v1/targets")["activeTargets"]}
            self.assertEqual(targets["vpcprobe"]["health"], "up")
            self.assertEqual(targets["vpcprobe"]["lastError"], "")
            self.assertEqual(targets["wrong-password"]["health"], "down")
            self.assertIn("401", targets["wrong-password"]["lastError"])
            self.assertNotIn(PASSWORD, serve.log_text())

    def test_reload_rereads_the_web_config_and_keeps_the_old_one_when_broken(self):
        web = os.path.join(self.dir, "reload.yml")
        write_atomically(web, web_config({"prometheus": self.hash}))
        serve = self.start(web)
        # Broken: the old configuration stays, and the log says where the new one is wrong.
        write_atomically(web, web_config({"prometheus": self.hash},
                                         extra="  client_auth_type: Always\n"))
        os.kill(serve.proc.pid, signal.SIGHUP)
        line = wait_until(lambda: serve.log_lines("reload"), 10, "the reload's log line")[0]
        self.assertIn("result=rejected kept=previous", line)
        self.assertIn(f"{web}:", line)
        self.assertIn("client_auth_type", line)
        self.assertEqual(https_get(serve, "/metrics", self.context, "prometheus",
                                   PASSWORD)[0], 200)
        # A new password applies to the next request; the old one is refused from then on.
        write_atomically(web, web_config({"prometheus": bcrypt("n3w-password", cost=4)}))
        os.kill(serve.proc.pid, signal.SIGHUP)
        wait_until(lambda: len(serve.log_lines("reload")) == 2, 10, "the second reload")
        self.assertIn("result=ok", serve.log_lines("reload")[1])
        self.assertEqual(https_get(serve, "/metrics", self.context, "prometheus",
                                   PASSWORD)[0], 401)
        self.assertEqual(https_get(serve, "/metrics", self.context, "prometheus",
                                   "n3w-password")[0], 200)
        self.assertEqual(serve.proc.poll(), None)
        self.assertNotIn("n3w-password", serve.log_text())

    def test_a_bad_web_config_at_the_start_is_exit_3_naming_file_line_and_key(self):
        cases = {
            "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n"
            "  client_auth_type: Sometimes\n": ":4: tls_server_config.client_auth_type: ",
            "tls_server_config:\n  cert_file: server.pem\n  key_file: missing.key\n":
                "tls_server_config.key_file ",
            "tls_server_config:\n  cert_file: ca.key\n  key_file: server.key\n":
                "tls_server_config.cert_file ",
            f"basic_auth_users:\n  prometheus: {PASSWORD}\n":
                ":2: basic_auth_users.prometheus: not a bcrypt hash",
            "basic_auth_users:\n  - prometheus\n": ":2: basic_auth_users: a list",
        }
        for number, (text, expected) in enumerate(cases.items()):
            web = os.path.join(self.dir, f"bad{number}.yml")
            write_atomically(web, text)
            result = harness.vpcprobe("serve", "--listen", f"{LISTEN}:{free_port(LISTEN)}",
                                      "--web.config.file", web, f"{REFUSED}:9", timeout=30)
            self.assertEqual(result.code, 3, result)
            lines = result.err.strip().splitlines()
            self.assertEqual(len(lines), 1, result.err)
            self.assertTrue(lines[0].startswith("vpcprobe: --web.config.file"), lines[0])
            self.assertIn(web, lines[0])
            self.assertIn(expected, lines[0])
            self.assertNotIn(PASSWORD, result.err)


class Flood:
    """`count` connections to `address`:`port`, each sending `partial` (a request that never
    ends) and holding it. With `reopen`, a connection the server closes is opened again at
    once, so the pressure never lets up; `opened` counts every connection made."""

    def __init__(self, address, port, count, partial, reopen, source=None):
        self.address, self.port, self.partial, self.reopen = address, port, partial, reopen
        self.source = (source, 0) if source else None
        self.selector = selectors.DefaultSelector()
        self.opened = 0
        self.stopping = threading.Event()
        for _ in range(count):
            self._open()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _open(self):
        tcp = socket.create_connection((self.address, self.port), timeout=5,
                                       source_address=self.source)
        tcp.sendall(self.partial)
        tcp.setblocking(False)
        self.selector.register(tcp, selectors.EVENT_READ)
        self.opened += 1

    def _run(self):
        while not self.stopping.is_set():
            for key, _ in self.selector.select(timeout=0.1):
                tcp = key.fileobj
                try:
                    data = tcp.recv(4096)
                except OSError:
                    data = b""
                if data:
                    continue
                self.selector.unregister(tcp)
                tcp.close()
                if self.reopen and not self.stopping.is_set():
                    try:
                        self._open()
                    except OSError:
                        pass

    def close(self):
        self.stopping.set()
        self.thread.join(timeout=10)
        for key in list(self.selector.get_map().values()):
            key.fileobj.close()
        self.selector.close()


def allow_descriptors(needed):
    """Raises this process's soft RLIMIT_NOFILE to `needed` (within the hard limit), for the
    flood's connections; restored by the returned function."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return lambda: None
    if hard != resource.RLIM_INFINITY and hard < needed:
        raise unittest.SkipTest(f"RLIMIT_NOFILE hard limit {hard} < {needed}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    return lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


class ListenerFlood(unittest.TestCase):
    """1,000 connections holding partial requests while scrapes keep succeeding."""

    MAX_CONNECTIONS = 64  # HttpServer::kMaxConnections
    HEADER_TIMEOUT = 5    # HttpServer::kHeaderTimeout, seconds

    def setUp(self):
        self.addCleanup(allow_descriptors(FLOOD_CONNECTIONS + 256))
        self.dir = tempfile.mkdtemp(prefix="vpcprobe-flood-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def start(self, web=None):
        serve = Serve(web, address=FLOOD_LISTEN)
        self.addCleanup(serve.close)
        return serve

    def scrape_through(self, serve, scrape, seconds, flood):
        """Scrapes for `seconds` while `flood` holds its connections: every scrape answered."""
        failures, done = [], 0
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                status = scrape()
                if status != 200:
                    failures.append(status)
            except (OSError, http.client.HTTPException) as e:
                failures.append(repr(e))
            done += 1
            # Serve's descriptors stay within the budget (plus its own: listener, log, ...).
            self.assertLess(fd_count(serve.proc.pid), self.MAX_CONNECTIONS + 20)
            time.sleep(0.05)
        self.assertEqual(failures, [], f"{len(failures)} of {done} scrapes failed")
        self.assertGreater(done, 20)
        self.assertGreaterEqual(flood.opened, FLOOD_CONNECTIONS)

    def test_partial_requests_from_another_host_do_not_keep_scrapes_out(self):
        serve = self.start()
        scrape = lambda: http_get(serve, "/metrics", timeout=3, source=SCRAPER_SOURCE)[0]  # noqa
        wait_until(lambda: self._answers(scrape), 30, "serve to answer")
        # Reopened as soon as serve closes them, as fast as this process can: the pressure
        # never lets up, for longer than the header timeout.
        flood = Flood(serve.address, serve.port, FLOOD_CONNECTIONS,
                      b"GET /metrics HTTP/1.1\r\nHost: flood\r\nX-Slow: ", reopen=True,
                      source=FLOOD_SOURCE)
        self.addCleanup(flood.close)
        self.scrape_through(serve, scrape, self.HEADER_TIMEOUT + 3, flood)
        # The flood was real: serve kept ending its held connections to make room, and the
        # flood kept opening new ones.
        self.assertGreater(flood.opened, FLOOD_CONNECTIONS + 100)

    def test_held_partial_requests_give_way_oldest_first(self):
        # All from one address: the oldest held connections make room for the scrapes.
        serve = self.start()
        scrape = lambda: http_get(serve, "/metrics", timeout=3)[0]  # noqa: E731
        wait_until(lambda: self._answers(scrape), 30, "serve to answer")
        flood = Flood(serve.address, serve.port, FLOOD_CONNECTIONS,
                      b"GET /metrics HTTP/1.1\r\nHost: flood\r\nX-Slow: ", reopen=False)
        self.addCleanup(flood.close)
        self.scrape_through(serve, scrape, self.HEADER_TIMEOUT + 2, flood)

    def test_partial_tls_handshakes_do_not_keep_tls_scrapes_out(self):
        make_pki(self.dir)
        web = os.path.join(self.dir, "web.yml")
        write_atomically(web, web_config({}))
        serve = self.start(web)
        context = ssl.create_default_context(cafile=os.path.join(self.dir, "ca.pem"))
        scrape = lambda: https_get(serve, "/metrics", context, timeout=3)[0]  # noqa: E731
        wait_until(lambda: self._answers(scrape), 30, "serve to answer over TLS")
        # The first bytes of a TLS record: a ClientHello that never comes.
        flood = Flood(serve.address, serve.port, FLOOD_CONNECTIONS, b"\x16\x03\x01\x02",
                      reopen=False)
        self.addCleanup(flood.close)
        self.scrape_through(serve, scrape, self.HEADER_TIMEOUT + 2, flood)

    def test_a_partial_request_is_closed_after_the_header_timeout(self):
        serve = self.start()
        wait_until(lambda: self._answers(lambda: http_get(serve, "/metrics", timeout=2)[0]),
                   30, "serve to answer")
        with socket.create_connection((serve.address, serve.port), timeout=30) as tcp:
            tcp.sendall(b"GET /metrics HTTP/1.1\r\nHost: slow\r\n")
            start = time.monotonic()
            self.assertEqual(tcp.recv(4096), b"")  # closed without an answer
            elapsed = time.monotonic() - start
        self.assertGreater(elapsed, self.HEADER_TIMEOUT - 1)
        self.assertLess(elapsed, self.HEADER_TIMEOUT + 3)

    @staticmethod
    def _answers(scrape):
        try:
            return scrape() == 200
        except (OSError, http.client.HTTPException):
            return False


if __name__ == "__main__":
    unittest.main()
