"""What a search may be restricted to, and the one check every caller's filters go through."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time

from search.store.kinds import KINDS


class InvalidFilter(ValueError):
    """A filter value that cannot be used; ``parameter`` names it (kind, since, until…)."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True, slots=True)
class Filters:
    """Restrictions a search applies in both the keyword and the dense leg."""

    kinds: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    person: str | None = None
    since: float | None = None
    until: float | None = None
    # The grantees of who is searching (see search.store.access); None: no restriction.
    access: tuple[str, ...] | None = None

    def __bool__(self) -> bool:
        return bool(
            self.kinds
            or self.sources
            or self.channels
            or self.person
            or self.since is not None
            or self.until is not None
            or self.access is not None
        )

    @property
    def only_access(self) -> bool:
        """Whether the access restriction is the only one (most chunks usually pass it)."""
        return self.access is not None and not replace(self, access=None)

    @classmethod
    def build(
        cls,
        *,
        kinds: Iterable[str] | None = None,
        sources: Iterable[str] | None = None,
        channels: Iterable[str] | None = None,
        person: str | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> Filters:
        """Filters from what a person asked for: whole days, known kinds; raises
        :class:`InvalidFilter` naming the parameter otherwise."""
        kinds = tuple(kinds or ())
        unknown = sorted(set(kinds) - set(KINDS))
        if unknown:
            message = f"unknown kind {', '.join(unknown)}; use one of {', '.join(KINDS)}"
            raise InvalidFilter("kind", message)
        if since and until and since > until:
            raise InvalidFilter("until", "until is before since")
        return cls(
            kinds=kinds,
            sources=tuple(sources or ()),
            channels=tuple(channels or ()),
            person=person or None,
            since=day_start(since),
            until=day_end(until),
        )


def day_start(day: date | None) -> float | None:
    """The first instant of ``day`` (UTC) as a timestamp."""
    return datetime.combine(day, time.min, UTC).timestamp() if day else None


def day_end(day: date | None) -> float | None:
    """The last instant of ``day`` (UTC) as a timestamp."""
    return datetime.combine(day, time.max, UTC).timestamp() if day else None
