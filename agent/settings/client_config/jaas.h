// SPDX-License-Identifier: Apache-2.0
// The JAAS configuration a Kafka client takes inline in `sasl.jaas.config`:
//   LoginModuleClass controlFlag name="value" name=value ... ;
// read as Kafka's JaasConfig reads it (java.io.StreamTokenizer with Kafka's syntax table), with
// the check Kafka's JaasContext adds for clients: exactly one login module.
//
// Tokens, as Kafka sets the tokenizer up:
// - Characters 0..32 separate tokens (so line breaks are blanks).
// - A word is a run of characters other than blanks, '"', '\'', '/', ';' and '=' (and the
//   C1 controls U+0081..U+009F, which are tokens of their own and fit nowhere).
// - '"' or '\'' opens a quoted string, closed by the same quote. Inside, a backslash escapes:
//   \a \b \f \n \r \t \v, one to three octal digits (\0..\377), any other character stands for
//   itself (\" \' \\). A quoted string also ends at a line break, as StreamTokenizer's do; one
//   still open at the end of the text is an error.
// - '/' starts a comment: "/*...*/", or to the end of the line ("//" or a single '/', which
//   also swallows the character right after it, even a line break, as StreamTokenizer does). So
//   a path or URL must be quoted: keyTab="/etc/kafka/client.keytab".
// An option's name and value are each a word or a quoted string; an option's value cannot be
// missing. Names may repeat (Kafka keeps the last); all are returned in order.
//
// Errors say the character position (1-based, counted in Unicode characters) and what was
// expected there, never the text: the text holds the password.
//
// Pure functions: safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace vpcprobe {

struct JaasOption {
    std::string name;
    std::string value;  // may be a secret (password, client secret): never print it
};

struct JaasEntry {
    std::string login_module;  // the class name as written
    std::string control_flag;  // "required", "requisite", "sufficient" or "optional"
    std::vector<JaasOption> options;
};

// The one login module entry of a sasl.jaas.config value (UTF-8). The control flag is matched
// without regard to case (Kafka upper-cases it) and returned in lower case.
Result<JaasEntry> parse_jaas(std::string_view text);

enum class JaasModuleKind { plain, scram, oauthbearer, kerberos, aws_iam, other };

// Which mechanism a login module class is for, by its simple name (the part after the last '.',
// so relocated copies count too): PlainLoginModule, ScramLoginModule, OAuthBearerLoginModule,
// Krb5LoginModule (Sun/Oracle and IBM), IAMLoginModule (AWS MSK's
// software.amazon.msk.auth.iam.IAMLoginModule); anything else is `other`.
JaasModuleKind jaas_module_kind(std::string_view login_module);

}  // namespace vpcprobe
