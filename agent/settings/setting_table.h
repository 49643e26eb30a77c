// SPDX-License-Identifier: Apache-2.0
// Every setting of vpcprobe, defined once: its config key, its command-line flag, the Kafka client
// configuration keys that set it, the commands that take it, its help text, and one function
// that reads a Value (core of every source: the command line, the TOML config file, the client
// configuration), validates it and writes it where it lands in Settings. The command line
// (agent/settings/cli.h), the config file (agent/settings/config.h) and the client
// configuration (agent/settings/client_settings.h) are all applied through this table, so a
// setting cannot be accepted by one and refused by another, and --help, the config's key list
// and the "did you mean" hints all come from here.
// Adding a setting is adding one row (docs/architecture.md, "Settings").
// Constant data and pure functions (file checks look at the file system): thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agent/settings/setting_value.h"
#include "agent/settings/settings.h"
#include "agent/settings/validate.h"
#include "core/result.h"

namespace vpcprobe {

// The commands whose command line takes a flag (a bit set).
enum CommandSet : unsigned {
    kCheck = 1u << 0,
    kEndpoints = 1u << 1,
    kServe = 1u << 2,
    kHistory = 1u << 3,
    kExplain = 1u << 4,
    kMerge = 1u << 5,
    kProbing = kCheck | kEndpoints | kServe,  // the commands that build a plan
};

// How a flag takes its values on the command line.
enum class Arity {
    flag,        // --no-color: present or not
    one,         // --timeout 3s; given twice, the last wins
    each,        // --dns-server A --dns-server B: one value per occurrence
    many,        // explain --rules A B: several values after one flag
    positional,  // the TARGET arguments
};

// What applying a value may need besides the value: checks only a lower layer can make.
struct ApplyContext {
    const FileChecks& checks;
};

struct SettingDef {
    // The config file's key ("timeout", "sasl.mechanism" for the [sasl] table); "" for an
    // argument of one command that no config file sets (explain's --from, history's --limit).
    std::string_view key{};
    // CLI11 names ("-o,--output", "TARGET" for positionals); "" when only the config sets it.
    std::string_view flags{};
    std::string_view value_name{};  // "DURATION", "FILE", ...
    std::string_view help{};        // one line, for --help
    Arity arity = Arity::one;
    unsigned commands = 0;  // CommandSet bits: whose command line takes the flag
    // Reads the value, validates it and writes it into `into`. The Error names the value's
    // origin (Value::origin) and never repeats a secret.
    Result<void> (*apply)(const Value& value, Settings& into,
                          const ApplyContext& context) = nullptr;
    // The Kafka client configuration keys (--client-config) that set this setting, Java and
    // librdkafka names, comma-separated ("bootstrap.servers,metadata.broker.list"); "" = none.
    std::string_view client_keys{};
    bool hidden = false;  // accepted only to be refused (a password flag): not in --help
    // A "--no-X" flag: given, it sets the key to false (--no-advertised, follow_advertised).
    bool flag_sets_false = false;
};

// Every setting, in the order they are applied (and listed in --help).
std::span<const SettingDef> setting_table();

// The setting a config key names, or nullptr.
const SettingDef* setting_for_key(std::string_view key);

// The setting a Kafka client configuration key sets, or nullptr (a key vpcprobe does not use).
const SettingDef* setting_for_client_key(std::string_view client_key);

// Every client configuration key of the table, for "did you mean" hints and the docs.
std::vector<std::string> client_keys();

// A table of the config file made of dotted keys ("sasl" for sasl.mechanism, ...): its keys,
// and what must hold once a config file's table has been applied.
struct SettingGroup {
    std::string_view name;  // "sasl"
    // Called on entering the table: a config table always stands for the whole group.
    void (*begin)(Settings& into);
    // Whether the group is complete once a config file's table has been applied; the Error
    // says what is missing (the config reader adds where).
    Result<void> (*check_complete)(const Settings& settings);
};
const SettingGroup* setting_group(std::string_view name);

// The keys a config file may hold at its top level (group names for dotted keys), and those of
// one group without the group's name, for "did you mean" and "use ..." hints. Refused keys
// (sasl.password) and "config" are left out: they are never the right answer.
std::vector<std::string> top_level_keys();
std::vector<std::string> group_keys(std::string_view group);

// The long name of a flag ("--output" of "-o,--output"), as messages name it.
std::string_view long_flag(const SettingDef& def);

}  // namespace vpcprobe
