"""Helpers shared by the tests in tests/ship/."""

import argparse
import pathlib
import shutil
import sys
import unittest


def tool(name):
    """The path of a program the tests need; scripts/bootstrap.sh installs each of them."""
    path = shutil.which(name)
    if not path:
        raise AssertionError(f"{name} is not installed (scripts/bootstrap.sh installs it)")
    return path


def run_with_build_dir(module):
    """Runs a test module's cases; sets module.BUILD_DIR from --build-dir."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", required=True)
    args, rest = parser.parse_known_args()
    module.BUILD_DIR = pathlib.Path(args.build_dir).resolve()
    unittest.main(module=module, argv=[sys.argv[0]] + rest, verbosity=2)
