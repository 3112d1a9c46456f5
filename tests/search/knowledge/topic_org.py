"""A small made-up organization for the topic and risk tests, written as generic JSONL chat
(one file per channel, one thread per conversation) so that who spoke where is known
exactly from what is written here."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)

# channel -> (lines said in its threads, who speaks in each thread, in turn)
CHANNELS: dict[str, tuple[list[str], list[list[str]]]] = {
    "platform": (
        [
            "The TLS certificate on the ingress controller expires on Friday.",
            "cert-manager failed to renew the Let's Encrypt certificate for the API ingress.",
            "I rotated the wildcard certificate and restarted the ingress pods.",
            "The ACME challenge for the ingress certificate times out behind the load balancer.",
            "Certificate renewal alert fired again for the staging ingress.",
            "We should pin cert-manager and move the ingress certificates to DNS challenges.",
        ],
        [["Ann Alpha", "Bob Bravo"], ["Ann Alpha"], ["Ann Alpha", "Ann Alpha"], ["Bob Bravo"]],
    ),
    "sales": (
        [
            "The enterprise pricing tier starts at forty seats with an annual contract.",
            "Can we offer a volume discount on seats for the enterprise tier?",
            "The pricing page still shows the old per-seat price for annual plans.",
            "Procurement at the customer wants the enterprise tier price locked for two years.",
            "Seat discounts above twenty percent need a pricing exception.",
            "Annual contracts renew at the list price unless the tier changes.",
        ],
        [["Cleo Charlie"], ["Cleo Charlie"], ["Cleo Charlie", "Dev Delta"], ["Cleo Charlie"]],
    ),
    "hiring": (
        [
            "The interview loop for the backend candidate is on Tuesday.",
            "Please send your interview feedback for the candidate before the debrief.",
            "We made an offer to the candidate and the offer letter went out.",
            "The recruiter scheduled two more candidates for the onsite interview loop.",
            "The hiring committee approved the offer after the debrief.",
            "Candidate accepted the offer; start date is in March.",
        ],
        [["Dev Delta", "Eli Echo"], ["Eli Echo", "Dev Delta"], ["Dev Delta"], ["Eli Echo"]],
    ),
}


def thread_lines(channel: str, thread: int, lines: list[str], speakers: list[str]) -> list[dict]:
    """One thread: each speaker says two of the channel's lines in turn."""
    when = START + timedelta(days=7 * thread + len(channel))
    found = []
    for turn, author in enumerate(speakers * 2):
        text = f"{lines[(thread + turn) % len(lines)]} {lines[(thread + turn + 2) % len(lines)]}"
        found.append(
            {
                "timestamp": (when + timedelta(minutes=turn)).isoformat(),
                "author": author,
                "channel": channel,
                "thread": f"{channel}-{thread}",
                "text": text,
            }
        )
    return found


def write_channel(folder: Path, channel: str, lines: list[str], threads: list[list[str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{channel}.jsonl"
    rows = [
        row
        for i, speakers in enumerate(threads)
        for row in thread_lines(channel, i, lines, speakers)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def write_org(folder: Path) -> Path:
    """Every channel of :data:`CHANNELS` under ``folder``."""
    for channel, (lines, threads) in CHANNELS.items():
        write_channel(folder, channel, lines, threads)
    return folder
