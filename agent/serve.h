// SPDX-License-Identifier: Apache-2.0
// `vpcprobe serve`: the configured check every --interval (±10% jitter so a fleet started
// together does not probe in step), never two at once, and an HTTP endpoint (Boost.Beast) on
// --listen serving the latest result: /metrics (Prometheus text, or OpenMetrics 1.0.0 when the
// scraper asks for it), /report.json, /report.md and /healthz. SIGHUP re-reads the command
// line and config file (a bad new config is logged and the old one kept); SIGTERM/SIGINT stop
// cleanly. docs/serve.md is the user's guide.
//
// Threading: run_serve() owns two threads. The calling thread runs the HTTP io_context (the
// listener, every connection, the signal_set); a scheduler thread runs the checks, each of
// which blocks it (the engine drives an io_context of its own). They share one mutex-guarded
// block: the latest rendered result (an immutable snapshot handed over by shared_ptr), the
// options for the next run, and the stop flag. Everything else below is pure and thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "agent/settings/cli.h"
#include "core/report.h"
#include "reports/render/metric_families.h"

namespace vpcprobe {

// The wait before the next run: from 90% of `interval` up to, not including, 110% of it (in
// whole milliseconds), placed by `unit_random` in [0, 1) (values outside are clamped); never
// below 1 ms.
std::chrono::milliseconds jittered_interval(std::chrono::milliseconds interval, double unit_random);

// OpenMetrics when the Accept header names application/openmetrics-text with a quality at
// least as high as any range that admits text/plain (text/plain, text/*, */*); the Prometheus
// text format otherwise, including for no or an unparsable header. Parameters other than q
// (version, charset) are not judged: vpcprobe has one version of each format.
MetricsFormat negotiate_metrics_format(std::string_view accept);

// The Content-Type header of each format.
std::string_view metrics_content_type(MetricsFormat format);

// The structured log line of one finished run (logfmt): ts=... event=check duration=1.234s
// ok=3 warning=0 failed=1 targets=4 exit=2.
std::string check_log_line(const Report& report);

// Runs until SIGTERM or SIGINT; returns the process exit status (0 after a clean stop, 3 when
// it could not start: the listen address cannot be bound). `argv` is kept to re-parse on
// SIGHUP; `command` is its parse (kind serve).
int run_serve(const Command& command, int argc, const char* const* argv);

}  // namespace vpcprobe
