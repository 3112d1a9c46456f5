"""How Watercooler grows: a synthetic organization at 10k, 100k and 1M chunks, both modes.

    .venv/bin/python benchmarks/scale.py [--sizes 10000,100000,1000000]
        [--modes embedded,server] [--workdir DIR] [--queries 100] [--workers 1,2,4]
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres]

One store per mode grows through the sizes (see benchmarks/synthetic_org.py: real store
writes, vectors made from real sentence embeddings). Embedded mode is SQLite + Chroma's
PersistentClient under ``WORKDIR/embedded``; server mode is PostgreSQL (a database
``watercooler_scale`` created anew on the server of ``--database-url``) + a ``chroma run``
server this script starts on a free loopback port. At each size it prints:

- ingest rate: chunks written per second while growing to that size;
- cold start: from starting ``watercooler serve`` to the first ``/search`` answer (with
  the packages' bytecode written first, as installing them writes it). In server mode the
  Chroma server has loaded the collection first (how long that took is given: it is long
  only where this run has just started Chroma), as when an API replica restarts; and,
  after the queries, the whole restart is timed too: from restarting the Chroma server to
  the first answer of a server started once Chroma answers its heartbeat;
- the people directory: from start until ``/people`` answers (it needs the directory: the
  server's builder saves it first), and the whole people build: until the server's people
  snapshot with the expert profile index is written (0 when the server loaded one saved
  for the store as it is);
- ``/search`` p50 / p99, interleaved query by query: plain (an admin's token), kind=chat, and
  a member of 20 groups (the permission filter), and ``/experts`` p50 (admin and member),
  the latter only once the people directory is built (within ``--people-wait`` seconds).
  The 40 labelled queries repeat to make ``--queries``; the plain p50 is also given apart
  for each query's first asking (nothing of it read yet in that process) and the repeats,
  and the three slowest requests of each case are named (what makes its p99);
- the server's RSS after the queries, and disk (home, Chroma, PostgreSQL database);
- the people update: once the server is stopped, about 500 chunks more are ingested and
  the people snapshot is brought up to date as a server's builder does (its child process),
  timed (the next size grows on from there);
- at the largest size, ``/search`` requests per second from 8 client threads for 15 s with
  each ``--workers`` count (server mode; embedded serves one process: its Chroma store
  cannot be shared between processes).

The last table divides each figure at every size by the one at the smallest size.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import pickle
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from benchmarks.synthetic_org import MEMBER, grow, seed  # noqa: E402
from search.store.principals import create_token  # noqa: E402
from search.store.settings import Settings  # noqa: E402
from search.store.store import Store  # noqa: E402
from search.store.vectors import ask_to_load  # noqa: E402
from tests.conftest import free_port  # noqa: E402

DATABASE = "watercooler_scale"
UPDATE_CHUNKS = 500  # the ingest after which the people update is timed
SLOWEST = 3  # the slowest requests of each case named after the tables
QUERIES = [
    json.loads(line)["query"]
    for line in (REPO / "tests" / "data" / "search_queries.jsonl").read_text().splitlines()
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def slowest(latencies: list[float], queries: int, n: int = SLOWEST) -> list[list[Any]]:
    """The ``n`` slowest requests of one case: [ms, query, which asking of it (1 = first)],
    to tell what makes its p99."""
    asked = [
        (ms, QUERIES[i % len(QUERIES)], i // len(QUERIES) + 1) for i, ms in enumerate(latencies)
    ]
    return [[round(ms, 1), q, nth] for ms, q, nth in sorted(asked, reverse=True)[:n]]


def disk_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def rss_bytes(pid: int) -> int:
    """Resident memory of a process and its children (uvicorn's workers)."""
    total = 0
    for tid in [pid, *children(pid)]:
        try:
            for line in Path(f"/proc/{tid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except FileNotFoundError:
            pass
    return total


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text() if (task / "children").exists() else ""
        for child in map(int, text.split()):
            found += [child, *children(child)]
    return found


@dataclass
class Mode:
    """One mode's environment: where its stores are and how a process reaches them."""

    name: str
    env: dict[str, str]
    chroma_dir: Path | None = None
    database_url: str | None = None
    processes: list[subprocess.Popen] = field(default_factory=list)

    def settings(self) -> Settings:
        return Settings(
            **{
                k.removeprefix("WATERCOOLER_").lower(): v
                for k, v in self.env.items()
                if k.startswith("WATERCOOLER_")
            }
        )

    def database_bytes(self) -> int:
        if not self.database_url:
            return 0
        import psycopg

        with psycopg.connect(self.database_url) as db:
            return int(db.execute("SELECT pg_database_size(current_database())").fetchone()[0])

    def close(self) -> None:
        for process in self.processes:
            process.terminate()
            process.wait(timeout=30)

    def restart_chroma(self) -> None:
        """Stop the Chroma server and start it again on the same port (server mode)."""
        assert self.chroma_dir is not None
        self.close()
        port = int(self.env["WATERCOOLER_CHROMA_URL"].rsplit(":", 1)[1])
        self.processes = [start_chroma(self.chroma_dir, port)]


def embedded_mode(workdir: Path) -> Mode:
    home = workdir / "embedded"
    return Mode("embedded", {"WATERCOOLER_HOME": str(home)})


def server_mode(workdir: Path, admin_url: str, fresh: bool) -> Mode:
    import psycopg

    url = admin_url.rsplit("/", 1)[0] + f"/{DATABASE}"
    with psycopg.connect(admin_url, autocommit=True) as db:
        exists = db.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
        if exists and fresh:
            db.execute(f"DROP DATABASE {DATABASE} WITH (FORCE)")
        if not exists or fresh:
            db.execute(f"CREATE DATABASE {DATABASE}")
    chroma_dir = workdir / "chroma-server"
    port = free_port()
    env = {
        "WATERCOOLER_HOME": str(workdir / "server-home"),
        "WATERCOOLER_DATABASE_URL": url,
        "WATERCOOLER_CHROMA_URL": f"http://127.0.0.1:{port}",
    }
    return Mode("server", env, chroma_dir, url, [start_chroma(chroma_dir, port)])


def start_chroma(path: Path, port: int) -> subprocess.Popen:
    """``chroma run`` on ``path`` at ``port``, once it answers its heartbeat."""
    log = (path.parent / "chroma-server.log").open("a")
    chroma = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("chroma")),
            "run",
            "--path",
            str(path),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2).raise_for_status()
            return chroma
        except httpx.HTTPError:
            if time.monotonic() > deadline or chroma.poll() is not None:
                raise RuntimeError(f"chroma run did not start; see {log.name}") from None
            time.sleep(0.1)


def compile_bytecode() -> None:
    """Write the checkout's bytecode, as ``pip install`` does for an installed package: an
    editable checkout run under PYTHONDONTWRITEBYTECODE (as on these machines) would
    otherwise compile its 26k lines at every start, 0.8 s of a cold start."""
    for package in ("api", "ingest", "search"):
        compileall.compile_dir(REPO / package, quiet=1)


class Server:
    """``watercooler serve`` in a subprocess, timed from its start."""

    def __init__(self, mode: Mode, workers: int, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log.open("w")
        # the command users run, on this checkout's code
        watercooler = Path(sys.executable).with_name("watercooler")
        command = [str(watercooler), "serve", "--port", str(self.port)]
        compile_bytecode()
        if workers > 1:
            command += ["--workers", str(workers)]
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command,
            env={**os.environ, **mode.env, "PYTHONPATH": str(REPO)},
            cwd=REPO,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def people_answer(self, token: str, seconds: float) -> float | None:
        """Seconds from the start until /people answers (it needs the people directory);
        None past ``seconds``."""
        try:
            r = httpx.get(
                f"{self.url}/people",
                params={"q": "a"},
                headers={"Authorization": f"Bearer {token}"},
                timeout=seconds,
            )
        except httpx.TimeoutException:
            return None
        r.raise_for_status()
        return time.perf_counter() - self.started

    def first_answer(self, token: str, seconds: float = 600) -> float:
        """Seconds from the start to the first 200 from /search."""
        deadline = time.monotonic() + seconds
        headers = {"Authorization": f"Bearer {token}"}
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited ({self.process.returncode}); see {self.log.name}")
            try:
                r = httpx.get(
                    f"{self.url}/search", params={"q": "release"}, headers=headers, timeout=60
                )
                if r.status_code == 200:
                    return time.perf_counter() - self.started
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("serve did not answer")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def people_ready(path: Path, since: float, server: int, seconds: float) -> float | None:
    """Seconds from ``since`` (a time.time()) until the server's people directory and its
    expert profile index are ready: 0 when it loaded a saved snapshot (it starts no
    builder), else until the snapshot with the index is written; None when not ready
    within ``seconds``."""
    deadline = time.monotonic() + seconds
    idle = 0
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_mtime >= since and complete(path):
            return path.stat().st_mtime - since
        idle = 0 if children(server) else idle + 1
        if idle >= 50 and path.exists():  # no builder for 10 s: the snapshot was loaded
            return 0.0
        time.sleep(0.2)
    return None


def complete(snapshot: Path) -> bool:
    """Whether a people snapshot holds the profile index (one saved before it, by code
    that saves the directory alone first, says it does not)."""
    try:
        with snapshot.open("rb") as saved:
            header = pickle.load(saved)
    except (OSError, EOFError, pickle.UnpicklingError):
        return False
    return len(header) < 4 or bool(header[3])


def timed_get(client: httpx.Client, path: str, params: dict, token: str) -> float:
    started = time.perf_counter()
    client.get(path, params=params, headers={"Authorization": f"Bearer {token}"}).raise_for_status()
    return (time.perf_counter() - started) * 1000


def throughput(url: str, token: str, seconds: float = 15, clients: int = 8) -> float:
    done = [0] * clients
    stop = time.monotonic() + seconds

    def loop(i: int) -> None:
        with httpx.Client(base_url=url, timeout=60) as c:
            n = i
            while time.monotonic() < stop:
                q = QUERIES[n % len(QUERIES)]
                c.get("/search", params={"q": q}, headers={"Authorization": f"Bearer {token}"})
                done[i] += 1
                n += clients

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / seconds


def measure(mode: Mode, size: int, material: Any, args: argparse.Namespace) -> dict[str, Any]:
    store = Store.open(mode.settings())
    before = store.catalog.counts()["chunks"]
    started = time.perf_counter()
    held = grow(store, size, material, progress=lambda n: None)
    elapsed = time.perf_counter() - started
    _, admin = create_token(store.catalog, "admin@corp.example", [], admin=True)
    _, member = create_token(store.catalog, MEMBER.name, list(MEMBER.groups), admin=False)
    store.close()
    row: dict[str, Any] = {"mode": mode.name, "chunks": held}
    row["ingest chunks/s"] = (held - before) / elapsed if held > before else None
    home = Path(mode.env["WATERCOOLER_HOME"])
    snapshot = home / "people.snapshot"
    if mode.chroma_dir:  # its collection loaded first: the API's own start is timed
        started = time.perf_counter()
        ask_to_load(mode.env["WATERCOOLER_CHROMA_URL"], mode.settings().collection)
        row["chroma load s"] = time.perf_counter() - started
    since = time.time()
    server = Server(mode, 1, args.workdir / f"serve-{mode.name}-{held}.log")
    try:
        row["cold start s"] = server.first_answer(admin)
        row["people directory s"] = server.people_answer(admin, args.people_wait)
        row["people build s"] = people_ready(snapshot, since, server.process.pid, args.people_wait)
        built = row["people build s"] is not None  # else /experts would wait for the build
        with httpx.Client(base_url=server.url, timeout=120) as c:
            cases = {
                "plain": ({}, admin),
                "kind": ({"kind": "chat"}, admin),
                "permission": ({}, member),
            }
            lat: dict[str, list[float]] = {name: [] for name in cases}
            for i in range(args.queries):
                q = QUERIES[i % len(QUERIES)]
                for name, (params, token) in cases.items():
                    lat[name].append(timed_get(c, "/search", {"q": q, "k": 10, **params}, token))
            experts: dict[str, list[float]] = {"admin": [], "member": []}
            for i in range(min(args.queries, 40) if built else 0):
                q = QUERIES[i % len(QUERIES)]
                experts["admin"].append(timed_get(c, "/experts", {"q": q}, admin))
                experts["member"].append(timed_get(c, "/experts", {"q": q}, member))
        for name, values in lat.items():
            row[f"{name} p50"] = percentile(values, 0.5)
            row[f"{name} p99"] = percentile(values, 0.99)
            row[f"{name} slowest"] = slowest(values, args.queries)
        # the queries repeat: apart, what a query costs asked first and asked again
        asked = min(args.queries, len(QUERIES))
        row["plain first p50"] = percentile(lat["plain"][:asked], 0.5)
        if args.queries > asked:
            row["plain again p50"] = percentile(lat["plain"][asked:], 0.5)
        row["permission/plain p50"] = row["permission p50"] / row["plain p50"]
        if built:
            row["experts p50"] = percentile(experts["admin"], 0.5)
            row["experts member p50"] = percentile(experts["member"], 0.5)
        row["RSS MB"] = rss_bytes(server.process.pid) / 1e6
    finally:
        server.stop()
    if mode.chroma_dir:
        row["cold start, new Chroma s"] = restarted_answer(mode, admin, args.workdir)
    disk = disk_bytes(home) + (disk_bytes(mode.chroma_dir) if mode.chroma_dir else 0)
    row["disk MB"] = (disk + mode.database_bytes()) / 1e6
    row["disk MB per 1M chunks"] = row["disk MB"] * 1e6 / held
    if built:
        row["people update s"] = people_update(mode, material, held + UPDATE_CHUNKS)
    return row


def restarted_answer(mode: Mode, token: str, workdir: Path) -> float:
    """Seconds from restarting the Chroma server (its collection not loaded) to the first
    ``/search`` answer of a server started once Chroma answers its heartbeat, as a
    deployment's health checks order them."""
    started = time.perf_counter()
    mode.restart_chroma()
    server = Server(mode, 1, workdir / f"serve-{mode.name}-chroma-restarted.log")
    try:
        server.first_answer(token)
        return time.perf_counter() - started
    finally:
        server.stop()


def people_update(mode: Mode, material: Any, size: int) -> float:
    """Seconds to bring the people snapshot up to date after an ingest of a few documents
    (the store grows to ``size``): what a server's builder does at its next start."""
    store = Store.open(mode.settings())
    grow(store, size, material, progress=lambda n: None)
    store.close()
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "search.people.snapshot", "{}"],
        env={**os.environ, **mode.env},
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def worker_throughput(mode: Mode, workers: list[int], args: argparse.Namespace) -> dict[int, float]:
    store = Store.open(mode.settings())
    _, admin = create_token(store.catalog, "admin@corp.example", [], admin=True)
    store.close()
    found = {}
    for n in workers:
        server = Server(mode, n, args.workdir / f"serve-{mode.name}-workers{n}.log")
        try:
            server.first_answer(admin)
            time.sleep(2 * n)  # every worker up
            found[n] = throughput(server.url, admin)
        finally:
            server.stop()
    return found


# (figure, format): one column per size, 11 characters wide.
COLUMNS = [
    ("chunks", ",d"),
    ("ingest chunks/s", ".0f"),
    ("chroma load s", ".1f"),
    ("cold start s", ".1f"),
    ("cold start, new Chroma s", ".1f"),
    ("people directory s", ".1f"),
    ("people build s", ".1f"),
    ("people update s", ".1f"),
    ("plain p50", ".1f"),
    ("plain p99", ".1f"),
    ("plain first p50", ".1f"),
    ("plain again p50", ".1f"),
    ("kind p50", ".1f"),
    ("kind p99", ".1f"),
    ("permission p50", ".1f"),
    ("permission p99", ".1f"),
    ("permission/plain p50", ".2f"),
    ("experts p50", ".1f"),
    ("experts member p50", ".1f"),
    ("RSS MB", ".0f"),
    ("disk MB", ".0f"),
    ("disk MB per 1M chunks", ".0f"),
]


def cell(value: Any, fmt: str) -> str:
    return f"{value:>11{fmt}}" if isinstance(value, int | float) else f"{'-':>11}"


def print_tables(rows: list[dict[str, Any]], rates: dict[str, dict[int, float]]) -> None:
    print("Latencies in ms (p50/p99 over HTTP on loopback); sizes in MB.")
    for mode in dict.fromkeys(r["mode"] for r in rows):
        mine = [r for r in rows if r["mode"] == mode]
        print(f"\n{mode} mode")
        for name, fmt in COLUMNS:
            print(f"  {name:24s}" + "".join(cell(r.get(name), fmt) for r in mine))
        print(f"  growth from {mine[0]['chunks']:,} chunks (x)")
        for name, _ in COLUMNS[1:]:
            first = mine[0].get(name)
            values = [r.get(name) for r in mine]
            if isinstance(first, int | float) and first:
                ratios = [v / first if isinstance(v, int | float) else None for v in values]
                print(f"  {name:24s}" + "".join(cell(r, ".2f") for r in ratios))
        for r in mine:
            for case in ("plain", "kind", "permission"):
                worst = "; ".join(
                    f"{ms:.0f} ms {q!r} (#{nth})" for ms, q, nth in r.get(f"{case} slowest", [])
                )
                if worst:
                    print(f"  slowest {case} at {r['chunks']:,}: {worst}")
        if rates.get(mode):
            print(
                "  /search requests/s by workers: "
                + ", ".join(f"{n}: {r:.1f}" for n, r in rates[mode].items())
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--modes", default="embedded,server")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/watercooler-scale"))
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--fresh", action="store_true", help="Start the stores anew.")
    parser.add_argument("--json", type=Path, help="Also write every figure here.")
    parser.add_argument(
        "--people-wait",
        type=float,
        default=900,
        help="Seconds to wait for the people directory; past them /experts is not timed.",
    )
    args = parser.parse_args()
    if args.fresh and args.workdir.exists():
        shutil.rmtree(args.workdir)
    args.workdir.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    material = seed(args.workdir / "seed.npz")
    rows: list[dict[str, Any]] = []
    rates: dict[str, dict[int, float]] = {}
    for name in args.modes.split(","):
        mode = (
            embedded_mode(args.workdir)
            if name == "embedded"
            else server_mode(args.workdir, args.database_url, args.fresh)
        )
        try:
            for size in sizes:
                row = measure(mode, size, material, args)
                print(json.dumps(row), file=sys.stderr, flush=True)
                rows.append(row)
            workers = [int(n) for n in args.workers.split(",")] if name == "server" else [1]
            rates[name] = worker_throughput(mode, workers, args)
        finally:
            mode.close()
    print_tables(rows, rates)
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "workers": rates}, indent=1))


if __name__ == "__main__":
    main()
