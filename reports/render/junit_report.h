// SPDX-License-Identifier: Apache-2.0
// The JUnit XML report (`--format junit`): for CI pipelines (Jenkins, GitLab, GitHub Actions
// test reporters), which show each target as a test case. Pure function of the report: safe
// from any thread.
#pragma once

#include <string>

#include "core/report.h"

namespace vpcprobe {

// The report as JUnit XML (the Ant/Surefire dialect every CI reader accepts), ending in a
// newline:
//   <testsuites> with one <testsuite name="vpcprobe"> carrying tests / failures / errors="0" /
//   skipped="0" / time (seconds, the run's duration) / timestamp (UTC, "2026-11-22T10:00:00",
//   without zone suffix as the Ant schema wants), a <properties> block (hostname, version,
//   resolvers, source_addresses, started_at, command_line), and one
//   <testcase classname="vpcprobe.<component>" name="<host:port>" time="<seconds>"> per target.
// A failed target has <failure message="<cause code>: <summary>" type="<cause code>"> with
// the explanation, suspects and raw evidence in its body. A target with warnings (a certificate
// about to expire, one of several addresses failing) PASSES: warnings must not break a
// pipeline (the exit code, 1, already tells them apart); the warning goes in the test case's
// <system-out>, where CI readers show it. A test case's time is its DNS time plus the slowest
// address's stages (addresses are probed concurrently).
// Everything is XML-escaped (& < > " '); characters XML 1.0 forbids (C0 controls other than
// tab, newline, carriage return; U+FFFE, U+FFFF) are dropped and invalid UTF-8 becomes
// U+FFFD, so the document always parses whatever a peer sent.
std::string render_junit(const Report& report);

}  // namespace vpcprobe
