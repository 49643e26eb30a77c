# SPDX-License-Identifier: Apache-2.0
"""End to end: `vpcprobe serve` against real peers (dnsmasq, testpeer TLS endpoints, a port
nobody listens on) and real clients: a Prometheus server (Debian's `prometheus`) scrapes it and
the test reads the series back through Prometheus's HTTP API; `promtool check metrics` reads
/metrics; /report.json is validated against the schema; SIGHUP reloads (a broken config is
refused and the old one kept), SIGTERM stops; a soak of hundreds of cycles with a fault toggling
shows no growth in memory or descriptors. Needs Debian's `prometheus` package (prometheus and
promtool): without it the whole file is skipped. Addresses 127.0.85.0/24 and 127.0.103.0/24
are this file's."""
import datetime
import functools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import harness
from harness import (VPCPROBE, Dnsmasq, TestPeer, assert_flat, fd_count, free_port, soak_env,
                     validate, vm_rss_kib, wait_until, write_config)

PROMETHEUS = harness.PROMETHEUS
PROMTOOL = shutil.which("promtool") or ""
if not PROMETHEUS or not PROMTOOL:
    print("SKIPPED: prometheus/promtool not found (install Debian's prometheus package, as "
          "scripts/install-deps.sh does)", file=sys.stderr)
    sys.exit(77)

DOMAIN = "serve.alikafka.aliyuncs.com"
GOOD, OTHER, REFUSED, SILENT = "127.0.85.1", "127.0.85.2", "127.0.85.3", "127.0.85.4"
TOGGLE = "127.0.85.5"
LISTEN = "127.0.85.100"
Serve = functools.partial(harness.Serve, address=LISTEN)
PROMETHEUS_ADDRESS = "127.0.85.101"

# Prometheus 2.x's scrape Accept header: OpenMetrics preferred.
PROMETHEUS_ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                     "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')


def samples(text):
    """{(name, labels text): value} of every sample line."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        out[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return out


def value_of(text, name, **labels):
    """The one sample of `name` whose labels include `labels`."""
    found = [v for (n, l), v in samples(text).items()
             if n == name and all(f'{k}="{v}"' in l for k, v in labels.items())]
    assert len(found) == 1, (name, labels, found)
    return found[0]


def metadata_by_sample(text):
    """{sample name: [HELP, TYPE and UNIT lines of the family it is exposed under]}, as a
    scraper reads them: a block of metadata lines starts a family and the samples after it
    belong to it. Keyed by sample name, so a family announced under another name (OpenMetrics'
    info type names it without `_info`) shows up as a difference."""
    out, block, in_metadata = {}, [], False
    for line in text.splitlines():
        if line.startswith(("# HELP ", "# TYPE ", "# UNIT ")):
            if not in_metadata:
                block = []
            block.append(line)
            in_metadata = True
            continue
        in_metadata = False
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        assert out.setdefault(m.group(1), block) == block, f"{m.group(1)} in two families"
    return out


def promtool_check_metrics(text):
    with tempfile.NamedTemporaryFile("w", suffix=".prom", delete=False) as f:
        f.write(text)
    try:
        with open(f.name, "rb") as source:
            proc = subprocess.run([PROMTOOL, "check", "metrics"], stdin=source,
                                  capture_output=True, text=True, timeout=60)
        return proc.returncode, proc.stdout, proc.stderr
    finally:
        os.unlink(f.name)


class ServeEndToEnd(unittest.TestCase):
    """One serve over a config file: a healthy TLS endpoint and a refused port."""

    @classmethod
    def setUpClass(cls):
        cls.good_host, cls.other_host = f"good.{DOMAIN}", f"other.{DOMAIN}"
        # Class cleanups run even when setUpClass fails half-way: nothing it started outlives it.
        cls.dns = Dnsmasq({cls.good_host: GOOD, cls.other_host: OTHER})
        cls.addClassCleanup(cls.dns.close)
        cls.peer = TestPeer([f"{GOOD}:8443=tls:good", f"{OTHER}:8443=tls:good"],
                            hosts=[cls.good_host, cls.other_host])
        cls.addClassCleanup(cls.peer.close)
        cls.dir = tempfile.mkdtemp(prefix="vpcprobe-serve-")
        cls.addClassCleanup(shutil.rmtree, cls.dir, True)
        cls.config = os.path.join(cls.dir, "vpcprobe.toml")
        cls.targets = [f"{cls.good_host}:8443=endpoint", f"{REFUSED}:9443=endpoint"]
        write_config(cls.config, cls.targets, cls.dns.server, cls.peer.ca_file)
        cls.serve = Serve("-c", cls.config, "--interval", "200ms")
        cls.addClassCleanup(cls.serve.close)
        cls.serve.wait_healthy()

    def test_prometheus_scrapes_it_and_answers_queries(self):
        prometheus_dir = tempfile.mkdtemp(prefix="vpcprobe-prometheus-")
        self.addCleanup(shutil.rmtree, prometheus_dir, True)
        config = ("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                  "scrape_configs:\n  - job_name: vpcprobe\n    static_configs:\n"
                  f"      - targets: ['{self.serve.endpoint}']\n")
        with harness.Prometheus(prometheus_dir, config, PROMETHEUS_ADDRESS,
                                free_port(PROMETHEUS_ADDRESS)) as prometheus:
            def query(expression):
                return {tuple(sorted(labels.items())): value
                        for labels, value in prometheus.query(expression)}

            def scraped():
                try:
                    result = query("vpcprobe_target_up")
                except OSError:
                    return None
                return result if len(result) == 2 else None

            up = wait_until(scraped, 60, "Prometheus to scrape vpcprobe_target_up", step=0.5)
            by_host = {dict(labels)["host"]: (dict(labels), value)
                       for labels, value in up.items()}
            good_labels, good_up = by_host[self.good_host]
            self.assertEqual(good_up, 1)
            self.assertEqual(good_labels["component"], "endpoint")
            self.assertEqual(good_labels["host"], self.good_host)
            self.assertEqual(good_labels["port"], "8443")
            self.assertEqual(good_labels["access"], "none")
            self.assertEqual(good_labels["instance"], self.serve.endpoint)
            self.assertEqual(by_host[REFUSED][1], 0)
            # The cause series came through as well, and the scrape itself was healthy
            # (Prometheus asked for OpenMetrics and parsed it).
            cause = query(f'vpcprobe_target_cause{{host="{REFUSED}",cause="tcp.refused"}}')
            self.assertEqual(list(cause.values()), [1.0])
            self.assertEqual(list(query('up{job="vpcprobe"}').values()), [1.0])
            self.assertEqual(list(query("vpcprobe_serve_ready").values()), [1.0])

    def test_promtool_accepts_the_text_format(self):
        status, headers, text = self.serve.get_text("/metrics")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "text/plain; version=0.0.4; charset=utf-8")
        self.assertNotIn("# EOF", text)
        self.assertEqual(promtool_check_metrics(text), (0, "", ""))
        self.assertEqual(value_of(text, "vpcprobe_target_up", host=self.good_host), 1)
        self.assertEqual(value_of(text, "vpcprobe_target_up", host=REFUSED), 0)
        self.assertEqual(value_of(text, "vpcprobe_serve_ready"), 1)

    def test_openmetrics_when_the_scraper_asks(self):
        status, headers, text = self.serve.get_text("/metrics",
                                                    headers={"Accept": PROMETHEUS_ACCEPT})
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"],
                         "application/openmetrics-text; version=1.0.0; charset=utf-8")
        self.assertEqual(headers.get("vary"), "Accept")
        self.assertTrue(text.endswith("\n# EOF\n"), text[-200:])
        self.assertEqual(text.count("# EOF"), 1)
        self.assertIn("# TYPE vpcprobe_build_info gauge\n", text)
        self.assertIn("# UNIT vpcprobe_check_duration_seconds seconds\n", text)
        self.assertEqual(value_of(text, "vpcprobe_target_up", host=REFUSED), 0)
        # promtool checks this format too (Prometheus's own scrape, which asks for
        # OpenMetrics first, is the other parser that must accept it).
        code, out, err = promtool_check_metrics(text)
        self.assertEqual((code, out, err), (0, "", ""))
        # The same series either way.
        _, _, plain = self.serve.get_text("/metrics")
        self.assertEqual(set(samples(text)), set(samples(plain)))

    def test_report_endpoints(self):
        status, headers, body = self.serve.request("/report.json")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "application/json")
        report = json.loads(body)
        validate(report)
        self.assertEqual(report["summary"], {"ok": 1, "warning": 0, "failed": 1})
        self.assertEqual({t["host"]: t["status"] for t in report["targets"]},
                         {self.good_host: "ok", REFUSED: "failed"})

        status, headers, markdown = self.serve.get_text("/report.md")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "text/markdown; charset=utf-8")
        self.assertIn("❌", markdown)
        self.assertIn("tcp.refused", markdown)

        self.assertEqual(self.serve.get_text("/healthz")[::2], (200, "ok\n"))
        self.assertEqual(self.serve.request("/nope")[0], 404)
        self.assertEqual(self.serve.request("/metrics/extra")[0], 404)
        self.assertEqual(self.serve.request("/metrics?x=1")[0], 200)
        status, headers, _ = self.serve.request("/metrics", method="POST")
        self.assertEqual((status, headers.get("allow")), (405, "GET, HEAD"))
        self.assertEqual(self.serve.request("/healthz", method="DELETE")[0], 405)
        # HEAD: GET's headers, no body.
        status, headers, body = self.serve.request("/report.json", method="HEAD")
        self.assertEqual(status, 200)
        self.assertGreater(int(headers["content-length"]), 100)
        self.assertEqual(body, b"")

    def test_runs_repeat_at_the_interval_never_overlapping(self):
        count = len(self.serve.log_lines("check"))
        lines = self.serve.wait_log("check", count + 6)[-6:]
        runs = []  # (start, end) in seconds, from each line's ts (the end) and duration
        for line in lines:
            self.assertRegex(line, r"^ts=\S+Z event=check duration=\d+\.\d{3}s ok=1 "
                                   r"warning=0 failed=1 targets=2 exit=2 cpu_ms=\d+\.\d$")
            m = re.match(r"ts=(\S+)Z event=check duration=(\S+)s", line)
            end = datetime.datetime.fromisoformat(m.group(1) + "+00:00").timestamp()
            runs.append((end - float(m.group(2)), end))
        for (start, end), (next_start, _) in zip(runs, runs[1:]):
            # 200ms ± 10% from start to start (durations are rounded to the millisecond and
            # the line is written after the report is rendered: 50ms of slack); a run that took longer is followed at once,
            # never overlapped.
            gap = next_start - start
            self.assertGreaterEqual(gap, 0.180 - 0.05, lines)
            self.assertGreaterEqual(next_start - end, -0.05, lines)
            self.assertLess(gap, max(0.220, end - start) + 0.3, lines)

    def test_request_bounds(self):
        # A request head over the limit is refused, and serving goes on.
        status, _, _ = self.serve.request("/metrics", headers={"X-Big": "a" * 20000})
        self.assertEqual(status, 431)
        # A client that connects and says nothing is dropped after the request timeout; the
        # others are served meanwhile.
        idle = socket.create_connection((self.serve.address, self.serve.port), timeout=30)
        try:
            self.assertEqual(self.serve.request("/healthz")[0], 200)
            started = time.monotonic()
            self.assertEqual(idle.recv(1), b"")  # closed by the server
            self.assertLess(time.monotonic() - started, 15)
        finally:
            idle.close()


class Reload(unittest.TestCase):
    """SIGHUP re-reads the config file: a broken one is refused (logged, old config kept), a
    good one applies from the next run."""

    def test_broken_then_changed_config(self):
        good_host, other_host = f"good.{DOMAIN}", f"other.{DOMAIN}"
        with Dnsmasq({good_host: GOOD, other_host: OTHER}) as dns, \
                TestPeer([f"{GOOD}:8443=tls:good", f"{OTHER}:8443=tls:good"],
                         hosts=[good_host, other_host]) as peer:
            directory = tempfile.mkdtemp(prefix="vpcprobe-serve-reload-")
            config = os.path.join(directory, "vpcprobe.toml")
            write_config(config, [f"{good_host}:8443=endpoint"], dns.server, peer.ca_file)
            with Serve("-c", config, "--interval", "200ms") as serve:
                serve.wait_healthy()

                def hosts():
                    status, _, body = serve.request("/report.json")
                    self.assertEqual(status, 200)
                    return {t["host"] for t in json.loads(body)["targets"]}

                self.assertEqual(hosts(), {good_host})

                with open(config, "w") as f:
                    f.write('timeout = "banana"\n')
                serve.proc.send_signal(signal.SIGHUP)
                (line,) = serve.wait_log("reload")
                self.assertIn("result=rejected", line)
                self.assertIn("kept=previous", line)
                self.assertIn("timeout", line)  # names the key at fault
                checks = len(serve.log_lines("check"))
                serve.wait_log("check", checks + 3)  # still running the old config
                self.assertIsNone(serve.proc.poll())
                self.assertEqual(hosts(), {good_host})
                self.assertEqual(serve.request("/healthz")[0], 200)

                write_config(config, [f"{good_host}:8443=endpoint", f"{other_host}:8443=endpoint"],
                             dns.server, peer.ca_file)
                serve.proc.send_signal(signal.SIGHUP)
                lines = serve.wait_log("reload", 2)
                self.assertIn("result=ok", lines[1])
                wait_until(lambda: hosts() == {good_host, other_host}, 20,
                           "the new target in the report")
                _, _, text = serve.get_text("/metrics")
                self.assertEqual(value_of(text, "vpcprobe_target_up", host=other_host), 1)
                self.assertEqual(serve.log_text().count("event=reload"), 2)
            shutil.rmtree(directory, ignore_errors=True)


CPU_MS = re.compile(r" cpu_ms=([0-9.]+)(?: |$)")
DURATION = re.compile(r" duration=([0-9.]+)s ")
CTX_ADDRESS = "127.0.103.1"
CTX_LISTEN = "127.0.103.100"


class TlsContextReuse(unittest.TestCase):
    """One TLS context per configuration generation: built by the first run and used by every
    run after it; the CA file replaced under a running serve is picked up by the next run without
    a SIGHUP (logged, naming the file); a SIGHUP builds a new one; each run logs the CPU it took.
    Addresses 127.0.103.x."""

    def test_built_once_rebuilt_on_file_change_and_sighup(self):
        directory = tempfile.mkdtemp(prefix="vpcprobe-serve-tlsctx-")
        target = f"{CTX_ADDRESS}:8443"
        with TestPeer([f"{target}=tls:good"], hosts=[CTX_ADDRESS]) as peer:
            # First the CA the peer's chain does not lead to: the target fails verification.
            ca_file = os.path.join(directory, "ca.pem")
            shutil.copyfile(os.path.join(os.path.dirname(peer.ca_file), "other-ca.pem"), ca_file)
            with harness.Serve(f"{target}=endpoint", "--ca-file", ca_file, "--timeout", "2s",
                               "--interval", "100ms", "--dns-server", "127.0.0.1:1",
                               address=CTX_LISTEN) as serve:
                serve.wait_healthy()

                def metric(name, **labels):
                    _, _, text = serve.get_text("/metrics")
                    return value_of(text, name, **labels)

                serve.wait_log("check", 8)
                (built,) = serve.log_lines("tls_context")
                self.assertIn("reason=first_run", built)
                self.assertIn("builds=1", built)
                self.assertEqual(metric("vpcprobe_target_up", host=CTX_ADDRESS), 0)
                self.assertEqual(metric("vpcprobe_target_cause", host=CTX_ADDRESS,
                                        cause="cert.untrusted"), 1)
                self.assertEqual(metric("vpcprobe_serve_tls_context_builds"), 1)

                # The right CA renamed over the file, as configuration tools replace files.
                shutil.copyfile(peer.ca_file, ca_file + ".new")
                os.replace(ca_file + ".new", ca_file)
                lines = serve.wait_log("tls_context", 2)
                self.assertIn("reason=file_changed", lines[1])
                self.assertIn(f"file={ca_file}", lines[1])
                wait_until(lambda: metric("vpcprobe_target_up", host=CTX_ADDRESS) == 1, 20,
                           "the target verified against the new CA")
                self.assertEqual(metric("vpcprobe_serve_tls_context_builds"), 2)
                self.assertEqual(serve.log_text().count("event=reload"), 0)
                checks = len(serve.log_lines("check"))
                serve.wait_log("check", checks + 5)
                self.assertEqual(len(serve.log_lines("tls_context")), 2)  # no rebuild since

                serve.proc.send_signal(signal.SIGHUP)
                lines = serve.wait_log("tls_context", 3)
                self.assertIn("reason=reload", lines[2])
                self.assertIn("builds=3", lines[2])
                wait_until(lambda: metric("vpcprobe_serve_tls_context_builds") == 3, 20,
                           "the third build in /metrics")
                checks = len(serve.log_lines("check"))
                serve.wait_log("check", checks + 5)
                self.assertEqual(len(serve.log_lines("tls_context")), 3)

                # Every run says the CPU it took: something, and never more than its wall time
                # (one thread's CPU time cannot exceed it) beyond planning and diagnosis.
                for line in serve.log_lines("check"):
                    cpu = CPU_MS.search(line)
                    self.assertIsNotNone(cpu, line)
                    duration_ms = float(DURATION.search(line).group(1)) * 1000
                    self.assertGreater(float(cpu.group(1)), 0, line)
                    self.assertLess(float(cpu.group(1)), duration_ms + 100, line)
                cpu_seconds = metric("vpcprobe_serve_check_cpu_seconds")
                self.assertGreater(cpu_seconds, 0)
                self.assertLess(cpu_seconds, 2)
                self.assertIsNone(serve.proc.poll())
        shutil.rmtree(directory, ignore_errors=True)


class Lifecycle(unittest.TestCase):
    """Before the first run, stopping, and what keeps serve from starting."""

    @classmethod
    def setUpClass(cls):
        cls.peer = TestPeer([f"{SILENT}:8443=silent"])

    @classmethod
    def tearDownClass(cls):
        cls.peer.close()

    def test_before_the_first_run_completes(self):
        # A silent peer holds the first run for the whole 5s TLS timeout, and its retry with
        # the smallest clamped MSS (docs/report.md, "MTU black holes") for 5s more.
        with Serve(f"{SILENT}:8443=endpoint", "--timeout", "5s", "--interval", "1m",
                   "--ca-file", self.peer.ca_file, "--dns-server", "127.0.0.1:1") as serve:
            started = time.monotonic()

            def answering():
                try:
                    return serve.request("/healthz", timeout=2)
                except OSError:
                    return None

            status, _, body = wait_until(answering, 10, "serve to listen")
            if time.monotonic() - started > 4:
                self.skipTest("serve took too long to start to see its first run pending")
            self.assertEqual((status, body), (503, b"no check has completed yet\n"))
            status, _, text = serve.get_text("/metrics")
            self.assertEqual(status, 200)
            self.assertEqual(value_of(text, "vpcprobe_serve_ready"), 0)
            self.assertEqual(value_of(text, "vpcprobe_build_info"), 1)
            # Named from the first scrape on: no --agent-name, so the hostname.
            self.assertEqual(value_of(text, "vpcprobe_agent_info", agent=socket.gethostname()), 1)
            self.assertNotIn("vpcprobe_target_up", text)
            self.assertEqual(promtool_check_metrics(text), (0, "", ""))
            status, _, text = serve.get_text("/metrics", headers={"Accept": PROMETHEUS_ACCEPT})
            self.assertTrue(text.endswith("vpcprobe_serve_ready 0\n# EOF\n"), text)
            self.assertEqual(serve.request("/report.json")[0], 503)
            self.assertEqual(serve.request("/report.md")[0], 503)

            serve.wait_healthy(timeout=30)
            _, _, text = serve.get_text("/metrics")
            self.assertEqual(value_of(text, "vpcprobe_serve_ready"), 1)
            self.assertEqual(value_of(text, "vpcprobe_target_up", host=SILENT), 0)

    def test_metadata_is_the_same_before_and_after_the_first_run(self):
        # A scrape's metadata must not change with time: every family served before the first
        # run completes has the same HELP, TYPE and UNIT lines after it, in both formats.
        formats = {"text": {}, "openmetrics": {"Accept": "application/openmetrics-text"}}
        with Serve(f"{SILENT}:8443=endpoint", "--timeout", "5s", "--interval", "1m",
                   "--ca-file", self.peer.ca_file, "--dns-server", "127.0.0.1:1") as serve:
            wait_until(lambda: self._answers(serve), 10, "serve to listen")
            before = {name: serve.get_text("/metrics", headers=headers)[2]
                      for name, headers in formats.items()}
            if any(value_of(text, "vpcprobe_serve_ready") != 0 for text in before.values()):
                self.skipTest("the first run completed before the scrape")
            serve.wait_healthy(timeout=30)
            after = {name: serve.get_text("/metrics", headers=headers)[2]
                     for name, headers in formats.items()}
        for name in formats:
            with self.subTest(format=name):
                self.assertEqual(value_of(after[name], "vpcprobe_serve_ready"), 1)
                self.assertEqual(value_of(after[name], "vpcprobe_target_up",
                                          host=SILENT), 0)
                metadata_before = metadata_by_sample(before[name])
                metadata_after = metadata_by_sample(after[name])
                self.assertIn("vpcprobe_build_info", metadata_before)
                self.assertIn("vpcprobe_agent_info", metadata_before)
                self.assertIn("vpcprobe_serve_ready", metadata_before)
                # Every family of the early scrape is in the later one ...
                self.assertLessEqual(set(metadata_before), set(metadata_after))
                # ... announced the same way.
                for sample in metadata_before:
                    self.assertEqual(metadata_before[sample], metadata_after[sample], sample)
                    self.assertTrue(metadata_before[sample], sample)
                for text in (before[name], after[name]):
                    self.assertEqual(promtool_check_metrics(text), (0, "", ""), text)
        self.assertTrue(before["openmetrics"].endswith("\n# EOF\n"), before["openmetrics"])
        self.assertNotIn("# EOF", before["text"])

    def test_sigterm_stops_promptly_even_during_a_run(self):
        for when in ("idle", "mid-run"):
            with self.subTest(when=when):
                timeout = "10s" if when == "mid-run" else "1s"
                with Serve(f"{SILENT}:8443=endpoint", "--timeout", timeout, "--interval", "1m",
                           "--ca-file", self.peer.ca_file) as serve:
                    wait_until(lambda: self._answers(serve), 10, "serve to listen")
                    if when == "idle":
                        serve.wait_healthy()
                    started = time.monotonic()
                    serve.proc.send_signal(signal.SIGTERM)
                    self.assertEqual(serve.proc.wait(timeout=10), 0, serve.log_text())
                    self.assertLess(time.monotonic() - started, 7)
                    self.assertIn("event=stop signal=SIGTERM", serve.log_text())
                    with self.assertRaises(OSError):
                        socket.create_connection((serve.address, serve.port), timeout=2).close()

    def test_sigint_stops_too(self):
        with Serve(f"{REFUSED}:9443=endpoint", "--interval", "100ms") as serve:
            serve.wait_healthy()
            serve.proc.send_signal(signal.SIGINT)
            self.assertEqual(serve.proc.wait(timeout=10), 0)
            self.assertIn("event=stop signal=SIGINT", serve.log_text())

    @staticmethod
    def _answers(serve):
        try:
            serve.request("/metrics", timeout=2)
            return True
        except OSError:
            return False

    def test_port_in_use_is_exit_3(self):
        with socket.socket() as busy:
            busy.bind((LISTEN, 0))
            busy.listen()
            port = busy.getsockname()[1]
            proc = subprocess.run([VPCPROBE, "serve", "--listen", f"{LISTEN}:{port}",
                                   f"{REFUSED}:9443"], capture_output=True, text=True,
                                  timeout=30, stdin=subprocess.DEVNULL)
        self.assertEqual(proc.returncode, 3, proc)
        self.assertIn(f"--listen {LISTEN}:{port}", proc.stderr)
        self.assertIn("already in use", proc.stderr)

    def test_bad_listen_address_is_exit_3(self):
        for listen in ("localhost:9464", "127.0.85.100", "127.0.85.100:0", "1.2.3.4.5:80"):
            with self.subTest(listen=listen):
                proc = subprocess.run([VPCPROBE, "serve", "--listen", listen, f"{REFUSED}:9443"],
                                      capture_output=True, text=True, timeout=30,
                                      stdin=subprocess.DEVNULL)
                self.assertEqual(proc.returncode, 3, proc)
                self.assertIn("--listen", proc.stderr)
                self.assertEqual(proc.stderr.count("\n"), 1, proc.stderr)


class Soak(unittest.TestCase):
    """Hundreds of runs 20ms apart while a target flips between listening and refused and
    /metrics is scraped throughout: memory and descriptors stay flat, and the state directory
    records each flip."""

    def test_flat_memory_and_descriptors(self):
        state = tempfile.mkdtemp(prefix="vpcprobe-serve-state-")
        toggle_port = free_port(TOGGLE)
        listener = None

        def flip():
            nonlocal listener
            if listener:
                listener.close()
                listener = None
            else:
                listener = socket.socket()
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                listener.bind((TOGGLE, toggle_port))
                listener.listen(64)

        try:
            with Serve(f"{TOGGLE}:{toggle_port}=endpoint", f"{REFUSED}:9443=endpoint",
                       "--tcp-only", "--timeout", "1s", "--interval", "20ms",
                       "--dns-server", "127.0.0.1:1", "--state-dir", state, "--keep", "20",
                       env=soak_env()) as serve:
                serve.wait_healthy()
                pid = serve.proc.pid
                deadline = time.monotonic() + 60
                rss, fds, flips = [], [], 0
                next_flip = time.monotonic()
                while time.monotonic() < deadline:
                    if time.monotonic() >= next_flip:
                        flip()
                        flips += 1
                        next_flip = time.monotonic() + 0.25
                    status, _, _ = serve.request("/metrics")
                    self.assertEqual(status, 200)
                    runs = len(serve.log_lines("check"))
                    if runs >= 200:  # warmed up: allocator arenas and caches have settled
                        rss.append(vm_rss_kib(pid))
                        fds.append(fd_count(pid))
                    if runs >= 800:
                        break
                    time.sleep(0.05)
                runs = len(serve.log_lines("check"))
                self.assertGreaterEqual(runs, 300, "too few cycles in the time allowed")
                assert_flat(self, rss, fds, runs, pid=pid)
                self.assertIsNone(serve.proc.poll())
                self.assertEqual(serve.log_lines("check_error"), [])

                # History: the flips were recorded as changes of the toggled target, and
                # logged as such; the other target never changed after it appeared.
                changes = serve.log_lines("status_change")
                toggled = [c for c in changes if f"{TOGGLE}:{toggle_port}" in c]
                self.assertGreaterEqual(len(toggled), flips // 2, changes[-5:])
                self.assertTrue(any("to=failed" in c for c in toggled))
                self.assertTrue(any("to=ok" in c for c in toggled))
                refused = [c for c in changes if f"{REFUSED}:9443" in c]
                self.assertLessEqual(len(refused), 1, refused)  # at most new -> failed
                serve.proc.send_signal(signal.SIGTERM)
                self.assertEqual(serve.proc.wait(timeout=10), 0)
                # Counted once stopped: a run stores its report before pruning the oldest.
                reports = os.listdir(os.path.join(state, "reports"))
                self.assertLessEqual(len(reports), 20, reports)
                self.assertGreaterEqual(len(reports), 10, reports)
                with open(os.path.join(state, "changes.jsonl")) as f:
                    recorded = [json.loads(line) for line in f]
                self.assertTrue(any(c["to"] == "failed" and c["endpoint"] ==
                                    f"{TOGGLE}:{toggle_port}" for c in recorded))
        finally:
            if listener:
                listener.close()
            shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
