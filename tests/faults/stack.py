"""A private Chatsy deployment on 127.0.0.1 that a fault test may break: its own redis-server,
Daphne processes and Celery worker and beat, all on the test database, each one killable
without touching anything else the session runs.

Every process writes its output to a file in the run's directory (CHATSY_VAR_DIR/faults/…),
which the test's report quotes from.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from chatsy.bench.stack import ONE_ADDRESS_ENV
from chatsy.devstack import WEBSOCKET_MAX_MESSAGE_BYTES
from chatsy.redis_server import free_port, redis_binary, redis_start

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def database_url() -> str:
    """The test database, as DATABASE_URL for a child process (SQLite file or PostgreSQL)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    if "postgresql" in db["ENGINE"]:
        from urllib.parse import quote

        auth = quote(db.get("USER") or "")
        if db.get("PASSWORD"):
            auth += ":" + quote(db["PASSWORD"])
        host = db.get("HOST") or "localhost"
        port = f":{db['PORT']}" if db.get("PORT") else ""
        # A Unix socket directory is percent-encoded in the host (dj-database-url's form).
        hostpart = quote(host, safe="") + port if host.startswith("/") else host + port
        return f"postgres://{auth}{'@' if auth else ''}{hostpart}/{db['NAME']}"
    raise NotImplementedError(f"fault tests do not know how to hand {db['ENGINE']} to a child")


@dataclass
class Process:
    """A child process with its output in `log`, started in its own process group."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen | None = None
    own_group: bool = True  # started in its own session: signals go to its whole group

    def start(self) -> Process:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        output = self.log.open("ab")
        self.popen = subprocess.Popen(
            self.command,
            env=self.env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        output.close()
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal_group(self, signum: int) -> None:
        """Signal the process and its children (Celery's pool) together."""
        if not self.alive():
            return
        if self.own_group:
            os.killpg(self.pid, signum)
        else:
            assert self.popen is not None
            self.popen.send_signal(signum)

    def kill9(self) -> None:
        self.signal_group(signal.SIGKILL)
        assert self.popen is not None
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        self.signal_group(signal.SIGCONT)  # a stopped process cannot act on SIGTERM
        self.signal_group(signal.SIGTERM)
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.signal_group(signal.SIGKILL)
            self.popen.wait(timeout=5)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def count(self, pattern: str) -> int:
        return len(re.findall(pattern, self.output()))


@dataclass
class Stack:
    run_dir: Path
    redis_port: int = field(default_factory=free_port)
    redis: Process | None = None
    servers: list[Process] = field(default_factory=list)
    server_urls: list[str] = field(default_factory=list)
    workers: list[Process] = field(default_factory=list)
    beat: Process | None = None

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": self.redis_url,
            "CELERY_BROKER_URL": self.redis_url,
            "DJANGO_SETTINGS_MODULE": "chatsy.settings",
            "PYTHONUNBUFFERED": "1",
            # 20 visitors on 127.0.0.1 are 20 addresses in life: per-visitor budgets only.
            **ONE_ADDRESS_ENV,
        }
        for name in ("DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_TASK_ALWAYS_EAGER", "OPENAI_API_KEY"):
            env.pop(name, None)  # the children run as production would, with the offline bot
        return env

    # ----------------------------------------------------------------- Redis --

    def redis_start(self) -> None:
        """(Re)start an empty, non-persistent redis-server on this stack's port."""
        data_dir = self.run_dir / "redis"
        server = redis_start(data_dir=data_dir, port=self.redis_port, persist=False)
        assert server.process is not None
        self.redis = Process("redis", [redis_binary()], {}, data_dir / "redis.log", own_group=False)
        self.redis.popen = server.process

    def redis_kill9(self) -> None:
        assert self.redis is not None and self.redis.popen is not None
        self.redis.popen.send_signal(signal.SIGKILL)
        self.redis.popen.wait(timeout=10)

    def redis_pause(self) -> None:
        assert self.redis is not None and self.redis.popen is not None
        self.redis.popen.send_signal(signal.SIGSTOP)

    def redis_resume(self) -> None:
        assert self.redis is not None and self.redis.popen is not None
        self.redis.popen.send_signal(signal.SIGCONT)

    # ---------------------------------------------------------------- Daphne --

    def daphne_start(self) -> str:
        port = free_port()
        command = [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port)]
        command += ["--websocket-max-message-size", str(WEBSOCKET_MAX_MESSAGE_BYTES)]
        command.append("chatsy.asgi:application")
        index = len(self.servers)
        server = Process(
            f"daphne-{index}", command, self.env(), self.run_dir / f"daphne-{index}.log"
        )
        server.start()
        url = f"http://127.0.0.1:{port}"
        _wait_for_http(url + "/api/widget/config", server)
        self.servers.append(server)
        self.server_urls.append(url)
        return url

    # ---------------------------------------------------------------- Celery --

    def worker_start(self) -> Process:
        index = len(self.workers)
        command = [str(BIN / "celery"), "-A", "chatsy", "worker", "-l", "info"]
        command += ["--concurrency", "2", "--without-gossip", "--without-mingle"]
        command += ["-n", f"faults-{index}@%h"]
        worker = Process(
            f"worker-{index}", command, self.env(), self.run_dir / f"worker-{index}.log"
        ).start()
        _wait_for_line(worker, r"ready\.", timeout=60)
        self.workers.append(worker)
        return worker

    def beat_start(self) -> None:
        command = [str(BIN / "celery"), "-A", "chatsy", "beat", "-l", "info"]
        command += ["-s", str(self.run_dir / "celerybeat-schedule")]
        self.beat = Process("beat", command, self.env(), self.run_dir / "beat.log").start()

    # ------------------------------------------------------------------ all --

    def processes(self) -> list[Process]:
        listed = [*self.servers, *self.workers, self.beat, self.redis]
        return [p for p in listed if p is not None]

    def stop(self) -> None:
        for process in [*self.servers, *self.workers, self.beat, self.redis]:
            if process is not None:
                process.stop()


def _wait_for_http(url: str, server: Process, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(f"{server.name} exited:\n{server.output()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # any HTTP answer means the server is up
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{server.name} did not answer within {timeout} s")


def _wait_for_line(process: Process, pattern: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if re.search(pattern, process.output()):
            return
        if not process.alive():
            raise RuntimeError(f"{process.name} exited:\n{process.output()[-3000:]}")
        time.sleep(0.1)
    raise RuntimeError(f"{process.name} did not log {pattern!r} within {timeout} s")
