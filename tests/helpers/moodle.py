"""A Moodle (or Totara) site's database on the real PostgreSQL, with its SCORM tables as Moodle's installer creates
them (fixtures/moodle/*.sql, from install.xml), filled as its SCORM player writes them: `x.start.time` when an
attempt is launched, then each CMI element the package sets, through `scorm_insert_track`'s rules (mod/scorm/lib.php:
a value is updated, with a new timemodified, only when it changes; `x.start.time` is never rewritten; Moodle 4.3+
creates the attempt row and the element's row on first use)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[2]
MOODLE = ROOT / "fixtures" / "moodle"
LEGACY, SPLIT = "4.2", "4.3"  # the layouts: scorm_scoes_track (Moodle up to 4.2, Totara), or the 4.3+ split tables
SCORM_12, SCORM_2004 = "SCORM_1.2", "SCORM_13"
ELEARNING = "https://learning.example.gov.uk/xapi/activities/prevent-elearning"


def adapter_config(
    tmp_path: Path, site: MoodleSite, *activities: str, overlap: int = 300, page_size: int = 200
) -> Path:
    """The adapter's configuration for a council with this LMS and no LRS: an `lms` connector reading the named
    SCORM activities as the Prevent e-learning, the shipped Prevent mapping, and the Totara upload sink."""
    named = ", ".join(f'{{ name = "{name}", iri = "{ELEARNING}" }}' for name in activities)
    path = tmp_path / "lrs-adapter.toml"
    path.write_text(
        f'mappings = ["{ROOT / "mappings" / "prevent.toml"}"]\n'
        '[roster]\nhome_page = "https://learning.example.gov.uk"\n'
        '[store]\nurl = "sqlite:///store.db"\n'
        "[pull]\nintake_processes = 0\n"
        "[push]\nroster_only = false\n"
        f'[lms.totara]\nurl = "{site.url}"\noverlap_seconds = {overlap}\npage_size = {page_size}\n'
        f'[connectors.totara_scorm]\nlms = "totara"\nscorm = [{named}]\n'
        '[sinks.totara]\nkind = "lms_file"\ndirectory = "upload"\n'
        '[sinks.totara.certifications.prevent]\nshortname = "PREVENT"\n'
    )
    return path


class MoodleSite:
    def __init__(self, url: str, layout: str) -> None:
        self.url, self.layout = url, layout
        self.db: psycopg.Connection[Any] = psycopg.connect(url, autocommit=True)
        self.db.execute((MOODLE / "common.sql").read_text())
        self.db.execute((MOODLE / f"scorm-tracks-{layout}.sql").read_text())

    def close(self) -> None:
        self.db.close()

    def _id(self, query: str, *params: Any) -> int:
        row = self.db.execute(query, params).fetchone()
        assert row is not None
        return int(row[0])

    def user(self, username: str, idnumber: str = "", *, deleted: bool = False) -> int:
        return self._id(
            "INSERT INTO mdl_user (username, idnumber, deleted, confirmed, mnethostid, email) "
            "VALUES (%s, %s, %s, 1, 1, %s) RETURNING id",
            username,
            idnumber,
            int(deleted),
            f"{username}@example.gov.uk",
        )

    def scorm(self, name: str, version: str, scos: tuple[str, ...] = ("item_1",)) -> tuple[int, list[int]]:
        """A SCORM activity as Moodle unpacks its package: the organization's row, then one `sco` row per SCO."""
        scorm = self._id(
            "INSERT INTO mdl_scorm (course, name, version, intro, reference, md5hash, options)"
            " VALUES (2, %s, %s, '', 'package.zip', '', '') RETURNING id",
            name,
            version,
        )
        self.db.execute(
            "INSERT INTO mdl_scorm_scoes (scorm, manifest, organization, parent, identifier, launch, scormtype, title,"
            " sortorder) VALUES (%s, 'MANIFEST-1', '', '/', 'ORG-1', '', '', %s, 1)",
            (scorm, name),
        )
        ids = [
            self._id(
                "INSERT INTO mdl_scorm_scoes (scorm, manifest, organization, parent, identifier, launch, scormtype,"
                " title, sortorder) VALUES (%s, 'MANIFEST-1', 'ORG-1', 'ORG-1', %s, 'index.html', 'sco', %s, %s)"
                " RETURNING id",
                scorm,
                identifier,
                identifier,
                number + 2,
            )
            for number, identifier in enumerate(scos)
        ]
        return scorm, ids

    def track(self, user: int, scorm: int, sco: int, attempt: int, element: str, value: str, at: int) -> None:
        """mod/scorm/lib.php scorm_insert_track, for either layout."""
        if self.layout == LEGACY:
            found = self.db.execute(
                "SELECT id, value FROM mdl_scorm_scoes_track WHERE userid = %s AND scormid = %s AND scoid = %s"
                " AND attempt = %s AND element = %s",
                (user, scorm, sco, attempt, element),
            ).fetchone()
            if found is None:
                self.db.execute(
                    "INSERT INTO mdl_scorm_scoes_track (userid, scormid, scoid, attempt, element, value, timemodified)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    (user, scorm, sco, attempt, element, value, at),
                )
            elif element != "x.start.time" and found[1] != value:
                self.db.execute(
                    "UPDATE mdl_scorm_scoes_track SET value = %s, timemodified = %s WHERE id = %s",
                    (value, at, found[0]),
                )
            return
        attempt_id = self._row(
            "mdl_scorm_attempt", "userid = %s AND scormid = %s AND attempt = %s", (user, scorm, attempt)
        )
        element_id = self._row("mdl_scorm_element", "element = %s", (element,))
        found = self.db.execute(
            "SELECT id, value FROM mdl_scorm_scoes_value WHERE attemptid = %s AND scoid = %s AND elementid = %s",
            (attempt_id, sco, element_id),
        ).fetchone()
        if found is None:
            self.db.execute(
                "INSERT INTO mdl_scorm_scoes_value (attemptid, scoid, elementid, value, timemodified)"
                " VALUES (%s, %s, %s, %s, %s)",
                (attempt_id, sco, element_id, value, at),
            )
        elif element != "x.start.time" and found[1] != value:
            self.db.execute(
                "UPDATE mdl_scorm_scoes_value SET value = %s, timemodified = %s WHERE id = %s", (value, at, found[0])
            )

    def _row(self, table: str, where: str, params: tuple[Any, ...]) -> int:
        """The id of the row (Moodle 4.3+'s attempt, or element), inserted on first use."""
        columns = [part.split(" = ")[0] for part in where.split(" AND ")]
        found = self.db.execute(f"SELECT id FROM {table} WHERE {where}", params).fetchone()
        if found is not None:
            return int(found[0])
        names, marks = ", ".join(columns), ", ".join(["%s"] * len(columns))
        return self._id(f"INSERT INTO {table} ({names}) VALUES ({marks}) RETURNING id", *params)

    def play_12(
        self, user: int, scorm: int, sco: int, attempt: int, *, at: int, status: str, raw: str | None = None
    ) -> None:
        """A SCORM 1.2 session: launched at `at`, the package's LMSCommit/LMSFinish 25 minutes later, with the
        total time Moodle's player adds up."""
        end = at + 25 * 60
        self.track(user, scorm, sco, attempt, "x.start.time", str(at), at)
        values = {
            "cmi.core.lesson_location": "page-7",
            "cmi.core.lesson_status": status,
            "cmi.core.exit": "" if status in ("passed", "failed", "completed") else "suspend",
            "cmi.core.session_time": "00:25:10.5",
            "cmi.core.total_time": "00:25:10.50",
            "cmi.suspend_data": "A1B2C3",
        }
        if raw is not None:
            values |= {"cmi.core.score.raw": raw, "cmi.core.score.min": "0", "cmi.core.score.max": "100"}
        for element, value in values.items():
            self.track(user, scorm, sco, attempt, element, value, end)

    def play_2004(
        self,
        user: int,
        scorm: int,
        sco: int,
        attempt: int,
        *,
        at: int,
        completion: str,
        success: str = "unknown",
        scaled: str | None = None,
    ) -> None:
        """A SCORM 2004 session: launched at `at`, Commit/Terminate 40 minutes later."""
        end = at + 40 * 60
        self.track(user, scorm, sco, attempt, "x.start.time", str(at), at)
        values = {
            "cmi.location": "slide-12",
            "cmi.completion_status": completion,
            "cmi.success_status": success,
            "cmi.exit": "normal" if completion == "completed" else "suspend",
            "cmi.session_time": "PT40M2.25S",
        }
        if scaled is not None:
            raw = str(round(float(scaled) * 100))
            values |= {"cmi.score.scaled": scaled, "cmi.score.raw": raw, "cmi.score.min": "0", "cmi.score.max": "100"}
        for element, value in values.items():
            self.track(user, scorm, sco, attempt, element, value, end)
