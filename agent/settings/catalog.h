// SPDX-License-Identifier: Apache-2.0
// The built-in endpoint catalog of ApsaraMQ for Confluent (docs/architecture.md and the README list
// it): how an instance ID becomes the partInstanceId of its hostnames, and the targets an instance
// expands to. Its components, their names and ports are core/components.h.
// Constant data and pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/components.h"
#include "core/result.h"
#include "core/target.h"

namespace vpcprobe {

// The prefix of a full instance ID ("alikafka_confluent-cn-abcdef1234"). The documents name
// only this one; the "cn-" is part of Alibaba Cloud's ID scheme, not a region, so no other
// prefix is stripped (see part_instance_id).
inline constexpr std::string_view instance_id_prefix = "alikafka_confluent-cn-";

// The partInstanceId of an instance ID: `id` with instance_id_prefix removed (compared
// case-insensitively), or `id` itself when it is already a partInstanceId. Lower-cased, since
// it goes into hostnames. An Error (one line, quoting the ID) when the ID is empty, holds anything
// but letters, digits, '-' and '_', is only the prefix, would make a hostname label longer than 63
// characters, or starts with "alikafka_" but not with the documented prefix (a full ID of another
// product or a mistyped prefix: expanding it would probe names that cannot exist, so we say so
// instead).
Result<std::string> part_instance_id(std::string_view id);

// The catalog endpoints of an instance: `access` is "vpc", "pub" or "all" (all vpc endpoints
// in table order, then all pub ones). Hostnames are
// "{prefix}-{service}-{partInstanceId}.alikafka.aliyuncs.com", lower case; each target has
// access = prefix and origin "catalog". An unknown `access` gives an empty list (callers
// validate it first). `part_id` must come from part_instance_id.
std::vector<Target> expand_instance(std::string_view part_id, std::string_view access);

}  // namespace vpcprobe
