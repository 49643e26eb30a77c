// SPDX-License-Identifier: Apache-2.0
// The names the Kafka protocol gives its error codes ("35 UNSUPPORTED_VERSION"), as broker logs
// and Kafka's documentation say them: the one table of them, for the Kafka check's details
// (probes/kafka) and the remedies that name an error (reports/diagnosis).
// Pure functions: safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vpcprobe {

// The Kafka name of an error code ("UNSUPPORTED_VERSION"), "" for codes not named here.
std::string_view kafka_error_name(std::int16_t code);
// "35 UNSUPPORTED_VERSION", or just "123" for an unnamed code: for details.
std::string describe_kafka_error(std::int16_t code);

}  // namespace vpcprobe
