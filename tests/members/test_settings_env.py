import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import envbool, envint, envlist


def test_envbool_reads_common_spellings(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    assert envbool("X_FLAG", False) is True
    monkeypatch.setenv("X_FLAG", "0")
    assert envbool("X_FLAG", True) is False


def test_envbool_fails_loudly_on_a_bad_value(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        envbool("X_FLAG", False)


def test_envint_fails_loudly_on_a_bad_value(monkeypatch):
    monkeypatch.setenv("X_NUM", "ten")
    with pytest.raises(ImproperlyConfigured, match="X_NUM"):
        envint("X_NUM", 1)


def test_envlist_splits_on_commas(monkeypatch):
    monkeypatch.setenv("X_HOSTS", "a.example, b.example,,")
    assert envlist("X_HOSTS", []) == ["a.example", "b.example"]


def test_the_site_speaks_simplified_chinese_in_shanghai_time(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"


def test_production_settings_refuse_a_missing_secret_key(monkeypatch):
    import importlib
    import sys

    monkeypatch.delenv("SECRET_KEY", raising=False)
    sys.modules.pop("config.settings.production", None)
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        importlib.import_module("config.settings.production")


def test_a_bad_tasks_backend_is_refused(monkeypatch):
    import importlib
    import sys

    monkeypatch.setenv("TASKS_BACKEND", "carrier-pigeon")
    sys.modules.pop("config.settings.base", None)
    try:
        with pytest.raises(ImproperlyConfigured, match="TASKS_BACKEND"):
            importlib.import_module("config.settings.base")
    finally:
        monkeypatch.delenv("TASKS_BACKEND")
        sys.modules.pop("config.settings.base", None)
        importlib.import_module("config.settings.base")
