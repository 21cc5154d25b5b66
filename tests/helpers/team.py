"""A manager's team with one known status per person as of AS_OF, built the way production builds it: HR's roster
imported and an export of Prevent statements synced (pulled, mapped, evaluated) into a real SQLite store."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import orjson
from click.testing import CliRunner

from lrs_adapter.cli import main
from tests.helpers.prevent import IRI, SATISFIED, statement

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2026, 12, 1)
MANAGER = "M00001"
HOSTILE_NAME = "Siobhán O'Brien <script>alert(1)</script>"

#: learner -> (name, department, assignment date, Prevent e-learning completed on, status as of AS_OF).
#: Prevent: valid 24 months, the window opens 6 months before the due date, a new learner has 6 months.
TEAM = {
    "P10001": ("Ada Overdue", "Adult Care", "2024-01-01", None, "red"),  # due 2024-07-01
    "P10002": ("Ben Lapsed", "Highways", "2024-01-01", "2024-05-10", "red"),  # due 2026-05-10
    "P10003": ("Cal Never", "Highways", "2025-01-15", None, "red"),  # due 2025-07-15
    "P10004": ("Dee Newstarter", "Adult Care", "2026-10-01", None, "amber"),  # due 2027-04-01, window open
    "P10005": ("Eli Renewing", "Highways", "2023-01-01", "2025-03-03", "amber"),  # due 2027-03-03
    "P10006": (HOSTILE_NAME, "Adult Care", "2024-01-01", "2025-09-01", "green"),  # due 2027-09-01
    "P10007": ("Fay Current", "Highways", "2024-01-01", "2026-01-20", "green"),
    "P10008": ("Gus Current", "Adult Care", "2024-01-01", "2026-03-15", "green"),
    "P10009": ("Hal Current", "Adult Care", "2024-01-01", "2026-06-01", "green"),
    "P10010": ("Ivy Future", "Highways", "2027-01-01", None, "none"),  # assigned after AS_OF
    "P10011": ("Jo Onleave", "Highways", "2024-01-01", None, "exempt"),  # red but for the exemption (EXEMPT_UNTIL)
}
#: Jo Onleave's exemption ends on this day.
EXEMPT_UNTIL = date(2030, 1, 1)
#: Not the manager's: someone else's report, who must not appear on the page.
OTHERS = {"P20001": ("Zed Elsewhere", "Highways", "2024-01-01", None, "red")}


def expected_counts(department: str | None = None) -> dict[str, int]:
    counts = dict.fromkeys(("red", "amber", "green", "exempt", "none"), 0)
    for _, dept, _, _, status in TEAM.values():
        if department in (None, dept):
            counts[status] += 1
    return counts


def build_team_store(directory: Path) -> Path:
    """The config of a store in `directory` holding TEAM and OTHERS after `roster import` and `sync`."""
    people = [(learner, MANAGER, *row) for learner, row in TEAM.items()]
    people += [(learner, "M00002", *row) for learner, row in OTHERS.items()]
    roster = [
        "payroll_number,name,work_email,department,manager_payroll_number,staff_group,no_it_access,assignment_date,leaving_date"
    ]
    roster.append(f"{MANAGER},Morgan Manager,,Adult Care,,Managers,no,2020-01-01,")
    roster += [
        f'{learner},"{name}",,{dept},{manager},Office,no,{assigned},'
        for learner, manager, name, dept, assigned, _, _ in people
    ]
    (directory / "roster.csv").write_text("\n".join(roster) + "\n", encoding="utf-8")
    completions = [
        statement(SATISFIED, f"{IRI}/prevent-elearning", learner=learner, timestamp=f"{done}T10:00:00Z")
        for learner, _, _, _, _, done, _ in people
        if done
    ]
    (directory / "export.jsonl").write_bytes(b"".join(orjson.dumps(s) + b"\n" for s in completions))
    config = directory / "lrs-adapter.toml"
    config.write_text(
        f'mappings = ["{ROOT / "mappings" / "prevent.toml"}"]\n[roster]\nhome_page = "https://learning.example.gov.uk"\n'
        '[store]\nurl = "sqlite:///store.db"\n[connectors.export]\nfile = "export.jsonl"\n'
    )
    exempt = ["exempt", "P10011", "--until", EXEMPT_UNTIL.isoformat(), "--reason", "long-term leave"]
    for command in (["roster", "import", str(directory / "roster.csv")], ["sync"], exempt):
        result = CliRunner().invoke(main, ["--config", str(config), "--log-format", "json", *command])
        assert result.exit_code == 0, result.output
    return config
