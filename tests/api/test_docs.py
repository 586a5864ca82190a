"""The interactive docs load Swagger UI from the app itself, allowed by their own CSP."""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi.testclient import TestClient

from app import create_app


def test_docs_are_served_locally_under_a_matching_csp(sqlite_engine):
    client = TestClient(create_app().server, base_url="http://127.0.0.1", client=("127.0.0.1", 5))
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "cdn." not in page.text
    csp = page.headers["content-security-policy"]
    for body in re.findall(r"<script>(.*?)</script>", page.text, flags=re.S):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    for src in re.findall(r'(?:src|href)="(/api/static/[^"]+)"', page.text):
        assert client.get(src).status_code == 200, src
