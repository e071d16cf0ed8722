"""steps_cloud.perceval_token(): the token Perceval would use, found in
Perceval's order (PCVL_CLOUD_TOKEN, then config.json in
PCVL_PERSISTENT_PATH or Perceval's data directory), never from Perceval's
fallbacks, each case in a temporary directory."""

import json
import os
import sys
import warnings

import pytest

from steps_cloud import perceval_token

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the data directory tested is Linux's")

VARIABLES = ["PCVL_CLOUD_TOKEN", "PCVL_PERSISTENT_PATH", "XDG_DATA_HOME", "HOME", "TMPDIR"]


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty home directory, and none of the variables the lookup reads."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


def write_config(directory, token, url=None, mode=0o600, **remote):
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "config.json"
    remote = {"token": token, "url": url, "proxies": None, **remote}
    path.write_text(json.dumps({"remote": remote}))
    os.chmod(path, mode)
    return path


def quiet(call, *args, **kwargs):
    """The call's result, failing on any warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return call(*args, **kwargs)


def test_nothing_set_is_none(home):
    assert quiet(perceval_token) is None


def test_the_lookup_order(home, tmp_path, monkeypatch):
    xdg = tmp_path / "xdg"
    persistent = tmp_path / "persistent"
    write_config(home / ".local" / "share" / "perceval-quandela", "_T_from_home")
    assert quiet(perceval_token) == "_T_from_home"

    write_config(xdg / "perceval-quandela", "_T_from_xdg")
    monkeypatch.setenv("XDG_DATA_HOME", str(xdg))
    assert quiet(perceval_token) == "_T_from_xdg"

    write_config(persistent, "_T_from_persistent_path")
    monkeypatch.setenv("PCVL_PERSISTENT_PATH", str(persistent))
    assert quiet(perceval_token) == "_T_from_persistent_path"

    monkeypatch.setenv("PCVL_CLOUD_TOKEN", "_T_from_env")
    assert quiet(perceval_token) == "_T_from_env"

    # Empty variables fall through.
    monkeypatch.setenv("PCVL_CLOUD_TOKEN", "")
    assert quiet(perceval_token) == "_T_from_persistent_path"
    monkeypatch.setenv("PCVL_PERSISTENT_PATH", "")
    assert quiet(perceval_token) == "_T_from_xdg"
    monkeypatch.setenv("XDG_DATA_HOME", "")
    assert quiet(perceval_token) == "_T_from_home"


def test_a_persistent_path_without_a_file_is_none(home, tmp_path, monkeypatch):
    write_config(home / ".local" / "share" / "perceval-quandela", "_T_from_home")
    monkeypatch.setenv("PCVL_PERSISTENT_PATH", str(tmp_path / "empty"))
    assert quiet(perceval_token) is None, "Perceval reads only the one directory"


def test_no_token_in_the_file(home):
    directory = home / ".local" / "share" / "perceval-quandela"
    write_config(directory, None)
    assert quiet(perceval_token) is None
    write_config(directory, "")
    assert quiet(perceval_token) is None
    (directory / "config.json").write_text('{"remote": null}')
    assert quiet(perceval_token) is None


def test_a_file_others_may_read_is_used_with_a_warning(home):
    secret = "_T_readable_by_others"
    write_config(home / ".local" / "share" / "perceval-quandela", secret, mode=0o644)
    with pytest.warns(UserWarning, match="readable by group or others") as caught:
        assert perceval_token() == secret
    assert all(secret not in str(w.message) for w in caught)


def test_an_unusable_file_is_none_with_a_warning(home):
    directory = home / ".local" / "share" / "perceval-quandela"
    directory.mkdir(parents=True)
    (directory / "config.json").write_text("{not json")
    with pytest.warns(UserWarning, match="not JSON"):
        assert perceval_token() is None
    (directory / "config.json").write_text(" " * (64 * 1024 + 1))
    with pytest.warns(UserWarning, match="at most"):
        assert perceval_token() is None


def test_the_token_of_another_server_is_not_used(home, monkeypatch):
    directory = home / ".local" / "share" / "perceval-quandela"
    write_config(directory, "_T_for_elsewhere", url="https://cloud.example")
    with pytest.warns(UserWarning, match="is for https://cloud.example") as caught:
        assert perceval_token() is None
    assert all("_T_for_elsewhere" not in str(w.message) for w in caught)
    assert quiet(perceval_token, "https://cloud.example/") == "_T_for_elsewhere"
    write_config(directory, "_T_for_production", url="https://api.cloud.quandela.com")
    assert quiet(perceval_token) == "_T_for_production"
    assert quiet(perceval_token, "HTTPS://API.cloud.quandela.com/") == "_T_for_production"
    # The environment variable is Perceval's for any server.
    monkeypatch.setenv("PCVL_CLOUD_TOKEN", "_T_env")
    assert quiet(perceval_token, "https://cloud.example") == "_T_env"


def test_perceval_fallbacks_are_never_read(home, tmp_path, monkeypatch):
    temp = tmp_path / "tmp"
    monkeypatch.setenv("TMPDIR", str(temp))
    write_config(temp / "perceval-quandela", "_T_planted_in_tmp")
    write_config(temp, "_T_planted_in_tmp")
    directory = home / ".local" / "share" / "perceval-quandela"
    directory.mkdir(parents=True)
    (directory / "token").write_text("_T_deprecated_token_file")
    assert quiet(perceval_token) is None
