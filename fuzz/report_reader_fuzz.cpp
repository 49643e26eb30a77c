// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: an agent's JSON report read back by `vpcprobe merge`
// (reports/diagnosis/report_reader.h parse_agent_report), then merged with a second agent's copy
// of it (reports/diagnosis/fleet.h merge_reports) and rendered in every format
// (reports/render/fleet_report.h), since the renderers write back what was read. Aborts if a
// report that reads back has a target without host or port, a failed or warning target without
// a cause, if the merge of two agents does not give two rows, or if the merged JSON does not
// parse. The input is the report's text.
//
// Threading: libFuzzer calls this from one thread; no state is kept between calls.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <utility>
#include <vector>

#include "reports/diagnosis/fleet.h"
#include "reports/diagnosis/report_reader.h"
#include "reports/render/fleet_report.h"

namespace {

void check_read(const vpcprobe::AgentReport& report) {
    if (report.name.empty()) std::abort();
    for (const vpcprobe::ReadTarget& target : report.targets) {
        if (target.host.empty() || target.port == 0) std::abort();
        if (target.status != vpcprobe::StageStatus::ok && target.cause_code.empty()) std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto read = vpcprobe::parse_agent_report(text, "fuzz.json");
    if (!read) return 0;
    check_read(*read);
    vpcprobe::AgentReport twin = *read;
    twin.name += "-twin";
    twin.source = "twin.json";
    std::vector<vpcprobe::AgentReport> reports;
    reports.push_back(std::move(*read));
    reports.push_back(std::move(twin));
    auto merged = vpcprobe::merge_reports(std::move(reports), vpcprobe::AgentInfo{}, nullptr);
    if (!merged || merged->agents.size() != 2) std::abort();
    (void)vpcprobe::render_fleet_text(*merged);
    (void)vpcprobe::render_fleet_markdown(*merged);
    boost::system::error_code ec;
    (void)boost::json::parse(vpcprobe::render_fleet_json(*merged), ec);
    if (ec) std::abort();
    return 0;
}
