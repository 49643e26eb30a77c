// SPDX-License-Identifier: Apache-2.0
// Prints what java.util.Properties.load makes of each file named on the command line, for
// java_properties_test.cpp to compare with parse_java_properties. Run with the single-file
// source launcher: java PropertiesDump.java FILE...
// For each file: "== FILE", then one line per put() in order, "KEY<TAB>VALUE" with every
// character outside printable ASCII, the tab and the backslash written as backslash, u and four hexadecimal digits (UTF-16 units), or
// "ERROR" when load throws. A file that is valid UTF-8 is loaded through a UTF-8 Reader,
// any other through load(InputStream) (ISO-8859-1): the rule parse_java_properties documents.
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

public class PropertiesDump {
    public static void main(String[] args) throws Exception {
        for (String file : args) {
            System.out.println("== " + file);
            byte[] bytes = Files.readAllBytes(Path.of(file));
            List<String> puts = new ArrayList<>();
            Properties properties = new Properties() {
                @Override
                public synchronized Object put(Object key, Object value) {
                    puts.add(escape((String) key) + "\t" + escape((String) value));
                    return super.put(key, value);
                }
            };
            try {
                if (isUtf8(bytes)) {
                    properties.load(new InputStreamReader(new ByteArrayInputStream(bytes),
                                                          StandardCharsets.UTF_8));
                } else {
                    properties.load(new ByteArrayInputStream(bytes));
                }
                puts.forEach(System.out::println);
            } catch (IllegalArgumentException e) {
                System.out.println("ERROR");
            }
        }
    }

    static boolean isUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
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
