"""Several app servers share the PostgreSQL search backend: a page published through one
server is found through another at once (no index files, no background writer).

Runs where the suite runs on PostgreSQL (CI's second pass): two gunicorn instances on
two ports, both on the test database, an editor publishing through Wagtail's admin on
the first and a visitor searching on the second.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.contrib.auth import get_user_model
from django.db import connection

from courses.models import TheoryIndexPage
from tests.search.factories import add_material

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
WORD = "跨服务器检索验证"  # found nowhere else in the test database


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Server:
    def __init__(self, tmp: Path, name: str):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": _database_url(),
            "SEARCH_BACKEND": "postgres",
            "SEARCH_INDEX_DIR": str(tmp / name),  # never written by the postgres backend
        }
        self.log = (tmp / f"{name}.log").open("w")
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--timeout",
                "30",
                "--no-control-socket",  # two instances would share one control socket path
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn on {self.port} exited: {Path(self.log.name).read_text()[-2000:]}")
            try:
                # An empty query is answered before any analysis: the server is up.
                requests.get(f"{self.url}/api/search", params={"q": ""}, timeout=5)
                return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        raise AssertionError(f"gunicorn on {self.port} did not answer in time")

    def search(self, q: str) -> dict:
        response = requests.get(f"{self.url}/api/search", params={"q": q}, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture
def servers(tmp_path):
    started = [Server(tmp_path, "a"), Server(tmp_path, "b")]
    try:
        deadline = time.monotonic() + 45  # ~5 s each on an idle machine
        for server in started:
            server.wait(deadline)
        yield started
    finally:
        for server in started:
            server.stop()


def test_a_page_published_through_one_server_is_found_through_the_other_at_once(site, servers):
    first, second = servers
    archive = TheoryIndexPage(title="理论学习", slug="theory")
    site.add_child(instance=archive)
    archive.save_revision().publish()
    draft = add_material(archive, "两台服务器共享检索索引", f"本文用于{WORD}。", publish=False)
    draft.save_revision()
    assert second.search(WORD)["count"] == 0

    editor = get_user_model().objects.create_superuser(username="editor", password="secret-pass-1", email="")
    session = requests.Session()
    login = session.get(f"{first.url}/admin/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    response = session.post(
        f"{first.url}/admin/login/",
        data={"username": editor.username, "password": "secret-pass-1", "csrfmiddlewaretoken": token},
        timeout=10,
    )
    assert response.status_code == 200 and "/admin/login/" not in response.url
    publish_url = f"{first.url}/admin/bulk/wagtailcore/page/publish/?id={draft.pk}&next=/admin/"
    confirm = session.get(publish_url, timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', confirm.text).group(1)
    response = session.post(publish_url, data={"csrfmiddlewaretoken": token}, timeout=30)
    assert response.status_code == 200, response.text[:500]

    # No task, no worker, no wait: the other server's very next request finds it.
    found = second.search(WORD)
    assert found["count"] == 1
    assert found["results"][0]["title"] == "两台服务器共享检索索引"
    assert first.search(WORD)["count"] == 1
