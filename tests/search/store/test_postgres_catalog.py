"""What only the PostgreSQL catalog does: its schema version, a clear error when the server
does not answer, backups refused (pg_dump's job), ingests of one source taking turns, the
keyword leg's postings (written with each write, added to older catalogs, ranking as
``ts_rank_cd`` did)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest

from search.store import journal
from search.store.backup import BackupError, backup, restore
from search.store.catalog import SourceAccess, base, open_catalog, postgres
from search.store.catalog.postgres import SCHEMA_VERSION, CatalogUnavailable, PostgresCatalog
from search.store.filters import Filters
from search.store.migrations import CatalogVersionError
from search.store.settings import Settings
from search.store.vectors import VectorChunk
from tests.conftest import free_port, make_store, postgres_schema


@pytest.fixture
def database_url() -> Iterator[str]:
    with postgres_schema() as url:
        yield url


def test_an_unreachable_server_is_a_clear_error_naming_the_variable_and_host(
    tmp_path: Path,
) -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/test"
    with pytest.raises(CatalogUnavailable, match=r"WATERCOOLER_DATABASE_URL.*127\.0\.0\.1"):
        make_store(tmp_path / "home", database_url=url)


def test_the_schema_is_created_once_and_a_newer_one_is_refused(database_url: str) -> None:
    catalog = PostgresCatalog(database_url)
    assert catalog.migrated_from is None
    assert catalog.meta("schema_version") == str(SCHEMA_VERSION)
    catalog.close()
    reopened = open_catalog(Settings(database_url=database_url))
    assert isinstance(reopened, PostgresCatalog) and reopened.migrated_from == SCHEMA_VERSION
    reopened.set_meta({"schema_version": str(SCHEMA_VERSION + 1)})
    reopened.close()
    with pytest.raises(CatalogVersionError, match="newer"):
        PostgresCatalog(database_url)


def test_backup_and_restore_refuse_a_postgresql_catalog_naming_pg_dump(
    tmp_path: Path, database_url: str
) -> None:
    store = make_store(tmp_path / "home", database_url=database_url)
    try:
        with pytest.raises(BackupError, match="pg_dump"):
            backup(store, tmp_path / "backup")
        with pytest.raises(BackupError, match="pg_dump"):
            restore(tmp_path / "backup", store.settings)
        assert not (tmp_path / "backup").exists()
    finally:
        store.close()


def test_a_source_being_written_makes_a_second_writer_wait(database_url: str) -> None:
    first, second = PostgresCatalog(database_url), PostgresCatalog(database_url)
    order: list[str] = []

    def other_writer() -> None:
        with second.source_lock("/org/notes.md"):
            order.append("second")

    with first.source_lock("/org/notes.md"):
        waiting = threading.Thread(target=other_writer)
        waiting.start()
        with first.source_lock("/org/other.md"), second.source_lock("/org/another.md"):
            pass  # other sources are not held up
        time.sleep(0.3)
        order.append("first")
    waiting.join(timeout=10)
    assert order == ["first", "second"]
    first.close()
    second.close()


def test_tables_go_into_the_first_schema_of_the_search_path(database_url: str) -> None:
    PostgresCatalog(database_url).close()
    schema = database_url.rsplit("search_path%3D", 1)[1]
    with psycopg.connect(database_url) as db:
        found = db.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s "
            "AND table_name IN ('chunks', 'documents', 'pending_writes')",
            (schema,),
        ).fetchone()
    assert found == (3,)


def memo(doc_id: str, texts: list[str], title: str = "A memo") -> dict[str, Any]:
    """A document of one chunk per text."""
    return {
        "doc_id": doc_id,
        "kind": "memo",
        "origin": "rst",
        "source_path": f"/{doc_id}.rst",
        "title": title,
        "created": 994291200.0,
        "ended": 994291200.0,
        "channel": None,
        "thread": None,
        "participants": [{"name": "Ann Lee"}],
        "access_scope": "public",
        "access_members": [],
        "content_hash": doc_id,
        "message_count": 0,
        "chunks": [
            {
                "chunk_id": f"{doc_id}:{i}",
                "doc_id": doc_id,
                "position": i,
                "heading": "Shielding" if i == 0 else "",
                "locator": f"line {i + 1}",
                "source_path": f"/{doc_id}.rst",
                "text": text,
                "people": ["Ann Lee"],
                "start_ts": 994291200.0,
                "end_ts": 994291200.0,
            }
            for i, text in enumerate(texts)
        ],
    }


def postings(catalog: PostgresCatalog) -> list[tuple[str, str, float, int]]:
    """(lexeme, chunk_id, tf, lexemes) of every posting, in order."""
    rows = catalog._db.execute(
        "SELECT p.lexeme, c.chunk_id, p.tf, p.lexemes FROM chunk_terms p "
        "JOIN chunks c ON c.rowid = p.chunk_rowid ORDER BY 2, 1"
    )
    return [tuple(r) for r in rows]


def expected_postings(catalog: PostgresCatalog) -> list[tuple[str, str, float, int]]:
    """The postings as the tsvectors give them, each frequency ranked by ts_rank_cd."""
    rows = catalog._db.execute(
        "SELECT u.lexeme, c.chunk_id, 4 * ts_rank_cd('{0.25, 0.25, 0.5, 1.0}', c.fts, "
        "quote_literal(u.lexeme)::tsquery, 0), length(c.fts) "
        "FROM chunks c CROSS JOIN LATERAL unnest(c.fts) u ORDER BY 2, 1"
    )
    return [tuple(r) for r in rows]


def test_postings_follow_every_write_in_its_transaction(database_url: str) -> None:
    catalog = PostgresCatalog(database_url)
    texts = ["Tungsten shielding for the lunar lander.", "Shielding, shielding and more tungsten."]
    catalog.write_source("/org/a.rst", "rst", "h1", None, [memo("a", texts, "Tungsten")], set())
    catalog.write_source("/org/b.rst", "rst", "h1", None, [memo("b", ["Lunar dust."])], set())
    found = postings(catalog)
    assert found == expected_postings(catalog)
    assert ("tungsten", "a:0", 5.0, 6) in found  # title (4) and text (1)
    assert {lexeme for lexeme, chunk_id, *_ in found if chunk_id == "a:1"} >= {"shield"}

    # a replaced document's old postings go, a failed write leaves them as they were
    catalog.write_source("/org/a.rst", "rst", "h2", None, [memo("a", ["Lunar rovers."])], set())
    assert postings(catalog) == expected_postings(catalog)
    assert not any(chunk_id == "a:1" for _, chunk_id, *_ in postings(catalog))
    before = postings(catalog)
    with pytest.raises(KeyError):
        catalog.write_source("/org/c.rst", "rst", "h1", None, [memo("c", ["x"]), {}], set())
    assert postings(catalog) == before
    hits = catalog.keyword_search(["lunar"], 10, Filters())
    assert sorted(chunk_id for chunk_id, _ in hits) == ["a:0", "b:0"]

    catalog.forget("/org")
    assert postings(catalog) == []
    catalog.close()


@pytest.mark.parametrize("overfetch", [1, 4, 1000])
def test_a_filtered_keyword_search_keeps_the_best_that_pass_however_few_are_checked_first(
    database_url: str, monkeypatch: pytest.MonkeyPatch, overfetch: int
) -> None:
    monkeypatch.setattr(postgres, "KEYWORD_OVERFETCH", overfetch)
    catalog = PostgresCatalog(database_url)
    for n in range(12):  # "lunar" said n + 1 times: a later document scores higher
        doc = memo(f"d{n}", [" ".join(["lunar"] * (n + 1) + ["dust"] * 5)])
        doc["kind"] = "chat" if n % 3 == 0 else "memo"
        catalog.write_source(f"/org/{n}.rst", "rst", "h1", None, [doc], set())
    everything = [c for c, _ in catalog.keyword_search(["lunar"], 100, Filters())]
    chats = [c for c in everything if int(c[1:].split(":")[0]) % 3 == 0]
    for limit in (1, 2, 3, 10):
        found = catalog.keyword_search(["lunar"], limit, Filters(kinds=("chat",)))
        assert [c for c, _ in found] == chats[:limit]
    catalog.close()


FEW_PAGES = 10
T = TypeVar("T")


# How many pages of the chunk table (not its indexes), and of the postings' index, have
# been touched so far.
CHUNK_TABLE_PAGES = (
    "SELECT heap_blks_read + heap_blks_hit FROM pg_statio_user_tables "
    "WHERE relid = 'chunks'::regclass"
)
POSTINGS_INDEX_PAGES = (
    "SELECT idx_blks_read + idx_blks_hit FROM pg_statio_user_indexes "
    "WHERE relid = 'chunk_terms'::regclass"
)


def with_pages(
    catalog: PostgresCatalog, read: Callable[[], T], counted: str = CHUNK_TABLE_PAGES
) -> tuple[T, int]:
    """What ``read()`` returns, and how many pages it touched, as ``counted`` counts them.
    Of the chunk table, a few even when no row is read (the visibility map's page, which
    covers 32,768 of the table's; what the planner looks up at an index's ends)."""

    def pages() -> int:
        catalog._db.execute("SELECT pg_stat_force_next_flush()")
        return int(catalog._db.execute(counted).fetchone()[0])

    before = pages()
    result = read()
    return result, pages() - before


def test_which_candidates_pass_a_filter_is_read_from_indexes_not_chunk_rows(
    database_url: str,
) -> None:
    # a chunk row holds its text and tsvector: checking a thousand candidates of a search
    # through their rows read a page of the table for each when the cache missed them (these
    # 350 candidates' rows: 200 pages)
    catalog = PostgresCatalog(database_url)
    for n in range(40):
        texts = [f"lunar dust report {n} part {i} " + "with filler words " * 20 for i in range(50)]
        doc = memo(f"d{n}", texts)
        doc["kind"] = "chat" if n % 4 == 0 else "memo"
        team = SourceAccess("rules", {f"d{n}": ("team",)})
        catalog.write_source(f"/org/{n}.rst", "rst", "h1", None, [doc], set(), team)
    catalog._db.execute("VACUUM ANALYZE")
    candidates = [f"d{n}:{i}" for n in range(0, 40, 3) for i in range(0, 50, 2)]
    chats = {c for c in candidates if int(c[1:].split(":")[0]) % 4 == 0}

    for filters, passing in [
        (Filters(kinds=("chat",)), chats),
        (Filters(kinds=("chat",), person="Ann Lee"), chats),
        (Filters(sources=("rst",), since=994291200.0), set(candidates)),
        (Filters(kinds=("chat",), access=("team",)), chats),
        (Filters(access=("others",)), set()),
    ]:
        found, read = with_pages(catalog, lambda f=filters: catalog.passing_among(f, candidates))
        assert (found, read < FEW_PAGES) == (passing, True), (filters, read)

    # the keyword leg checks its best scored chunks the same way (after a first search,
    # which reads the tsvectors once for BM25's mean length)
    catalog.keyword_search(["dust"], 20, Filters())
    hits, read = with_pages(
        catalog, lambda: catalog.keyword_search(["lunar"], 20, Filters(kinds=("chat",)))
    )
    assert {c.split(":")[0] for c, _ in hits} <= {f"d{n}" for n in range(0, 40, 4)}
    assert (len(hits), read < FEW_PAGES) == (20, True), read
    catalog.close()


def test_the_catalogs_statements_are_not_compiled_with_jit(database_url: str) -> None:
    # a filtered keyword search is costed in millions (its fallback branch) and PostgreSQL
    # compiled it with JIT: 310 ms of a 50 ms statement at a million chunks
    catalog = PostgresCatalog(database_url)
    assert catalog._db.execute("SHOW jit").fetchone()[0] == "off"
    catalog.close()


def vacuums(catalog: PostgresCatalog, table: str = "chunk_terms") -> int:
    row = catalog._db.execute(
        "SELECT vacuum_count + autovacuum_count FROM pg_stat_user_tables WHERE relid = ?::regclass",
        (table,),
    ).fetchone()
    return int(row[0])


def test_the_catalog_vacuums_its_postings_once_many_are_new(database_url: str) -> None:
    catalog = PostgresCatalog(database_url)
    catalog.write_source("/org/a.rst", "rst", "h1", None, [memo("a", ["Lunar dust."])], set())
    catalog.maintain()
    assert vacuums(catalog) == 0  # two postings: not worth a vacuum
    texts = [" ".join(f"w{i}x{j}" for j in range(60)) for i in range(200)]  # 12,000 postings
    catalog.write_source("/org/b.rst", "rst", "h1", None, [memo("b", texts)], set())
    catalog.maintain()
    assert vacuums(catalog) >= 1  # by the catalog itself: this server may run no autovacuum
    catalog.close()


def test_the_tables_writes_empty_again_are_vacuumed_once_many_rows_are_dead(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres, "CHURN_VACUUM_ROWS", 150)
    catalog = PostgresCatalog(database_url)
    db = catalog._db

    def journal_write(chunks: int) -> None:  # what a store's write leaves: nothing pending
        vectors = [VectorChunk(f"c{i}", "d", "t", [0.0] * 384, {}) for i in range(chunks)]
        with catalog.transaction() as tx:
            write_id = journal.record(tx, ["d"], vectors)
        journal.done(db, write_id)

    def pages(table: str) -> int:
        return int(db.execute(f"SELECT pg_relation_size('{table}') / 8192").fetchone()[0])

    catalog.write_source("/org/a.rst", "rst", "h1", None, [memo("a", ["Lunar dust."] * 100)], set())
    journal_write(100)
    catalog.maintain()  # 100 dead rows each: not yet
    assert vacuums(catalog, "chunk_stats") == vacuums(catalog, "pending_vectors") == 0
    assert pages("pending_vectors") > 10
    catalog.write_source("/org/b.rst", "rst", "h1", None, [memo("b", ["Lunar dust."] * 100)], set())
    journal_write(100)
    catalog.maintain()
    assert vacuums(catalog, "chunk_stats") == vacuums(catalog, "pending_vectors") == 1
    assert pages("pending_vectors") == 0  # emptied: this server may run no autovacuum
    assert catalog.chunk_total() == 200
    catalog.close()


def postings_index_file(catalog: PostgresCatalog) -> int:
    return int(catalog._db.execute("SELECT pg_relation_filenode('chunk_terms_pkey')").fetchone()[0])


def test_the_postings_index_is_rebuilt_once_the_postings_have_doubled(database_url: str) -> None:
    catalog = PostgresCatalog(database_url)

    def write(name: str, chunks: int) -> None:  # 60 new postings a chunk
        texts = [" ".join(f"{name}w{i}x{j}" for j in range(60)) for i in range(chunks)]
        catalog.write_source(f"/org/{name}.rst", "rst", "h1", None, [memo(name, texts)], set())
        catalog.maintain()

    write("a", 200)  # 12,000 postings: vacuumed, too few to rebuild for
    built = postings_index_file(catalog)
    write("b", 200)  # 24,000: rebuilt
    assert postings_index_file(catalog) != built
    built = postings_index_file(catalog)
    write("c", 200)  # 36,000, not twice 24,000: vacuumed, not rebuilt
    assert postings_index_file(catalog) == built
    found = catalog.keyword_search(["bw7x3", "cw0x0"], 10, Filters())
    assert sorted(chunk_id for chunk_id, _ in found) == ["b:7", "c:0"]  # read from it
    catalog.close()


def test_the_next_vacuum_drops_the_copy_an_interrupted_rebuild_left(database_url: str) -> None:
    catalog = PostgresCatalog(database_url)

    def invalid_indexes() -> list[str]:
        rows = catalog._db.execute(
            "SELECT indexrelid::regclass::text FROM pg_index "
            "WHERE indrelid = 'chunk_terms'::regclass AND NOT indisvalid"
        )
        return [name for (name,) in rows.fetchall()]

    texts = [" ".join(f"w{i}x{j}" for j in range(60)) for i in range(200)]
    catalog.write_source("/org/a.rst", "rst", "h1", None, [memo("a", texts)], set())
    catalog.maintain()

    def interrupted() -> None:
        # what REINDEX CONCURRENTLY leaves when it stops half way: an invalid index of the
        # name it builds under
        copy = "CREATE UNIQUE INDEX CONCURRENTLY chunk_terms_pkey_ccnew ON chunk_terms (tf)"
        with (
            psycopg.connect(database_url, autocommit=True) as db,
            pytest.raises(psycopg.errors.UniqueViolation),
        ):
            db.execute(copy)
        assert invalid_indexes() == ["chunk_terms_pkey_ccnew"]

    interrupted()
    built = postings_index_file(catalog)
    texts = [" ".join(f"v{i}x{j}" for j in range(60)) for i in range(200)]
    catalog.write_source("/org/b.rst", "rst", "h1", None, [memo("b", texts)], set())
    catalog.maintain()  # 24,000 postings: rebuilt
    assert postings_index_file(catalog) != built
    assert invalid_indexes() == []
    interrupted()
    built = postings_index_file(catalog)
    texts = [" ".join(f"u{i}x{j}" for j in range(60)) for i in range(200)]
    catalog.write_source("/org/c.rst", "rst", "h1", None, [memo("c", texts)], set())
    catalog.maintain()  # 36,000, not twice 24,000: vacuumed, not rebuilt
    assert postings_index_file(catalog) == built
    assert invalid_indexes() == []
    catalog.close()


def test_a_version_1_catalog_gets_its_postings_on_opening(database_url: str) -> None:
    catalog = PostgresCatalog(database_url)
    catalog.write_source(
        "/org/a.rst", "rst", "h1", None, [memo("a", ["Tungsten shielding.", "Lunar dust."])], set()
    )
    written = postings(catalog)
    # what version 1 had: no postings table, no trigger
    catalog._db.execute("DROP TABLE chunk_terms")
    catalog._db.execute("DROP TRIGGER chunks_terms ON chunks")
    catalog.set_meta({"schema_version": "1"})
    catalog.close()

    reopened = PostgresCatalog(database_url)
    assert reopened.migrated_from == 1
    assert postings(reopened) == written
    assert [c for c, _ in reopened.keyword_search(["tungsten"], 10, Filters())] == ["a:0"]
    reopened.close()


def test_a_version_2_catalog_gets_the_filter_columns_indexes_on_opening(
    database_url: str,
) -> None:
    catalog = PostgresCatalog(database_url)
    catalog.write_source("/org/a.rst", "rst", "h1", None, [memo("a", ["Lunar dust."])], set())
    catalog._db.execute("DROP INDEX chunks_facts_by_id, chunks_facts_by_rowid")
    catalog.set_meta({"schema_version": "2"})
    catalog.close()

    reopened = PostgresCatalog(database_url)
    indexes = reopened._db.execute(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
        "AND tablename = 'chunks' AND indexname LIKE 'chunks_facts_%' ORDER BY 1"
    ).fetchall()
    assert reopened.migrated_from == 2
    assert [r[0] for r in indexes] == ["chunks_facts_by_id", "chunks_facts_by_rowid"]
    assert reopened.passing_among(Filters(kinds=("memo",)), ["a:0", "b:0"]) == {"a:0"}
    reopened.close()


def table_stats(catalog: PostgresCatalog) -> tuple[int, float]:
    """The chunk count and mean length in lexemes, read from every chunk's tsvector."""
    row = catalog._db.execute("SELECT count(*), avg(length(fts)) FROM chunks").fetchone()
    return int(row[0]), float(row[1] or 0.0)


def test_bm25_statistics_follow_every_write_and_removal_exactly(database_url: str) -> None:
    # read from every chunk's tsvector, they cost a server's first search a scan of the
    # whole table: 0.5-1 s at a million chunks, seconds more with a cold page cache
    catalog = PostgresCatalog(database_url)
    catalog.write_source("/org/a.rst", "rst", "h1", None, [memo("a", ["Lunar dust."])], set())
    assert catalog._collection_stats() == table_stats(catalog)
    long = " ".join(f"word{i}" for i in range(300))
    catalog.write_source("/org/b.rst", "rst", "h1", None, [memo("b", [long, "Moon."])], set())
    assert catalog._collection_stats() == pytest.approx(table_stats(catalog))
    # a changed document replaces its chunks; a forgotten source takes its chunks along
    catalog.write_source("/org/a.rst", "rst", "h2", None, [memo("a", ["Dust, rock."])], set())
    catalog.forget("/org/b.rst")
    assert catalog._collection_stats() == pytest.approx(table_stats(catalog))
    assert catalog.chunk_total() == table_stats(catalog)[0] == 1
    rows = catalog._db.execute("SELECT count(*) FROM chunk_stats").fetchone()[0]
    assert rows > 1
    catalog.maintain()  # folded into one row, summing to the same
    assert catalog._db.execute("SELECT count(*) FROM chunk_stats").fetchone()[0] == 1
    catalog.write_source("/org/c.rst", "rst", "h1", None, [memo("c", ["Moon rock dust."])], set())
    assert catalog._collection_stats() == pytest.approx(table_stats(catalog))
    catalog.close()


def test_bm25_statistics_are_read_once_while_the_catalog_is_unchanged(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = PostgresCatalog(database_url)
    catalog.write_source("/org/a.rst", "rst", "h1", None, [memo("a", ["Lunar dust."])], set())
    reads: list[object] = []
    read = postgres._read_stats
    monkeypatch.setattr(postgres, "_read_stats", lambda db: reads.append(db) or read(db))
    for _ in range(3):
        assert catalog._collection_stats() == table_stats(catalog)
    assert len(reads) == 1
    catalog.write_source("/org/b.rst", "rst", "h1", None, [memo("b", ["Moon rock."])], set())
    assert catalog._collection_stats() == table_stats(catalog)
    assert len(reads) == 2
    catalog.close()


def test_a_version_3_catalog_gets_its_bm25_statistics_on_opening(database_url: str) -> None:
    catalog = PostgresCatalog(database_url)
    texts = ["Lunar dust.", "Moon rock and lunar dust."]
    catalog.write_source("/org/a.rst", "rst", "h1", None, [memo("a", texts)], set())
    expected = table_stats(catalog)
    # what version 3 had: no statistics kept
    catalog._db.execute("DROP TABLE chunk_stats")
    catalog.set_meta({"schema_version": "3"})
    catalog.close()

    reopened = PostgresCatalog(database_url)
    assert reopened.migrated_from == 3
    assert reopened._collection_stats() == pytest.approx(expected)
    reopened.write_source("/org/b.rst", "rst", "h1", None, [memo("b", ["Rock."])], set())
    assert reopened._collection_stats() == pytest.approx(table_stats(reopened))
    reopened.close()


def test_bm25_from_postings_ranks_as_ts_rank_cd_did(database_url: str) -> None:
    catalog = PostgresCatalog(database_url)
    docs = [
        memo("a", ["Tungsten shielding for the lunar lander.", "Lunar dust, lunar rovers."]),
        memo("b", ["The eip-7688 proposal: tungsten."], "EIP 7688"),
        memo("c", ["Rovers and landers; shielding against dust."], "Lunar"),
    ]
    catalog.write_source("/org/a.rst", "rst", "h1", None, docs, set())
    terms = ["lunar", "eip-7688", "shielding", "rovers"]
    kept = catalog._within_budget(terms)
    queries = catalog._tsqueries(list(kept))
    total, mean = catalog._collection_stats()
    parts, params = [], []
    for query, count in zip(queries, kept.values(), strict=True):
        idf = math.log(1 + (total - count + 0.5) / (count + 0.5))
        tf = "4 * ts_rank_cd('{0.25, 0.25, 0.5, 1.0}', fts, ?::tsquery, 0)"
        parts.append(f"{idf!r} * {tf} * 2.2 / ({tf} + 1.2 * (0.25 + 0.75 * length(fts) / {mean}))")
        params += [query, query]
    match = " | ".join(f"({q})" for q in queries)
    rows = catalog._db.execute(
        f"SELECT chunk_id, {' + '.join(parts)} FROM chunks WHERE fts @@ ?::tsquery",
        [*params, match],
    ).fetchall()
    expected = sorted(((r[0], float(r[1])) for r in rows), key=lambda r: -r[1])
    found = catalog.keyword_search(terms, 10, Filters())
    assert [c for c, _ in found] == [c for c, _ in expected]
    assert [s for _, s in found] == pytest.approx([s for _, s in expected], rel=1e-6)
    only_b = catalog.keyword_search(terms, 10, Filters(kinds=("memo",), channels=()))
    assert [c for c, _ in only_b] == [c for c, _ in expected]
    catalog.close()


def phrase_ranking(catalog: PostgresCatalog, term: str) -> list[str]:
    """The chunks holding ``term`` (a phrase) in a row, best first, ranked from their
    tsvectors with ``ts_rank_cd`` (BM25 of that term alone, its IDF from those chunks)."""
    (query,) = catalog._tsqueries([term])
    sql = "SELECT count(*) FROM chunks WHERE fts @@ ?::tsquery"
    (count,) = catalog._db.execute(sql, [query]).fetchone()
    total, mean = catalog._collection_stats()
    idf = math.log(1 + (total - count + 0.5) / (count + 0.5))
    tf = "4 * ts_rank_cd('{0.25, 0.25, 0.5, 1.0}', fts, ?::tsquery, 0)"
    score = f"{idf!r} * {tf} * 2.2 / ({tf} + 1.2 * (0.25 + 0.75 * length(fts) / {mean}))"
    rows = catalog._db.execute(
        f"SELECT chunk_id FROM chunks WHERE fts @@ ?::tsquery ORDER BY {score} DESC, rowid",
        [query, query, query],
    )
    return [r[0] for r in rows]


def test_a_phrase_ranks_the_chunks_holding_its_words_in_a_row_however_many_hold_them_apart(
    database_url: str,
) -> None:
    # the words of "field-sync" apart, often (their least frequency, the bound a phrase is
    # first scored by, is high), in thirty chunks; in a row in five, once each
    catalog = PostgresCatalog(database_url)
    apart = [memo(f"a{n}", ["sync " * 6 + "the field team " * 6 + f"note {n}"]) for n in range(30)]
    in_a_row = [
        memo(f"r{n}", [f"the field-sync job failed {n} times " + "again " * n]) for n in range(5)
    ]
    catalog.write_source("/org/a.rst", "rst", "h1", None, apart + in_a_row, set())
    expected = phrase_ranking(catalog, "field-sync")
    assert sorted(expected) == [f"r{n}:0" for n in range(5)]
    for limit in (1, 3, 5, 10):
        for filters in (Filters(), Filters(kinds=("memo",))):
            found = catalog.keyword_search(["field-sync"], limit, filters)
            assert [c for c, _ in found] == expected[:limit], (limit, filters)
    # with a word beside it, a chunk holding the phrase's words apart scores by the word
    found = dict(catalog.keyword_search(["field-sync", "note"], 40, Filters()))
    assert set(found) == {*expected, *(f"a{n}:0" for n in range(30))}
    assert min(found[c] for c in expected) > max(found[f"a{n}:0"] for n in range(30))
    catalog.close()


def test_a_phrase_is_checked_in_the_rows_of_the_best_chunks_only(database_url: str) -> None:
    # scoring a phrase read every chunk holding it (their tsvectors): 12,449 chunks for
    # "field-sync" at a million, 279-370 ms each time
    catalog = PostgresCatalog(database_url)
    for n in range(20):
        texts = [f"the field-sync run {n}.{i} " + "with filler words " * 20 for i in range(50)]
        catalog.write_source(f"/org/{n}.rst", "rst", "h1", None, [memo(f"d{n}", texts)], set())
    catalog._db.execute("VACUUM ANALYZE")
    # BM25's mean length (every row), and the share of the phrase's words in a row (in
    # PHRASE_SAMPLE of the chunks holding them): read once
    catalog.keyword_search(["field-sync"], 5, Filters())
    limit = 5
    hits, read = with_pages(
        catalog, lambda: catalog.keyword_search(["field-sync"], limit, Filters())
    )
    assert [c for c, _ in hits] == phrase_ranking(catalog, "field-sync")[:limit]
    # the rows checked (PHRASE_DEPTH times the limit), each on a page at most
    assert read < FEW_PAGES + postgres.PHRASE_DEPTH * limit, read
    catalog.close()


def test_a_phrase_whose_words_often_stand_apart_is_counted_from_a_sample_of_them(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 400 chunks hold both words of "field-sync", 100 of them in a row: counting it in
    # every one of them read all their rows
    catalog = PostgresCatalog(database_url)
    texts = [
        f"the field-sync run {n}" if n % 4 == 0 else f"sync of the field {n}" for n in range(400)
    ]
    catalog.write_source("/org/a.rst", "rst", "h1", None, [memo("a", texts)], set())
    (query,) = catalog._tsqueries(["field-sync"])
    in_text = postgres._text_only(query)
    sql = "SELECT count(*) FROM chunks WHERE fts @@ ?::tsquery"
    assert catalog._db.execute(sql, [in_text]).fetchone()[0] == 100
    assert 70 <= catalog._phrase_counts(["field-sync"])["field-sync"] <= 130
    (idf_count,) = catalog._in_a_row({query: 400}).values()
    assert 70 <= idf_count <= 130
    # no more than the sample: all of them, exactly
    monkeypatch.setattr(postgres, "PHRASE_SAMPLE", 400)
    monkeypatch.setattr(postgres, "_IN_A_ROW", base.CatalogCache(4096))
    assert catalog._phrase_counts(["field-sync"])["field-sync"] == 100
    assert catalog._in_a_row({query: 400}) == {query: 100}
    catalog.close()


def test_a_phrases_chunks_are_joined_from_the_postings_once_until_the_catalog_changes(
    database_url: str,
) -> None:
    # a first search with a phrase joined its words' postings three times (counting,
    # sampling its share in a row, scoring) and every later search once: at a million
    # chunks, 60-80 ms a join for the five words of work_orders_external_ref_key
    catalog = PostgresCatalog(database_url)
    texts = [f"the field-sync run {n}" if n % 3 else f"sync of the field {n}" for n in range(600)]
    catalog.write_source("/org/a.rst", "rst", "h1", None, [memo("a", texts)], set())

    def search() -> list[tuple[str, float]]:
        return catalog.keyword_search(["field-sync"], 5, Filters())

    first, joined = with_pages(catalog, search, POSTINGS_INDEX_PAGES)
    again, rejoined = with_pages(catalog, search, POSTINGS_INDEX_PAGES)
    assert rejoined < joined / 4, (joined, rejoined)
    assert again == first
    assert [c for c, _ in first] == phrase_ranking(catalog, "field-sync")[:5]
    # a write moves the catalog on: the new chunk, the phrase's best, is found
    new = memo("b", ["field-sync: the field-sync field-sync"], "field-sync")
    catalog.write_source("/org/b.rst", "rst", "h2", None, [new], set())
    found = catalog.keyword_search(["field-sync"], 5, Filters())
    assert found[0][0] == "b:0"
    assert [c for c, _ in found] == phrase_ranking(catalog, "field-sync")[:5]
    catalog.close()


def plan_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A plan node of ``EXPLAIN (FORMAT JSON)`` and every node under it."""
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


def test_a_phrases_words_are_read_within_each_sample_window(database_url: str) -> None:
    # a common phrase is counted in rowid windows; with the window on its first word alone,
    # the planner merged it with the other words' postings from their start: at a million
    # chunks a late window of "field-sync" read most of the 156k postings of "sync"
    catalog = PostgresCatalog(database_url)
    texts = [f"the field-sync run {n}" if n % 3 else f"sync of the field {n}" for n in range(600)]
    catalog.write_source("/org/a.rst", "rst", "h1", None, [memo("a", texts)], set())
    catalog._db.execute("ANALYZE chunk_terms")
    (query,) = catalog._tsqueries(["field-sync"])
    low, high = catalog._rowid_span()
    windows = [(low + 100, low + 199), (high - 99, high)]
    parts, params = postgres._holding_in(postgres._phrase_lexemes(query) or [], windows)
    sql = " UNION ALL ".join(parts)
    rows = catalog._db.execute(f"SELECT rowid FROM ({sql}) h", params).fetchall()
    assert sorted(r[0] for r in rows) == [*range(low + 100, low + 200), *range(high - 99, high + 1)]
    (plan,) = catalog._db.execute(f"EXPLAIN (FORMAT JSON) {sql}", params).fetchone()[0]
    scans = [n for n in plan_nodes(plan["Plan"]) if n.get("Relation Name") == "chunk_terms"]
    assert len(scans) == 4  # both words, in both windows
    for scan in scans:
        conditions = " ".join(scan.get(k, "") for k in ("Index Cond", "Filter", "Recheck Cond"))
        assert "chunk_rowid >= " in conditions and "chunk_rowid <= " in conditions, conditions
    catalog.close()


def test_reading_a_phrases_chunks_leaves_the_planners_settings_as_they_were(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # its join is planned in a transaction of its own, with nested loops off
    catalog = PostgresCatalog(database_url)
    texts = [f"the field-sync run {n}" for n in range(20)]
    catalog.write_source("/org/a.rst", "rst", "h1", None, [memo("a", texts)], set())
    (query,) = catalog._tsqueries(["field-sync"])
    setting = "SELECT current_setting('enable_nestloop'), current_setting('enable_hashjoin')"
    assert catalog._holding([query])[query].count == 20
    assert catalog._db.execute(setting).fetchone() == ("on", "on")
    monkeypatch.setattr(postgres, "_HOLDING", base.CatalogCache(128))  # read again
    with catalog.transaction() as db:  # inside a transaction, none of its own
        assert catalog._holding([query])[query].count == 20
        assert db.execute(setting).fetchone() == ("on", "on")
    catalog.close()


def test_a_phrases_sample_is_checked_once_for_anywhere_and_in_the_text(
    database_url: str,
) -> None:
    # a first search asks for both, in two threads; each read the same sample's rows
    catalog = PostgresCatalog(database_url)
    filler = " with filler words" * 20
    texts = [
        (f"the field-sync run {n}" if n % 2 else f"sync of the field {n}") + filler
        for n in range(400)
    ]
    catalog.write_source("/org/a.rst", "rst", "h1", None, [memo("a", texts, "Field-sync")], set())
    (query,) = catalog._tsqueries(["field-sync"])
    anywhere, read = with_pages(catalog, lambda: catalog._in_a_row({query: 400}))
    assert read > 3 * FEW_PAGES  # the sample's rows
    in_text, read = with_pages(catalog, lambda: catalog._in_a_row({query: 400}, text=True))
    assert read < FEW_PAGES
    # the title holds it in every chunk; the text in half of them
    assert anywhere == {query: 400}
    assert 140 <= in_text[query] <= 260
    catalog.close()


def test_a_persons_chunks_are_looked_up_one_by_one_among_given_chunks(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the planner made the lookup a join that listed every chunk of the person first: at a
    # million chunks 68,755 for 1,579 candidates, 46-87 ms
    catalog = PostgresCatalog(database_url)
    texts = [f"lunar dust report {i}" for i in range(400)]
    catalog.write_source("/org/a.rst", "rst", "h1", None, [memo("a", texts)], set())
    candidates = [f"a:{i}" for i in range(0, 400, 4)]
    statements: list[tuple[str, Any]] = []
    execute = postgres.Connection.execute

    def recorded(self: postgres.Connection, sql: str, params: Any = ()) -> Any:
        statements.append((sql, params))
        return execute(self, sql, params)

    monkeypatch.setattr(postgres.Connection, "execute", recorded)
    assert catalog.passing_among(Filters(person="Ann Lee"), candidates) == set(candidates)
    catalog.keyword_search(["lunar"], 10, Filters(kinds=("memo",), person="Ann Lee"))
    monkeypatch.undo()
    looked_up = [(sql, params) for sql, params in statements if "chunk_people" in sql]
    assert len(looked_up) == 2
    for sql, params in looked_up:
        plan = "\n".join(r[0] for r in catalog._db.execute(f"EXPLAIN {sql}", params))
        assert "SubPlan" in plan and "Semi Join" not in plan, plan
    catalog.close()
