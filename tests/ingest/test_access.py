"""Access lists at ingest: from the source, else the folder's sidecar or the default; access
changes rewrite access rows and never re-embed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.access import SIDECAR, FolderPolicies, read_sidecar
from ingest.pipeline import ingest
from search.store.store import Store
from tests.conftest import make_store


def note(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"# {name}\n\nDate: 2025-03-05\n\n{text}\n", encoding="utf-8")
    return path


def grants(store: Store) -> dict[str, tuple[str, ...] | None]:
    """Document title -> who may see it."""
    return {
        row["title"]: store.catalog.grantees_of(row["doc_id"])
        for row in store.catalog.documents_index()
    }


def vector_ids(store: Store) -> list[str]:
    return sorted(store.vectors._collection.get(include=[])["ids"])


def test_notes_take_the_nearest_sidecar_else_the_default(tmp_path: Path) -> None:
    root = tmp_path / "org"
    note(root, "open.md", "Open to all.")
    note(root / "leads", "plans.md", "Leads only.")
    note(root / "leads" / "board", "minutes.md", "Nobody but admins.")
    note(root / "leads" / "board" / "shared", "summary.md", "Back to a group.")
    (root / "leads" / SIDECAR).write_text("principals: [Dana@corp.example]\ngroups: [leads]\n")
    (root / "leads" / "board" / SIDECAR).write_text("")
    (root / "leads" / "board" / "shared" / SIDECAR).write_text("groups: everyone\n")
    store = make_store(tmp_path / "home", default_access=["staff", "ops@corp.example"])
    assert not ingest([root], store).failures
    assert grants(store) == {
        "open.md": ("group:staff", "user:ops@corp.example"),
        "plans.md": ("group:leads", "user:dana@corp.example"),
        "minutes.md": (),
        "summary.md": ("group:everyone",),
    }
    store.close()


def test_a_sidecar_change_rewrites_access_without_re_embedding(tmp_path: Path) -> None:
    root = tmp_path / "org"
    note(root / "team", "a.md", "Alpha.")
    note(root / "team", "b.md", "Bravo.")
    store = make_store(tmp_path / "home")
    first = ingest([root], store)
    assert first.chunks_written == 2
    before = vector_ids(store)
    assert set(grants(store).values()) == {("group:everyone",)}
    (root / "team" / SIDECAR).write_text("groups: [team]\n")
    second = ingest([root], store)
    assert second.count("updated") == 2 and second.chunks_written == 0
    assert set(grants(store).values()) == {("group:team",)}
    assert vector_ids(store) == before
    assert ingest([root], store).count("unchanged") == 2  # settled
    store.close()


def test_a_newer_slack_export_changes_membership_without_re_embedding(tmp_path: Path) -> None:
    export = tmp_path / "slack"
    (export / "secret").mkdir(parents=True)
    users = [
        {"id": "U1", "team_id": "T1", "name": "ann", "profile": {"email": "ann@corp.example"}},
        {"id": "U2", "team_id": "T1", "name": "bob", "profile": {}},
    ]
    (export / "users.json").write_text(json.dumps(users))
    (export / "channels.json").write_text("[]")
    (export / "groups.json").write_text(
        json.dumps([{"id": "G1", "name": "secret", "members": ["U1"]}])
    )
    message = {"type": "message", "user": "U1", "text": "The plan.", "ts": "1741168800.000100"}
    (export / "secret" / "2025-03-05.json").write_text(json.dumps([message]))
    store = make_store(tmp_path / "home")
    assert ingest([export], store).chunks_written == 1
    assert set(grants(store).values()) == {("user:ann@corp.example", "user:id:u1")}
    (export / "groups.json").write_text(
        json.dumps([{"id": "G1", "name": "secret", "members": ["U1", "U2"]}])
    )
    again = ingest([export], store)
    assert again.count("updated") == 1 and again.chunks_written == 0
    assert set(grants(store).values()) == {("user:ann@corp.example", "user:id:u1", "user:id:u2")}
    store.close()


def test_documents_stored_before_access_lists_are_kept_not_re_embedded(tmp_path: Path) -> None:
    root = tmp_path / "org"
    note(root, "a.md", "Alpha.")
    store = make_store(tmp_path / "home")
    ingest([root], store)
    from ingest.readers import notes

    (record,) = notes.read(root / "a.md").records
    db = store.catalog._db
    # as an older catalog holds it: the content hash with access, no access rows
    db.execute("UPDATE documents SET content_hash = ?", (record.hash_before_access_lists(),))
    db.execute("DELETE FROM document_access")
    db.execute("DELETE FROM chunk_access")
    db.execute("DELETE FROM source_access")
    assert set(grants(store).values()) == {None}  # no list yet: admins only
    redo = ingest([root], store)
    assert redo.count("updated") == 1 and redo.chunks_written == 0
    assert set(grants(store).values()) == {("group:everyone",)}
    store.close()


def test_a_broken_sidecar_fails_its_sources_and_names_the_file(tmp_path: Path) -> None:
    root = tmp_path / "org"
    note(root / "team", "a.md", "Alpha.")
    store = make_store(tmp_path / "home")
    ingest([root], store)
    (root / "team" / SIDECAR).write_text("members: [ann]\n")
    summary = ingest([root], store)
    (failure,) = summary.failures
    assert SIDECAR in failure.reason and "unknown key members" in failure.reason
    assert set(grants(store).values()) == {("group:everyone",)}  # what was stored stays
    store.close()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[a, b]", "expected a mapping"),
        ("groups: {a: 1}", "'groups' must be a list"),
        ("groups: [a\n", "cannot read"),
    ],
)
def test_sidecar_errors_say_what_is_wrong(tmp_path: Path, text: str, problem: str) -> None:
    sidecar = tmp_path / SIDECAR
    sidecar.write_text(text)
    with pytest.raises(ValueError, match=problem):
        read_sidecar(sidecar)


def test_default_access_entries_are_groups_users_or_explicit(tmp_path: Path) -> None:
    policies = FolderPolicies(["everyone", "ann@corp.example", "user:bob", "group:x@lists"])
    assert policies.for_source(tmp_path / "a.md").grantees == (
        "group:everyone",
        "group:x@lists",
        "user:ann@corp.example",
        "user:bob",
    )
