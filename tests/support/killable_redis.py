"""A redis-server of a test's own on a fixed loopback port: kill -9 it, restart it empty on the
same port, stop (SIGSTOP) and resume it, without harming the session's Redis."""

from __future__ import annotations

import signal
import tempfile
from pathlib import Path
from subprocess import Popen

from chatsy.redis_server import LocalRedis, free_port, redis_start


class KillableRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.server: LocalRedis = self._start()
        self.url = self.server.url

    def _start(self) -> LocalRedis:
        data_dir = Path(tempfile.mkdtemp(prefix="chatsy-killable-"))
        return redis_start(data_dir=data_dir, port=self.port, persist=False)

    @property
    def process(self) -> Popen:
        assert self.server.process is not None
        return self.server.process

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def restart_empty(self) -> None:
        self.server = self._start()

    def stop(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def finish(self) -> None:
        if self.process.poll() is None:
            self.resume()
        self.server.stop()
