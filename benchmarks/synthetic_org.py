"""A synthetic organization of any size, written through the real store.

Documents of five kinds in 40 channels over two years, each with 1 to 19 chunks of four
speaker-attributed sentences (about 600 characters) recombined from the sample
organization's own sentences and people. A chunk's vector is the mean of the real
embeddings of its sentences plus a little noise: no model runs per chunk (embedding a
million texts on 2 cores would take days and measure the model, not the store), yet nearby
vectors still mean nearby texts. Access lists are spread as in an organization: 60% open to
everyone, 20% one of 200 groups (private channels), 10% DMs among 2-3 of 1,000 people, 10%
mail threads among 3-6.

Documents are written 100 to a source (an export file's worth), through
:meth:`Store.write_source`: the catalog, its keyword index, the journal and the vectors.
"""

from __future__ import annotations

import random
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.pipeline import ingest
from search.store.access import Principal, access_list
from search.store.catalog import SourceAccess
from search.store.settings import Settings
from search.store.store import DocumentWrite, Store
from search.store.vectors import VectorChunk

REPO = Path(__file__).resolve().parents[1]
KINDS = ("meeting_notes", "memo", "chat", "email", "transcript")
USERS = [f"user{i}@corp.example" for i in range(1000)]
GROUPS = [f"group{i}" for i in range(200)]
MEMBER = Principal(USERS[1], tuple(GROUPS[::10]))  # searches as a member of 20 groups
YEAR = 365 * 24 * 3600
START = 1_704_067_200  # 2024-01-01
DOCS_PER_SOURCE = 100


@dataclass(frozen=True)
class Seed:
    """What documents are recombined from: sentences, their embeddings, people's names."""

    sentences: list[str]
    vectors: np.ndarray
    names: list[str]


def seed(cache: Path | None = None) -> Seed:
    """Sentences and names of the sample organization, embedded once (kept in ``cache``)."""
    if cache is not None and cache.exists():
        saved = np.load(cache, allow_pickle=False)
        return Seed(list(saved["sentences"]), saved["vectors"], list(saved["names"]))
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        store = Store.open(Settings(home=tmp / "seed"))
        source = tmp / "sample_org"
        shutil.copytree(REPO / "api" / "sample_org", source)
        ingest([source], store)
        texts = [row.text for row in store.catalog.iter_chunks()]
        names = sorted({row["name"] for row in store.catalog.people_rows()})
        sentences = sorted(
            {s.strip() for t in texts for s in re.split(r"(?<=[.!?])\s+|\n", t) if len(s) > 30}
        )
        vectors = np.array(store.embedder.embed_texts(sentences), dtype=np.float32)
        store.close()
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, sentences=np.array(sentences), vectors=vectors, names=np.array(names))
    return Seed(sentences, vectors, names)


FIRST_NAMES = """Ana Bo Carla Dmitri Elena Farid Grace Hiro Ines Jonas Kemal Lena Mateo Nadia Omar
    Priya Quinn Rosa Sven Tariq Uma Viktor Wen Ximena Yusuf Zoe Amara Bruno Chen Dara Emil Fatima
    Gustav Hana Ivan Jia Kofi Lucia Marek Noor Otto Pia Rafael Sana Tomas Ula Vera Wanjiru Yara
    Zainab""".split()
LAST_NAMES = """Abara Berg Costa Dahl Eze Fischer Garcia Haddad Ito Jensen Kowalski Lindqvist Moreau
    Nakamura Okafor Petrov Quispe Rossi Sato Tanaka Ueda Varga Weber Xu Yilmaz Zimmer Andersen
    Bauer Chopra Dubois Esposito Flores Gupta Horvat Ivanova Jovanovic Kim Lopez Mendes Nowak
    Oliveira Park Reyes Silva Torres Usman Vasquez Wagner Young Zhang Ahmed Brown Castro Diaz
    Evans Fofana Greco Holm Iqbal Janssen Kumar Larsen Muller Nguyen Ortiz Perez Ramos Schmidt
    Takahashi Umar""".split()


def with_people(material: Seed, count: int) -> Seed:
    """``material`` with ``count`` generated people (first and last names combined, up to
    3,500) in place of the sample organization's, for an organization of that many."""
    names = [f"{first} {last}" for last in LAST_NAMES for first in FIRST_NAMES]
    if count > len(names):
        raise ValueError(f"people: at most {len(names)} generated names, not {count}")
    return Seed(material.sentences, material.vectors, random.Random(7).sample(names, count))


def grantees(rng: random.Random) -> tuple[str, ...]:
    """An access list as an organization's documents have them (see the module docstring)."""
    r = rng.random()
    if r < 0.6:
        return access_list(groups=["everyone"])
    if r < 0.8:
        return access_list(groups=[rng.choice(GROUPS)])
    if r < 0.9:
        return access_list(rng.sample(USERS, rng.randint(2, 3)))
    return access_list(rng.sample(USERS, rng.randint(3, 6)))


def document(
    d: int, material: Seed, rng: random.Random, noise: np.random.Generator
) -> tuple[DocumentWrite, tuple[str, ...]]:
    """Document number ``d``: its catalog row and vectors, and who may see it."""
    kind = KINDS[d % len(KINDS)]
    doc_id = f"synthetic{d:08d}"
    path = f"/synthetic/{d // DOCS_PER_SOURCE:06d}.jsonl"
    created = START + rng.random() * 2 * YEAR
    people = rng.sample(material.names, min(3, len(material.names)))
    channel = f"#c{d % 40}"
    chunks, vectors = [], []
    for p in range(rng.randint(1, 19)):
        picks = [rng.randrange(len(material.sentences)) for _ in range(4)]
        text = "\n".join(f"{rng.choice(people)}: {material.sentences[i]}" for i in picks)
        v = material.vectors[picks].mean(axis=0) + noise.normal(0, 0.02, material.vectors.shape[1])
        v = (v / np.linalg.norm(v)).astype(float).tolist()
        ts = created + p * 600
        chunk_id = f"{doc_id}:{p}"
        chunks.append(
            {
                "chunk_id": chunk_id,
                "doc_id": doc_id,
                "position": p,
                "heading": "",
                "locator": f"line {p * 10 + 1}",
                "source_path": path,
                "text": text,
                "people": people,
                "start_ts": ts,
                "end_ts": ts + 300,
            }
        )
        meta = {
            "kind": kind,
            "origin": "synthetic",
            "position": p,
            "channel": channel,
            "start_ts": ts,
            "end_ts": ts + 300,
        }
        vectors.append(VectorChunk(chunk_id, doc_id, text, v, meta))
    row = {
        "doc_id": doc_id,
        "kind": kind,
        "origin": "synthetic",
        "source_path": path,
        "title": f"Synthetic {kind} {d}",
        "created": created,
        "ended": created + len(chunks) * 600,
        "channel": channel,
        "thread": None,
        "participants": [{"name": n} for n in people],
        "access_scope": "public",
        "access_members": [],
        "content_hash": doc_id,
        "message_count": 0,
        "chunks": chunks,
    }
    return DocumentWrite(row, vectors), grantees(rng)


def grow(
    store: Store,
    chunks: int,
    material: Seed,
    seed_value: int = 42,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Add documents until the store holds at least ``chunks`` synthetic chunks; returns the
    count. Document numbers continue from what the store holds, so a store grows in steps
    (10k, then 100k, then 1M) with each step's documents the same as in a single build."""
    held = store.catalog.counts()["chunks"]
    sources = len(store.catalog.source_paths())
    while held < chunks:
        rng = random.Random(seed_value * 1_000_003 + sources)
        noise = np.random.default_rng(seed_value * 1_000_003 + sources)
        writes, access = [], {}
        for d in range(sources * DOCS_PER_SOURCE, (sources + 1) * DOCS_PER_SOURCE):
            write, grant = document(d, material, rng, noise)
            writes.append(write)
            access[write.row["doc_id"]] = grant
        path = f"/synthetic/{sources:06d}.jsonl"
        store.write_source(
            path, "synthetic", path, None, writes, set(), SourceAccess("synthetic", access)
        )
        held += sum(len(w.vectors) for w in writes)
        sources += 1
        if progress is not None:
            progress(held)
    return held
