// SPDX-License-Identifier: Apache-2.0
// `vpcprobe serve`: the configured check every --interval (agent/serve_schedule.h), never two
// at once, and an HTTP endpoint on --listen serving the latest result (agent/serve_http.h):
// /metrics, /report.json, /report.md and /healthz. SIGHUP re-reads the command line and config
// file (a bad new config is logged and the old one kept); SIGTERM/SIGINT stop cleanly. Every
// event is one log line (agent/event_log.h). docs/serve.md is the user's guide.
//
// Threading: run_serve() owns two threads. The calling thread runs the HTTP io_context (the
// listener, every connection, the signal_set); a scheduler thread runs the checks. They share
// one ServeState (agent/serve_schedule.h).
#pragma once

#include "agent/settings/cli.h"

namespace vpcprobe {

// Runs until SIGTERM or SIGINT; returns the process exit status (0 after a clean stop, 3 when
// it could not start: the listen address cannot be bound, or the state directory cannot be
// used). `argv` is kept to re-parse on SIGHUP; `command` is its parse (kind serve).
int run_serve(const Command& command, int argc, const char* const* argv);

}  // namespace vpcprobe
