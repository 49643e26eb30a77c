# SPDX-License-Identifier: Apache-2.0
"""End to end: `vpcprobe history` reads a state directory in the documented layout
(docs/serve.md, "History": STATE_DIR/changes.jsonl, one JSON object per change) and prints the
changes oldest first as a table or JSON; --limit keeps the newest; the config's state_dir works;
malformed lines are skipped with a warning; a missing or unreadable state directory is exit 3
with one line naming it. (serve writing the directory is tested with serve; tests/agent/
history_test.cpp runs this command on a directory History itself wrote.) No network at all."""
import json
import os
import tempfile
import unittest

from harness import vpcprobe

KAFKA = "vpc-kafka-abcdef1234.alikafka.aliyuncs.com:9095"
REGISTRY = "vpc-schemaregistry-abcdef1234.alikafka.aliyuncs.com:8081"

CHANGES = [
    {"at": "2026-11-22T10:00:00.123Z", "endpoint": KAFKA, "component": "kafka", "access": "vpc",
     "from": "new", "to": "ok", "cause": None},
    {"at": "2026-11-22T10:00:00.123Z", "endpoint": REGISTRY, "component": "schema-registry",
     "access": "vpc", "from": "new", "to": "ok", "cause": None},
    {"at": "2026-11-22T10:02:13.250Z", "endpoint": KAFKA, "component": "kafka", "access": "vpc",
     "from": "ok", "to": "failed", "cause": "tcp.timeout"},
    {"at": "2026-11-22T10:07:00.000Z", "endpoint": REGISTRY, "component": "schema-registry",
     "access": "vpc", "from": "ok", "to": "gone", "cause": None},
    {"at": "2026-11-22T10:09:41.500Z", "endpoint": KAFKA, "component": "kafka", "access": "vpc",
     "from": "failed", "to": "ok", "cause": None},
]


class History(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.state = os.path.join(self.tmp.name, "state")
        os.mkdir(self.state)

    def write_changes(self, lines):
        with open(os.path.join(self.state, "changes.jsonl"), "w") as f:
            for line in lines:
                f.write((line if isinstance(line, str) else json.dumps(line)) + "\n")

    def assertCannotRun(self, r, *mentions):
        self.assertEqual(r.code, 3, r)
        self.assertEqual(r.out, "")
        self.assertEqual(len(r.err.strip().splitlines()), 1, r.err)
        for m in mentions:
            self.assertIn(m, r.err)

    def test_json_is_every_change_oldest_first(self):
        self.write_changes(CHANGES)
        r = vpcprobe("history", "--state-dir", self.state, "--format", "json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.err, "")
        self.assertEqual(r.json, CHANGES)

    def test_limit_keeps_the_newest(self):
        self.write_changes(CHANGES)
        r = vpcprobe("history", "--state-dir", self.state, "--format", "json", "--limit", "2")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.json, CHANGES[-2:])
        r = vpcprobe("history", "--state-dir", self.state, "--format", "json", "--limit", "0")
        self.assertEqual(r.json, CHANGES)

    def test_text_is_a_table(self):
        self.write_changes(CHANGES)
        r = vpcprobe("history", "--state-dir", self.state)
        self.assertEqual(r.code, 0, r)
        lines = r.out.splitlines()
        self.assertEqual(len(lines), 1 + len(CHANGES), r.out)
        self.assertEqual(lines[0].split(), ["TIME", "COMPONENT", "ACCESS", "ENDPOINT", "CHANGE",
                                            "CAUSE"])
        self.assertEqual(lines[3].split(), ["2026-11-22T10:02:13Z", "kafka", "vpc", KAFKA, "ok",
                                            "->", "failed", "tcp.timeout"])
        self.assertEqual(lines[4].split()[-4:], ["ok", "->", "gone", "-"])
        # Columns line up: every row has its endpoint where the header says.
        column = lines[0].index("ENDPOINT")
        for line in lines[1:]:
            self.assertIn(line[column:].split()[0], (KAFKA, REGISTRY))

    def test_config_state_dir_relative_to_the_config(self):
        self.write_changes(CHANGES[:1])
        config = os.path.join(self.tmp.name, "vpcprobe.toml")
        with open(config, "w") as f:
            f.write('state_dir = "state"\nkeep = 10\n')
        r = vpcprobe("history", "-c", config, "--format", "json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.json, CHANGES[:1])

    def test_no_changes_yet(self):
        r = vpcprobe("history", "--state-dir", self.state)
        self.assertEqual((r.code, r.out, r.err), (0, "no changes recorded\n", ""))
        r = vpcprobe("history", "--state-dir", self.state, "--format", "json")
        self.assertEqual(r.json, [])

    def test_malformed_lines_are_skipped_with_a_warning(self):
        self.write_changes([CHANGES[0], "not json", '{"at": "2026-11-22T10:00:00Z"}',
                            CHANGES[2], '{"at": "2026-11-22T10:10:00Z", "endpoint": "h:1", "fr'])
        r = vpcprobe("history", "--state-dir", self.state, "--format", "json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.json, [CHANGES[0], CHANGES[2]])
        self.assertEqual(len(r.err.strip().splitlines()), 1, r.err)
        self.assertIn("warning", r.err)
        self.assertIn("changes.jsonl", r.err)
        self.assertIn("skipped 3 lines", r.err)

    def test_missing_state_dir(self):
        missing = os.path.join(self.tmp.name, "nowhere")
        self.assertCannotRun(vpcprobe("history", "--state-dir", missing), missing,
                             "No such file or directory")
        self.assertFalse(os.path.exists(missing), "history never creates the state directory")

    def test_default_state_dir_is_var_lib_vpcprobe(self):
        if os.path.exists("/var/lib/vpcprobe"):
            self.skipTest("/var/lib/vpcprobe exists on this host")
        self.assertCannotRun(vpcprobe("history"), "/var/lib/vpcprobe")

    def test_unreadable_state_dir(self):
        plain = os.path.join(self.tmp.name, "plain")
        with open(plain, "w") as f:
            f.write("x")
        self.assertCannotRun(vpcprobe("history", "--state-dir", plain), plain, "not a directory")
        self.assertCannotRun(vpcprobe("history", "--state-dir", plain + "/state"),
                             plain + "/state")
        os.mkdir(os.path.join(self.state, "changes.jsonl"))
        self.assertCannotRun(vpcprobe("history", "--state-dir", self.state), "changes.jsonl")

    def test_usage_errors(self):
        self.assertCannotRun(vpcprobe("history", "--format", "markdown"), "--format")
        self.assertCannotRun(vpcprobe("history", "--limit", "many"), "--limit")


if __name__ == "__main__":
    unittest.main()
