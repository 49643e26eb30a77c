# SPDX-License-Identifier: Apache-2.0
"""Packages: scripts/package.sh builds the .deb and .rpm from this build folder (no rebuild) and
runs its checks (contents, man page, install into a throwaway root, `vpcprobe --version`,
`systemd-analyze verify` and `security` at 2.0 or better, the .rpm's metadata). On top of that,
the conffile behaves as one: a local edit of /etc/vpcprobe/vpcprobe.toml survives reinstalling
the package, and a purge removes it. Everything happens in temporary directories; this machine's
dpkg database and systemd are not touched. Skipped (77) without cpack, dpkg or rpmbuild, and for
sanitizer builds (packages are made from the plain one)."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from harness import BUILD_DIR, SOURCE_DIR

TOOLS = ["cpack", "dpkg", "dpkg-deb", "rpmbuild", "systemd-analyze"]
missing = [tool for tool in TOOLS if not shutil.which(tool)]
if missing:
    print(f"SKIPPED: {', '.join(missing)} not found (scripts/install-deps.sh installs them)",
          file=sys.stderr)
    sys.exit(77)
with open(os.path.join(BUILD_DIR, "CMakeCache.txt"), encoding="utf-8") as cache:
    if "VPCPROBE_SANITIZE:BOOL=ON" in cache.read():
        print("SKIPPED: sanitizer build; packages are made from the plain build",
              file=sys.stderr)
        sys.exit(77)

PACKAGE_SH = os.path.join(SOURCE_DIR, "scripts", "package.sh")
CONFFILE = "etc/vpcprobe/vpcprobe.toml"


class Packages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = tempfile.mkdtemp(prefix="vpcprobe-packages-")
        cls.result = subprocess.run([PACKAGE_SH, "--no-build", "--out", cls.out, BUILD_DIR],
                                    capture_output=True, text=True, timeout=300)
        cls.debs = [f for f in os.listdir(cls.out) if f.endswith(".deb")]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.out, ignore_errors=True)

    def test_package_sh_passes_every_check(self):
        self.assertEqual(self.result.returncode, 0,
                         f"stdout:\n{self.result.stdout}\nstderr:\n{self.result.stderr}")
        self.assertIn("package: all checks passed", self.result.stdout)
        for check in ("systemd-analyze verify", "systemd-analyze security: vpcprobe.service",
                      "systemd-analyze security: vpcprobe-check.service",
                      "installed into a throwaway root: vpcprobe ", ".rpm ok"):
            self.assertIn(check, self.result.stdout)

    def dpkg(self, root, *args):
        admin = os.path.join(root, "var", "lib", "dpkg")
        proc = subprocess.run(
            ["dpkg", f"--root={root}", f"--admindir={admin}", "--log=/dev/null",
             "--force-script-chrootless", "--force-depends", "--force-not-root",
             "--force-confold", *args], capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, f"dpkg {' '.join(args)}:\n{proc.stderr}")
        return proc

    def test_local_config_edit_survives_reinstall_and_purge_removes_it(self):
        self.assertEqual(len(self.debs), 1, f"{self.out}: {os.listdir(self.out)}")
        deb = os.path.join(self.out, self.debs[0])
        root = tempfile.mkdtemp(prefix="vpcprobe-dpkg-root-")
        self.addCleanup(shutil.rmtree, root, True)
        admin = os.path.join(root, "var", "lib", "dpkg")
        for sub in ("info", "updates", "triggers"):
            os.makedirs(os.path.join(admin, sub))
        for name in ("status", "available"):
            open(os.path.join(admin, name), "w", encoding="utf-8").close()

        self.dpkg(root, "-i", deb)
        config = os.path.join(root, CONFFILE)
        with open(config, encoding="utf-8") as f:
            shipped = f.read()
        with open(os.path.join(SOURCE_DIR, "packaging", "vpcprobe.toml"), encoding="utf-8") as f:
            self.assertEqual(shipped, f.read())
        local = shipped + '\ninstance = "alikafka_confluent-cn-localedit01"\n'
        with open(config, "w", encoding="utf-8") as f:
            f.write(local)

        self.dpkg(root, "-i", deb)  # reinstall: the local edit must stay
        with open(config, encoding="utf-8") as f:
            self.assertEqual(f.read(), local)

        self.dpkg(root, "--remove", "vpcprobe")  # remove keeps conffiles ...
        self.assertTrue(os.path.exists(config))
        self.assertFalse(os.path.exists(os.path.join(root, "usr", "bin", "vpcprobe")))
        self.dpkg(root, "--purge", "vpcprobe")  # ... purge does not
        self.assertFalse(os.path.exists(config))


if __name__ == "__main__":
    unittest.main()
