// SPDX-License-Identifier: Apache-2.0
#include "agent/history_command.h"

#include <iostream>
#include <string>

#include "agent/history.h"
#include "core/report.h"
#include "reports/render/changes_report.h"

namespace vpcprobe {

int run_history(const Command& command) {
    return run_history(command, std::cout, std::cerr);
}

int run_history(const Command& command, std::ostream& out, std::ostream& err) {
    const HistorySettings& settings = command.history;
    const auto log = read_changes(settings.state_dir, settings.limit);
    if (!log) {
        err << "vpcprobe: " << log.error().message() << "\n";
        return kExitCannotRun;
    }
    for (const std::string& warning : log->warnings) {
        err << "vpcprobe: warning: " << warning << "\n";
    }
    out << (settings.format == ReportFormat::json ? render_changes_json(log->changes)
                                                  : render_changes_text(log->changes));
    out.flush();
    return 0;
}

}  // namespace vpcprobe
