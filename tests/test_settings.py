"""Every setting is documented in the README, and the environment reaches it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from rag.settings import Settings
from tests.conftest import ROOT


def _env_names(model: type[BaseModel], prefix: str = "RAG_") -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            names += _env_names(ann, f"{prefix}{name.upper()}__")
        else:
            names.append(f"{prefix}{name.upper()}")
    return names


@pytest.mark.parametrize("env", _env_names(Settings))
def test_setting_is_documented(env: str) -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert f"`{env}`" in readme, f"{env} is missing from the README settings table"


def test_environment_overrides_nested_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RAG_RETRIEVAL__K", "3")
    monkeypatch.setenv("RAG_CHROMA__HOST", "127.0.0.1")
    monkeypatch.setenv("RAG_STORE", str(tmp_path))
    s = Settings()
    assert s.retrieval.k == 3 and s.chroma.host == "127.0.0.1" and s.store == tmp_path
    # Command-line overrides win over the environment, section by section.
    s2 = Settings(retrieval={"candidates": 10})
    assert s2.retrieval.k == 3 and s2.retrieval.candidates == 10


def test_settings_hash_tracks_answer_settings_not_locations(tmp_path: Path) -> None:
    a = Settings(store=tmp_path / "a")
    assert a.settings_hash() == Settings(store=tmp_path / "b").settings_hash()
    assert (
        a.settings_hash()
        != Settings(store=tmp_path / "a", answer={"min_relevance": 0.5}).settings_hash()
    )


def test_unknown_setting_is_rejected() -> None:
    with pytest.raises(ValueError):
        Settings(retrieval={"kk": 3})


def test_each_store_keeps_its_own_sessions(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("RAG_UI__SESSIONS_PATH")
    a, b = Settings(store=tmp_path / "a"), Settings(store=tmp_path / "b")
    assert a.sessions_file().parent == tmp_path / "a"
    assert a.sessions_file() != b.sessions_file()  # a session never shows over another corpus
    served = Settings(store=tmp_path / "a", chroma={"host": "10.0.0.5", "port": 8001})
    assert served.sessions_file() not in (a.sessions_file(), b.sessions_file())
    # must not move: a file named in the settings, or the default store's earlier file
    named = Settings(store=tmp_path / "a", ui={"sessions_path": tmp_path / "mine.sqlite3"})
    assert named.sessions_file() == tmp_path / "mine.sqlite3"
    monkeypatch.chdir(tmp_path)
    assert Settings(store=Path("data/store")).sessions_file().parent == Path("data/store")
    Path("data").mkdir()
    Path("data/sessions.sqlite3").touch()
    assert Settings(store=Path("data/store")).sessions_file() == Path("data/sessions.sqlite3")
    assert Settings(store=tmp_path / "a").sessions_file() == a.sessions_file()


def test_a_read_only_store_keeps_its_sessions_under_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import rag.settings as settings_module

    monkeypatch.delenv("RAG_UI__SESSIONS_PATH")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "copy").mkdir()
    (tmp_path / "other").mkdir()
    writable = Settings(store=tmp_path / "copy").sessions_file()
    # tests may run as root, for whom every folder is writable: ask as a reader would
    monkeypatch.setattr(settings_module.os, "access", lambda path, mode: False)
    copy = Settings(store=tmp_path / "copy").sessions_file()
    assert copy.parent == Path("data") and copy != writable
    assert copy != Settings(store=tmp_path / "other").sessions_file()  # one per store
