"""`make run` prints URLs on the port it serves (PORT), the supervisor view and who is who."""

from __future__ import annotations

from chatsy.devstack import banner_text


def test_the_banner_follows_the_port_and_names_the_supervisor_view_and_demo_names() -> None:
    text = banner_text(8123, "redis://127.0.0.1:6390/0")

    for path in ("/", "/console/", "/console/supervisor/", "/console/dashboard/", "/admin/"):
        assert f"http://127.0.0.1:8123{path}" in text.split()
    assert "8000" not in text
    assert "agent / chatsy-agent (shown as Sarah)" in text
    assert "admin / chatsy-admin (shown as Alex, supervisor)" in text
