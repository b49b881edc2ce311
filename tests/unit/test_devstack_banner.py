"""`make run` prints URLs on the port it serves (PORT), the supervisor view and who is who, and
links to itself (CHATSY_PUBLIC_URL) on that port."""

from __future__ import annotations

from chatsy.devstack import banner_text, devstack_env


def test_the_banner_follows_the_port_and_names_the_supervisor_view_and_demo_names() -> None:
    text = banner_text(8123, "redis://127.0.0.1:6390/0")

    for path in ("/", "/console/", "/console/supervisor/", "/console/dashboard/", "/admin/"):
        assert f"http://127.0.0.1:8123{path}" in text.split()
    assert "8000" not in text
    assert "agent / chatsy-agent (shown as Sarah)" in text
    assert "admin / chatsy-admin (shown as Alex, supervisor)" in text


def test_links_to_the_server_follow_the_port_unless_a_public_url_is_set() -> None:
    """The bot's "Read more: /help/…" links and the emails' links are made on
    CHATSY_PUBLIC_URL: `PORT=8123 make run` must not leave them on the default port 8000."""
    env = devstack_env({"PATH": "/bin"}, port=8123, redis_url="redis://127.0.0.1:6390/0")
    assert env["CHATSY_PUBLIC_URL"] == "http://127.0.0.1:8123"
    assert env["DEBUG"] == "true" and env["REDIS_URL"] == "redis://127.0.0.1:6390/0"
    public = {"CHATSY_PUBLIC_URL": "https://chat.example.com", "DEBUG": "false"}
    env = devstack_env(public, port=8123, redis_url="redis://127.0.0.1:6390/0")
    assert env["CHATSY_PUBLIC_URL"] == "https://chat.example.com" and env["DEBUG"] == "false"
