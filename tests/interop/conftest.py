"""Fixtures of the interop tests."""

import os

import pytest


@pytest.fixture
def opensc_env(tmp_path):
    conf = tmp_path / "opensc.conf"
    conf.write_text("app default {\n    enable_default_driver = true;\n}\n")
    return dict(os.environ, OPENSC_CONF=str(conf), OPENSC_DRIVER="default")
