// SPDX-License-Identifier: Apache-2.0
#include "agent/command_output.h"

#include <fmt/format.h>

#include <cstdio>

#include "core/report.h"
#include "reports/render/output.h"

namespace vpcprobe {

int cannot_run(const Error& error) {
    fmt::print(stderr, "vpcprobe: {}\n", error.message());
    return kExitCannotRun;
}

void warn(const std::string& message) {
    fmt::print(stderr, "vpcprobe: warning: {}\n", message);
}

bool write_output(const std::optional<std::string>& output, const std::string& content) {
    auto written = write_report(output, content);
    if (written) return true;
    cannot_run(std::move(written).error().context(output ? "-o " + *output : "stdout"));
    return false;
}

bool write_output(const std::optional<std::string>& output,
                  const std::function<void(const ReportSink&)>& render) {
    auto writer = ReportWriter::open(output);
    Result<void> written = writer ? Result<void>() : Result<void>(std::move(writer).error());
    if (written) {
        render(writer->sink());
        written = writer->finish();
    }
    if (written) return true;
    cannot_run(std::move(written).error().context(output ? "-o " + *output : "stdout"));
    return false;
}

}  // namespace vpcprobe
