# SPDX-License-Identifier: Apache-2.0
"""End to end: bad input is a one-line error naming the flag or file at fault, exit 3, never a
crash or a stack trace; --help and --version work."""
import json
import os
import socket
import tempfile
import unittest

from harness import validate, vpcprobe


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

    def test_a_wrong_value_in_a_recognised_export_names_file_path_and_value(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "cfw.json")
            with open(path, "w") as f:
                json.dump({"Policys": [{"AclUuid": "u-1", "AclAction": "drop", "Order": 1,
                                        "Direction": "in", "Source": "0.0.0.0/0",
                                        "Destination": "0.0.0.0/0", "DestPort": "80-90"}]}, f)
            r = vpcprobe("explain", "--rules", path, "--from", "10.0.0.1",
                         "--to", "203.0.113.10:9092")
        self.assertEqual(r.code, 3, r)
        self.assertIn(f'{path}: expected "FROM/TO": "80-90" (at Policys[0].DestPort)', r.err)

    def test_prefix_list_entries_named_on_the_command_line_and_public_source(self):
        with tempfile.TemporaryDirectory() as d:
            entries = os.path.join(d, "entries.json")
            with open(entries, "w") as f:
                json.dump({"Entries": [{"Cidr": "10.20.1.0/24"}]}, f)
            groups = os.path.join(d, "sg.json")
            with open(groups, "w") as f:
                json.dump({"SecurityGroups": [{"GroupId": "sg-k", "IpPermissions": [
                    {"IpProtocol": "tcp", "FromPort": 9092, "ToPort": 9092,
                     "PrefixListIds": [{"PrefixListId": "pl-0cli"}]}]}]}, f)
            enis = os.path.join(d, "enis.json")
            with open(enis, "w") as f:
                json.dump({"NetworkInterfaces": [{"NetworkInterfaceId": "eni-k",
                                                  "PrivateIpAddress": "10.0.0.5",
                                                  "Groups": [{"GroupId": "sg-k"}]}]}, f)
            base = ["explain", "--rules", groups, enis]
            unnamed = vpcprobe(*base, entries, "--from", "10.20.1.15", "--to", "10.0.0.5:9092")
            self.assertEqual(unnamed.code, 3, unnamed)
            self.assertIn("--rules pl-0abc=", unnamed.err)
            named = vpcprobe(*base, f"pl-0cli={entries}", "--from", "10.20.1.15",
                             "--to", "10.0.0.5:9092")
            self.assertEqual(named.code, 1, named)  # the source is on no exported interface
            self.assertIn("sg-k ingress: allowed by rule tcp 9092 from pl-0cli", named.out)
            outside = vpcprobe(*base, f"pl-0cli={entries}", "--from", "10.20.2.15",
                               "--to", "10.0.0.5:9092")
            self.assertEqual(outside.code, 2, outside)
            seen = vpcprobe("explain", "--rules", groups, "--from", "10.20.1.15",
                            "--to", "203.0.113.10:9092", "--public-source", "198.51.100.7")
            self.assertIn("this host reaches the Internet as 198.51.100.7", seen.out)
            bad = vpcprobe("explain", "--rules", groups, "--from", "10.20.1.15",
                           "--to", "203.0.113.10:9092", "--public-source", "nat-gateway")
            self.assertEqual(bad.code, 3, bad)


class Listener:
    """A TCP listener on loopback that counts the connections made to it."""

    def __init__(self, host, port=0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(16)
        self.sock.setblocking(False)
        self.host, self.port = self.sock.getsockname()

    def connections(self):
        """Connections accepted so far (each closed at once)."""
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()


KNOWN = ("kafka, mds, schema-registry, rest-proxy, connect, ksqldb, control-center, endpoint")


class Components(unittest.TestCase):
    """A component name is one of the catalog's, or `endpoint`; anything else is exit 3 before
    any probe, with the nearest known name."""

    def test_misspelt_component_is_refused_before_any_probe(self):
        try:
            listener = Listener("127.0.92.1", 8081)
        except OSError:  # the port is taken here: any port shows the same
            listener = Listener("127.0.92.1")
        with listener:
            spec = f"127.0.92.1:{listener.port}=schemaregistry"
            r = vpcprobe("check", spec)
            self.assertEqual(r.code, 3, r)
            self.assertEqual(r.out, "")
            self.assertEqual(r.err.strip(),
                             f"vpcprobe: target '{spec}': unknown component 'schemaregistry'; "
                             f"did you mean 'schema-registry'? (known: {KNOWN}; endpoint checks "
                             f"TCP and TLS only)")
            self.assertEqual(listener.connections(), 0, "no probe before the input is valid")

    def test_service_spellings_suggest_their_component(self):
        for given, meant in [("kafkarestproxy", "rest-proxy"), ("controlcenter", "control-center"),
                             ("schemaregistry", "schema-registry")]:
            with self.subTest(given=given):
                r = vpcprobe("endpoints", f"127.0.92.1:1={given}")
                self.assertEqual(r.code, 3, r)
                self.assertIn(f"did you mean '{meant}'?", r.err)

    def test_config_file_component_names_the_file(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "vpcprobe.toml")
            with open(path, "w") as f:
                f.write('[[target]]\nhost = "127.0.92.1"\nport = 9021\n'
                        'component = "controlcenter"\n')
            r = vpcprobe("check", "-c", path)
            self.assertEqual(r.code, 3, r)
            self.assertTrue(r.err.startswith(f"vpcprobe: {path}:"), r.err)
            self.assertIn("unknown component 'controlcenter'; did you mean 'control-center'?",
                          r.err)

    def test_endpoint_is_the_explicit_no_protocol_choice(self):
        with Listener("127.0.92.3") as listener:
            r = vpcprobe("endpoints", f"127.0.92.3:{listener.port}=endpoint")
            self.assertEqual(r.code, 0, r)
            self.assertIn("endpoint", r.out)


class Duplicates(unittest.TestCase):
    """One host:port is one listener: named twice for one component it is probed once and the
    report's plan says so; named with two components it is exit 3."""

    def test_two_components_for_one_endpoint_is_a_usage_error(self):
        with Listener("127.0.92.2") as listener:
            a = f"127.0.92.2:{listener.port}=kafka"
            b = f"127.0.92.2:{listener.port}=schema-registry"
            r = vpcprobe("check", a, b)
            self.assertEqual(r.code, 3, r)
            self.assertEqual(r.out, "")
            self.assertEqual(r.err.strip(),
                             f"vpcprobe: 127.0.92.2:{listener.port} is given as kafka (TARGET "
                             f"'{a}') and as schema-registry (TARGET '{b}'): one host:port is one "
                             f"listener, so give it one component")
            self.assertEqual(listener.connections(), 0)
            r = vpcprobe("check", "--bootstrap", f"127.0.92.2:{listener.port}", b)
            self.assertEqual(r.code, 3, r)
            self.assertIn("as kafka (--bootstrap", r.err)
            self.assertIn("as schema-registry (TARGET", r.err)

    def test_plaintext_and_tls_for_one_endpoint_is_a_usage_error(self):
        r = vpcprobe("check", "plaintext://127.0.92.2:9092", "SSL://127.0.92.2:9092")
        self.assertEqual(r.code, 3, r)
        self.assertIn("127.0.92.2:9092 is given without TLS", r.err)

    def test_same_component_twice_is_probed_once_and_said(self):
        with Listener("127.0.92.4") as listener:
            endpoint = f"127.0.92.4:{listener.port}"
            note = (f"{endpoint} was given twice for kafka (--bootstrap and TARGET); "
                    "probed once")
            args = ["check", "--bootstrap", endpoint, f"{endpoint}=kafka", "--tcp-only"]
            r = vpcprobe(*args, "--format", "json")
            self.assertEqual(r.code, 0, r)
            validate(r.json)
            self.assertEqual(len(r.json["targets"]), 1, r.out)
            self.assertEqual(r.json["targets"][0]["origin"], "bootstrap")
            self.assertEqual(r.json["agent"]["plan_notes"], [note])
            self.assertEqual(listener.connections(), 1, "one connection for one listener")

            r = vpcprobe(*args)
            self.assertEqual(r.code, 0, r)
            self.assertIn(f"\nplan: {note}\n", r.out)
            self.assertIn("1 target:", r.out)

            r = vpcprobe(*args, "--format", "markdown")
            self.assertEqual(r.code, 0, r)
            self.assertIn(f"- **Plan:** {note}", r.out.replace("\\", ""))

            r = vpcprobe("endpoints", *args[1:])
            self.assertEqual(r.code, 0, r)
            self.assertIn(f"\nnote: {note}\n", r.out)

    def test_no_duplicates_no_notes(self):
        with Listener("127.0.92.4") as listener:
            r = vpcprobe("check", f"127.0.92.4:{listener.port}=kafka", "--tcp-only",
                         "--format", "json")
            self.assertEqual(r.code, 0, r)
            self.assertEqual(r.json["agent"]["plan_notes"], [])


class ErrorPrefix(unittest.TestCase):
    """Every error the binary writes starts with "vpcprobe: ", CLI11's own included."""

    def test_errors_share_one_prefix(self):
        with tempfile.TemporaryDirectory() as d:
            cases = [
                ["check", "--instance", "abc", "--frobnicate"],    # unknown option
                ["check", "127.0.92.1:1", "--timeout"],             # CLI11: missing value
                ["check", "127.0.92.1:99999"],                      # bad target
                ["check", "127.0.92.1:1=web"],                      # unknown component
                ["launch"],                                         # unknown command
                ["explain", "--rules", os.path.join(d, "none.json"), "--from", "10.0.0.1",
                 "--to", "10.0.0.2:9092"],                          # unreadable rules file
                ["explain", "--rules", os.path.join(RULES, "malformed.json"), "--from",
                 "10.0.0.1", "--to", "10.0.0.2:9092"],              # malformed rules file
                ["history", "--state-dir", os.path.join(d, "absent")],
                ["check", "-c", os.path.join(d, "absent.toml")],
            ]
            for args in cases:
                with self.subTest(args=args):
                    r = vpcprobe(*args)
                    self.assertEqual(r.code, 3, r)
                    self.assertTrue(r.err.startswith("vpcprobe: "), r.err)
                    for line in r.err.strip().splitlines():
                        self.assertTrue(line.startswith("vpcprobe: "), r.err)


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

    def test_no_command_is_a_usage_error_with_the_usage(self):
        r = vpcprobe()
        self.assertEqual(r.code, 3, r)
        self.assertEqual(r.out, "")
        self.assertTrue(r.err.startswith("vpcprobe: no command given"), r.err)
        for word in ["check", "endpoints", "explain", "serve", "history", "Exit codes"]:
            self.assertIn(word, r.err)

    def test_every_command_help_lists_its_exit_codes(self):
        codes = {"check": ["0", "1", "2", "3"], "endpoints": ["0", "3"],
                 "explain": ["0", "1", "2", "3"], "serve": ["0", "3"], "history": ["0", "3"]}
        for command, expected in codes.items():
            with self.subTest(command=command):
                r = vpcprobe(command, "--help")
                self.assertEqual(r.code, 0, r)
                text = " ".join(r.out.split())  # CLI11 wraps nothing, but be safe
                self.assertIn("Exit codes:", text)
                listed = text[text.index("Exit codes:"):]
                for code in expected:
                    self.assertRegex(listed, rf"(: |, ){code} ")


if __name__ == "__main__":
    unittest.main()


class PniEgress(unittest.TestCase):
    """`rules.pni_egress_open` comes with the exports, whether or not a probe failed."""

    def test_egress_on_confluent_pni_enis_is_a_warning_while_every_probe_passes(self):
        enis = {"NetworkInterfaces": [
            {"NetworkInterfaceId": "eni-pni-1", "PrivateIpAddress": "10.1.0.10",
             "Groups": [{"GroupId": "sg-pni"}],
             "TagSet": [{"Key": "Confluent", "Value": "true"}]}]}

        def groups(egress):
            return {"SecurityGroups": [{"GroupId": "sg-pni", "IpPermissions": [
                {"IpProtocol": "tcp", "FromPort": 9092, "ToPort": 9092,
                 "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}], "IpPermissionsEgress": egress}]}

        open_egress = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
        with Listener("127.0.114.1") as listener, tempfile.TemporaryDirectory() as d:
            for name, doc in {"enis.json": enis, "open.json": groups(open_egress),
                              "closed.json": groups([])}.items():
                with open(os.path.join(d, name), "w") as f:
                    json.dump(doc, f)

            def run(group_file):
                return vpcprobe("check", f"127.0.114.1:{listener.port}", "--tcp-only",
                                "--format", "json", "--rules", os.path.join(d, "enis.json"),
                                "--rules", os.path.join(d, group_file))

            r = run("open.json")
            self.assertEqual(r.code, 0, r)  # the exit status follows the targets only
            validate(r.json)
            self.assertEqual(r.json["targets"][0]["status"], "ok")
            found = [f for f in r.json["findings"] if f["code"] == "rules.pni_egress_open"]
            self.assertEqual(len(found), 1, r.json["findings"])
            self.assertEqual(found[0]["severity"], "warning")
            self.assertEqual([(s["id"], s["direction"], s["rule"]) for s in found[0]["suspects"]],
                             [("sg-pni", "egress", "sg-pni: all traffic to 0.0.0.0/0")])

            closed = run("closed.json")
            self.assertEqual(closed.code, 0, closed)
            self.assertNotIn("rules.pni_egress_open", closed.out)
