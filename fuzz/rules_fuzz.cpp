// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: cloud rules exports (reports/diagnosis/rules.h parse_rules, every format it
// recognises: AWS security groups / network ACLs / network interfaces, Alibaba security groups /
// network interfaces; docs/rules.md). The input is the file's text.
//
// Threading: libFuzzer calls this from one thread; no state is kept between calls.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "reports/diagnosis/rules.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)vpcprobe::rules::parse_rules(text, "fuzz.json");
    return 0;
}
