"""coursesite: course websites and subscribable calendars from validated YAML."""

# The release, for `coursesite --version` when the package metadata is not there (running from
# a source checkout that was never installed); tests/test_package.py keeps it equal to
# pyproject.toml's version.
__version__ = "0.2.0"
