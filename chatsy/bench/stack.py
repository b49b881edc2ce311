"""What the benchmark starts: a private Redis, a throwaway database, Daphne processes.

Every process started here is registered with a `Processes` list, and `Processes.stop_all`
ends each by its own id (its process group), also after Ctrl-C or an error.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from chatsy.devstack import WEBSOCKET_MAX_MESSAGE_BYTES
from chatsy.localenv import plain_http_env_apply
from chatsy.redis_server import LocalRedis, free_port, redis_start

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Every client of a load run comes from 127.0.0.1, where real visitors come from many
# addresses: lift the per-address budgets (chatsy.budgets) and keep the per-visitor ones. The
# fault tests' stack (tests/faults/stack.py) runs with these too.
ONE_ADDRESS_ENV = {
    "CHATSY_SESSIONS_PER_MINUTE": "1000000",
    "CHATSY_BUDGET_MESSAGES_PER_ADDRESS": "1000000/10",
    "CHATSY_BUDGET_TYPING_PER_ADDRESS": "1000000/10",
    "CHATSY_BUDGET_RESYNC_PER_ADDRESS": "1000000/10",
    "CHATSY_BUDGET_ACTIONS_PER_ADDRESS": "1000000/60",
    "CHATSY_BUDGET_CSAT_PER_ADDRESS": "1000000/60",
    "CHATSY_BUDGET_PINGS_PER_ADDRESS": "1000000/10",
    "CHATSY_BUDGET_SOCKETS_PER_ADDRESS": "1000000/60",
    "CHATSY_UNAUTHENTICATED_SOCKETS_PER_ADDRESS": "1000000",
}
# The bench also drives one socket far past a person's typing speed.
LOAD_ENV = {
    **ONE_ADDRESS_ENV,
    "CHATSY_RATE_LIMIT_MESSAGES": "1000000",
    "LOG_LEVEL": "WARNING",
    "PYTHONUNBUFFERED": "1",
}


class BenchError(RuntimeError):
    """The benchmark could not start or run what it measures."""


@dataclass
class Processes:
    """Everything the bench started, stopped newest first by `stop_all`."""

    stops: list[tuple[str, Callable[[], None]]] = field(default_factory=list)

    def add(self, name: str, stop: Callable[[], None]) -> None:
        self.stops.append((name, stop))

    def stop_all(self) -> None:
        while self.stops:
            _name, stop = self.stops.pop()
            try:
                stop()
            except Exception as error:  # keep stopping the others
                print(f"bench: stopping {_name} failed: {error}", file=sys.stderr)


def raise_open_files_limit() -> int:
    """Soft RLIMIT_NOFILE up to the hard limit; children (Daphne) inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        return target
    return soft


def popen_stop(process: subprocess.Popen[bytes], timeout: float = 10) -> Callable[[], None]:
    """A stop function for a child started in its own session: SIGTERM its group, then KILL."""

    def stop() -> None:
        if process.poll() is None:
            _signal_group(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait(timeout=5)

    return stop


def _signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signum)


def redis_private(workdir: Path, processes: Processes) -> LocalRedis:
    redis = redis_start(data_dir=workdir / "redis", persist=False)
    processes.add("redis-server", redis.stop)
    return redis


# --- PostgreSQL ------------------------------------------------------------------------------


def postgres_bin() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent  # Debian links /usr/local/bin/pg_ctl alone
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not versions:
        raise BenchError("--database postgres: no PostgreSQL server binaries (pg_ctl) found")
    return versions[-1].parent


def postgres_private(workdir: Path, processes: Processes) -> tuple[str, int]:
    """initdb + pg_ctl start in a temp dir, listening on a unix socket only; returns its URL
    and the postmaster's pid.

    PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user."""
    bindir = postgres_bin()
    pgdir = Path(os.environ.get("TMPDIR", "/tmp")) / f"chatsy-bench-pg-{os.getpid()}"
    data, sockets = pgdir / "data", pgdir / "sock"
    sockets.mkdir(parents=True, exist_ok=True)
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(pgdir, "postgres")
        shutil.chown(sockets, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]

    def run(*args: str) -> None:
        result = subprocess.run([*as_user, *args], capture_output=True, text=True)
        if result.returncode != 0:
            raise BenchError(f"{Path(args[0]).name} failed: {result.stderr or result.stdout}")

    run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
    options = f"-k {sockets} -c listen_addresses='' -c max_connections=200"
    run(
        str(bindir / "pg_ctl"),
        "start",
        "-w",
        "-D",
        str(data),
        "-l",
        str(pgdir / "log"),
        "-o",
        options,
    )

    def stop() -> None:
        subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "stop", "-D", str(data), "-m", "fast", "-w"],
            capture_output=True,
        )
        shutil.rmtree(pgdir, ignore_errors=True)

    processes.add("postgres", stop)
    run(str(bindir / "createdb"), "-h", str(sockets), "-U", "postgres", "chatsy")
    postmaster_pid = int((data / "postmaster.pid").read_text().split()[0])
    return f"postgres://postgres@{str(sockets).replace('/', '%2F')}/chatsy", postmaster_pid


# --- Daphne ----------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_base(self) -> str:
        return f"ws://127.0.0.1:{self.port}"


def daphne_start(
    name: str,
    app: str,
    env: dict[str, str],
    workdir: Path,
    processes: Processes,
    port: int | None = None,
) -> Server:
    """Daphne with exactly the flags `make run` uses (chatsy/devstack.py); `server_ready`
    waits for it."""
    port = port or free_port()
    command = [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port)]
    command += ["--websocket-max-message-size", str(WEBSOCKET_MAX_MESSAGE_BYTES), app]
    log = (workdir / f"{name}.log").open("wb")
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    processes.add(name, popen_stop(process))
    return Server(name, port, process)


def python_start(
    name: str,
    module: str,
    args: list[str],
    env: dict[str, str],
    workdir: Path,
    processes: Processes,
) -> subprocess.Popen[bytes]:
    log = (workdir / f"{name}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", module, *args],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    processes.add(name, popen_stop(process))
    return process


def wait_for_port(
    port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"{log.stem} exited with {process.returncode}:\n{tail(log)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise BenchError(f"{log.stem} did not listen on {port} within {timeout} s:\n{tail(log)}")


def server_ready(server: Server, workdir: Path) -> None:
    wait_for_port(server.port, server.process, workdir / f"{server.name}.log")
    try:  # the first request imports the app; do it before anything is timed
        urllib.request.urlopen(f"{server.base}/api/widget/config?site_key=none", timeout=30)
    except urllib.error.HTTPError:
        pass
    except OSError as error:
        raise BenchError(f"{server.name} did not answer HTTP: {error}") from error


def tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class _BenchArgs(Protocol):
    json: Path


def bench_main(
    name: str,
    args: _BenchArgs,
    run: Callable[[Any, Path, Processes], Mapping[str, Any]],
    table: Callable[[Any], str],
) -> int:
    """What every bench command does around its `run`: signals, a work dir, the production
    env, stopping everything it started however it ends, and the figures (table + JSON)."""
    # Explicit: a shell that starts us in the background leaves SIGINT ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    # Every process measured runs as production would (DEBUG off), on plain http.
    plain_http_env_apply(os.environ)
    processes = Processes()
    workdir = Path(tempfile.mkdtemp(prefix=f"chatsy-{name}-"))
    try:
        results = run(args, workdir, processes)
    except KeyboardInterrupt:
        print(f"\n{name}: interrupted; stopping what it started.", file=sys.stderr)
        return 130
    except BenchError as error:
        print(f"\n{name}: {error}", file=sys.stderr)
        for log in sorted(workdir.glob("*.log")):
            print(f"--- {log.name} (last lines) ---\n{tail(log)}", file=sys.stderr)
        return 1
    finally:
        processes.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"\nEvery figure: {args.json}", file=sys.stderr)
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
