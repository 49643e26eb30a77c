// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: cloud rules exports (reports/diagnosis/rules.h parse_rules, every format it
// recognises: AWS security groups / network ACLs / network interfaces / prefix lists and their
// entries, Alibaba security groups and group types / network interfaces / network ACLs / SNAT
// entries / prefix lists, Cloud Firewall policies of both borders; docs/rules.md). The input is
// the file's text, parsed once under a plain name and once under a prefix list's, so the AWS
// get-managed-prefix-list-entries shape (which only a pl-….json name identifies) is reached too.
//
// Threading: libFuzzer calls this from one thread; no state is kept between calls.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "reports/diagnosis/rules.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)vpcprobe::rules::parse_rules(text, "fuzz.json");
    (void)vpcprobe::rules::parse_rules(text, "pl-0f022.json");
    return 0;
}
