"""Every report route and parameter tried as the wrong person, against `lrs-adapter serve` signing in with a real
OpenID Connect provider: each signed-in person gets exactly the pages, workbooks and trends their place on the roster
and their roles give them (a workbook holds exactly the rows of its page); a page, workbook or trend outside their
view answers 404 with the same body as a page of nobody, so it tells no one who exists; a session opens none of the
integrators' bearer-token routes; a changed cookie signs no one in."""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Iterator

import httpx
import openpyxl
import pytest

from lrs_adapter.report.exports import TEAM_COLUMNS
from tests.helpers.council import BELOW_MANAGER, DIRECTOR, LEARNER, LOOP, TEAM_LEADER
from tests.helpers.signin import ACCOUNTS, API_TOKEN, Served, served_council, sign_in
from tests.helpers.team import MANAGER, OTHERS, TEAM

DEPARTMENT = {learner: row[1] for learner, row in (TEAM | OTHERS).items()}
DEPARTMENT |= {MANAGER: "Adult Care", DIRECTOR: "Adult Care", TEAM_LEADER: "Highways", LOOP[0]: "Libraries"}
DEPARTMENT |= {LOOP[1]: "Libraries"}
EVERYONE = set(DEPARTMENT)
HIGHWAYS = {person for person, name in DEPARTMENT.items() if name == "Highways"}
#: login -> everyone they may see, written out from the council's shape (tests/helpers/council.py), not computed.
SEES = {
    "dana": {DIRECTOR, MANAGER, *BELOW_MANAGER},
    "morgan": {MANAGER, *BELOW_MANAGER},
    "ben": {LEARNER},
    "lou": {*LOOP, *HIGHWAYS},  # below them in the loop, and the Highways department by their group
    "zed": EVERYONE,  # the council-wide group
}
DEPARTMENTS_SEEN = {"dana": set(), "morgan": set(), "ben": set(), "lou": {"Highways"}, "zed": {*DEPARTMENT.values()}}
PERSON_ID = re.compile(r"\b[PMDTL]\d{5}\b")
ROW = re.compile(r'<tr data-learner="([^"]+)"')
TREND = {"from": "2026-01", "to": "2026-11"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served_council(tmp_path_factory.mktemp("council")) as running:
        yield running


@pytest.fixture(scope="module")
def clients(served: Served) -> Iterator[dict[str, httpx.Client]]:
    signed_in = {login: sign_in(served, login)[0] for login in SEES}
    yield signed_in
    for client in signed_in.values():
        client.close()


def session_of(client: httpx.Client) -> tuple[dict[str, object], str, str]:
    """The session cookie read as anyone can (it is signed, not encrypted): what it holds, its stamp and signature."""
    payload, stamp, signature = client.cookies["lrs_adapter_session"].split(".")
    return json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4))), stamp, signature


def people_on(page: str) -> set[str]:
    return set(PERSON_ID.findall(page))


def rows_of(page: str) -> list[str]:
    """The learners of the page's table, row by row."""
    return ROW.findall(page)


def rows_in(workbook: bytes) -> list[str]:
    sheet = openpyxl.load_workbook(io.BytesIO(workbook)).active
    assert sheet is not None
    learner = TEAM_COLUMNS.index("learner")
    return [str(row[learner]) for row in sheet.iter_rows(min_row=2, values_only=True)]


def unseen(answer: httpx.Response) -> tuple[int, dict[str, object]]:
    """A page someone may not see, as they get it: the status and the problem, but the `instance` (the path they
    asked for, which they know already), so a page out of their view and a page of nobody can be told apart by
    nothing else."""
    problem = answer.json()
    problem.pop("instance", None)
    return answer.status_code, problem


@pytest.mark.parametrize("login", sorted(SEES))
def test_every_manager_page_as_each_person(clients: dict[str, httpx.Client], login: str) -> None:
    client, sees = clients[login], SEES[login]
    nobody = client.get("/report", params={"manager": "NOBODY"}, follow_redirects=False)
    assert nobody.status_code == 404
    assert unseen(client.get("/report.xlsx", params={"manager": "NOBODY"})) == unseen(nobody)
    for person in sorted(EVERYONE):
        for extra in ({}, {"status": "red"}, {"as_of": "2026-12-01"}, {"department": "Highways"}):
            params = {"manager": person, **extra}
            answer = client.get("/report", params=params, follow_redirects=False)
            workbook = client.get("/report.xlsx", params=params, follow_redirects=False)
            if person in sees:
                assert (answer.status_code, workbook.status_code) == (200, 200), (person, extra)
                assert people_on(answer.text) <= sees, (person, extra)
                assert rows_in(workbook.content) == rows_of(answer.text), (person, extra)
            else:
                assert unseen(answer) == unseen(nobody), (person, extra)
                assert unseen(workbook) == unseen(nobody), (person, extra)


@pytest.mark.parametrize("login", sorted(SEES))
def test_every_department_page_as_each_person(clients: dict[str, httpx.Client], login: str) -> None:
    client = clients[login]
    for department in sorted({*DEPARTMENT.values(), "Nowhere"}):
        answer = client.get("/report", params={"department": department}, follow_redirects=False)
        workbook = client.get("/report.xlsx", params={"department": department}, follow_redirects=False)
        if department in DEPARTMENTS_SEEN[login] or login == "zed":
            assert (answer.status_code, workbook.status_code) == (200, 200), department
            reader = {ACCOUNTS[login][0]}  # their own id is in the "My team" link at the top
            assert people_on(answer.text) - reader == {p for p, d in DEPARTMENT.items() if d == department} - reader
            assert rows_in(workbook.content) == rows_of(answer.text), department
            assert f"<h1>{department} department</h1>" in answer.text
        else:
            assert (answer.status_code, workbook.status_code) == (404, 404), department


@pytest.mark.parametrize("login", sorted(SEES))
def test_every_trend_as_each_person(clients: dict[str, httpx.Client], login: str) -> None:
    """A department role sees its department's trend, the council role any department's and the whole council's;
    a manager's people alone have none (README: Sign-in), so everyone else gets the page of nobody's 404."""
    client = clients[login]
    nobody = client.get("/report", params={"manager": "NOBODY"}, follow_redirects=False)
    whole = clients["zed"].get("/report/trend.json", params=TREND).json()
    assert whole["department"] is None
    for department in sorted({*DEPARTMENT.values(), "Nowhere"}):
        params = {**TREND, "department": department}
        as_json = client.get("/report/trend.json", params=params, follow_redirects=False)
        page = client.get("/report/trend", params=params, follow_redirects=False)
        if department in DEPARTMENTS_SEEN[login] or login == "zed":
            assert (as_json.status_code, page.status_code) == (200, 200), department
            assert as_json.json() == clients["zed"].get("/report/trend.json", params=params).json()
            assert as_json.json()["department"] == department
        else:
            assert unseen(as_json) == unseen(nobody), department
            assert unseen(page) == unseen(nobody), department
    widest = client.get("/report/trend.json", params=TREND, follow_redirects=False)
    if login == "zed":
        assert widest.json() == whole
    elif DEPARTMENTS_SEEN[login]:
        (own,) = DEPARTMENTS_SEEN[login]
        assert widest.json()["department"] == own
        assert widest.json()["months"][-1]["people"] < whole["months"][-1]["people"]
    else:
        assert unseen(widest) == unseen(nobody)


def test_each_persons_own_views(clients: dict[str, httpx.Client]) -> None:
    team = clients["morgan"].get("/report")
    assert people_on(team.text) == {MANAGER, *BELOW_MANAGER}  # everyone below, and the reader at the top
    assert "Signed in as <strong>Morgan Manager</strong>" in team.text
    council = clients["zed"].get("/report")
    assert people_on(council.text) == EVERYONE
    lead = clients["lou"].get("/report")  # a manager in a loop: their own people (the loop followed once)
    assert people_on(lead.text) == {*LOOP}
    own = clients["ben"].get("/report")  # nobody below them: their own page
    assert own.url.path == "/report/me"
    assert people_on(own.text) == {LEARNER}
    assert "Overdue since 10 May 2026" in own.text
    for login, client in clients.items():
        me = client.get("/report/me", params={"learner": MANAGER, "manager": MANAGER})  # no parameter widens it
        assert people_on(me.text) == {ACCOUNTS[login][0]}


def test_a_session_opens_no_bearer_route(served: Served, clients: dict[str, httpx.Client]) -> None:
    schema = httpx.get(f"{served.base}/openapi.json", headers={"Authorization": f"Bearer {API_TOKEN}"}).json()
    paths = [path.replace("{learner_id}", MANAGER) for path, ops in schema["paths"].items() if "get" in ops]
    paths = [path for path in paths if not path.startswith("/report") and "{" not in path]
    assert {"/certifications", f"/learners/{MANAGER}", "/health"} <= set(paths)
    for path in paths:
        answer = clients["zed"].get(path, follow_redirects=False)
        assert answer.status_code == 401, path


def test_no_session_or_a_changed_one_signs_no_one_in(served: Served, clients: dict[str, httpx.Client]) -> None:
    for path in (
        "/report",
        "/report/me",
        f"/report?manager={MANAGER}",
        "/report.xlsx",
        "/report/trend.json?from=2026-01&to=2026-02",
    ):
        answer = httpx.get(f"{served.base}{path}", follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (303, "/signin")
    assert session_of(clients["zed"])[0]["groups"] == ["dlo-admins"]  # only the groups a role names are kept
    session, stamp, signature = session_of(clients["ben"])
    assert session["person"] == LEARNER
    forged = base64.b64encode(json.dumps({**session, "person": DIRECTOR}).encode()).decode()
    answer = httpx.get(
        f"{served.base}/report",
        cookies={"lrs_adapter_session": f"{forged}.{stamp}.{signature}"},
        follow_redirects=False,
    )
    assert (answer.status_code, answer.headers["location"]) == (303, "/signin")


@pytest.mark.parametrize(("login", "why"), [("outsider", "no current member of staff"), ("silent", "(email)")])
def test_someone_not_on_the_roster_is_refused(served: Served, login: str, why: str) -> None:
    client, page = sign_in(served, login)
    try:
        assert page.status_code == 403
        assert why in page.text
        assert client.get("/report", follow_redirects=False).status_code == 303  # and no session was made
    finally:
        client.close()
