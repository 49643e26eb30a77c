# SPDX-License-Identifier: Apache-2.0
"""End to end: bad input is a one-line error naming the flag or file at fault, exit 3, never a
crash or a stack trace; --help and --version work."""
import os
import tempfile
import unittest

from harness import vpcprobe


class BadInput(unittest.TestCase):
    def assertUsageError(self, args, *mentions):
        r = vpcprobe(*args)
        self.assertEqual(r.code, 3, r)
        self.assertEqual(r.out, "", "errors go to stderr")
        lines = r.err.strip().splitlines()
        self.assertEqual(len(lines), 1, r.err)
        for m in mentions:
            self.assertIn(m, r.err)
        self.assertNotIn("terminate called", r.err)
        self.assertNotIn("what():", r.err)
        return r

    def test_unknown_flag(self):
        self.assertUsageError(["check", "--instance", "abc", "--frobnicate"], "--frobnicate")

    def test_unknown_subcommand(self):
        r = vpcprobe("launch")
        self.assertEqual(r.code, 3, r)

    def test_bad_instance_id(self):
        for bad in ["abc!", "../etc", "a b", "x;rm"]:
            with self.subTest(bad=bad):
                self.assertUsageError(["check", "--instance", bad], "--instance")

    def test_bad_duration(self):
        self.assertUsageError(["check", "--instance", "abc", "--timeout", "soon"], "--timeout",
                              "soon")
        self.assertUsageError(["check", "--instance", "abc", "--deadline", "-1s"], "--deadline")

    def test_bad_access(self):
        self.assertUsageError(["check", "--instance", "abc", "--access", "internet"], "--access")

    def test_bad_target(self):
        self.assertUsageError(["check", "host-without-port"], "host-without-port")
        self.assertUsageError(["check", "host:99999"], "host:99999")

    def test_nothing_to_check(self):
        self.assertUsageError(["check"], "nothing to check")

    def test_unreadable_ca_file(self):
        self.assertUsageError(["check", "--instance", "abc", "--ca-file", "/nonexistent/ca.pem"],
                              "/nonexistent/ca.pem")

    def test_ca_file_that_is_not_pem(self):
        with tempfile.NamedTemporaryFile("w", suffix=".pem") as f:
            f.write("this is not a certificate\n")
            f.flush()
            self.assertUsageError(["check", "127.0.0.1:1", "--ca-file", f.name], f.name)

    def test_malformed_toml(self):
        with tempfile.NamedTemporaryFile("w", suffix=".toml") as f:
            f.write('instance = "abc"\ntimeout = [unclosed\n')
            f.flush()
            self.assertUsageError(["check", "-c", f.name], f.name)

    def test_unknown_config_key(self):
        with tempfile.NamedTemporaryFile("w", suffix=".toml") as f:
            f.write('instance = "abc"\ntimeuot = "3s"\n')
            f.flush()
            self.assertUsageError(["check", "-c", f.name], "timeuot")

    def test_missing_config_file(self):
        self.assertUsageError(["check", "-c", "/nonexistent/vpcprobe.toml"],
                              "/nonexistent/vpcprobe.toml")

    def test_bad_dns_server(self):
        self.assertUsageError(["check", "--instance", "abc", "--dns-server", "not-an-ip"],
                              "--dns-server")

    def test_bad_bind(self):
        self.assertUsageError(["check", "--instance", "abc", "--bind", "nowhere"], "--bind")

    def test_hosts_file_that_is_no_file(self):
        with tempfile.TemporaryDirectory() as d:
            self.assertUsageError(["check", "127.0.0.1:1", "--hosts-file", d], "--hosts-file", d)
        # /dev/zero never ends: refused at the size bound, not read forever.
        self.assertUsageError(["check", "127.0.0.1:1", "--tcp-only", "--hosts-file",
                               "/dev/zero"], "/dev/zero", "larger than 64 MiB")

    def test_bad_format(self):
        self.assertUsageError(["check", "--instance", "abc", "--format", "xml"], "--format")


class ConfigFile(unittest.TestCase):
    def test_config_carries_options_and_command_line_wins(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "vpcprobe.toml")
            with open(path, "w") as f:
                f.write('instance = "alikafka_confluent-cn-cfg123"\naccess = "all"\n'
                        'format = "json"\ntimeout = "2s"\n')
            r = vpcprobe("endpoints", "-c", path)
            self.assertEqual(r.code, 0, r)
            self.assertIn("pub-kafka-cfg123.alikafka.aliyuncs.com", r.out)
            r = vpcprobe("endpoints", "-c", path, "--access", "vpc")
            self.assertEqual(r.code, 0, r)
            self.assertIn("vpc-kafka-cfg123.alikafka.aliyuncs.com", r.out)
            self.assertNotIn("pub-kafka-cfg123", r.out)


RULES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "reports",
                     "diagnosis", "fixtures", "rules")


class Explain(unittest.TestCase):
    """`explain` evaluates exported rules offline: no traffic at all."""

    def rules(self, *names):
        args = []
        for n in names:
            args += ["--rules", os.path.join(RULES, n)]
        return args

    def test_blocked_flow_names_the_acl_rule(self):
        r = vpcprobe("explain", *self.rules("aws_security_groups.json",
                                            "aws_network_interfaces.json",
                                            "aws_network_acls.json"),
                     "--from", "10.20.1.15", "--to", "10.0.0.5:9095")
        self.assertEqual(r.code, 2, r)
        self.assertTrue(r.out.startswith("tcp 10.20.1.15 -> 10.0.0.5:9095: BLOCKED"), r.out)
        self.assertIn("network-acl-rule", r.out)
        self.assertIn("rule 100", r.out)

    def test_malformed_rules_file_is_a_usage_error(self):
        for bad in ["malformed.json", "unknown_shape.json", "wrong_type.json"]:
            with self.subTest(bad=bad):
                r = vpcprobe("explain", *self.rules(bad), "--from", "10.0.0.1",
                             "--to", "10.0.0.2:9092")
                self.assertEqual(r.code, 3, r)
                self.assertIn(bad, r.err)
                self.assertEqual(len(r.err.strip().splitlines()), 1, r.err)


class HelpAndVersion(unittest.TestCase):
    def test_version(self):
        r = vpcprobe("--version")
        self.assertEqual(r.code, 0, r)
        self.assertRegex(r.out, r"vpcprobe \d+\.\d+\.\d+")

    def test_help(self):
        r = vpcprobe("--help")
        self.assertEqual(r.code, 0, r)
        for word in ["check", "endpoints", "explain", "serve"]:
            self.assertIn(word, r.out)
        r = vpcprobe("check", "--help")
        self.assertEqual(r.code, 0, r)
        self.assertIn("--instance", r.out)


if __name__ == "__main__":
    unittest.main()
