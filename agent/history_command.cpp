// SPDX-License-Identifier: Apache-2.0
#include "agent/history_command.h"

#include <iostream>
#include <string>

#include "agent/history.h"
#include "reports/render/changes_report.h"

namespace vpcprobe {

int run_history(const Command& command) {
    return run_history(command, std::cout, std::cerr);
}

int run_history(const Command& command, std::ostream& out, std::ostream& err) {
    const HistorySettings& settings = command.history;
    std::string error;
    const auto changes = read_changes(settings.state_dir, settings.limit, error);
    if (!changes) {
        err << "vpcprobe: " << error << "\n";
        return 3;
    }
    if (!error.empty()) err << "vpcprobe: warning: " << error << "\n";
    out << (settings.format == ReportFormat::json ? render_changes_json(*changes)
                                                  : render_changes_text(*changes));
    out.flush();
    return 0;
}

}  // namespace vpcprobe
