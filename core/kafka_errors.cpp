// SPDX-License-Identifier: Apache-2.0
#include "core/kafka_errors.h"

#include <fmt/format.h>

namespace vpcprobe {

std::string_view kafka_error_name(std::int16_t code) {
    switch (code) {
        case -1:
            return "UNKNOWN_SERVER_ERROR";
        case 0:
            return "NONE";
        case 2:
            return "CORRUPT_MESSAGE";
        case 3:
            return "UNKNOWN_TOPIC_OR_PARTITION";
        case 5:
            return "LEADER_NOT_AVAILABLE";
        case 6:
            return "NOT_LEADER_OR_FOLLOWER";
        case 7:
            return "REQUEST_TIMED_OUT";
        case 8:
            return "BROKER_NOT_AVAILABLE";
        case 13:
            return "NETWORK_EXCEPTION";
        case 15:
            return "COORDINATOR_NOT_AVAILABLE";
        case 29:
            return "TOPIC_AUTHORIZATION_FAILED";
        case 30:
            return "GROUP_AUTHORIZATION_FAILED";
        case 31:
            return "CLUSTER_AUTHORIZATION_FAILED";
        case 33:
            return "UNSUPPORTED_SASL_MECHANISM";
        case 34:
            return "ILLEGAL_SASL_STATE";
        case 35:
            return "UNSUPPORTED_VERSION";
        case 42:
            return "INVALID_REQUEST";
        case 58:
            return "SASL_AUTHENTICATION_FAILED";
        case 65:
            return "DELEGATION_TOKEN_AUTH_DISABLED";
        case 72:
            return "LISTENER_NOT_FOUND";
        case 89:
            return "THROTTLING_QUOTA_EXCEEDED";
        default:
            return "";
    }
}

std::string describe_kafka_error(std::int16_t code) {
    const std::string_view name = kafka_error_name(code);
    if (name.empty()) return fmt::format("{}", code);
    return fmt::format("{} {}", code, name);
}

}  // namespace vpcprobe
