"""`sync --dry-run --mail-folder DIR`: the e-mails a push would send, written as files, nothing sent."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

from click.testing import CliRunner

from lrs_adapter.cli import main

ROOT = Path(__file__).resolve().parents[2]
HEADER = "payroll_number,name,work_email,department,manager_payroll_number,staff_group,no_it_access,assignment_date"


def cli(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "--log-format", "json", *args])
    return result.exit_code, result.output


def test_a_dry_run_writes_the_mails_a_push_would_send_and_sends_none(tmp_path: Path) -> None:
    today = datetime.now(UTC).date()  # assigned today: the window opens at once
    (tmp_path / "roster.csv").write_text(
        f"{HEADER}\nP00001,Ann <b>Example</b>,ann@example.gov.uk,Care,,Care,no,{today}\n"
        f"P00002,Bob Noemail,,Care,,Care,no,{today}\n",
        encoding="utf-8",
    )
    config = tmp_path / "lrs-adapter.toml"
    config.write_text(
        f"""mappings = ["{ROOT / "mappings" / "prevent.toml"}"]
[roster]
home_page = "https://learning.example.gov.uk"
[store]
url = "sqlite:///store.db"
[sinks.mail]
kind = "email"
host = "127.0.0.1"
port = 9  # nothing listens: a dry run connects to nothing
from = "training@example.gov.uk"
templates = "{ROOT / "mappings" / "email" / "prevent"}"
"""
    )
    assert cli(config, "roster", "import", str(tmp_path / "roster.csv"))[0] == 0
    assert cli(config, "sync", "--mail-folder", str(tmp_path / "out"))[0] == 2  # only with --dry-run

    code, output = cli(config, "sync", "--dry-run", "--mail-folder", str(tmp_path / "out"))

    assert code == 0, output
    assert "dry run: wrote 1 e-mails of mail into mail/ (1 held: no work e-mail on the roster)" in output
    [written] = sorted((tmp_path / "out" / "mail").iterdir())
    assert written.name.endswith("-window_opened.eml")
    message = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert message["To"] == '"Ann <b>Example</b>" <ann@example.gov.uk>'  # the name quoted: one address
    html = message.get_body(("html",))
    assert html is not None
    assert "Ann &lt;b&gt;Example&lt;/b&gt;" in html.get_content()
    code, output = cli(config, "outbox", "list", "--status", "pending")
    assert code == 0
    assert output.count("window_opened") == 2  # both still pending: nothing sent, nothing held yet
