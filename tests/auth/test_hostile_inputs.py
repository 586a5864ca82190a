"""Hostile input never reaches a 500: every page's query parameters, every form field and
path parameter, the exports, the API's query parameters and every Dash callback, fed NUL
bytes, control characters, invalid UTF-8, overlong values, wrong types and malformed
requests, on SQLite and PostgreSQL (which refuses NUL in text).

Odd characters get a 4xx with the Spanish page (JSON on data routes) and the security
headers; merely unusual text (markup, SQL, emoji, right-to-left marks) is served normally.
"""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest

from data.db import session_scope
from data.displays import create_display, list_displays
from data.queries import catalog
from data.tokens import create_token
from data.users import create_user, list_users
from layouts.registry import PAGES
from tests import factories as f
from tests.auth.conftest import csrf_of, login, make_client
from tests.auth.dash_requests import payload, server_callbacks
from tests.factories import T0

PASSWORD = "clave-muy-segura-1"
ODD = ["\x00", "VE-A\x00", "\x01\x02", "\x1b[31m", "\x7f", "\u0085", "x" * 5_000]
BAD_ENCODINGS = ["%FF", "%ED%A0%80", "%C0%AF", "%E2%82"]  # invalid UTF-8 once decoded
UNUSUAL = ["<script>alert(1)</script>", "' OR 1=1; --", "\u202eevil", "😀", "../..", "%"]
PAGE_PARAMS = {
    "/": ["territorio", "medida"],
    "/muro": ["paneles", "territorios", "rotar", "sin_datos"],
    "/admin": ["accion", "n", "ok"],
    "/login": ["next", "salida"],
    "/logout": ["x"],
    **{p.path: ["territorio", "rango", "desde", "hasta", "categoria"] for p in PAGES},
}


@pytest.fixture
def world(engine):
    with session_scope() as session:
        f.two_estados(session)
        f.project(session, "P1", "VE-A-C1", "paralizado", 9_000, 10)
        f.transfer(session, "T1", "P1", "VE-A-C1", 500, T0)
        f.delivery(session, "D1", "CLAP-VE-A-1", "VE-A-CC1", T0.date(), 100, 90)
        f.case(session, "C1", "VE-A-CC1", "agua", "recibido", T0 - timedelta(days=1))
        f.incident(session, "I1", "Q-VE-A-1", "VE-A-C1", "robo", T0)
        f.defense(session, "U1", "VE-A-M1", 55)


@pytest.fixture
def admin(sala_app, world):
    """A logged-in national admin (a real session, not the local demo)."""
    with session_scope() as session:
        create_user(session, "jefa", PASSWORD, "admin")
        create_user(session, "ana", PASSWORD, "analista", "VE-A")
        create_display(session, "SALA-1", "VE-A")
    client = make_client(sala_app, ("203.0.113.7", 1), "sala.example")
    assert login(client, "jefa", PASSWORD).status_code == 303
    return client


def is_spanish_page(answer) -> bool:
    return answer.headers["content-type"].startswith("text/html") and "Sala" in answer.text


def has_security_headers(answer) -> bool:
    h = answer.headers
    return (
        h.get("x-content-type-options") == "nosniff"
        and "frame-ancestors 'none'" in h.get("content-security-policy", "")
        and h.get("cache-control") == "no-store"
    )


def refused_page(answer) -> bool:
    return 400 <= answer.status_code < 500 and is_spanish_page(answer)


def refused_json(answer) -> bool:
    return 400 <= answer.status_code < 500 and answer.headers["content-type"].startswith(
        "application/json"
    )


def state() -> tuple:
    """Everything a refused request must leave as it was."""
    with session_scope() as session:
        users = [(u.username, u.active) for u in list_users(session)]
        displays = [(d.name, d.revoked_at) for d in list_displays(session)]
    return users, displays


# --- Pages: query parameters and paths ---------------------------------------------------


def test_odd_query_parameters_on_every_page(admin):
    bad = []
    for path, params in PAGE_PARAMS.items():
        for param in params:
            for value in ODD:
                answer = admin.get(f"{path}?{param}={quote(value)}")
                if not (refused_page(answer) and has_security_headers(answer)):
                    bad.append((path, param, repr(value)[:20], answer.status_code))
            for raw in BAD_ENCODINGS:
                answer = admin.get(f"{path}?{param}={raw}")
                if not (answer.status_code == 400 and is_spanish_page(answer)):
                    bad.append((path, param, raw, answer.status_code))
            for value in UNUSUAL:
                answer = admin.get(f"{path}?{param}={quote(value)}")
                if answer.status_code >= 500:
                    bad.append((path, param, repr(value)[:20], answer.status_code))
    assert bad == []


def test_odd_paths(admin):
    for path in ("/pantalla/%00", "/pantalla/%FF", "/pantalla/a%01b", "/proyectos%00"):
        answer = admin.get(path)
        assert refused_page(answer) and has_security_headers(answer), path
    assert admin.get("/pantalla/" + "x" * 5_000).status_code == 400
    assert admin.get(f"/pantalla/{quote('<b>' + UNUSUAL[2])}").status_code == 404
    assert admin.get("/?" + "a=b&" * 3_000).status_code == 414


# --- Forms ---------------------------------------------------------------------------------

FORMS = {
    "/login": {"username": "jefa", "password": PASSWORD, "next": "/"},
    "/logout": {},
    "/admin/usuarios": {
        "username": "nuevo",
        "role": "analista",
        "territory": "VE-A",
        "password": PASSWORD,
    },
    "/admin/usuarios/ana/activo": {"activo": "0"},
    "/admin/usuarios/ana/clave": {"password": "otra-clave-larga"},
    "/admin/pantallas": {"name": "SALA-2", "territory": "VE-A"},
    "/admin/pantallas/SALA-1/revocar": {},
}


def test_odd_form_fields_change_nothing(admin):
    token = csrf_of(admin.get("/admin").text)
    before = state()
    bad = []
    for path, fields in FORMS.items():
        for field in [*fields, "csrf"]:
            for value in [*ODD, "\ud800"]:
                form = {**fields, "csrf": token, field: value}
                body = urlencode(form, encoding="utf-8", errors="surrogatepass")
                answer = admin.post(
                    path,
                    content=body,
                    headers={"content-type": "application/x-www-form-urlencoded"},
                )
                if not (answer.status_code == 400 and refused_page(answer)):
                    bad.append((path, field, repr(value)[:20], answer.status_code))
            for raw in BAD_ENCODINGS:
                body = urlencode({**fields, "csrf": token}) + f"&{field}={raw}"
                answer = admin.post(
                    path,
                    content=body,
                    headers={"content-type": "application/x-www-form-urlencoded"},
                )
                if answer.status_code != 400:
                    bad.append((path, field, raw, answer.status_code))
    assert bad == []
    assert state() == before
    assert admin.get("/admin").status_code == 200  # still logged in: logout was refused too


@pytest.mark.parametrize(
    "path",
    ["/admin/usuarios/{}/activo", "/admin/usuarios/{}/clave", "/admin/pantallas/{}/revocar"],
)
def test_odd_path_parameters_of_forms(admin, path):
    form = {"csrf": csrf_of(admin.get("/admin").text), "activo": "0", "password": PASSWORD}
    for value in ("%00", "a%1Fb", "%FF"):
        answer = admin.post(path.format(value), data=form)
        assert answer.status_code == 400 and is_spanish_page(answer), value
        assert "caracteres" in answer.text
    unusual = admin.post(path.format(quote("<b>x")), data=form)
    assert unusual.status_code == 400 and "&lt;b&gt;x" in unusual.text  # just unknown


def test_forms_must_be_web_forms(admin):
    token = csrf_of(admin.get("/admin").text)
    multipart = admin.post(
        "/admin/pantallas", files={"name": (None, "X\x00")}, data={"csrf": token}
    )
    assert multipart.status_code == 415 and is_spanish_page(multipart)
    big = admin.post("/admin/pantallas", data={"csrf": token, "name": "x" * 70_000})
    assert big.status_code == 413
    assert state()[1] == [("SALA-1", None)]


def test_unusual_but_valid_text_is_served(admin):
    token = csrf_of(admin.get("/admin").text)
    made = admin.post("/admin/pantallas", data={"csrf": token, "name": UNUSUAL[0]})
    assert made.status_code == 200 and "&lt;script&gt;" in made.text
    assert "<script>alert" not in made.text


# --- Exports and the REST API --------------------------------------------------------------


def test_exports_refuse_odd_parameters_in_json(admin):
    for name in catalog.DATASETS:
        for value in ODD:
            answer = admin.get(f"/exportar/{name}.csv?territorio={quote(value)}")
            assert refused_json(answer) and has_security_headers(answer), (name, value[:5])
        answer = admin.get(f"/exportar/{name}.csv?categoria=%FF")
        assert answer.status_code == 400
    assert admin.get("/exportar/%00.csv").status_code == 400


def test_api_refuses_odd_query_parameters(admin, api_settings):
    with session_scope() as session:
        secret = create_token(session, "lector", "read")
    auth = {"Authorization": f"Bearer {secret}"}
    for path, param in (("summary", "territory"), ("summary", "as_of"), ("territories", "parent")):
        for value in [*ODD, "VE-NO"]:
            answer = admin.get(f"/api/v1/{path}?{param}={quote(value)}", headers=auth)
            assert refused_json(answer), (path, param, value[:5], answer.status_code)
        assert admin.get(f"/api/v1/{path}?{param}=%ED%A0%80", headers=auth).status_code == 400


def test_unknown_api_paths_answer_json_404(admin):
    for path in ("/api", "/api/", "/api/v2/summary", "/api/v1/nada", "/api/v1/ingest/cases/x"):
        answer = admin.get(path)
        assert answer.status_code == 404, path
        assert answer.json()["detail"].startswith("No existe")
        assert has_security_headers(answer)
    wrong_method = admin.get("/api/v1/ingest/cases")
    assert wrong_method.status_code == 405 and "POST" in wrong_method.headers["allow"]
    assert admin.post("/api/v1/nada", json={}).status_code == 404
    assert admin.get("/api/docs").status_code == 200  # the real API pages still answer


# --- Dash callbacks -------------------------------------------------------------------------

# Odd strings anywhere in a callback request (the gate refuses them whatever the callback).
CALLBACK_ODD = ["\x00", "\x1b[31m", {"a": ["VE-A\x00"]}, "x" * 100_001]
# Values of the wrong type or shape for what each callback expects.
WRONG_TYPES = [
    "proyectos",
    10**30,
    True,
    [1, "x"],
    {"startRow": "x", "endRow": None, "sortModel": [{"colId": "nope", "sort": "arriba"}]},
    {"page": "proyectos", "params": {"territorio": 5}},
    {"points": [{"customdata": ["VE-A"]}], "steps": [{"territory": 5}], "items": "x"},
    {"w": "ancho", "startRow": 10**30},
]


def post_callback(client, body, content_type="application/json"):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(
        "/_dash-update-component", content=data, headers={"content-type": content_type}
    )


def test_every_callback_survives_hostile_values(sala_app, admin):
    bad = []
    for key, spec in server_callbacks(sala_app):
        for i, _ in enumerate(spec["inputs"]):
            for value in [*CALLBACK_ODD, *WRONG_TYPES]:
                answer = post_callback(admin, payload(key, spec, {i: value}, trigger=i))
                odd = any(value is v for v in CALLBACK_ODD)
                ok = answer.status_code == 400 if odd else answer.status_code < 500
                if not (ok and answer.headers["cache-control"] == "no-store"):
                    bad.append((key[:40], i, repr(value)[:30], answer.status_code))
                elif answer.status_code >= 400 and not refused_json(answer):
                    bad.append((key[:40], i, repr(value)[:30], "not json"))
    assert bad == []


def test_a_grid_mounting_without_a_block_request_reads_nothing(sala_app, admin, monkeypatch):
    """The grid's ``getRowsRequest`` is None as it mounts; its real request for the first
    block follows. Answering the None too counted and read every table twice."""
    from callbacks import tables

    grid = next((k, s) for k, s in server_callbacks(sala_app) if "getRowsResponse" in k)
    reads = []
    monkeypatch.setattr(tables, "rows_for", lambda *a: reads.append(a) or ({}, None))
    assert post_callback(admin, payload(*grid, {0: None})).status_code == 204
    assert reads == []
    answer = post_callback(admin, payload(*grid, {0: {"startRow": 0, "endRow": 10}}))
    assert answer.status_code == 200 and len(reads) == 1


def test_crafted_callback_requests_are_refused(sala_app, admin):
    grid = next((k, s) for k, s in server_callbacks(sala_app) if "getRowsResponse" in k)
    panorama = next((k, s) for k, s in server_callbacks(sala_app) if "panorama-map-legend" in k)

    def refusal(body, content_type="application/json") -> tuple[int, str]:
        answer = post_callback(admin, body, content_type)
        return answer.status_code, answer.json().get("mensaje", "")

    assert refusal(b"{not json")[0] == 400
    assert refusal(b'{"output": NaN}')[0] == 400
    assert refusal(b"[" * 100_000 + b"]" * 100_000)[0] == 400
    assert refusal(json.dumps({"output": "x"}), "text/plain")[0] == 415
    assert refusal({"output": "no-existe.children", "inputs": [], "state": []})[0] == 404
    assert refusal({"output": grid[0], "inputs": "x"})[0] == 400
    assert refusal({"output": grid[0], "inputs": [], "state": []})[0] == 400
    assert refusal({"inputs": []})[0] == 400
    assert post_callback(admin, b"x" * (6 * 1024 * 1024)).status_code == 413
    status, text = refusal(payload(*grid, {0: {"startRow": "x", "endRow": 100}}))
    assert status == 400 and "startRow" in text
    status, text = refusal(payload(*grid, {0: {"startRow": 0, "sortModel": [{"colId": "x"}]}}))
    assert status == 400 and "columna" in text
    body = payload(*grid, {0: {"startRow": 0, "endRow": 10}})
    body["inputs"][0]["id"]["dataset"] = "inventado"
    body["changedPropIds"] = ['{"dataset":"inventado","type":"sala-grid"}.getRowsRequest']
    status, text = refusal(body)
    assert status == 400 and "tabla" in text
    status, text = refusal(payload(*panorama, {1: "inventada"}))
    assert status == 400 and "Medida desconocida" in text
    good = post_callback(admin, payload(*grid, {0: {"startRow": 0, "endRow": 10}}))
    assert good.status_code == 200 and good.json()["response"]
