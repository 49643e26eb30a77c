// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: sasl.jaas.config values as agent/settings/client_config/jaas.h reads them
// (parse_jaas, then jaas_module_kind on what it read). The input is the value's text.
// Aborts if a parsed entry has an empty login module, a control flag other than the four, or
// text that is not valid UTF-8; or if an error does not say a position (only "no login module"
// has none).
//
// Threading: libFuzzer calls this from one thread; no state is kept between calls.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "agent/settings/client_config/jaas.h"
#include "core/text.h"

namespace {

void require(bool condition) {
    if (!condition) std::abort();
}

bool valid(const std::string& text) {
    return vpcprobe::valid_utf8(text) == text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto entry = vpcprobe::parse_jaas(text);
    if (!entry) {
        const std::string& message = entry.error().message();
        require(message.starts_with("position ") || message.starts_with("holds no login module"));
        return 0;
    }
    require(!entry->login_module.empty() && valid(entry->login_module));
    const std::string& flag = entry->control_flag;
    require(flag == "required" || flag == "requisite" || flag == "sufficient" ||
            flag == "optional");
    for (const vpcprobe::JaasOption& option : entry->options) {
        require(valid(option.name) && valid(option.value));
    }
    (void)vpcprobe::jaas_module_kind(entry->login_module);
    return 0;
}
