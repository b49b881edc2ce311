"""`make run`: Redis, Daphne, a Celery worker and beat for local use, stopped together by Ctrl-C.

Usage: python -m chatsy.devstack   (PORT and REDIS_URL are honoured; data lives under var/)
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from chatsy.localenv import websocket_max_message_bytes
from chatsy.redis_server import redis_from_env_or_start

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("CHATSY_VAR_DIR", ROOT / "var"))
# Daphne's --websocket-max-message-size for every launcher (devstack, bench, fault and e2e
# tests). autobahn applies it to incoming AND outgoing messages (see the setting's comment), so
# it is the outgoing bound, larger than any page the server sends; the app itself answers an
# incoming frame over CHATSY_MAX_FRAME_BYTES with a clear error.
WEBSOCKET_MAX_MESSAGE_BYTES = websocket_max_message_bytes(os.environ)


def main() -> int:
    # Explicit: a shell that starts us in the background would otherwise leave SIGINT ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    port = int(os.environ.get("PORT", "8000"))
    VAR.mkdir(parents=True, exist_ok=True)
    step("Starting Redis")
    redis = redis_from_env_or_start(data_dir=VAR / "redis")
    env = devstack_env(os.environ, port=port, redis_url=redis.url)
    children: list[subprocess.Popen[bytes]] = []
    try:
        manage = [sys.executable, str(ROOT / "manage.py")]
        for text, arguments in database_steps(port):
            step(text)
            subprocess.run([*manage, *arguments], env=env, check=True, cwd=ROOT)
        bin_dir = Path(sys.executable).parent
        commands = {
            "daphne": [
                str(bin_dir / "daphne"),
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "--websocket-max-message-size",
                str(WEBSOCKET_MAX_MESSAGE_BYTES),
                "chatsy.asgi:application",
            ],
            "celery worker": [
                str(bin_dir / "celery"),
                "--quiet",
                "-A",
                "chatsy",
                "worker",
                "-l",
                "warning",
                "--concurrency",
                "2",
                "--without-gossip",
                "--without-mingle",
            ],
            "celery beat": [
                str(bin_dir / "celery"),
                "--quiet",
                "-A",
                "chatsy",
                "beat",
                "-l",
                "warning",
                "-s",
                str(VAR / "celerybeat-schedule"),
            ],
        }
        for name, command in commands.items():
            step(f"Starting {name}")
            children.append(subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True))
        wait_for_http(port, children[0])
        banner(port, redis.url)
        return wait_for_exit(children)
    except KeyboardInterrupt:
        return 0
    finally:
        stop(children)
        redis.stop()
        print("\nChatsy stopped.", flush=True)


def devstack_env(environ: Mapping[str, str], *, port: int, redis_url: str) -> dict[str, str]:
    """The environment of every process `make run` starts."""
    env = {**environ, "REDIS_URL": redis_url, "PYTHONUNBUFFERED": "1"}
    # A local demo on plain http: debug mode (settings' default is off, and off needs a
    # SECRET_KEY); DEBUG=false with SECRET_KEY set runs it as production would.
    env.setdefault("DEBUG", "true")
    # Absolute links to this server (the bot's "Read more: /help/…", emails) on the port
    # served, the host the banner prints; a CHATSY_PUBLIC_URL already set wins.
    env.setdefault("CHATSY_PUBLIC_URL", f"http://127.0.0.1:{port}")
    return env


def database_steps(port: int) -> list[tuple[str, list[str]]]:
    """The manage.py commands `make run` runs before starting the servers, in order. The demo
    traffic is seeded once: on later runs `--if-absent` finds it and skips."""
    return [
        ("Migrating the database", ["migrate", "--noinput", "-v", "0"]),
        (
            "Loading demo data",
            [
                "load_demo",
                "--origin",
                f"http://localhost:{port}",
                "--origin",
                f"http://127.0.0.1:{port}",
            ],
        ),
        ("Seeding demo traffic (once)", ["seed_demo_traffic", "--days", "30", "--if-absent"]),
        ("Rebuilding the waiting line from the database", ["queue_rebuild"]),
    ]


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def wait_for_exit(children: list[subprocess.Popen[bytes]]) -> int:
    """Block until Ctrl-C/SIGTERM or until a child dies (then stop the rest)."""
    while True:
        for child in children:
            if child.poll() is not None:
                print(f"\n{_program(child)} exited with {child.returncode}; stopping.", flush=True)
                return child.returncode or 1
        time.sleep(0.5)


def _program(child: subprocess.Popen[bytes]) -> str:
    args = child.args  # Popen takes one program or a command line.
    return os.fsdecode(args if isinstance(args, str | bytes | os.PathLike) else args[0])


def wait_for_http(port: int, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Print the URLs only once Daphne answers, so they work when read."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)


def stop(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)


def step(text: str) -> None:
    print(f"• {text}…", flush=True)


def banner(port: int, redis_url: str) -> None:
    print(banner_text(port, redis_url), flush=True)


def banner_text(port: int, redis_url: str) -> str:
    """The URLs and demo logins, on the port actually served (PORT)."""
    from conversations.demo.logins import DEMO_ADMIN, DEMO_ADMIN_NAME, DEMO_AGENT, DEMO_AGENT_NAME

    base = f"http://127.0.0.1:{port}"
    agent = f"login: {DEMO_AGENT[0]} / {DEMO_AGENT[1]} (shown as {DEMO_AGENT_NAME})"
    admin = f"login: {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]} (shown as {DEMO_ADMIN_NAME}, supervisor)"
    rows = [
        ("Demo store with the chat widget", f"{base}/", ""),
        ("Agent console", f"{base}/console/", agent),
        ("Supervisor view", f"{base}/console/supervisor/", admin),
        ("Escalation dashboard", f"{base}/console/dashboard/", admin),
        ("Weekly review", f"{base}/console/weekly/", admin),
        ("Admin", f"{base}/admin/", admin),
        ("Redis", redis_url, ""),
    ]
    width = max(len(url) for _, url, _ in rows) + 3
    lines = [f"  {what:<34}{url:<{width}}{login}".rstrip() for what, url, login in rows]
    return "\n  Chatsy is running (Ctrl-C stops everything).\n\n" + "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
