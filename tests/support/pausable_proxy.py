"""A TCP proxy on 127.0.0.1 whose network can be cut: the browser talks to the server through
it, and `cut()` makes it behave like a dead network (not a closed server)."""

from __future__ import annotations

import contextlib
import socket
import threading


class PausableProxy:
    """Forwards every connection to 127.0.0.1:`target_port`. While cut, the connections stay
    open but no byte crosses either way (each one is counted in `withheld`), and new
    connections are refused (or stalled, see `cut`); `restore()` drops the connections that
    lived through the cut, as a NAT or a Wi-Fi change would, and forwards again."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.withheld = {"to_server": 0, "to_browser": 0}
        self.refused = 0
        self._black_hole = False
        self._stalled: list[socket.socket] = []
        self._flowing = True
        self._closed = False
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self, *, black_hole: bool = False) -> None:
        """`black_hole`: new connections are accepted and then stalled, never answered nor
        closed (`stalled` counts them), as on a network that silently drops packets: the
        browser's socket stays CONNECTING until someone gives up on it."""
        with self._lock:
            self._flowing = False
            self._black_hole = black_hole
            self.withheld = {"to_server": 0, "to_browser": 0}

    def restore(self) -> None:
        with self._lock:
            stale, self._pairs = self._pairs, []
            self._flowing = True
        for pair in stale:
            _close(*pair)

    @property
    def stalled(self) -> int:
        with self._lock:
            return len(self._stalled)

    def close(self) -> None:
        self._closed = True
        self.listener.close()
        self.restore()
        _close(*self._stalled)  # kept open across restore(): only the browser may give up

    def _accept(self) -> None:
        while not self._closed:
            try:
                browser, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                flowing = self._flowing
                if not flowing and self._black_hole:
                    self._stalled.append(browser)
                    continue
            if not flowing:
                self.refused += 1
                browser.close()
                continue
            server = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self._pairs.append((browser, server))
            threading.Thread(
                target=self._pump, args=(browser, server, "to_server"), daemon=True
            ).start()
            threading.Thread(
                target=self._pump, args=(server, browser, "to_browser"), daemon=True
            ).start()

    def _pump(self, source: socket.socket, sink: socket.socket, direction: str) -> None:
        try:
            while data := source.recv(65536):
                with self._lock:
                    flowing = self._flowing
                    if not flowing:
                        self.withheld[direction] += len(data)
                if flowing:
                    sink.sendall(data)
        except OSError:
            pass
        _close(source, sink)


def _close(*sockets: socket.socket) -> None:
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
