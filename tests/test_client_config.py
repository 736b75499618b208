"""simkl.config: base URL and client id from the environment."""
import sys
import types

import pytest

import simkl_resume.simkl as simkl_pkg
from simkl_resume.core.errors import ConfigError
from simkl_resume.simkl import config


def test_default_base_url_is_simkl_https():
    assert config.api_base_url({}) == "https://api.simkl.com"
    assert config.api_base_url({"SIMKL_API_URL": "  "}) == "https://api.simkl.com"


@pytest.mark.parametrize("raw, expected", [
    ("https://api.simkl.com/", "https://api.simkl.com"),
    ("https://proxy.example.org/simkl//", "https://proxy.example.org/simkl"),
    ("http://127.0.0.1:8765/", "http://127.0.0.1:8765"),
    ("http://127.8.9.10:1234", "http://127.8.9.10:1234"),
    ("http://localhost:8765", "http://localhost:8765"),
    ("HTTP://LOCALHOST:8765", "HTTP://LOCALHOST:8765"),
    ("http://[::1]:8765/", "http://[::1]:8765"),
])
def test_base_url_accepts_https_and_loopback_http_and_strips_trailing_slash(raw, expected):
    assert config.api_base_url({"SIMKL_API_URL": raw}) == expected


@pytest.mark.parametrize("raw", [
    "http://api.simkl.com", "http://192.168.1.10:8765", "http://10.0.0.1", "http://[::2]:80",
    "http://localhost.example.com", "http://127.0.0.1.nip.io",
])
def test_plain_http_to_a_non_loopback_host_is_refused_with_a_clear_message(raw):
    with pytest.raises(ConfigError, match="https"):
        config.api_base_url({"SIMKL_API_URL": raw})


@pytest.mark.parametrize("raw", [
    "ftp://127.0.0.1/", "file:///etc/passwd", "api.simkl.com", "https://", "https://h:notaport/",
    "https://user:pw@api.simkl.com", "https://api.simkl.com/?x=1",
])
def test_other_schemes_and_odd_urls_are_refused(raw):
    with pytest.raises(ConfigError):
        config.api_base_url({"SIMKL_API_URL": raw})


@pytest.fixture
def no_build_module(monkeypatch):
    monkeypatch.delattr(simkl_pkg, "_build", raising=False)
    monkeypatch.setitem(sys.modules, "simkl_resume.simkl._build", None)  # import -> ImportError


@pytest.fixture
def build_module(monkeypatch):
    module = types.ModuleType("simkl_resume.simkl._build")
    module.CLIENT_ID = "built-in-id-123"
    monkeypatch.delattr(simkl_pkg, "_build", raising=False)
    monkeypatch.setitem(sys.modules, "simkl_resume.simkl._build", module)
    return module


def test_client_id_from_environment_wins_over_built_in(build_module):
    assert config.client_id({"SIMKL_CLIENT_ID": " env-id "}) == "env-id"


def test_client_id_falls_back_to_built_in_id(build_module):
    assert config.client_id({}) == "built-in-id-123"
    assert config.client_id({"SIMKL_CLIENT_ID": ""}) == "built-in-id-123"


def test_client_id_is_empty_without_environment_or_build(no_build_module):
    assert config.client_id({}) == ""


def test_built_in_client_id_of_wrong_type_counts_as_missing(build_module):
    build_module.CLIENT_ID = None
    assert config.client_id({}) == ""


def test_config_does_not_import_requests():
    import os
    import subprocess

    lib = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib")
    code = (f"import sys; sys.path.insert(0, {lib!r}); import simkl_resume.simkl.config; "
            "print('requests' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
