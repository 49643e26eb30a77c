# SPDX-License-Identifier: Apache-2.0
"""The repository's structure, checked on its sources (docs/architecture.md): the folders are
layers that include only downwards, the foreign libraries stay in the layer that maps their
errors, every source file says its license and every header what it is for, and the repository
documents itself (no pointer to documents it does not contain, no stale work-item notes).

The build enforces the include rule too (each layer sees only the headers of the layers it
links); this test says which file and which include, and follows includes transitively, which
the build cannot do for system headers."""
import os
import re
import subprocess
import unittest

ROOT = os.environ.get("VPCPROBE_SOURCE_DIR") or os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))

# Each layer and the layers its files may include. agent/ (the commands) may use every layer.
LAYERS = {
    "core": {"core"},
    "agent/settings": {"core", "agent/settings"},
    "probes": {"core", "probes"},
    "reports/diagnosis": {"core", "reports/diagnosis"},
    "reports/render": {"core", "reports/render"},
    "agent": {"core", "agent", "agent/settings", "probes", "reports/diagnosis",
              "reports/render"},
}
# Headers of the libraries whose errors probes/ maps to causes (one error map per space): no
# other layer may see them, not even through a probes/ header.
FOREIGN = re.compile(r"#\s*include\s*<(openssl/|ares[._]|boost/asio/ssl)")
# The one source outside probes/ that may see them: serve's listener runs its HTTP sessions
# over Boost.Asio SSL streams. Its TLS context (certificate, key, client CAs: where OpenSSL
# errors are read and worded) is built in probes/tls/tls_server_context.cpp, so the file only
# plumbs the stream and reads no OpenSSL error. A .cpp, so no other file sees through it.
FOREIGN_ALLOWED = {"agent/serve_http.cpp"}
PROJECT_INCLUDE = re.compile(r'#\s*include\s*"([^"]+)"')


def tracked_files():
    try:
        out = subprocess.run(["git", "-C", ROOT, "ls-files"], capture_output=True, text=True,
                             check=True).stdout
        return [f for f in out.splitlines() if os.path.exists(os.path.join(ROOT, f))]
    except (OSError, subprocess.CalledProcessError):
        found = []
        for root, dirs, names in os.walk(ROOT):
            dirs[:] = [d for d in dirs if not d.startswith((".", "build"))]
            found += [os.path.relpath(os.path.join(root, n), ROOT) for n in names]
        return found


def layer_of(path):
    """The most specific layer a file belongs to, or None (tests, fuzz, tools)."""
    best = None
    for layer in LAYERS:
        if path.startswith(layer + "/") and (best is None or len(layer) > len(best)):
            best = layer
    return best


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8", errors="replace") as f:
        return f.read()


class Structure(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.files = tracked_files()
        cls.sources = [f for f in cls.files if f.endswith((".h", ".cpp"))]
        cls.product = [f for f in cls.sources if layer_of(f)]

    def test_layers_include_only_downwards(self):
        problems = []
        for path in self.product:
            allowed = LAYERS[layer_of(path)]
            for included in PROJECT_INCLUDE.findall(read(path)):
                target = layer_of(included)
                if target is not None and target not in allowed:
                    problems.append(f"{path} includes {included} ({target} is not below "
                                    f"{layer_of(path)})")
        self.assertEqual(problems, [])

    def test_foreign_library_headers_stay_in_probes(self):
        def reach(path, seen):
            """Every project header `path` includes, transitively."""
            for included in PROJECT_INCLUDE.findall(read(path)):
                if included not in seen and os.path.exists(os.path.join(ROOT, included)):
                    seen[included] = path
                    reach(included, seen)
            return seen

        problems = []
        for path in self.product:
            if layer_of(path) == "probes" or path in FOREIGN_ALLOWED:
                continue
            seen = reach(path, {})
            for header in [path, *seen]:
                match = FOREIGN.search(read(header))
                if match:
                    chain = [header]
                    while chain[-1] in seen and chain[-1] != path:
                        chain.append(seen[chain[-1]])
                    problems.append(f"{path} sees <{match.group(1)}...> through "
                                    f"{' <- '.join(chain)}")
                    break
        self.assertEqual(problems, [])
        # The check can fail: a probes header that does include a foreign header is found.
        self.assertTrue(FOREIGN.search(read("probes/tls/tls_context.h")))
        # The exception stays one source file that nothing includes.
        for allowed in FOREIGN_ALLOWED:
            self.assertTrue(allowed.endswith(".cpp"), allowed)
            includers = [f for f in self.sources if allowed in PROJECT_INCLUDE.findall(read(f))]
            self.assertEqual(includers, [])

    def test_every_source_file_names_its_license(self):
        spdx = "SPDX-License-Identifier: Apache-2.0"
        scripts = [f for f in self.files if f.endswith((".h", ".cpp", ".py", ".sh")) or
                   os.path.basename(f) == "CMakeLists.txt" or
                   f in ("bench/run", "bench/profile", "bench/protocol", "bench/serve",
                          ".ci/run", "scripts/function-lengths")]
        missing = [f for f in scripts if spdx not in "".join(read(f).splitlines(True)[:2])]
        self.assertEqual(missing, [])
        self.assertIn("Apache License", read("LICENSE"))

    def test_every_header_opens_with_what_it_is_for(self):
        silent = []
        for path in self.product:
            if not path.endswith(".h"):
                continue
            lines = read(path).splitlines()
            if len(lines) < 2 or not lines[1].startswith("//"):
                silent.append(path)
        self.assertEqual(silent, [])

    def test_the_repository_documents_itself(self):
        # Names built here so this file does not match itself.
        outside = re.compile("|".join(re.escape(s) for s in (
            "design" + ".md", "contract" + ".md", "../" + "shared", "shared/" + "docs")))
        work_items = re.compile(r"\b[Ii]ssue \d+\b")
        found = []
        for path in self.files:
            if path.startswith(("fuzz/corpus/", "fuzz/regressions/")):
                continue
            try:
                text = read(path)
            except OSError:
                continue
            for number, line in enumerate(text.splitlines(), 1):
                if outside.search(line) or work_items.search(line):
                    found.append(f"{path}:{number}: {line.strip()[:100]}")
        self.assertEqual(found, [])

    def test_references_to_the_docs_lead_somewhere(self):
        """`docs/report.md, "Cause codes"` in a comment names a file and a section that exist."""
        reference = re.compile(r'docs/([a-z_]+\.(?:md|json))(?:,| \(|\s*\(|\s)\s*"([^"]+)"')
        broken = []
        for path in self.files:
            if not path.endswith((".h", ".cpp", ".py")) or path.endswith("test_structure.py"):
                continue
            for number, line in enumerate(read(path).splitlines(), 1):
                for doc, section in reference.findall(line):
                    doc_path = os.path.join("docs", doc)
                    if not os.path.exists(os.path.join(ROOT, doc_path)):
                        broken.append(f"{path}:{number}: {doc_path} does not exist")
                        continue
                    headings = [h.lstrip("#").strip() for h in read(doc_path).splitlines()
                                if h.startswith("#")]
                    if doc.endswith(".md") and not any(h.startswith(section) for h in headings):
                        broken.append(f"{path}:{number}: {doc_path} has no section {section!r}")
        self.assertEqual(broken, [])


if __name__ == "__main__":
    unittest.main()
