"""The installed layout and the Debian package (issue 15 items 5 and 11):

- `cmake --install` (DESTDIR, prefix /usr) puts the binary, the unit, sysusers.d and tmpfiles.d
  entries, the default config, rules and receivers in their FHS places, and the installed config
  keeps the database in the unit's StateDirectory (/var/lib/alertbridge), the only writable path
  under ProtectSystem=strict;
- `systemd-analyze verify` passes on the installed unit (no warning either) and
  `systemd-analyze security --offline=true` rates its exposure at most 2.0;
- systemd-sysusers and systemd-tmpfiles, run against the scratch root, make the user and the
  state folder;
- `cpack -G DEB` builds a .deb whose control data (`dpkg-deb -I`) carries the shared-library
  dependencies and conffiles, whose file list (`dpkg-deb -c`) is the layout above, and which,
  unpacked into a scratch root, runs `alertbridge check` on its own configuration.

Run: python3 tests/ship/test_package.py --build-dir build"""

import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

from ship_util import run_with_build_dir

BUILD_DIR = None
SYSTEMD_UNIT_DIR = pathlib.Path("/lib/systemd/system")
MAX_EXPOSURE = 2.0

LAYOUT = [
    "usr/bin/alertbridge",
    "lib/systemd/system/alertbridge.service",
    "usr/lib/sysusers.d/alertbridge.conf",
    "usr/lib/tmpfiles.d/alertbridge.conf",
    "etc/alertbridge/alertbridge.yml",
    "etc/alertbridge/rules/default.yml",
    "etc/alertbridge/receivers/console.yml",
    "usr/share/doc/alertbridge/README.md",
    "usr/share/doc/alertbridge/examples/alertmanager.yml",
    "usr/share/alertbridge/schemas/rules.schema.json",
]


def run(*cmd, **kw):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                          timeout=kw.pop("timeout", 300), **kw)


def systemd_analyze():
    path = shutil.which("systemd-analyze")
    if not path:
        raise unittest.SkipTest("systemd-analyze is missing: install the Debian package `systemd` "
                                "(scripts/bootstrap.sh does)")
    return path


def prepare_for_verify(root):
    """`systemd-analyze verify --root` loads the unit's dependencies (sysinit.target, ...) and
    checks that ExecStart/ExecReload binaries exist, all inside the root: give the scratch root
    the host's system units and kill(1)."""
    units = root / "lib/systemd/system"
    for unit in SYSTEMD_UNIT_DIR.iterdir():
        if not (units / unit.name).exists() and not unit.is_dir():
            shutil.copy(unit, units / unit.name, follow_symlinks=True)
    (root / "bin").mkdir(exist_ok=True)
    shutil.copy("/bin/kill", root / "bin/kill")


class InstalledLayout(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scratch = pathlib.Path(tempfile.mkdtemp(prefix="alertbridge-install-"))
        cls.root = cls.scratch / "root"
        done = run("cmake", "--install", BUILD_DIR, "--prefix", "/usr",
                   env=dict(os.environ, DESTDIR=str(cls.root)))
        assert done.returncode == 0, done.stdout + done.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.scratch, ignore_errors=True)

    def test_files_land_in_their_fhs_places(self):
        for path in LAYOUT:
            self.assertTrue((self.root / path).is_file(), path)
        self.assertTrue((self.root / "var/lib/alertbridge").is_dir())
        self.assertTrue(os.access(self.root / "usr/bin/alertbridge", os.X_OK))

    def test_the_database_lives_in_the_state_directory(self):
        unit = (self.root / "lib/systemd/system/alertbridge.service").read_text()
        self.assertIn("\nExecStart=/usr/bin/alertbridge serve --config "
                      "/etc/alertbridge/alertbridge.yml\n", unit)
        self.assertIn("\nStateDirectory=alertbridge\n", unit)
        self.assertIn("\nProtectSystem=strict\n", unit)
        config = (self.root / "etc/alertbridge/alertbridge.yml").read_text()
        self.assertRegex(config, r"\n    path: /var/lib/alertbridge/alertbridge\.db\n")
        # check (with the installed binary) reads the installed config: its rules and receivers
        # resolve beside it, inside the scratch root.
        done = run(self.root / "usr/bin/alertbridge", "check", "--config",
                   self.root / "etc/alertbridge/alertbridge.yml")
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertRegex(done.stdout, r"^[1-9]\d* rules, [1-9]\d* receivers")

    def test_unit_verifies_without_a_warning(self):
        tool = systemd_analyze()
        prepare_for_verify(self.root)
        done = run(tool, f"--root={self.root}", "verify", "alertbridge.service")
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertEqual(done.stderr.strip(), "", "systemd-analyze verify warned")

    def test_unit_exposure_is_at_most_two(self):
        tool = systemd_analyze()
        done = run(tool, "security", "--offline=true",
                   self.root / "lib/systemd/system/alertbridge.service")
        m = re.search(r"Overall exposure level for alertbridge\.service: (\d+\.\d+)",
                      done.stdout + done.stderr)
        self.assertIsNotNone(m, done.stdout + done.stderr)
        self.assertLessEqual(float(m.group(1)), MAX_EXPOSURE, done.stdout)
        # The service manager sees the hardening the README promises.
        for setting in ("NoNewPrivileges=", "ProtectSystem=", "PrivateTmp=",
                        "SystemCallFilter=~@", "CapabilityBoundingSet=~CAP_SYS_ADMIN"):
            line = next((l for l in done.stdout.splitlines() if setting in l), "")
            self.assertTrue(line.startswith("✓"), f"{setting}: {line!r}")

    def test_sysusers_and_tmpfiles_make_the_user_and_the_state_folder(self):
        for tool in ("systemd-sysusers", "systemd-tmpfiles"):
            if not shutil.which(tool):
                self.skipTest(f"{tool} is missing: install the Debian package `systemd`")
        root = self.scratch / "sysroot"
        shutil.copytree(self.root, root, symlinks=True)
        (root / "var/lib/alertbridge").rmdir()
        done = run("systemd-sysusers", f"--root={root}",
                   root / "usr/lib/sysusers.d/alertbridge.conf")
        self.assertEqual(done.returncode, 0, done.stderr)
        passwd = (root / "etc/passwd").read_text()
        m = re.search(r"^alertbridge:x:(\d+):(\d+):[^:]*:/var/lib/alertbridge:(\S+)$", passwd, re.M)
        self.assertIsNotNone(m, passwd)
        self.assertIn("nologin", m.group(3))
        done = run("systemd-tmpfiles", f"--root={root}", "--create",
                   root / "usr/lib/tmpfiles.d/alertbridge.conf")
        self.assertEqual(done.returncode, 0, done.stderr)
        state = (root / "var/lib/alertbridge").stat()
        self.assertEqual((state.st_uid, state.st_mode & 0o777), (int(m.group(1)), 0o750))


class DebianPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scratch = pathlib.Path(tempfile.mkdtemp(prefix="alertbridge-deb-"))
        done = run("cpack", "-G", "DEB", "-B", cls.scratch / "out", cwd=BUILD_DIR)
        assert done.returncode == 0, done.stdout + done.stderr
        debs = list((cls.scratch / "out").glob("alertbridge_*.deb"))
        assert len(debs) == 1, debs
        cls.deb = debs[0]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.scratch, ignore_errors=True)

    def test_control_data_names_dependencies_and_conffiles(self):
        info = run("dpkg-deb", "-I", self.deb)
        self.assertEqual(info.returncode, 0, info.stderr)
        depends = re.search(r"^ Depends: (.*)$", info.stdout, re.M)
        self.assertIsNotNone(depends, info.stdout)
        for package in ("systemd", "libsqlite3-0", "libsystemd0", "libyaml-cpp0.7", "libcurl4",
                        "libssl3", "libre2-9"):
            self.assertRegex(depends.group(1), rf"(^|, ){re.escape(package)}( \(|,|$)")
        conffiles = run("dpkg-deb", "-I", self.deb, "conffiles").stdout.split()
        self.assertEqual(sorted(conffiles),
                         ["/etc/alertbridge/alertbridge.yml",
                          "/etc/alertbridge/receivers/console.yml",
                          "/etc/alertbridge/rules/default.yml"])
        postinst = run("dpkg-deb", "-I", self.deb, "postinst").stdout
        self.assertIn("systemd-sysusers alertbridge.conf", postinst)
        self.assertIn("systemd-tmpfiles --create alertbridge.conf", postinst)

    def test_file_list_is_the_installed_layout(self):
        listing = run("dpkg-deb", "-c", self.deb)
        self.assertEqual(listing.returncode, 0, listing.stderr)
        paths = {line.split()[-1].removeprefix("./") for line in listing.stdout.splitlines()}
        for path in LAYOUT:
            self.assertIn(path, paths)
        self.assertIn("var/lib/alertbridge/", paths)
        self.assertFalse([p for p in paths if p.startswith("usr/local")], paths)

    def test_unpacked_package_checks_its_own_configuration(self):
        root = self.scratch / "root"
        done = run("dpkg-deb", "-x", self.deb, root)
        self.assertEqual(done.returncode, 0, done.stderr)
        binary = root / "usr/bin/alertbridge"
        version = run(binary, "version")
        self.assertEqual(version.returncode, 0, version.stderr)
        self.assertRegex(version.stdout, r"^alertbridge \d+\.\d+\.\d+")
        done = run(binary, "check", "--config", root / "etc/alertbridge/alertbridge.yml")
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("OK", done.stdout)
        prepare_for_verify(root)
        done = run(systemd_analyze(), f"--root={root}", "verify", "alertbridge.service")
        self.assertEqual((done.returncode, done.stderr.strip()), (0, ""), done.stdout)


if __name__ == "__main__":
    run_with_build_dir(sys.modules[__name__])
