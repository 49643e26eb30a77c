// SPDX-License-Identifier: Apache-2.0
// Prints what Kafka's sasl.jaas.config reader makes of each file named on the command line (the
// file's UTF-8 text is the value), for jaas_test.cpp to compare with parse_jaas. Kafka is not
// needed: its reader is java.io.StreamTokenizer with the syntax table set up below (as in
// Kafka's JaasConfig), entries read as LoginModule flag (name=value)* ';', and the client's rule
// of exactly one entry. Run with the single-file source launcher: java JaasDump.java FILE...
// For each file: "== FILE", then "MODULE<TAB>FLAG" and one "NAME<TAB>VALUE" line per option in
// order (characters outside printable ASCII, the tab and the backslash escaped as in
// PropertiesDump.java), or "ERROR".
import java.io.IOException;
import java.io.StreamTokenizer;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

public class JaasDump {
    public static void main(String[] args) throws Exception {
        for (String file : args) {
            System.out.println("== " + file);
            String text = new String(Files.readAllBytes(Path.of(file)), StandardCharsets.UTF_8);
            try {
                read(text).forEach(System.out::println);
            } catch (IllegalArgumentException e) {
                System.out.println("ERROR");
            }
        }
    }

    static List<String> read(String text) throws IOException {
        StreamTokenizer tokens = new StreamTokenizer(new StringReader(text));
        tokens.resetSyntax();
        tokens.wordChars(32, 128);
        tokens.wordChars(128 + 32, 255);
        tokens.ordinaryChar(';');
        tokens.ordinaryChar('=');
        tokens.whitespaceChars(0, ' ');
        tokens.commentChar('/');
        tokens.quoteChar('"');
        tokens.quoteChar('\'');
        tokens.slashSlashComments(true);
        tokens.slashStarComments(true);
        List<String> lines = new ArrayList<>();
        int entries = 0;
        while (tokens.nextToken() != StreamTokenizer.TT_EOF) {
            entries++;
            String module = tokens.sval;
            if (module == null || module.isEmpty()) throw new IllegalArgumentException();
            tokens.nextToken();
            String flag = tokens.sval == null ? "" : tokens.sval.toLowerCase(Locale.ROOT);
            if (!Set.of("required", "requisite", "sufficient", "optional").contains(flag)) {
                throw new IllegalArgumentException();
            }
            lines.add(escape(module) + "\t" + flag);
            while (tokens.nextToken() != StreamTokenizer.TT_EOF && tokens.ttype != ';') {
                String name = tokens.sval;
                // Kafka would take an ordinary character's null as a name; parse_jaas refuses it.
                if (name == null) throw new IllegalArgumentException();
                if (tokens.nextToken() != '=' || tokens.nextToken() == StreamTokenizer.TT_EOF
                    || tokens.sval == null) {
                    throw new IllegalArgumentException();
                }
                lines.add(escape(name) + "\t" + escape(tokens.sval));
            }
            if (tokens.ttype != ';') throw new IllegalArgumentException();
        }
        if (entries != 1) throw new IllegalArgumentException();
        return lines;
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c < 0x20 || c > 0x7e || c == '\\') {
                out.append(String.format("\\u%04X", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
