// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: target specs (agent/settings/target_spec.h) and durations (core/duration.h), as
// given on the command line or in the config. The first byte picks the parser and the spec
// rules; a spec that parses is printed back and parsed again (the two must agree).
//
// Threading: libFuzzer calls this from one thread; no state is kept between calls.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "agent/settings/target_spec.h"
#include "core/duration.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::uint8_t selector = data[0];
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

    if ((selector & 1) != 0) {
        if (const auto duration = vpcprobe::parse_duration(text)) {
            (void)vpcprobe::format_duration(*duration);
        }
        return 0;
    }
    vpcprobe::TargetSpecRules rules;
    rules.allow_component = (selector & 2) == 0;
    if ((selector & 4) != 0) rules.default_component = "kafka";
    (void)vpcprobe::check_hostname(text);
    if (const auto target = vpcprobe::parse_target_spec(text, rules)) {
        // target_spec_text is documented as the inverse: what it prints must parse again.
        const std::string printed = vpcprobe::target_spec_text(*target);
        if (!vpcprobe::parse_target_spec(printed, vpcprobe::TargetSpecRules{})) std::abort();
    }
    return 0;
}
