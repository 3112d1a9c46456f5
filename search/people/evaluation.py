"""Expert finding measured on labelled topics: P@1 and MAP for each model."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search.people.directory import Directory
from search.people.experts import DEFAULT_MODEL, ExpertFinder


@dataclass(frozen=True, slots=True)
class LabelledTopic:
    """A topic and the people who really own it.

    ``aliases`` maps an expert to other spellings; aliases under ``""`` (a flat list in the
    file) may stand for any of the topic's experts.
    """

    id: str
    topic: str
    experts: tuple[str, ...]
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)


def load_topics(path: Path) -> list[LabelledTopic]:
    """Read ``{"id", "topic", "experts": [names], "aliases"?: [names] or {name: [names]}}``."""
    topics = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            experts = tuple(str(e) for e in data["experts"])
            topic = LabelledTopic(
                str(data["id"]), str(data["topic"]), experts, _aliases(data.get("aliases"), experts)
            )
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{path}:{number}: not a labelled topic ({exc})") from exc
        if not topic.experts:
            raise ValueError(f"{path}:{number}: 'experts' is empty")
        topics.append(topic)
    return topics


def _aliases(raw: Any, experts: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Aliases per expert (``{name: [aliases]}``) or for any expert (a flat list, key "")."""
    if not raw:
        return {}
    if isinstance(raw, dict):
        return {str(k): tuple(str(a) for a in _listed(v)) for k, v in raw.items()}
    return {"": tuple(str(a) for a in _listed(raw))}


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def relevant_people(topic: LabelledTopic, directory: Directory) -> list[set[str]]:
    """For each labelled expert, the person ids their name or aliases may refer to."""
    shared = {pid for alias in topic.aliases.get("", ()) for pid in directory.matching(alias)}
    found = []
    for name in topic.experts:
        ids = set(shared)
        for alias in (name, *topic.aliases.get(name, ())):
            ids |= directory.matching(alias)
        found.append(ids)
    return found


def score_topic(ranked: list[str], relevant: list[set[str]], cutoff: int = 10) -> dict[str, float]:
    """P@1 and average precision (over the first ``cutoff``) for one ranking."""
    remaining = [set(r) for r in relevant]
    hits, precision_sum, first = 0, 0.0, 0.0
    for rank, pid in enumerate(ranked[:cutoff], 1):
        match = next((r for r in remaining if pid in r), None)
        if match is None:
            continue
        remaining.remove(match)
        hits += 1
        precision_sum += hits / rank
        if rank == 1:
            first = 1.0
    return {"p@1": first, "ap": precision_sum / len(relevant) if relevant else 0.0}


def evaluate(
    finder: ExpertFinder, topics: list[LabelledTopic], model: str = DEFAULT_MODEL
) -> dict[str, Any]:
    """Mean P@1 and MAP@10 of one model over labelled topics, with each topic's top 3."""
    directory = finder.directory
    rows = []
    for topic in topics:
        experts = finder.find(topic.topic, k=10, model=model, evidence=0)
        ranked = [e.person_id for e in experts]
        metrics = score_topic(ranked, relevant_people(topic, directory))
        rows.append({"id": topic.id, **metrics, "top": [e.name for e in experts[:3]]})
    n = max(len(rows), 1)
    return {
        "model": model,
        "topics": len(rows),
        "p@1": round(sum(r["p@1"] for r in rows) / n, 4),
        "map": round(sum(r["ap"] for r in rows) / n, 4),
        "per_topic": rows,
    }
