// SPDX-License-Identifier: Apache-2.0
#include "agent/settings/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/settings/setting_table.h"
#include "agent/settings/setting_value.h"
#include "core/text.h"

namespace vpcprobe {
namespace {

namespace fs = std::filesystem;

// Turns the TOML document into Values (each with its file position) and applies them.
class ConfigReader {
  public:
    ConfigReader(std::string path, fs::path directory)
        : path_(std::move(path)), directory_(std::move(directory)) {}

    // "FILE:LINE:COLUMN: " for a node (or a key), "FILE: " when it has no position.
    std::string at(const toml::source_region& where) const {
        if (where.begin.line == 0) return path_ + ": ";
        return path_ + ":" + std::to_string(where.begin.line) + ":" +
               std::to_string(where.begin.column) + ": ";
    }

    // Every key of the document, checked against the setting table, then applied in the
    // table's order (so `targets` come before the `[[target]]` tables, whatever the file's
    // order), each group's completeness checked last.
    Result<void> apply(const toml::table& root, Settings& into, const FileChecks& checks) const {
        std::vector<std::pair<const SettingDef*, Value>> found;
        std::vector<std::pair<const SettingGroup*, Value>> groups;
        for (auto&& [key, node] : root) {
            const std::string name(key.str());
            if (const SettingGroup* group = setting_group(name)) {
                auto read = read_group(*group, key, node, found);
                if (!read) return read;
                groups.emplace_back(group, value_of(node, name, key));
                continue;
            }
            const SettingDef* def = setting_for_key(name);
            if (def == nullptr) {
                return Error(at(key.source()) + "unknown key " + quote(name) +
                             did_you_mean(name, top_level_keys()));
            }
            found.emplace_back(def, value_of(node, name, key));
        }
        for (const auto& [group, value] : groups) group->begin(into);
        const auto table = setting_table();
        std::stable_sort(found.begin(), found.end(), [&](const auto& a, const auto& b) {
            return a.first - table.data() < b.first - table.data();
        });
        const ApplyContext context{checks};
        for (const auto& [def, value] : found) {
            if (auto applied = def->apply(value, into, context); !applied) return applied;
        }
        for (const auto& [group, value] : groups) {
            if (auto complete = group->check_complete(into); !complete) {
                return problem_with(value, complete.error().message());
            }
        }
        return {};
    }

  private:
    // A group's table ([sasl]): each key must be one of the group's settings.
    Result<void> read_group(const SettingGroup& group, const toml::key& key, const toml::node& node,
                            std::vector<std::pair<const SettingDef*, Value>>& found) const {
        const std::string name(group.name);
        const auto* table = node.as_table();
        if (table == nullptr) {
            return Error(at(node.source()) + name + ": expected a [" + name + "] table, got " +
                         std::string(type_name(value_of(node, name, key).type)));
        }
        for (auto&& [inner_key, inner_node] : *table) {
            const std::string inner(inner_key.str());
            const std::string full = name + "." + inner;
            const SettingDef* def = setting_for_key(full);
            if (def == nullptr) {
                const std::vector<std::string> keys = group_keys(name);
                return Error(at(inner_key.source()) + name + ": unknown key " + quote(inner) +
                             " in [" + name + "]" + did_you_mean(inner, keys) + "; use " +
                             join(keys, ", "));
            }
            found.emplace_back(def, value_of(inner_node, full, inner_key));
        }
        return {};
    }

    Value value_of(const toml::node& node, const std::string& key_path,
                   const toml::key& key) const {
        Value value = value_of(node, key_path);
        value.origin.key_position = at(key.source());
        return value;
    }

    Value value_of(const toml::node& node, const std::string& key_path) const {
        Value value;
        value.typed = true;
        value.origin.source = Source::config_file;
        value.origin.position = at(node.source());
        value.origin.prefix = value.origin.position + key_path + ": ";
        value.origin.base_directory = directory_.string();
        switch (node.type()) {
            case toml::node_type::string:
                value.type = Value::Type::text;
                value.text = node.as_string()->get();
                break;
            case toml::node_type::integer:
                value.type = Value::Type::integer;
                value.integer = node.as_integer()->get();
                break;
            case toml::node_type::floating_point:
                value.type = Value::Type::floating;
                value.floating = node.as_floating_point()->get();
                break;
            case toml::node_type::boolean:
                value.type = Value::Type::boolean;
                value.boolean = node.as_boolean()->get();
                break;
            case toml::node_type::array:
                value.type = Value::Type::list;
                for (const toml::node& element : *node.as_array()) {
                    value.items.push_back(value_of(element, key_path));
                }
                break;
            case toml::node_type::table:
                value.type = Value::Type::table;
                for (auto&& [field_key, field] : *node.as_table()) {
                    const std::string name(field_key.str());
                    value.fields.push_back(
                        {name, value_of(field, key_path + "." + name, field_key)});
                }
                break;
            default:
                value.type = Value::Type::date_time;
                break;
        }
        return value;
    }

    std::string path_;
    fs::path directory_;
};

Result<std::string> read_whole_file(const std::string& path) {
    if (auto readable = check_readable_file(path); !readable) {
        return Error("config file " + readable.error().message());
    }
    std::ifstream stream(path, std::ios::binary);
    std::ostringstream content;
    content << stream.rdbuf();
    if (!stream.good() && !stream.eof())
        return Error("config file " + quote(path) + ": read error");
    return content.str();
}

}  // namespace

Result<void> apply_config_file(const std::string& path, Settings& into, const FileChecks& checks) {
    auto content = read_whole_file(path);
    if (!content) return std::move(content).error();
    std::error_code ec;
    fs::path directory = fs::absolute(fs::path(path), ec).parent_path();
    if (ec) directory = fs::path(path).parent_path();
    const ConfigReader reader(path, directory);
    // toml++ reports malformed TOML by exception; it goes no further than here.
    toml::table root;
    try {
        root = toml::parse(*content, path);
    } catch (const toml::parse_error& error) {
        return Error(reader.at(error.source()) +
                     "invalid TOML: " + std::string(error.description()));
    }
    into.options.config_file = path;
    return reader.apply(root, into, checks);
}

Result<Settings> load_config(const std::string& path, const FileChecks& checks) {
    Settings settings;
    if (auto applied = apply_config_file(path, settings, checks); !applied) {
        return std::move(applied).error();
    }
    return settings;
}

}  // namespace vpcprobe
