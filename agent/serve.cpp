// SPDX-License-Identifier: Apache-2.0
#include "agent/serve.h"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "agent/command_output.h"
#include "agent/event_log.h"
#include "agent/file_checks.h"
#include "agent/history.h"
#include "agent/serve_http.h"
#include "agent/serve_schedule.h"
#include "agent/web_config.h"
#include "core/duration.h"
#include "core/report.h"
#include "core/result.h"

namespace vpcprobe {

namespace {

// How long SIGTERM waits for a check in progress before abandoning it.
constexpr auto kStopBound = std::chrono::seconds(5);

// The history of runs when --state-dir is given; none without it.
Result<std::optional<History>> open_history(const ServeSettings& settings) {
    if (settings.state_dir.empty()) return std::optional<History>();
    auto history = History::open(settings.state_dir, settings.keep);
    if (!history) return std::move(history).error();
    return std::optional<History>(std::move(*history));
}

// SIGHUP re-parses the original command line, which re-reads the config file.
Result<Command> reparse_command_line(int argc, const char* const* argv) {
    return parse_command_line(argc, argv, probe_file_checks());
}

// Keeps in `next` what is set up once at the start, and says which changes wait for a
// restart.
std::vector<std::string> keep_startup_settings(const ServeSettings& running, ServeSettings& next) {
    std::vector<std::string> notes;
    if (next.listen != running.listen) {
        // The socket is bound once; moving it would need privileges we may have dropped.
        notes.push_back("--listen changes take a restart; still listening on " + running.listen);
        next.listen = running.listen;
    }
    if (next.state_dir != running.state_dir || next.keep != running.keep) {
        // The history is opened once, by the scheduler thread that owns it.
        notes.push_back("--state-dir and --keep changes take a restart; still " +
                        (running.state_dir.empty() ? std::string("without history")
                                                   : "keeping history in " + running.state_dir));
        next.state_dir = running.state_dir;
        next.keep = running.keep;
    }
    return notes;
}

// The listener's configuration from --web.config.file (plain HTTP without one); the web
// config's files (certificate, key, client CAs) are loaded now, so a bad one is an Error here.
Result<std::shared_ptr<ListenerConfig>> load_listener_config(const ServeSettings& settings) {
    if (settings.web_config_file.empty()) return make_listener_config(WebConfig{});
    auto web = read_web_config(settings.web_config_file);
    if (!web) return std::move(web).error().context("--web.config.file");
    return make_listener_config(*web).context("--web.config.file " + settings.web_config_file);
}

void log_rejected_reload(const Error& error) {
    log_event("reload", {{"result", "rejected"}, {"kept", "previous"}, {"error", error.message()}});
}

// Only the HTTP thread replaces the command, so reading it and replacing it need no lock
// held across both. The web configuration is part of the configuration: a broken one rejects
// the whole reload, as a broken config file does; an accepted one applies to the next
// connection and request.
void reload(ServeState& state, HttpServer& server, int argc, const char* const* argv) {
    auto parsed = reparse_command_line(argc, argv);
    if (!parsed) return log_rejected_reload(parsed.error());
    auto listener = load_listener_config(parsed->serve);
    if (!listener) return log_rejected_reload(listener.error());
    Command next = std::move(*parsed);
    std::vector<LogField> fields = {{"result", "ok"}, {"applies", "next_run"}};
    if (!next.serve.web_config_file.empty()) {
        fields.push_back({"web_config", next.serve.web_config_file});
    }
    for (std::string& note : keep_startup_settings(state.command().serve, next.serve)) {
        fields.push_back({"note", std::move(note)});
    }
    server.configure(std::move(*listener));
    state.replace_command(std::move(next));
    log_event("reload", fields);
}

// Stops the schedule; a check still waiting on the network after kStopBound is abandoned
// with the process, since its results would be thrown away anyway and stopping must not
// take as long as a slow check.
void stop_schedule(ServeState& state, std::thread& worker) {
    if (!state.stop(kStopBound)) {
        log_event("stopped", {{"abandoned", "check_in_progress"}});
        std::fflush(stderr);
        std::_Exit(0);
    }
    worker.join();
}

}  // namespace

int run_serve(const Command& command, int argc, const char* const* argv) {
    auto history = open_history(command.serve);
    if (!history) return cannot_run(history.error());
    auto listener = load_listener_config(command.serve);
    if (!listener) return cannot_run(listener.error());

    ServeState state(RunInputs{command, redacted_command_line(argc, argv)});
    // Destroyed in reverse: the server, then the io_context with the sessions its handlers
    // hold, then the state they read.
    boost::asio::io_context io;
    HttpServer server(io, [&state] { return state.snapshot(); });
    const bool tls = (*listener)->tls != nullptr;
    const bool authenticated = (*listener)->auth.required();
    server.configure(std::move(*listener));
    if (auto listening = server.listen(command.serve.listen); !listening) {
        return cannot_run(listening.error());
    }
    server.start();

    boost::asio::signal_set signals(io, SIGHUP, SIGTERM, SIGINT);
    std::function<void(const boost::system::error_code&, int)> on_signal =
        [&](const boost::system::error_code& error, int signal) {
            if (error) return;
            if (signal == SIGHUP) {
                reload(state, server, argc, argv);
                signals.async_wait(on_signal);
                return;
            }
            log_event("stop", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
            server.close();
            io.stop();
        };
    signals.async_wait(on_signal);

    log_event("listening", {{"address", command.serve.listen},
                            {"interval", format_duration(command.serve.interval)},
                            {"jitter", "10%"},
                            {"tls", tls ? "on" : "off"},
                            {"basic_auth", authenticated ? "on" : "off"}});
    std::thread worker(run_schedule, std::ref(state), std::move(*history));
    try {
        io.run();
    } catch (...) {
        stop_schedule(state, worker);
        throw;
    }
    stop_schedule(state, worker);
    log_event("stopped");
    return 0;
}

}  // namespace vpcprobe
