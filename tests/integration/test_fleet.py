# SPDX-License-Identifier: Apache-2.0
"""End to end, as root: a fleet of three agents on Prometheus. Four network namespaces this test
creates, `vp62-<pid>-a`, `-b`, `-c` (the agents) and `-hub` (the cluster's side and the
monitoring host), each agent joined to the hub by a veth pair:

    a  10.62.1.2 --- 10.62.1.1 \\
    b  10.62.2.2 --- 10.62.2.1  hub: dnsmasq 10.62.100.53, testpeer TLS endpoints
    c  10.62.3.2 --- 10.62.3.1 /     kafka 10.62.100.1:9095, schema-registry 10.62.100.2:8081,
                                     connect 10.62.100.3:8083 (nothing listens: refused),
                                     Prometheus on 10.62.100.9:9090

Each agent runs the built `vpcprobe serve` on its own address with its own name and labels,
all three checking the same three targets; agent b's nftables drop its SYNs to the schema
registry. A real Prometheus (Debian's 2.42) in the hub scrapes the three every second with
packaging/prometheus/vpcprobe-fleet.yml loaded (its `for:` durations shortened so that the
alerts fire within the test), and the test evaluates through /api/v1/query every PromQL
expression of the rules and of the Grafana dashboard (packaging/grafana/vpcprobe-fleet.json),
asserting the matrix they return (which agent fails which target, and why), and reads from
/api/v1/alerts that the some-but-not-all alert fires for the schema registry naming agent b,
and the all-agents one for connect. Everything it starts it stops; the namespaces are deleted.
Needs Debian's `prometheus`: without it the whole file is skipped."""
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import harness
import routed
from fleetqueries import FLEET_RULES, dashboard_queries, fleet_rules
from harness import Dnsmasq, Serve, TestPeer, wait_until, write_config

harness.skip_module_unless_root()
PROMETHEUS = harness.PROMETHEUS
if not PROMETHEUS:
    print("SKIPPED: prometheus not found (install Debian's prometheus package, as "
          "scripts/install-deps.sh does)", file=sys.stderr)
    sys.exit(77)

HUB = "hub"
AGENTS = {
    # namespace: (agent name, its [agent] labels, its address, the hub's address on its link)
    "a": ("app-a", {"vpc": "vpc-app", "subnet": "app-a"}, "10.62.1.2", "10.62.1.1"),
    "b": ("app-b", {"vpc": "vpc-app", "subnet": "app-b"}, "10.62.2.2", "10.62.2.1"),
    "c": ("bastion", {"vpc": "vpc-mgmt", "subnet": "mgmt"}, "10.62.3.2", "10.62.3.1"),
}
BLOCKED_AGENT = "b"
DOMAIN = "fleet.alikafka.aliyuncs.com"
KAFKA, REGISTRY, CONNECT = f"kafka.{DOMAIN}", f"registry.{DOMAIN}", f"connect.{DOMAIN}"
ADDRESSES = {KAFKA: "10.62.100.1", REGISTRY: "10.62.100.2", CONNECT: "10.62.100.3"}
DNS_ADDRESS = "10.62.100.53"
PROMETHEUS_ADDRESS, PROMETHEUS_PORT = "10.62.100.9", 9090
# The targets, each as the dashboard's matrix names its column: "component host:port".
TARGETS = {
    "kafka": (KAFKA, 9095),
    "schema-registry": (REGISTRY, 8081),
    "connect": (CONNECT, 8083),
}
COLUMN = {component: f"{component} {host}:{port}" for component, (host, port) in TARGETS.items()}

# Agent b's own filter: its SYNs to the schema registry vanish (a security group's egress).
BLOCK_REGISTRY = f"""
table inet fleet {{
  chain output {{
    type filter hook output priority 0; policy accept;
    ip daddr {ADDRESSES[REGISTRY]} tcp dport {TARGETS['schema-registry'][1]} drop
  }}
}}
"""

# What every query must come to once all three agents have reported (status: 0 ok, 2 failed).
STATUS = {(name, COLUMN[component]): 0 for name, *_ in AGENTS.values() for component in TARGETS}
STATUS.update({(name, COLUMN["connect"]): 2 for name, *_ in AGENTS.values()})
STATUS[(AGENTS[BLOCKED_AGENT][0], COLUMN["schema-registry"])] = 2
CAUSES = {(name, COLUMN["connect"]): "tcp.refused" for name, *_ in AGENTS.values()}
CAUSES[(AGENTS[BLOCKED_AGENT][0], COLUMN["schema-registry"])] = "tcp.timeout"

fleet = None
work_dir = None
processes = []  # (what, object with close()) in start order; closed in reverse
prometheus = None


class Fleet(routed.Namespaces):
    """The hub and the three agents, in namespaces of their own."""

    def __init__(self):
        super().__init__(prefix=f"vp62-{os.getpid()}")

    def _create(self):
        for name in (HUB, *AGENTS):
            self.add_netns(name)
        for address in (*ADDRESSES.values(), DNS_ADDRESS, PROMETHEUS_ADDRESS):
            self.ip(HUB, "addr", "add", f"{address}/32", "dev", "lo")
        for name, (_, _, address, hub_address) in AGENTS.items():
            self.ip(name, "link", "add", "name", "to-hub", "type", "veth", "peer", "name",
                    f"to-{name}", "netns", self.ns(HUB))
            self.ip(name, "addr", "add", f"{address}/24", "dev", "to-hub")
            self.ip(HUB, "addr", "add", f"{hub_address}/24", "dev", f"to-{name}")
            self.ip(name, "link", "set", "to-hub", "up")
            self.ip(HUB, "link", "set", f"to-{name}", "up")
            self.ip(name, "route", "add", "10.62.100.0/24", "via", hub_address)
        self._wait_ready()

    def _wait_ready(self, limit=10.0):
        """Until every agent reaches the hub (a RST from connect's closed port): a new veth
        carries traffic only once the kernel's link watch has run."""
        import socket
        for name in AGENTS:
            deadline = time.monotonic() + limit
            with self.inside(name):
                while True:
                    with socket.socket() as probe:
                        probe.settimeout(0.2)
                        try:
                            probe.connect((ADDRESSES[CONNECT], TARGETS["connect"][1]))
                        except ConnectionRefusedError:
                            break
                        except OSError:
                            pass
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"agent {name} does not reach the hub")
                    time.sleep(0.05)


def fleet_prometheus(directory, scrape_targets):
    """Prometheus in the hub: its own storage, the fleet rules, a 1 s scrape and evaluation."""
    rules = os.path.join(directory, "vpcprobe-fleet.yml")
    with open(FLEET_RULES) as f:
        shipped = f.read()
    # The shipped rules as they are, but for `for:`: 2 s instead of minutes, so that the
    # alerts go through pending to firing within the test.
    fast, count = re.subn(r"(?m)^(\s+)for: \d+m$", r"\1for: 2s", shipped)
    assert count == 2, count
    with open(rules, "w") as f:
        f.write(fast)
    config = ("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
              "  evaluation_interval: 1s\n"
              f"rule_files: ['{rules}']\n"
              "scrape_configs:\n  - job_name: vpcprobe\n    static_configs:\n"
              f"      - targets: {json.dumps(scrape_targets)}\n")
    return harness.Prometheus(directory, config, PROMETHEUS_ADDRESS, PROMETHEUS_PORT,
                              enter=lambda: fleet.inside(HUB))


def setUpModule():
    global fleet, work_dir, prometheus
    work_dir = tempfile.mkdtemp(prefix="vpcprobe-fleet-")
    try:
        fleet = Fleet()
        start_everything()
    except BaseException:
        tearDownModule()
        raise


def start_everything():
    global prometheus
    with fleet.inside(HUB):
        dns = Dnsmasq(ADDRESSES, address=DNS_ADDRESS)
        processes.append(dns)
        peer = TestPeer([f"{ADDRESSES[KAFKA]}:9095=tls:good",
                         f"{ADDRESSES[REGISTRY]}:8081=tls:good"], hosts=[KAFKA, REGISTRY])
        processes.append(peer)
    fleet.nft(BLOCKED_AGENT, BLOCK_REGISTRY)
    targets = [f"{host}:{port}={component}" for component, (host, port) in TARGETS.items()]
    scrape = []
    for ns, (name, labels, address, _) in AGENTS.items():
        config = os.path.join(work_dir, f"{ns}.toml")
        label_text = ", ".join(f'{k} = "{v}"' for k, v in labels.items())
        write_config(config, targets, dns.server, peer.ca_file,
                     extra=f'trace = "never"\n[agent]\nlabels = {{ {label_text} }}\n')
        with fleet.inside(ns):
            serve = Serve("-c", config, "--interval", "1s", "--agent-name", name,
                          address=address)
            processes.append(serve)
        scrape.append(serve.endpoint)
    for serve in processes[2:]:
        with fleet.inside(ns_of(serve)):
            serve.wait_healthy(timeout=30)
    prometheus = fleet_prometheus(work_dir, scrape)


def ns_of(serve):
    return next(ns for ns, (_, _, address, _) in AGENTS.items() if address == serve.address)


def tearDownModule():
    global prometheus
    if prometheus:
        prometheus.close()
        prometheus = None
    while processes:
        with contextlib.suppress(Exception):
            processes.pop().close()
    if fleet:
        fleet.close()
    if work_dir:
        shutil.rmtree(work_dir, ignore_errors=True)


def matrix(rows, value_label=None):
    """{(agent, target column): value} of a matrix query's series; value_label takes the cell
    from a label (the cause) instead of the value."""
    out = {}
    for labels, value in rows:
        key = (labels["agent"], labels["target"])
        assert key not in out, f"two series for {key}"
        out[key] = labels[value_label] if value_label else value
    return out


def last_matrix(queries):
    try:
        return repr(matrix(prometheus.query(queries["Agents × targets: status / A"])))
    except OSError as e:
        return f"({e})"


def by_target(rows):
    return {labels["component"]: value for labels, value in rows}


class FleetOnPrometheus(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        queries = dashboard_queries()
        cls.queries = dict(queries)
        assert len(cls.queries) == len(queries), "two panels of the same title"
        cls.rules = dict(fleet_rules())

        def settled():
            # Every agent scraped, every cell in, and both fleet alerts firing: the picture is
            # complete (agent b's first run waits a whole timeout on the dropped SYN).
            try:
                status = matrix(prometheus.query(cls.queries["Agents × targets: status / A"]))
                if status != STATUS:
                    return None
                alerts = prometheus.api("/api/v1/alerts")["alerts"]
            except OSError:
                return None  # Prometheus still starting
            firing = {a["labels"]["alertname"] for a in alerts if a["state"] == "firing"}
            return {"VpcprobeTargetDownFromSomeAgents",
                    "VpcprobeTargetDownFromAllAgents"} <= firing
        try:
            wait_until(settled, 90, "the fleet's matrix and alerts in Prometheus", step=0.5)
        except AssertionError as timeout:
            raise AssertionError(f"{timeout}; last matrix: {last_matrix(cls.queries)}; "
                                 f"prometheus log: {prometheus.log_tail()}") from None

    def test_every_query_of_the_dashboard_and_the_rules_answers(self):
        self.assertGreaterEqual(len(self.queries), 10)
        for where, expression in list(self.queries.items()) + list(self.rules.items()):
            with self.subTest(where):
                rows = prometheus.query(expression)
                self.assertTrue(rows, f"{where}: no series for {expression}")

    def test_the_rules_loaded_and_evaluate_without_error(self):
        groups = prometheus.api("/api/v1/rules")["groups"]
        rules = {rule["name"]: rule for group in groups for rule in group["rules"]}
        self.assertEqual(set(rules), set(self.rules))
        for name, rule in rules.items():
            self.assertEqual(rule["health"], "ok", (name, rule.get("lastError")))

    def test_the_status_matrix(self):
        rows = prometheus.query(self.queries["Agents × targets: status / A"])
        self.assertEqual(matrix(rows), STATUS)
        # Each cell keeps the scrape's identity: the agent's own address as instance.
        for labels, _ in rows:
            ns = next(ns for ns, (name, *_) in AGENTS.items() if name == labels["agent"])
            self.assertTrue(labels["instance"].startswith(AGENTS[ns][2] + ":"), labels)

    def test_the_cause_matrix(self):
        rows = prometheus.query(self.queries["Agents × targets: cause / A"])
        self.assertEqual(matrix(rows, value_label="cause"), CAUSES)

    def test_one_agent_chosen(self):
        blocked = AGENTS[BLOCKED_AGENT][0]
        queries = dict(dashboard_queries(agent=blocked))
        rows = prometheus.query(queries["Agents × targets: status / A"])
        self.assertEqual(matrix(rows), {k: v for k, v in STATUS.items() if k[0] == blocked})

    def test_the_counts_per_target(self):
        reporting = prometheus.query(self.rules["vpcprobe:target_agents_reporting:count"])
        failing = prometheus.query(self.rules["vpcprobe:target_agents_failing:count"])
        self.assertEqual(by_target(reporting), {"kafka": 3, "schema-registry": 3, "connect": 3})
        self.assertEqual(by_target(failing), {"kafka": 0, "schema-registry": 1, "connect": 3})
        # The recorded series are the same as the expressions evaluated now.
        self.assertEqual(by_target(prometheus.query("vpcprobe:target_agents_failing:count")),
                         by_target(failing))
        over_time = prometheus.query(self.queries["Agents failing per target / A"])
        self.assertEqual(by_target(over_time), {"schema-registry": 1, "connect": 3})

    def test_the_stat_panels(self):
        def single(where):
            [(_, value)] = prometheus.query(self.queries[where])
            return value
        self.assertEqual(single("Agents / A"), 3)
        self.assertEqual(single("Targets / A"), 3)
        self.assertEqual(single("Failing from some agents / A"), 1)
        self.assertEqual(single("Failing from all agents / A"), 1)

    def test_causes_over_time(self):
        rows = prometheus.query(self.queries["Causes over time / A"])
        self.assertEqual({labels["cause"]: value for labels, value in rows},
                         {"tcp.timeout": 1, "tcp.refused": 3})

    def test_the_agents_and_their_labels(self):
        rows = prometheus.query(self.queries["Agents and their labels / A"])
        got = {labels["agent"]: {k: v for k, v in labels.items()
                                 if k not in ("agent", "instance", "job", "__name__")}
               for labels, _ in rows}
        self.assertEqual(got, {name: labels for name, labels, *_ in AGENTS.values()})
        variable = prometheus.query(self.queries["variable agent"])
        self.assertEqual({labels["agent"] for labels, _ in variable},
                         {name for name, *_ in AGENTS.values()})

    def test_certificate_expiry(self):
        rows = prometheus.query(self.queries["Certificate expiry / A"])
        peer = processes[1]
        not_after = earliest_not_after(os.path.join(peer.dir, "pki", "good.chain.pem"))
        now = time.time()
        got = {labels["component"]: value for labels, value in rows}
        # The registry is reached by agents a and c: its expiry is known although b fails it.
        self.assertEqual(set(got), {"kafka", "schema-registry"})
        for component, seconds_left in got.items():
            self.assertAlmostEqual(seconds_left, not_after - now, delta=120, msg=component)

    def test_the_some_agents_alert_names_the_blocked_agent(self):
        alerts = [a for a in prometheus.api("/api/v1/alerts")["alerts"]
                  if a["labels"]["alertname"] == "VpcprobeTargetDownFromSomeAgents"]
        self.assertEqual(len(alerts), 1, alerts)
        [alert] = alerts
        self.assertEqual(alert["state"], "firing")
        self.assertEqual(alert["labels"]["host"], REGISTRY)
        self.assertEqual(alert["labels"]["component"], "schema-registry")
        self.assertEqual(alert["labels"]["severity"], "critical")
        blocked_name, _, blocked_address, _ = AGENTS[BLOCKED_AGENT]
        description = alert["annotations"]["description"]
        failing, _, working = description.partition(" and works from ")
        self.assertIn(f"fails from {blocked_name} ({blocked_address}:", failing)
        for ns, (name, _, address, _) in AGENTS.items():
            if ns != BLOCKED_AGENT:
                self.assertNotIn(name, failing)
                self.assertIn(f"{name} ({address}:", working)
        self.assertNotIn(blocked_name, working)
        self.assertIn("fails from some agents (1)", alert["annotations"]["summary"])

    def test_the_all_agents_alert_for_the_refused_target_only(self):
        alerts = [a for a in prometheus.api("/api/v1/alerts")["alerts"]
                  if a["labels"]["alertname"] == "VpcprobeTargetDownFromAllAgents"]
        self.assertEqual([(a["labels"]["host"], a["state"]) for a in alerts],
                         [(CONNECT, "firing")])
        self.assertIn("fails from all 3 agents", alerts[0]["annotations"]["summary"])


def earliest_not_after(chain_file):
    """The earliest notAfter (Unix seconds) of the PEM certificates in `chain_file`, read by
    openssl."""
    import calendar
    with open(chain_file) as f:
        blocks = re.findall(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", f.read(),
                            re.S)
    assert blocks, chain_file
    times = []
    for block in blocks:
        out = subprocess.run(["openssl", "x509", "-noout", "-enddate"], input=block,
                             capture_output=True, text=True, timeout=30, check=True).stdout
        stamp = out.strip().removeprefix("notAfter=")
        times.append(calendar.timegm(time.strptime(stamp, "%b %d %H:%M:%S %Y GMT")))
    return min(times)


if __name__ == "__main__":
    unittest.main()
