"""Learners: the roster's people, the identifiers each is known by, and resolving a statement's actor to one.

An actor resolves by account (the roster's homePage and a payroll number, even one the roster does not list yet)
or through the roster by mbox / mbox_sha1sum / a second payroll number. What does not resolve is kept, listed by
`learners unresolved`, and mapped as soon as a roster import teaches the adapter who it is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from lrs_adapter.model.contract import Contact, LearnerFacts
from lrs_adapter.model.roster import RosterRow
from lrs_adapter.store.database import Database, Row, rows_in
from lrs_adapter.store.statement_keys import WITH_STATEMENTS

#: How a work e-mail is held: as the identifier (mbox) the roster gives the learner.
MAILTO = "mbox:mailto:"
LEARNER_COLUMNS = "id, name, department, manager, staff_group, no_it_access, assigned_on, left_on, on_roster"


@dataclass
class RosterCounts:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    leavers: int = 0
    requeued: int = 0


def account_key(home_page: str, name: str) -> str:
    return f"account:{home_page} {name}"


def payroll_key(number: str) -> str:
    """How a register row names its learner: resolved only through the roster (a typed number may be wrong)."""
    return f"payroll:{number}"


def identifiers_of(row: RosterRow, home_page: str | None) -> set[str]:
    keys = {payroll_key(number) for number in row.payroll_numbers}
    keys |= {f"{MAILTO}{email}" for email in row.work_emails}
    keys |= {f"mbox_sha1sum:{hashlib.sha1(f'mailto:{email}'.encode()).hexdigest()}" for email in row.work_emails}  # noqa: S324 - xAPI's own hash
    if home_page:
        keys |= {account_key(home_page, number) for number in row.payroll_numbers}
    return keys


def merged_into(db: Database) -> dict[str, str]:
    """Each merged learner's id and the learner their identifiers and history now belong to (`learners merge`)."""
    merges: dict[str, str] = {row.merged: row.kept for row in db.execute("SELECT merged, kept FROM merges")}
    return {merged: _followed(merges, merged) for merged in merges}


def identities(db: Database, learner: str) -> list[str]:
    """The learner and the identities merged into them: one person (erased together, remembered together)."""
    return [learner, *(m for m, kept in sorted(merged_into(db).items()) if kept == learner)]


def _followed(merges: dict[str, str], learner: str) -> str:
    seen = {learner}
    while learner in merges and merges[learner] not in seen:  # B into A, then A into C: B's history is C's
        learner = merges[learner]
        seen.add(learner)
    return learner


def resolve(db: Database, keys: Iterable[str], home_page: str | None) -> dict[str, str]:
    """The learner id of each key that resolves (a merged learner's keys: to the learner kept); keys that do not
    are left out."""
    keys = list(keys)
    found: dict[str, str] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(
            db.execute(f"SELECT ifi, learner_id FROM learner_identifiers WHERE ifi IN ({marks})", tuple(chunk))
        )
    if home_page:
        prefix = account_key(home_page, "")
        for key in keys:
            if key not in found and key.startswith(prefix) and len(key) > len(prefix):
                found[key] = key[len(prefix) :]
    merges = merged_into(db)
    return {key: merges.get(learner, learner) for key, learner in found.items()} if merges else found


def roster_facts(db: Database, learner_id: str) -> tuple[bool | None, date | None]:
    """(no IT access, assignment date) of a learner on the roster; (None, None) for anyone else."""
    return roster_facts_of(db, [learner_id]).get(learner_id, (None, None))


def roster_facts_of(db: Database, learner_ids: Sequence[str]) -> dict[str, tuple[bool | None, date | None]]:
    """`roster_facts` of each of `learner_ids` on the roster, by learner id (anyone else left out)."""
    rows = rows_in(
        db, "SELECT id, no_it_access, assigned_on FROM learners WHERE on_roster = 1 AND id IN ({})", learner_ids
    )
    return {
        row.id: (bool(row.no_it_access), date.fromisoformat(row.assigned_on) if row.assigned_on else None)
        for row in rows
    }


def on_roster_of(db: Database, learner_ids: Sequence[str], as_of: date) -> set[str]:
    """Those of `learner_ids` on the roster and not left as of `as_of` (a leaving date past is a leaver already)."""
    rows = rows_in(
        db,
        "SELECT id FROM learners WHERE on_roster = 1 AND (left_on IS NULL OR left_on > ?) AND id IN ({})",
        learner_ids,
        (as_of.isoformat(),),
    )
    return {str(row.id) for row in rows}


def queue_key(learner_id: str, home_page: str | None) -> str:
    """An identifier that resolves to this learner, to queue them for evaluation."""
    return account_key(home_page, learner_id) if home_page else payroll_key(learner_id)


def keys_of(db: Database, learner_id: str, home_page: str | None) -> list[str]:
    """Every identifier a learner's statements may carry, those of the learners merged into them included."""
    return keys_of_learners(db, [learner_id], home_page)[learner_id]


def keys_of_learners(db: Database, learner_ids: Sequence[str], home_page: str | None) -> dict[str, list[str]]:
    """`keys_of` each of `learner_ids`, read in a few queries for the lot."""
    merges = merged_into(db)
    people = {learner: [learner] for learner in learner_ids}
    for merged, kept in merges.items():
        if kept in people:
            people[kept].append(merged)
    owner = {person: learner for learner, persons in people.items() for person in persons}
    keys: dict[str, set[str]] = {learner: set() for learner in learner_ids}
    for row in rows_in(db, "SELECT ifi, learner_id FROM learner_identifiers WHERE learner_id IN ({})", sorted(owner)):
        keys[owner[row.learner_id]].add(row.ifi)
    if home_page:
        for person, learner in owner.items():
            keys[learner].add(account_key(home_page, person))
    return {learner: sorted(found) for learner, found in keys.items()}


def _row_values(row: RosterRow) -> tuple[object, ...]:
    return (
        row.payroll_numbers[0],
        row.name,
        row.department,
        row.manager,
        row.staff_group,
        int(row.no_it_access),
        row.assigned_on.isoformat(),
        row.left_on.isoformat() if row.left_on else None,
        1,
    )


def import_roster(
    db: Database, rows: Sequence[RosterRow], *, home_page: str | None, today: date, now: str
) -> RosterCounts:
    """A full snapshot, in one transaction: people upserted, the missing ones made leavers (never deleted), and
    every learner whose row or identifiers changed queued to be mapped and evaluated again."""
    counts = RosterCounts()
    with db.transaction():
        before: dict[str, str] = dict(db.execute("SELECT ifi, learner_id FROM learner_identifiers"))
        reevaluate = _upsert_people(db, rows, counts, today=today, now=now)
        present = {row.payroll_numbers[0] for row in rows}
        after = {key: row.payroll_numbers[0] for row in rows for key in identifiers_of(row, home_page)}
        # Identifiers of people no longer on the roster stay: their history must still resolve to them.
        after = {key: learner for key, learner in before.items() if learner not in present} | after
        db.execute("DELETE FROM learner_identifiers")
        db.executemany("INSERT INTO learner_identifiers (ifi, learner_id) VALUES (?, ?)", sorted(after.items()))
        keys = _requeue_moved(db, before, after, home_page)
        db.executemany(
            "INSERT INTO learners_to_map (learner) VALUES (?) ON CONFLICT DO NOTHING",
            [(payroll_key(learner),) for learner in sorted(reevaluate)],
        )
        counts.requeued = len(keys | {payroll_key(learner) for learner in reevaluate})
    return counts


def _upsert_people(db: Database, rows: Sequence[RosterRow], counts: RosterCounts, *, today: date, now: str) -> set[str]:
    """The roster's rows upserted and the people missing from it made leavers; the learners whose state this
    changes (a new, changed or leaving roster row)."""
    existing = {row.id: row for row in db.execute(f"SELECT {LEARNER_COLUMNS} FROM learners")}
    present = set()
    # People added by hand (`learners add`) are not HR's: missing from its snapshot, they are no leavers.
    added = {row.id for row in db.execute("SELECT id FROM learners WHERE added_by IS NOT NULL")}
    reevaluate: set[str] = set()
    for row in rows:
        values = _row_values(row)
        learner_id = row.payroll_numbers[0]
        present.add(learner_id)
        old = existing.get(learner_id)
        if old is None:
            counts.added += 1
        elif tuple(old) != values:
            counts.changed += 1
        else:
            counts.unchanged += 1
            continue
        reevaluate.add(learner_id)
        db.execute(
            f"INSERT INTO learners ({LEARNER_COLUMNS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET name = excluded.name, department = excluded.department,"
            " manager = excluded.manager, staff_group = excluded.staff_group,"
            " no_it_access = excluded.no_it_access, assigned_on = excluded.assigned_on,"
            " left_on = excluded.left_on, on_roster = 1, updated_at = excluded.updated_at, added_by = NULL",
            (*values, now),
        )
    for learner_id, old in existing.items():
        if learner_id not in present and learner_id not in added and old.on_roster:
            counts.leavers += 1
            reevaluate.add(learner_id)
            db.execute(
                "UPDATE learners SET on_roster = 0, left_on = COALESCE(left_on, ?), updated_at = ? WHERE id = ?",
                (today.isoformat(), now, learner_id),
            )
    return reevaluate


def _requeue_moved(db: Database, before: dict[str, str], after: dict[str, str], home_page: str | None) -> set[str]:
    """An identifier that now resolves to someone else moves its history: both people's evidence is dropped and
    every identifier of theirs queued to be mapped again. Returns the keys queued."""
    moved = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    people = {before[key] for key in moved if key in before} | {after[key] for key in moved if key in after}
    keys = set(moved)
    for person in people:
        keys.update(keys_of(db, person, home_page))
        db.execute("DELETE FROM evidence WHERE learner = ?", (person,))
    db.executemany(
        f"INSERT INTO learners_to_map (learner) {WITH_STATEMENTS} AND k.learner = ? ON CONFLICT DO NOTHING",
        [(key,) for key in sorted(keys)],
    )
    db.executemany(
        "INSERT INTO learners_to_map (learner) SELECT DISTINCT learner_key FROM recorded_completions"
        " WHERE learner_key = ? ON CONFLICT DO NOTHING",
        [(key,) for key in sorted(keys)],
    )
    return keys


def add_learner(db: Database, row: RosterRow, *, home_page: str | None, actor: str, now: str) -> None:
    """Someone outside HR's roster (an elected member, a governor): on the roster for the reports and assigned like
    anyone, with their identifiers, but never made a leaver by a roster import, which does not list them."""
    db.execute(
        f"INSERT INTO learners ({LEARNER_COLUMNS}, updated_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*_row_values(row), now, actor),
    )
    db.executemany(
        "INSERT INTO learner_identifiers (ifi, learner_id) VALUES (?, ?)",
        [(key, row.payroll_numbers[0]) for key in sorted(identifiers_of(row, home_page))],
    )
    db.execute(
        "INSERT INTO learners_to_map (learner) VALUES (?) ON CONFLICT DO NOTHING",
        (payroll_key(row.payroll_numbers[0]),),
    )


def on_roster(db: Database) -> int:
    """How many people the roster lists now: an import's audit entry shows the number before and after."""
    row = db.one("SELECT COUNT(*) AS people FROM learners WHERE on_roster = 1")
    return int(row.people) if row else 0


def unresolved(db: Database, home_page: str | None) -> list[tuple[str, int, str]]:
    """Actors and recorded completions no learner answers to: (identifier, count, last seen), most first."""
    rows = db.execute(
        "SELECT k.learner, COUNT(*) AS seen, MAX(s.stored) AS last_seen"
        " FROM statements s JOIN statement_learners k ON k.id = s.learner_key GROUP BY k.learner"
        " UNION ALL SELECT learner_key, COUNT(*), MAX(completed_on) FROM recorded_completions GROUP BY learner_key"
    )
    known = resolve(db, [row.learner for row in rows], home_page)
    found = [(r.learner, int(r.seen), r.last_seen) for r in rows if r.learner not in known]
    return sorted(found, key=lambda item: (-item[1], item[0]))  # most seen first


def is_known(db: Database, learner: str) -> bool:
    """On the roster (now or once) or evaluated: someone an administrative command can act on."""
    return bool(
        db.one("SELECT 1 FROM learners WHERE id = ?", (learner,))
        or db.one("SELECT 1 FROM certification_states WHERE learner = ?", (learner,))
    )


#: A learner's work e-mail: the alphabetically first of the addresses the roster gave them (their `mbox` identifiers).
_EMAIL_OF = (
    "(SELECT SUBSTR(MIN(i.ifi), 13) FROM learner_identifiers i"
    " WHERE i.learner_id = {} AND SUBSTR(i.ifi, 1, 12) = 'mbox:mailto:')"
)


def learner_row(db: Database, learner: str) -> Row | None:
    """The learner's roster facts: name, email, department, manager, staff_group, on_roster, assigned_on, left_on."""
    return db.one(
        f"SELECT name, {_EMAIL_OF.format('learners.id')} AS email, department, manager, staff_group, on_roster,"
        " assigned_on, left_on FROM learners WHERE id = ?",
        (learner,),
    )


def learner_facts(db: Database, learners: Iterable[str]) -> dict[str, LearnerFacts]:
    """Who each of `learners` the store knows is in the organisation, as the roster stands now, with how to reach
    them and their manager (a record carries the contact only where configured)."""
    rows = rows_in(
        db,
        "SELECT l.id, l.on_roster, l.manager, l.department, l.staff_group, l.name,"
        f" {_EMAIL_OF.format('l.id')} AS email, m.name AS manager_name, {_EMAIL_OF.format('m.id')} AS manager_email"
        " FROM learners l LEFT JOIN learners m ON m.id = l.manager WHERE l.id IN ({})",
        sorted(learners),
    )
    return {
        r.id: LearnerFacts(
            bool(r.on_roster),
            r.manager,
            r.department,
            r.staff_group,
            Contact(r.name, r.email, r.manager_name, r.manager_email),
        )
        for r in rows
    }


def is_manager_known(db: Database, manager: str) -> bool:
    """On the roster or named as someone's manager there: a manager whose page can be asked for (with no one
    below them left, it is empty; anyone else is a mistake to name, not an empty team)."""
    return bool(db.one("SELECT 1 FROM learners WHERE id = ? OR manager = ?", (manager, manager)))


def managers(db: Database) -> list[str]:
    """Everyone the roster names as the manager of someone on it, for one page each (`report --all-managers`)."""
    rows = db.execute("SELECT DISTINCT manager FROM learners WHERE on_roster = 1 AND manager IS NOT NULL ORDER BY 1")
    return [str(row.manager) for row in rows if row.manager]


def roster_spans(db: Database, department: str | None = None) -> list[Row]:
    """(id, department, assigned_on, left_on) of everyone the roster lists or listed (leavers too), for counting who
    was on it at a past day (`report --trend`); `department` keeps only its people (as the roster stands now)."""
    where, params = ("WHERE department = ?", (department,)) if department else ("", ())
    return db.execute(f"SELECT id, department, assigned_on, left_on FROM learners {where} ORDER BY id", params)


def roster_places(db: Database) -> dict[str, tuple[str | None, str]]:
    """Each person on the roster now: (their manager, their department), the chain the report pages follow."""
    rows = db.execute("SELECT id, manager, department FROM learners WHERE on_roster = 1")
    return {row[0]: (row[1] or None, row[2] or "") for row in rows}


@dataclass(frozen=True)
class Person:
    id: str
    name: str


def person_named(db: Database, by: str, value: str) -> Person | None:
    """The member of staff on the roster now whose work e-mail (`by` "email") or payroll number ("payroll_number")
    is `value`, as a sign-in claim gives it; None for anyone else (a leaver, a stranger)."""
    keys = [f"mbox:mailto:{value}", f"mbox:mailto:{value.lower()}"] if by == "email" else [payroll_key(value)]
    found = resolve(db, keys, None)
    for key in keys:
        if key in found:
            row = db.one("SELECT id, name FROM learners WHERE id = ? AND on_roster = 1", (found[key],))
            return Person(str(row.id), str(row.name or row.id)) if row else None
    return None
