# SPDX-License-Identifier: Apache-2.0
"""End to end: `vpcprobe check --format prometheus -o FILE` against real peers (dnsmasq, testpeer
with a healthy and an expired certificate, a port nobody listens on), read by the real client:
`promtool check metrics` must accept the file without a word; the alerting rules in
packaging/prometheus must pass `promtool check rules` and their own `promtool test rules`, and
name only metrics vpcprobe writes. Needs Debian's `prometheus` package (promtool): without it
the whole file is skipped. Addresses 127.0.84.0/24 are this file's."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from harness import SCHEMA, SOURCE_DIR, Dnsmasq, TestPeer, catalog_host, vpcprobe

PROMTOOL = shutil.which("promtool") or ""
if not PROMTOOL:
    print("SKIPPED: promtool not found (install Debian's prometheus package, as "
          "scripts/install-deps.sh does)", file=sys.stderr)
    sys.exit(77)

RULES_DIR = os.path.join(SOURCE_DIR, "packaging", "prometheus")
INSTANCE = "metrics01"
DOMAIN = "metrics.alikafka.aliyuncs.com"
CATALOG_ADDRESS = "127.0.84.10"  # vpc-kafka-metrics01: kafka (9095) and mds (8090)
GOOD, EXPIRED, REFUSED = "127.0.84.1", "127.0.84.2", "127.0.84.3"
def cause_codes_of_the_schema():
    """The cause codes docs/report.schema.json enumerates (the report's public vocabulary)."""
    import json
    with open(SCHEMA) as f:
        schema = json.load(f)
    found = []

    def walk(node):
        if isinstance(node, dict):
            values = node.get("enum")
            if isinstance(values, list) and "dns.nxdomain" in values:
                found.append(values)
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)
    walk(schema)
    return {code for values in found for code in values if code}


CAUSES = len(cause_codes_of_the_schema())  # one series per cause code, none more, none fewer

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?')


def promtool(*args, stdin=None):
    with open(stdin, "rb") if stdin else open(os.devnull, "rb") as source:
        proc = subprocess.run([PROMTOOL, *args], stdin=source, capture_output=True, text=True,
                              timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


def parse(text):
    """[(name, {label: value}, float)] for every sample line; asserts the line shape (no third
    field: no timestamp)."""
    samples = []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        labels = {}
        if m.group(2):
            for name, value in LABEL.findall(m.group(2)):
                labels[name] = value.replace('\\"', '"').replace("\\n", "\n").replace(
                    "\\\\", "\\")
        samples.append((m.group(1), labels, float(m.group(3))))
    return samples


class CheckAsMetrics(unittest.TestCase):
    """One check over a catalog instance (two endpoints answering, five NXDOMAIN) and three
    explicit targets (healthy TLS, expired certificate, refused port), written for the
    textfile collector."""

    @classmethod
    def setUpClass(cls):
        cls.good_host = f"good.{DOMAIN}"
        cls.expired_host = f"expired.{DOMAIN}"
        cls.kafka_host = catalog_host("kafka", INSTANCE)
        cls.dns = Dnsmasq({cls.good_host: GOOD, cls.expired_host: EXPIRED,
                           cls.kafka_host: CATALOG_ADDRESS})
        cls.peer = TestPeer([f"{GOOD}:8443=tls:good", f"{EXPIRED}:8443=tls:expired",
                             f"{CATALOG_ADDRESS}:9095=tls:good",
                             f"{CATALOG_ADDRESS}:8090=tls:good"],
                            hosts=[cls.good_host, cls.expired_host, cls.kafka_host])
        cls.dir = tempfile.mkdtemp(prefix="vpcprobe-metrics-")
        cls.path = os.path.join(cls.dir, "vpcprobe.prom")
        cls.before = time.time()
        # --no-protocol: the peers are bare TLS servers; the metrics are the point here.
        cls.result = cls.check("-o", cls.path)
        cls.after = time.time()
        with open(cls.path) as f:
            cls.text = f.read()
        cls.samples = parse(cls.text)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)
        cls.peer.close()
        cls.dns.close()

    @classmethod
    def check(cls, *extra):
        return vpcprobe("check", "--instance", INSTANCE, f"{cls.good_host}:8443=endpoint",
                        f"{cls.expired_host}:8443=endpoint", f"{REFUSED}:9443=endpoint",
                        "--dns-server", cls.dns.server, "--ca-file", cls.peer.ca_file,
                        "--timeout", "2s", "--no-protocol", "--format", "prometheus", *extra)

    def values(self, name, **match):
        return [(labels, value) for n, labels, value in self.samples
                if n == name and all(labels.get(k) == v for k, v in match.items())]

    def value(self, name, **match):
        found = self.values(name, **match)
        self.assertEqual(len(found), 1, (name, match, found))
        return found[0][1]

    def test_promtool_accepts_the_file_without_a_word(self):
        self.assertEqual(self.result.code, 2, self.result)  # exit code as for every format
        self.assertEqual(self.result.out, "", "-o: nothing on stdout")
        code, out, err = promtool("check", "metrics", stdin=self.path)
        self.assertEqual((code, out, err), (0, "", ""))
        # written atomically: no temporary file left beside it
        self.assertEqual(os.listdir(self.dir), ["vpcprobe.prom"])

    def test_stdout_is_the_same_format(self):
        r = self.check()
        self.assertEqual(r.code, 2, r)
        self.assertTrue(r.out.startswith("# HELP vpcprobe_build_info "), r.out[:200])
        stdout_file = os.path.join(self.dir, "stdout.prom")
        try:
            with open(stdout_file, "w") as f:
                f.write(r.out)
            self.assertEqual(promtool("check", "metrics", stdin=stdout_file), (0, "", ""))
        finally:
            os.unlink(stdout_file)
        # the same series as the file (values such as durations differ from run to run)
        series = lambda text: sorted((n, sorted(l.items())) for n, l, _ in parse(text))
        self.assertEqual(series(r.out), series(self.text))

    def test_up_and_cause_per_target(self):
        expected = {
            # (component, access, host, port): (up, cause)
            ("kafka", "vpc", self.kafka_host, "9095"): (1, None),
            ("mds", "vpc", self.kafka_host, "8090"): (1, None),
            ("endpoint", "none", self.good_host, "8443"): (1, None),
            ("endpoint", "none", self.expired_host, "8443"): (0, "cert.expired"),
            ("endpoint", "none", REFUSED, "9443"): (0, "tcp.refused"),
        }
        for component in ("schema-registry", "rest-proxy", "connect", "ksqldb",
                          "control-center"):
            port = {"schema-registry": "8081", "rest-proxy": "8082", "connect": "8083",
                    "ksqldb": "8088", "control-center": "9021"}[component]
            expected[(component, "vpc", catalog_host(component, INSTANCE), port)] = \
                (0, "dns.nxdomain")
        self.assertEqual(len(self.values("vpcprobe_target_up")), len(expected))
        for (component, access, host, port), (up, cause) in expected.items():
            with self.subTest(component=component, host=host):
                target = dict(component=component, access=access, host=host, port=port)
                self.assertEqual(self.value("vpcprobe_target_up", **target), up)
                causes = self.values("vpcprobe_target_cause", **target)
                self.assertEqual(len(causes), CAUSES)
                set_causes = [labels["cause"] for labels, value in causes if value == 1]
                self.assertEqual(set_causes, [cause] if cause else [])
                self.assertTrue(all(value in (0, 1) for _, value in causes))
                status = "ok" if up else "failed"
                self.assertEqual(self.value("vpcprobe_target_status", status=status, **target),
                                 1)
        self.assertEqual(self.value("vpcprobe_targets", status="ok"), 3)
        self.assertEqual(self.value("vpcprobe_targets", status="warning"), 0)
        self.assertEqual(self.value("vpcprobe_targets", status="failed"), 7)
        self.assertEqual(self.value("vpcprobe_target_info", component="endpoint",
                                    host=REFUSED, origin="argument"), 1)
        self.assertEqual(self.value("vpcprobe_target_info", component="kafka",
                                    origin="catalog"), 1)

    def test_times_are_unix_seconds(self):
        started = self.value("vpcprobe_check_timestamp_seconds")
        self.assertGreaterEqual(started, int(self.before))
        self.assertLessEqual(started, self.after)
        duration = self.value("vpcprobe_check_duration_seconds")
        self.assertGreater(duration, 0)
        self.assertLess(duration, self.after - self.before + 0.001)
        good = self.value("vpcprobe_certificate_expiry_timestamp_seconds", host=self.good_host)
        self.assertGreater(good, self.after + 30 * 86400)
        expired = self.value("vpcprobe_certificate_expiry_timestamp_seconds",
                             host=self.expired_host)
        self.assertLess(expired, self.before)
        # no chain, no series: the refused port and the names that do not resolve
        self.assertEqual(len(self.values("vpcprobe_certificate_expiry_timestamp_seconds")), 4)
        # stages that ran, in seconds: the refused port stopped at tcp, NXDOMAIN at dns
        refused = {labels["stage"]: value for labels, value in
                   self.values("vpcprobe_stage_duration_seconds", host=REFUSED)}
        self.assertEqual(set(refused), {"dns", "tcp"})
        self.assertLess(refused["tcp"], 2)
        connect = {labels["stage"] for labels, _ in
                   self.values("vpcprobe_stage_duration_seconds", component="connect")}
        self.assertEqual(connect, {"dns"})
        good_stages = {labels["stage"] for labels, _ in
                       self.values("vpcprobe_stage_duration_seconds",
                                                        host=self.good_host)}
        self.assertEqual(good_stages, {"dns", "tcp", "tls", "certificate"})

    def test_build_info(self):
        version = vpcprobe("--version").out.split()
        (labels, value), = self.values("vpcprobe_build_info")
        self.assertEqual(value, 1)
        self.assertIn(labels["version"], version)

    def test_alert_rules_name_only_metrics_vpcprobe_writes(self):
        with open(os.path.join(RULES_DIR, "vpcprobe-alerts.yml")) as f:
            rules = f.read()
        written = {name for name, _, _ in self.samples}
        used = set(re.findall(r"\bvpcprobe_[a-z_]+\b", rules))
        self.assertTrue(used)
        self.assertLessEqual(used, written)
        for cause in re.findall(r'cause="([^"]+)"', rules):
            self.assertTrue(self.values("vpcprobe_target_cause", cause=cause), cause)


class AlertRules(unittest.TestCase):
    """packaging/prometheus: the rules load, and their unit tests pass."""

    def test_promtool_check_rules(self):
        code, out, err = promtool("check", "rules", os.path.join(RULES_DIR, "vpcprobe-alerts.yml"))
        self.assertEqual(code, 0, out + err)
        self.assertIn("SUCCESS: 4 rules found", out)

    def test_promtool_test_rules(self):
        code, out, err = promtool("test", "rules",
                                  os.path.join(RULES_DIR, "vpcprobe-alerts.test.yml"))
        self.assertEqual(code, 0, out + err)
        self.assertIn("SUCCESS", out)


if __name__ == "__main__":
    unittest.main()
