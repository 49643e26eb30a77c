// SPDX-License-Identifier: Apache-2.0
#include "agent/settings/client_config/jaas.h"

#include <fmt/format.h>

#include "agent/settings/client_config/unicode.h"
#include "core/text.h"

namespace vpcprobe {

namespace {

using client_config::decode_text;
using client_config::to_utf8;

constexpr int kEnd = -1;

bool is_blank(int c) {
    return c >= 0 && c <= ' ';
}
bool is_quote(int c) {
    return c == '"' || c == '\'';
}

// Kafka's table: wordChars(32, 128) and (160, 255), less what is blank, a quote, the comment
// character or ordinary (';', '='); StreamTokenizer counts everything past 255 as a word char.
bool is_word(int c) {
    if (c > 255) return true;
    if (c <= ' ' || is_quote(c) || c == '/' || c == ';' || c == '=') return false;
    return c <= 128 || c >= 160;
}

struct Token {
    enum class Kind { word, quoted, ordinary, end };
    Kind kind = Kind::end;
    std::u32string text;  // word and quoted
    int ordinary = 0;     // the character of an ordinary token
    std::size_t position = 0;

    bool has_text() const { return kind == Kind::word || kind == Kind::quoted; }
    bool is(char c) const { return kind == Kind::ordinary && ordinary == c; }
};

// java.io.StreamTokenizer as Kafka's JaasConfig sets it up.
class Tokenizer {
  public:
    explicit Tokenizer(std::u32string_view text) : text_(text) {}

    Result<Token> next() {
        for (;;) {
            while (is_blank(peek())) ++pos_;
            Token token;
            token.position = pos_ + 1;
            const int c = peek();
            if (c == kEnd) return token;
            if (is_word(c)) return word(std::move(token));
            if (is_quote(c)) return quoted(std::move(token));
            if (c == '/') {
                ++pos_;
                if (skip_comment()) continue;
                return Error(fmt::format(
                    "position {}: the /* comment that starts here is not closed before the end",
                    token.position));
            }
            ++pos_;
            token.kind = Token::Kind::ordinary;
            token.ordinary = c;
            return token;
        }
    }

    std::size_t end_position() const { return text_.size() + 1; }

  private:
    int peek() const { return pos_ < text_.size() ? static_cast<int>(text_[pos_]) : kEnd; }
    int read() { return pos_ < text_.size() ? static_cast<int>(text_[pos_++]) : kEnd; }

    Token word(Token token) {
        token.kind = Token::Kind::word;
        while (is_word(peek())) token.text.push_back(static_cast<char32_t>(read()));
        return token;
    }

    // Past the '/': false when the text ends inside a block comment.
    bool skip_comment() {
        int c = read();
        if (c == '*') return skip_block_comment();
        // "//" and, '/' being a comment character, a single '/' followed by anything: the rest
        // of the line goes (the character after the '/' is gone already, even a line break).
        while (peek() != '\n' && peek() != '\r' && peek() != kEnd) ++pos_;
        return true;
    }

    // StreamTokenizer's loop, quirks kept: the character after a line break is taken as the
    // previous character without being looked at as a possible '/'.
    bool skip_block_comment() {
        int previous = 0;
        int c = 0;
        while ((c = read()) != '/' || previous != '*') {
            if (c == '\r') {
                c = read();
                if (c == '\n') c = read();
            } else if (c == '\n') {
                c = read();
            }
            if (c == kEnd) return false;
            previous = c;
        }
        return true;
    }

    Result<Token> quoted(Token token) {
        token.kind = Token::Kind::quoted;
        const int quote = read();
        int d = read();
        while (d != kEnd && d != quote && d != '\n' && d != '\r') {
            int c = d;
            if (d == '\\') {
                c = read();
                d = c == kEnd ? kEnd : escaped(c);
            } else {
                d = read();
            }
            if (c == 0) {
                return Error(fmt::format(
                    "position {}: a NUL character in the quoted string that starts here",
                    token.position));
            }
            if (c != kEnd) token.text.push_back(static_cast<char32_t>(c));
        }
        if (d == kEnd) {
            return Error(fmt::format(
                "position {}: the quoted string that starts here is not closed before the end",
                token.position));
        }
        if (d != quote) --pos_;  // a line break ended it: it separates the next token
        return token;
    }

    // After a backslash in a quoted string: `c` becomes the character meant, and the return
    // value is the next character read (the lookahead, as in StreamTokenizer).
    int escaped(int& c) {
        if (c >= '0' && c <= '7') {
            const int first = c;
            c -= '0';
            int next = read();
            if (next < '0' || next > '7') return next;
            c = c * 8 + (next - '0');
            next = read();
            if (next < '0' || next > '7' || first > '3') return next;
            c = c * 8 + (next - '0');
            return read();
        }
        switch (c) {
            case 'a':
                c = 0x07;
                break;
            case 'b':
                c = '\b';
                break;
            case 'f':
                c = '\f';
                break;
            case 'n':
                c = '\n';
                break;
            case 'r':
                c = '\r';
                break;
            case 't':
                c = '\t';
                break;
            case 'v':
                c = '\v';
                break;
            default:
                break;
        }
        return read();
    }

    std::u32string_view text_;
    std::size_t pos_ = 0;
};

Error expected(std::size_t position, std::string_view what) {
    return Error(fmt::format("position {}: expected {}", position, what));
}

Result<std::string> control_flag(const Token& token) {
    static constexpr std::string_view kFlags[] = {"required", "requisite", "sufficient",
                                                  "optional"};
    if (token.has_text()) {
        const std::string flag = lower(to_utf8(token.text));
        for (const std::string_view known : kFlags) {
            if (flag == known) return flag;
        }
    }
    return expected(token.position,
                    "the control flag (required, requisite, sufficient or optional)");
}

Result<JaasOption> option(Tokenizer& tokens, const Token& name) {
    if (!name.has_text()) return expected(name.position, "an option name=value or ';'");
    auto equals = tokens.next();
    if (!equals) return std::move(equals).error();
    if (!equals->is('=')) {
        return expected(equals->position, "'=' after the option name that starts at position " +
                                              std::to_string(name.position));
    }
    auto value = tokens.next();
    if (!value) return std::move(value).error();
    if (!value->has_text()) {
        return expected(value->position, "the option's value (a word or a quoted string)");
    }
    return JaasOption{.name = to_utf8(name.text), .value = to_utf8(value->text)};
}

// One entry, its first token already read (JaasConfig.parseAppConfigurationEntry).
Result<JaasEntry> entry(Tokenizer& tokens, const Token& first) {
    if (!first.has_text() || first.text.empty()) {
        return expected(first.position, "a login module class name");
    }
    JaasEntry parsed;
    parsed.login_module = to_utf8(first.text);
    auto flag_token = tokens.next();
    if (!flag_token) return std::move(flag_token).error();
    auto flag = control_flag(*flag_token);
    if (!flag) return std::move(flag).error();
    parsed.control_flag = std::move(*flag);
    for (;;) {
        auto token = tokens.next();
        if (!token) return std::move(token).error();
        if (token->kind == Token::Kind::end) {
            return expected(token->position, "';' to close the login module entry");
        }
        if (token->is(';')) return parsed;
        auto parsed_option = option(tokens, *token);
        if (!parsed_option) return std::move(parsed_option).error();
        parsed.options.push_back(std::move(*parsed_option));
    }
}

}  // namespace

Result<JaasEntry> parse_jaas(std::string_view text) {
    const std::u32string characters = decode_text(text);
    Tokenizer tokens(characters);
    std::vector<JaasEntry> entries;
    std::size_t second_position = 0;
    for (;;) {
        auto first = tokens.next();
        if (!first) return std::move(first).error();
        if (first->kind == Token::Kind::end) break;
        if (entries.size() == 1) second_position = first->position;
        auto parsed = entry(tokens, *first);
        if (!parsed) return std::move(parsed).error();
        entries.push_back(std::move(*parsed));
    }
    if (entries.empty()) {
        return Error("holds no login module (expected: LoginModuleClass controlFlag options;)");
    }
    if (entries.size() > 1) {
        return Error(fmt::format(
            "position {}: a second login module; the client takes exactly one (it has {})",
            second_position, entries.size()));
    }
    return std::move(entries.front());
}

JaasModuleKind jaas_module_kind(std::string_view login_module) {
    const std::size_t dot = login_module.rfind('.');
    const std::string_view simple =
        dot == std::string_view::npos ? login_module : login_module.substr(dot + 1);
    if (simple == "PlainLoginModule") return JaasModuleKind::plain;
    if (simple == "ScramLoginModule") return JaasModuleKind::scram;
    if (simple == "OAuthBearerLoginModule") return JaasModuleKind::oauthbearer;
    if (simple == "Krb5LoginModule") return JaasModuleKind::kerberos;
    if (simple == "IAMLoginModule") return JaasModuleKind::aws_iam;
    return JaasModuleKind::other;
}

}  // namespace vpcprobe
