# SPDX-License-Identifier: Apache-2.0
"""The PromQL of the fleet's packaging, as the tests evaluate it: every expression of the
Grafana dashboard (packaging/grafana/vpcprobe-fleet.json), with Grafana's variables replaced as
Grafana would (the `agent` variable's "All" value, `.*`), and every rule of
packaging/prometheus/vpcprobe-fleet.yml. test_fleet_rules.py checks them without a server,
test_fleet.py against a real Prometheus scraping real agents."""
import json
import os
import re

from harness import SOURCE_DIR

RULES_DIR = os.path.join(SOURCE_DIR, "packaging", "prometheus")
FLEET_RULES = os.path.join(RULES_DIR, "vpcprobe-fleet.yml")
FLEET_RULES_TEST = os.path.join(RULES_DIR, "vpcprobe-fleet.test.yml")
GRAFANA_DIR = os.path.join(SOURCE_DIR, "packaging", "grafana")
DASHBOARD = os.path.join(GRAFANA_DIR, "vpcprobe-fleet.json")
PROVISIONING = os.path.join(GRAFANA_DIR, "vpcprobe-dashboards.yml")
METRIC_FAMILIES = os.path.join(SOURCE_DIR, "reports", "render", "metric_families.h")

# Grafana's `label_values(METRIC, LABEL)` variable query: not PromQL, Grafana asks the series
# API. Its PromQL equivalent (the label's values among METRIC's series) is what gets evaluated.
LABEL_VALUES = re.compile(r"^label_values\(\s*(.+?)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$")


def load_dashboard():
    with open(DASHBOARD) as f:
        return json.load(f)


def panels(dashboard):
    """Every panel, those inside collapsed rows included."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def substitute(expr, agent=".*"):
    """The expression as Grafana sends it: $agent (and ${agent}) by the variable's value."""
    return re.sub(r"\$\{agent\}|\$agent\b", agent, expr)


def variable_query(variable):
    """The PromQL a `query` variable stands for, or None for one that is not label_values."""
    query = variable.get("query")
    text = query.get("query") if isinstance(query, dict) else query
    m = LABEL_VALUES.match(text or "")
    if not m:
        return None
    return f"group by ({m.group(2)}) ({m.group(1)})"


def dashboard_queries(agent=".*"):
    """[(where, PromQL)] for every query of the dashboard: its panels' targets ("panel title /
    refId") and its query variables ("variable NAME")."""
    dashboard = load_dashboard()
    out = []
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            out.append((f"{panel['title']} / {target['refId']}",
                        substitute(target["expr"], agent)))
    for variable in dashboard["templating"]["list"]:
        if variable.get("type") == "query":
            out.append((f"variable {variable['name']}", variable_query(variable)))
    return out


def fleet_rules():
    """[(record or alert name, PromQL)] of every rule of vpcprobe-fleet.yml."""
    import yaml
    with open(FLEET_RULES) as f:
        document = yaml.safe_load(f)
    return [(rule.get("record") or rule["alert"], rule["expr"])
            for group in document["groups"] for rule in group["rules"]]


def metric_names_vpcprobe_writes():
    """The family names metric_families.h defines: the only vpcprobe_* metrics there are."""
    with open(METRIC_FAMILIES) as f:
        return set(re.findall(r'"(vpcprobe_[a-z_]+)"', f.read()))


def metric_names_used(expr):
    """The vpcprobe_* metric names an expression selects (not the recording rules'
    `vpcprobe:...` names)."""
    return set(re.findall(r"(?<![:\w])(vpcprobe_[a-z_]+)\b", expr))


def recording_rules_used(expr):
    return set(re.findall(r"\bvpcprobe:[a-z_]+:[a-z_]+\b", expr))
