# SPDX-License-Identifier: Apache-2.0
"""The fleet's packaging without a server: packaging/prometheus/vpcprobe-fleet.yml passes
`promtool check rules` and its own `promtool test rules`; every PromQL expression of the rules
and of the Grafana dashboard (packaging/grafana/vpcprobe-fleet.json) parses (promtool checks
them as recording rules) and names only metrics vpcprobe writes or the fleet's recording rules;
the dashboard is provisioning-ready (a fixed uid, its data source through the `datasource`
variable, no import placeholders, panels on the grid without overlap) and the provisioning file
points where the packages install it. test_fleet.py evaluates the same expressions against a
real Prometheus scraping real agents. Needs Debian's `prometheus` (promtool) and python3-yaml:
without promtool the whole file is skipped."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

from fleetqueries import (DASHBOARD, FLEET_RULES, FLEET_RULES_TEST, PROVISIONING,
                          dashboard_queries, fleet_rules, load_dashboard, metric_names_used,
                          metric_names_vpcprobe_writes, panels, recording_rules_used)
from harness import SOURCE_DIR

PROMTOOL = shutil.which("promtool") or ""
if not PROMTOOL:
    print("SKIPPED: promtool not found (install Debian's prometheus package, as "
          "scripts/install-deps.sh does)", file=sys.stderr)
    sys.exit(77)


def promtool(*args):
    proc = subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout, proc.stderr


def yaml_quoted(text):
    import json
    return json.dumps(text)  # a JSON string is a valid YAML double-quoted scalar


class FleetRules(unittest.TestCase):

    def test_promtool_check_rules(self):
        code, out, err = promtool("check", "rules", FLEET_RULES)
        self.assertEqual(code, 0, out + err)
        self.assertIn("SUCCESS: 4 rules found", out)

    def test_promtool_test_rules(self):
        code, out, err = promtool("test", "rules", FLEET_RULES_TEST)
        self.assertEqual(code, 0, out + err)
        self.assertIn("SUCCESS", out)

    def test_the_rules_are_what_the_docs_and_the_dashboard_name(self):
        names = [name for name, _ in fleet_rules()]
        self.assertEqual(names, ["vpcprobe:target_agents_reporting:count",
                                 "vpcprobe:target_agents_failing:count",
                                 "VpcprobeTargetDownFromSomeAgents",
                                 "VpcprobeTargetDownFromAllAgents"])
        with open(os.path.join(SOURCE_DIR, "docs", "fleet.md")) as f:
            docs = f.read()
        for name in names:
            self.assertIn(name, docs)

    def test_the_alerts_name_agents_through_the_info_metric(self):
        with open(FLEET_RULES) as f:
            text = f.read()
        self.assertIn("group_left (agent) vpcprobe_agent_info", text)
        self.assertIn('sortByLabel "agent"', text)


class DashboardQueries(unittest.TestCase):

    def setUp(self):
        self.queries = dashboard_queries()
        self.recorded = {name for name, _ in fleet_rules() if ":" in name}

    def test_every_query_is_promql_that_parses(self):
        # promtool parses each expression the way the server will, as a recording rule.
        self.assertGreaterEqual(len(self.queries), 10)
        with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
            f.write("groups:\n  - name: dashboard\n    rules:\n")
            for i, (where, expr) in enumerate(self.queries):
                self.assertTrue(expr, where)
                self.assertNotIn("$", expr.replace("$1", ""), where)  # every variable replaced
                f.write(f"      - record: dashboard:query_{i}:test\n"
                        f"        expr: {yaml_quoted(expr)}\n")
        try:
            code, out, err = promtool("check", "rules", f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual(code, 0, out + err)
        self.assertIn(f"SUCCESS: {len(self.queries)} rules found", out)

    def test_queries_name_only_what_vpcprobe_writes_and_the_rules_record(self):
        written = metric_names_vpcprobe_writes()
        self.assertIn("vpcprobe_agent_info", written)
        for where, expr in self.queries + fleet_rules():
            self.assertLessEqual(metric_names_used(expr), written, where)
            self.assertLessEqual(recording_rules_used(expr), self.recorded, where)
        used = set().union(*(recording_rules_used(expr) for _, expr in self.queries))
        self.assertEqual(used, self.recorded)  # the dashboard shows both counts

    def test_the_panels_the_issue_asks_for(self):
        titles = [panel["title"] for panel in panels(load_dashboard())]
        self.assertEqual(len(titles), len(set(titles)), titles)  # the tests name queries by them
        for wanted in ("Agents × targets: status", "Agents × targets: cause",
                       "Causes over time", "Certificate expiry"):
            self.assertIn(wanted, titles)


class ProvisioningReady(unittest.TestCase):

    def setUp(self):
        self.dashboard = load_dashboard()
        with open(DASHBOARD) as f:
            self.text = f.read()

    def test_no_import_placeholders_and_a_fixed_uid(self):
        # __inputs and ${DS_...} are what Grafana's export "for sharing externally" writes;
        # provisioning does not fill them in.
        self.assertNotIn("__inputs", self.dashboard)
        self.assertNotRegex(self.text, r"\$\{DS_")
        self.assertEqual(self.dashboard["uid"], "vpcprobe-fleet")
        self.assertNotIn("id", self.dashboard)  # Grafana assigns it
        self.assertIsInstance(self.dashboard["schemaVersion"], int)

    def test_every_query_goes_to_the_datasource_variable(self):
        variables = {v["name"]: v for v in self.dashboard["templating"]["list"]}
        self.assertEqual(variables["datasource"]["type"], "datasource")
        self.assertEqual(variables["datasource"]["query"], "prometheus")
        wanted = {"type": "prometheus", "uid": "${datasource}"}
        self.assertEqual(variables["agent"]["datasource"], wanted)
        for panel in panels(self.dashboard):
            self.assertEqual(panel["datasource"], wanted, panel["title"])
            self.assertTrue(panel["targets"], panel["title"])
            for target in panel["targets"]:
                self.assertEqual(target["datasource"], wanted, panel["title"])
        # Every $variable the dashboard uses is one it defines.
        used = set(re.findall(r"\$\{?([a-zA-Z_]\w*)", self.text)) - {"__all"}
        self.assertLessEqual(used, set(variables), used)

    def test_panels_fit_the_grid_without_overlap(self):
        cells = {}
        ids = set()
        for panel in panels(self.dashboard):
            self.assertNotIn(panel["id"], ids)
            ids.add(panel["id"])
            grid = panel["gridPos"]
            self.assertLessEqual(grid["x"] + grid["w"], 24, panel["title"])
            for x in range(grid["x"], grid["x"] + grid["w"]):
                for y in range(grid["y"], grid["y"] + grid["h"]):
                    self.assertNotIn((x, y), cells, f"{panel['title']} overlaps {cells.get((x, y))}")
                    cells[(x, y)] = panel["title"]

    def test_the_provisioning_file_points_where_the_packages_install_the_dashboard(self):
        import yaml
        with open(PROVISIONING) as f:
            provisioning = yaml.safe_load(f)
        self.assertEqual(provisioning["apiVersion"], 1)
        [provider] = provisioning["providers"]
        self.assertEqual(provider["type"], "file")
        path = provider["options"]["path"]
        with open(os.path.join(SOURCE_DIR, "CMakeLists.txt")) as f:
            cmake = f.read()
        install = re.search(r"install\(FILES[^)]*packaging/grafana/vpcprobe-fleet\.json[^)]*"
                            r"DESTINATION share/vpcprobe/grafana\)", cmake)
        self.assertTrue(install, "CMakeLists.txt installs the dashboard")
        self.assertEqual(path, "/usr/share/vpcprobe/grafana")


if __name__ == "__main__":
    unittest.main()
