// SPDX-License-Identifier: Apache-2.0
#include "agent/endpoints_command.h"

#include "agent/command_output.h"
#include "agent/settings/plan.h"
#include "core/report.h"
#include "reports/render/plan_report.h"

namespace vpcprobe {

int run_endpoints_command(const Command& command) {
    const CheckOptions& options = command.options;
    auto plan = build_plan(options);
    if (!plan) return cannot_run(plan.error());
    const std::string out = options.format == ReportFormat::json
                                ? render_plan_json(plan->targets)
                                : render_plan(plan->targets, options.client_config, plan->notes);
    return write_output(options.output, out) ? 0 : kExitCannotRun;
}

}  // namespace vpcprobe
