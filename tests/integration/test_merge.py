# SPDX-License-Identifier: Apache-2.0
"""End to end, as root: `vpcprobe merge` of reports from agents that really probed from
different source addresses. Four network namespaces this test creates, named vp61-<pid>-*:

    app-a    10.61.1.2/30  --veth--  10.61.1.1/30  cluster
    app-b    10.61.1.6/30  --veth--  10.61.1.5/30  cluster
    bastion  10.61.3.2/30  --veth--  10.61.3.1/30  cluster

The cluster namespace holds the endpoints (10.61.100.x on its lo, plain TCP listeners), two
dnsmasq instances (10.61.53.1 and 10.61.53.2) and nftables playing its security group. app-a
and app-b share 10.61.1.0/24, the bastion does not. Each agent runs the real `vpcprobe check`
(one runs `serve`, and its /report.json is merged) with its own name and labels; merge is then
asked for the matrix and the findings in every format. Scenarios: no agent blocked, one agent
blocked from one target, the application subnet blocked, every agent blocked, split DNS. Bad
inputs are refused with exit 3 naming the file. Everything created is removed at the end."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

import harness
from harness import Dnsmasq, catalog_host, validate, vpcprobe
import routed

harness.skip_module_unless_root()

INSTANCE = "fleet61"
KAFKA = catalog_host("kafka", INSTANCE)
REGISTRY = catalog_host("schema-registry", INSTANCE)
CONNECT = catalog_host("connect", INSTANCE)
# host -> (port, address in the cluster); the second Kafka address is what the other resolver
# answers.
ENDPOINTS = {KAFKA: (9095, "10.61.100.1"), REGISTRY: (8081, "10.61.100.2"),
             CONNECT: (8083, "10.61.100.3")}
KAFKA_OTHER = "10.61.100.4"
RESOLVER_MAIN, RESOLVER_OTHER = "10.61.53.1", "10.61.53.2"
CLUSTER = "cluster"
# agent -> (its address/prefix, the cluster's address/prefix on the same link, labels)
AGENTS = {
    "app-a": ("10.61.1.2/30", "10.61.1.1/30", {"subnet": "subnet-a", "vpc": "prod"}),
    "app-b": ("10.61.1.6/30", "10.61.1.5/30", {"subnet": "subnet-b", "vpc": "prod"}),
    "bastion": ("10.61.3.2/30", "10.61.3.1/30", {"subnet": "subnet-bastion", "vpc": "prod"}),
}


def run(argv, check=True):
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc


def address_of(name):
    return AGENTS[name][0].split("/")[0]


class Fleet(routed.Namespaces):
    """The namespaces above, created by the constructor (removed again if that fails)."""

    def __init__(self):
        self.listeners = []
        super().__init__(f"vp61-{os.getpid()}")

    def _create(self):
        for name in (CLUSTER, *AGENTS):
            self.add_netns(name)
        for address in [a for _, a in ENDPOINTS.values()] + [KAFKA_OTHER, RESOLVER_MAIN,
                                                              RESOLVER_OTHER]:
            self.ip(CLUSTER, "addr", "add", f"{address}/32", "dev", "lo")
        for index, (name, (agent_address, cluster_address, _)) in enumerate(AGENTS.items()):
            cluster_side = f"to-agent{index}"
            self.ip(name, "link", "add", "name", "to-cluster", "type", "veth", "peer", "name",
                    cluster_side, "netns", self.ns(CLUSTER))
            self.ip(name, "addr", "add", agent_address, "dev", "to-cluster")
            self.ip(name, "link", "set", "to-cluster", "up")
            self.ip(CLUSTER, "addr", "add", cluster_address, "dev", cluster_side)
            self.ip(CLUSTER, "link", "set", cluster_side, "up")
            self.ip(name, "route", "add", "10.61.0.0/16", "via", cluster_address.split("/")[0])
        with self.inside(CLUSTER):
            for port, address in list(ENDPOINTS.values()) + [(9095, KAFKA_OTHER)]:
                listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                listener.bind((address, port))
                listener.listen(64)  # the kernel completes handshakes; nothing is read
                self.listeners.append(listener)
        self._wait_ready()

    def _wait_ready(self, limit=10.0):
        """Until every agent reaches the cluster (a new veth carries traffic a moment later)."""
        for name in AGENTS:
            deadline = time.monotonic() + limit
            with self.inside(name):
                while True:
                    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                        probe.settimeout(0.2)
                        if probe.connect_ex(ENDPOINTS[KAFKA][::-1]) == 0:
                            break
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{name} does not reach the cluster")
                    time.sleep(0.05)

    def security_group(self, rules=""):
        """Replaces the cluster's nftables input filter with `rules` ("" = allow all)."""
        ruleset = ""
        if rules:
            ruleset += ("table inet sg {\n  chain input {\n"
                        "    type filter hook input priority 0; policy accept;\n"
                        f"{rules}\n  }}\n}}\n")
        self.nft(CLUSTER, ruleset)

    def close(self):
        for listener in self.listeners:
            listener.close()
        self.listeners = []
        super().close()


def labels_toml(labels):
    return "{ " + ", ".join(f'{k} = "{v}"' for k, v in labels.items()) + " }"


class MergeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fleet = Fleet()
        cls.dir = tempfile.mkdtemp(prefix="vpcprobe-merge-")
        try:
            with cls.fleet.inside(CLUSTER):
                records = {host: address for host, (_, address) in ENDPOINTS.items()}
                cls.dns_main = Dnsmasq(records, address=RESOLVER_MAIN)
                cls.dns_other = Dnsmasq(dict(records, **{KAFKA: KAFKA_OTHER}),
                                        address=RESOLVER_OTHER)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for name in ("dns_main", "dns_other"):
            if hasattr(cls, name):
                getattr(cls, name).close()
        cls.fleet.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        self.fleet.security_group("")

    def config(self, agent, resolver=None):
        """The agent's config file: its name (app-b's is given by --agent-name instead), labels
        and resolver, the three targets."""
        path = os.path.join(self.dir, f"{agent}.toml")
        server = (resolver or self.dns_main).server
        targets = [f"PLAINTEXT://{host}:{port}" for host, (port, _) in ENDPOINTS.items()]
        with open(path, "w") as f:
            f.write(f"targets = {json.dumps(targets)}\n"
                    f'dns_servers = ["{server}"]\ntimeout = "1s"\ntrace = "never"\n'
                    "protocol_checks = false\n"
                    "[agent]\n" + ("" if agent == "app-b" else f'name = "{agent}"\n') +
                    f"labels = {labels_toml(AGENTS[agent][2])}\n")
        return path

    def check(self, agent, resolver=None):
        """`vpcprobe check` run inside the agent's namespace; the path of its JSON report."""
        report = os.path.join(self.dir, f"{agent}.json")
        proc = run(["ip", "netns", "exec", self.fleet.ns(agent), harness.VPCPROBE, "check",
                    "-c", self.config(agent, resolver), "--format", "json", "-o", report,
                    *(["--agent-name", agent] if agent == "app-b" else [])],
                   check=False)
        self.assertIn(proc.returncode, (0, 2), proc.stderr)
        with open(report) as f:
            document = json.load(f)
        self.assertEqual(document["agent"]["name"], agent)
        self.assertEqual(document["agent"]["labels"], AGENTS[agent][2])
        self.assertEqual(document["agent"]["source_addresses"], [address_of(agent)])
        return report

    def merge(self, *reports, expect, fmt="json", extra=()):
        result = vpcprobe("merge", *reports, "--format", fmt, *extra)
        self.assertEqual(result.code, expect, result)
        if fmt == "json":
            validate(result.json)
        return result

    def matrix(self, merged):
        """{agent: {host: (status, cause)}} from the merged JSON's fleet section."""
        cells = {}
        for target in merged["fleet"]["targets"]:
            for cell in target["cells"]:
                cells.setdefault(cell["agent"], {})[target["host"]] = (cell["status"],
                                                                        cell["cause"])
        return cells

    def fleet_findings(self, merged, code):
        return [f for f in merged["findings"] if f["code"] == code]

    def test_none_blocked_with_a_serve_agent(self):
        reports = [self.check("app-a"), self.check("app-b")]
        # The bastion runs serve: its /report.json merges like a check's report.
        with self.fleet.inside("bastion"):
            serve = harness.Serve("-c", self.config("bastion"), "--interval", "10m",
                                  address=address_of("bastion"))
            try:
                def report_ready():
                    try:
                        status, _, body = serve.request("/report.json", timeout=2)
                    except OSError:
                        return None
                    return body if status == 200 else None
                body = harness.wait_until(report_ready, 30, "serve's /report.json")
            finally:
                serve.close()
        served = os.path.join(self.dir, "bastion-served.json")
        with open(served, "wb") as f:
            f.write(body)
        merged = self.merge(*reports, served, expect=0).json
        expected = {host: ("ok", None) for host in ENDPOINTS}
        self.assertEqual(self.matrix(merged), {a: expected for a in AGENTS})
        self.assertEqual([f for f in merged["findings"] if f["code"].startswith("fleet.")], [])
        self.assertEqual(merged["summary"], {"ok": 9, "warning": 0, "failed": 0})
        self.assertEqual([a["name"] for a in merged["fleet"]["agents"]], list(AGENTS))
        self.assertEqual(merged["fleet"]["agents"][2]["report"], served)

    def test_one_agent_blocked_from_one_target(self):
        self.fleet.security_group(
            f"    ip saddr {address_of('app-a')} tcp dport {ENDPOINTS[REGISTRY][0]} drop")
        reports = [self.check(agent) for agent in AGENTS]
        eni = os.path.join(self.dir, "eni.json")
        with open(eni, "w") as f:
            json.dump({"NetworkInterfaces": [
                {"NetworkInterfaceId": f"eni-{i}", "SubnetId": f"subnet-{name}",
                 "VpcId": "vpc-prod", "PrivateIpAddress": address_of(name),
                 "PrivateIpAddresses": [{"PrivateIpAddress": address_of(name)}],
                 "Groups": [{"GroupId": f"sg-{name}", "GroupName": name},
                            {"GroupId": "sg-fleet", "GroupName": "fleet"}]}
                for i, name in enumerate(AGENTS)]}, f)
        merged = self.merge(*reports, expect=2, extra=("--rules", eni)).json
        cells = self.matrix(merged)
        self.assertEqual(cells["app-a"][REGISTRY], ("failed", "tcp.timeout"))
        self.assertEqual(cells["app-b"][REGISTRY], ("ok", None))
        self.assertEqual(cells["bastion"][REGISTRY], ("ok", None))
        self.assertEqual(cells["app-a"][KAFKA], ("ok", None))
        (some,) = self.fleet_findings(merged, "fleet.blocked_from_some_agents")
        self.assertEqual(some["targets"], [f"{REGISTRY}:8081"])
        self.assertEqual(some["failing_agents"], ["app-a"])
        self.assertEqual(some["failing_causes"], ["tcp.timeout"])
        self.assertEqual(some["working_agents"], ["app-b", "bastion"])
        # app-b shares app-a's /24, so no subnet tells them apart; its label and the exports do.
        self.assertEqual(some["in_common"], {"subnet": "subnet-app-a",
                                             "labels": {"subnet": "subnet-a"},
                                             "security_groups": ["sg-app-a"]})
        self.assertEqual([(s["kind"], s["id"]) for s in some["suspects"]],
                         [("security-group", "sg-app-a")])
        self.assertEqual(self.fleet_findings(merged, "fleet.blocked_from_all_agents"), [])
        self.assertEqual(merged["summary"], {"ok": 8, "warning": 0, "failed": 1})

        # The ticket's Markdown says the same.
        markdown = self.merge(*reports, expect=2, fmt="markdown").out
        self.assertIn(f"| app-a | {address_of('app-a')} | \u2705 ok | \u274C `tcp.timeout` |",
                      markdown)
        self.assertIn("### \u274C `fleet.blocked_from_some_agents`", markdown)
        self.assertIn("- **Works from:** app-b, bastion", markdown)
        if shutil.which("cmark-gfm"):
            html = subprocess.run(["cmark-gfm", "-e", "table"], input=markdown,
                                  capture_output=True, text=True, timeout=30).stdout
            # The matrix and the agents: a heading row and a row per agent each.
            self.assertEqual(html.count("<table>"), 2)
            self.assertEqual(html.count("<tr>"), 2 * (1 + len(AGENTS)))
        text = self.merge(*reports, expect=2, fmt="text").out
        self.assertIn("error fleet.blocked_from_some_agents", text)

    def test_the_application_subnet_blocked(self):
        self.fleet.security_group(
            f"    ip saddr 10.61.1.0/24 tcp dport {ENDPOINTS[REGISTRY][0]} drop")
        merged = self.merge(*[self.check(agent) for agent in AGENTS], expect=2).json
        (some,) = self.fleet_findings(merged, "fleet.blocked_from_some_agents")
        self.assertEqual(some["failing_agents"], ["app-a", "app-b"])
        self.assertEqual(some["working_agents"], ["bastion"])
        # vpc=prod is the bastion's too; the source subnet is theirs alone.
        self.assertEqual(some["in_common"], {"subnet": "10.61.1.0/24", "labels": {},
                                             "security_groups": []})
        self.assertIn("they have in common: source subnet 10.61.1.0/24", some["summary"])

    def test_every_agent_blocked(self):
        self.fleet.security_group(f"    tcp dport {ENDPOINTS[CONNECT][0]} drop")
        merged = self.merge(*[self.check(agent) for agent in AGENTS], expect=2).json
        cells = self.matrix(merged)
        for agent in AGENTS:
            self.assertEqual(cells[agent][CONNECT], ("failed", "tcp.timeout"))
            self.assertEqual(cells[agent][REGISTRY], ("ok", None))
        (every,) = self.fleet_findings(merged, "fleet.blocked_from_all_agents")
        self.assertEqual(every["targets"], [f"{CONNECT}:8083"])
        self.assertEqual(every["failing_agents"], list(AGENTS))
        self.assertIn("the block is on the target's side", every["summary"])
        self.assertEqual(self.fleet_findings(merged, "fleet.blocked_from_some_agents"), [])

    def test_split_dns(self):
        reports = [self.check("app-a"), self.check("app-b"),
                   self.check("bastion", resolver=self.dns_other)]
        merged = self.merge(*reports, expect=0).json
        (dns,) = self.fleet_findings(merged, "fleet.inconsistent_dns")
        self.assertEqual(dns["severity"], "warning")
        self.assertEqual(dns["targets"], [f"{KAFKA}:9095"])
        self.assertEqual(sorted((a["addresses"], a["agents"]) for a in dns["answers"]),
                         [([ENDPOINTS[KAFKA][1]], ["app-a", "app-b"]),
                          ([KAFKA_OTHER], ["bastion"])])
        kafka = next(t for t in merged["fleet"]["targets"] if t["host"] == KAFKA)
        self.assertEqual({c["agent"]: c["dns_addresses"] for c in kafka["cells"]},
                         {"app-a": [ENDPOINTS[KAFKA][1]], "app-b": [ENDPOINTS[KAFKA][1]],
                          "bastion": [KAFKA_OTHER]})

    def test_bad_inputs_exit_3_naming_the_file(self):
        good = self.check("app-a")
        with open(good) as f:
            document = json.load(f)

        def write(name, content):
            path = os.path.join(self.dir, name)
            with open(path, "w") as f:
                f.write(content if isinstance(content, str) else json.dumps(content))
            return path

        newer = write("newer.json", dict(document, schema_version=2))
        rules = write("rules.json", {"SecurityGroups": []})
        broken = write("broken.json", '{"schema_version": 1,')
        deep = write("deep.json", "[" * 100 + "]" * 100)
        twin = write("twin.json", document)
        merged = write("merged.json", self.merge(good, expect=0).out)
        huge = os.path.join(self.dir, "huge.json")
        with open(huge, "wb") as f:
            f.truncate(300 * 1024 * 1024)  # sparse: costs no disk
        missing = os.path.join(self.dir, "missing.json")
        cases = [
            ((good, newer), f"vpcprobe: merge: {newer}: schema_version 2; this vpcprobe reads "
                            "schema_version 1"),
            ((good, rules), f"vpcprobe: merge: {rules}: not a vpcprobe report (no "
                            "\"schema_version\" and \"tool\": {\"name\": \"vpcprobe\"})"),
            ((broken,), f"vpcprobe: merge: {broken}: not JSON: "),
            ((deep,), f"vpcprobe: merge: {deep}: nested deeper than 24 levels, which no "
                      "vpcprobe report is"),
            ((good, twin), f"vpcprobe: merge: {twin}: agent 'app-a' is also the agent of "
                           f"{good}; give each agent its own --agent-name"),
            ((merged,), f"vpcprobe: merge: {merged}: a merged report (it has \"fleet\"): "
                        "merge the agents' own reports"),
            ((huge,), f"vpcprobe: merge: {huge}: larger than 256 MiB, which is no vpcprobe "
                      "report"),
            ((missing,), f"vpcprobe: merge: {missing}: no such file"),
            ((self.dir,), f"vpcprobe: merge: {self.dir}: is a directory, not a file"),
        ]
        for reports, message in cases:
            with self.subTest(reports=reports):
                result = vpcprobe("merge", *reports)
                self.assertEqual(result.code, 3, result)
                self.assertEqual(result.out, "")
                self.assertTrue(result.err.startswith(message), result.err)
                self.assertEqual(result.err.count("\n"), 1, result.err)
        os.unlink(huge)

    def test_an_unnamed_agent_is_its_hostname(self):
        proc = run(["ip", "netns", "exec", self.fleet.ns("app-a"), harness.VPCPROBE, "check",
                    f"PLAINTEXT://{ENDPOINTS[KAFKA][1]}:{ENDPOINTS[KAFKA][0]}", "--no-protocol", "--format",
                    "json"], check=False)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        agent = json.loads(proc.stdout)["agent"]
        self.assertEqual(agent["name"], socket.gethostname())
        self.assertEqual(agent["labels"], {})

    def test_a_bad_label_is_exit_3_naming_the_key(self):
        path = os.path.join(self.dir, "bad-label.toml")
        with open(path, "w") as f:
            f.write('targets = ["10.61.100.1:9095"]\n[agent]\nlabels = { "my-vpc" = "x" }\n')
        result = vpcprobe("check", "-c", path)
        self.assertEqual(result.code, 3, result)
        self.assertEqual(result.err,
                         f"vpcprobe: {path}:3:23: agent.labels.my-vpc: 'my-vpc' is not a label "
                         "name (letters, digits and underscores, not starting with a digit)\n")

    def test_standard_input_and_output_file(self):
        good = self.check("app-a")
        with open(good) as f:
            text = f.read()
        out = os.path.join(self.dir, "merged.md")
        proc = subprocess.run([harness.VPCPROBE, "merge", "-", "--format", "markdown", "-o", out],
                              input=text, capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout, "")
        with open(out) as f:
            self.assertIn("| app-a | 10.61.1.2 |", f.read())
        self.assertEqual([n for n in os.listdir(self.dir) if "merged.md" in n], ["merged.md"])
        proc = subprocess.run([harness.VPCPROBE, "merge", "-"], input="not json",
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 3)
        self.assertTrue(proc.stderr.startswith("vpcprobe: merge: standard input (-): not JSON"),
                        proc.stderr)


if __name__ == "__main__":
    unittest.main()
