"""The erasure log: what keeps an erased person erased. Every erasure records its date and each identifier the store
knew the person by (payroll numbers, e-mail addresses and their xAPI sha1 sums, account names: the identity keys of
xapi/identity.py and store/learners.py) as an HMAC-SHA256 under a random salt made once per installation and kept
in the store, never the identifiers themselves. A pull, a roster import or a register or history import then asks
`erased_rows` whether what it brings belongs to someone erased, and holds or refuses it with the erasure's date
instead of recreating them; a restore carries the log into the restored store and erases again whoever the backup
brought back (`learners_erased`).

The salt lives in the store (table `erasure_salt`), not in the configuration: a backup copies it with the log, and a
restore keeps the current store's salt and log (`read_log` before, `carry` after), so hashes made before a restore
still match after it. Without the salt a hash cannot be tested against a guess, and the same payroll number hashes
differently at every installation (README: "Erasure that stays")."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from lrs_adapter.errors import ConfigError
from lrs_adapter.store.backup import not_a_backup
from lrs_adapter.store.database import Database, rows_in
from lrs_adapter.store.learners import account_key, identities, keys_of, merged_into, payroll_key
from lrs_adapter.store.statement_keys import WITH_STATEMENTS

R = TypeVar("R")


@dataclass(frozen=True)
class Erasure:
    """One erasure in the log: no personal data, only when and by which command."""

    id: str
    erased_at: str
    action: str

    @property
    def reason(self) -> str:
        """Why something of the person is held or refused: the words every entry point uses."""
        return (
            f"erased person: an identifier of someone erased on {self.erased_at[:10]} (erasure {self.id});"
            " not taken in again"
        )


@dataclass(frozen=True)
class ErasureLog:
    """The whole log, as a restore carries it from the store it replaces into the restored one."""

    salt: str | None
    erasures: tuple[Erasure, ...]
    hashes: tuple[tuple[str, str], ...]  # (hash, erasure id)


def identifier_hash(salt: str, key: str) -> str:
    """One identity key as the log keeps it: HMAC-SHA256 under the installation's salt."""
    return hmac.new(bytes.fromhex(salt), key.encode(), hashlib.sha256).hexdigest()


def _salt(db: Database, *, lock: str = "") -> str | None:
    """The installation's salt (None until the first erasure). On PostgreSQL `lock` (FOR SHARE, FOR UPDATE) makes
    a pull's commit and an erasure take turns on its row, so a page committed while an erasure runs is checked
    against it; SQLite's writers take turns anyway."""
    suffix = f" {lock}" if lock and db.dialect == "postgresql" else ""
    row = db.one(f"SELECT salt FROM erasure_salt WHERE id = 1{suffix}")
    return str(row.salt) if row and row.salt else None


def identifiers_known(db: Database, learner: str, home_page: str | None) -> set[str]:
    """Every identity key the store knows the learner by, the identities merged into them included: what an
    erasure of them must remember."""
    keys = set(keys_of(db, learner, home_page))
    for person in identities(db, learner):
        keys.add(payroll_key(person))
        if home_page:
            keys.add(account_key(home_page, person))
    return keys


def remember_erasure(db: Database, learner: str, *, home_page: str | None, action: str, at: str) -> Erasure:
    """Call in the erasure's transaction before erasing (the identifiers are read from what is about to go). The
    salt row is locked first, so a pull committing meanwhile waits and then sees this erasure."""
    salt = _salt(db, lock="FOR UPDATE")
    if salt is None:
        salt = secrets.token_hex(32)
        db.execute("UPDATE erasure_salt SET salt = ?, created_at = ? WHERE id = 1", (salt, at))
    keys = identifiers_known(db, learner, home_page)
    erasure = Erasure(uuid.uuid4().hex, at, action)
    db.execute(
        "INSERT INTO erasures (id, erased_at, action, identifiers) VALUES (?, ?, ?, ?)",
        (erasure.id, erasure.erased_at, erasure.action, len(keys)),
    )
    db.executemany(
        "INSERT INTO erased_identifiers (hash, erasure_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
        [(identifier_hash(salt, key), erasure.id) for key in sorted(keys)],
    )
    return erasure


def erased_rows(
    db: Database, rows: Sequence[R], keys: Callable[[R], Iterable[str]], *, hold: bool = False
) -> tuple[list[R], list[tuple[R, Erasure]]]:
    """`rows` split into those of nobody erased, in order, and those carrying an erased person's identifier (`keys`
    gives a row's identity keys), each with its erasure. `hold`: in a pull's commit, lock the salt's row until the
    transaction ends, so an erasure waits for this commit or this commit for it."""
    salt = _salt(db, lock="FOR SHARE" if hold else "")
    if salt is None or not rows:
        return list(rows), []
    by_hash = {identifier_hash(salt, key): key for key in {key for row in rows for key in keys(row)}}
    found = rows_in(
        db,
        "SELECT i.hash, e.id, e.erased_at, e.action FROM erased_identifiers i JOIN erasures e ON e.id = i.erasure_id"
        " WHERE i.hash IN ({}) ORDER BY e.erased_at",
        sorted(by_hash),
    )
    erased = {by_hash[row.hash]: Erasure(row.id, row.erased_at, row.action) for row in found}
    kept: list[R] = []
    refused: list[tuple[R, Erasure]] = []
    for row in rows:
        hit = next((erased[key] for key in keys(row) if key in erased), None)
        if hit is None:
            kept.append(row)
        else:
            refused.append((row, hit))
    return kept, refused


def learners_erased(db: Database, home_page: str | None) -> list[str]:
    """Learners this store holds whose identifiers the log remembers (after a restore: the people the backup
    brought back), each once: an identity merged into another of them goes with it."""
    salt = _salt(db)
    if salt is None:
        return []
    identifiers: dict[str, str] = dict(db.execute("SELECT ifi, learner_id FROM learner_identifiers"))
    keys: dict[str, set[str]] = {}
    for ifi, person in identifiers.items():
        keys.setdefault(person, set()).add(ifi)
    for row in db.execute("SELECT id FROM learners UNION SELECT learner FROM certification_states"):
        keys.setdefault(row.id, set())  # known by their id alone
    prefix = account_key(home_page, "") if home_page else None
    for row in db.execute(WITH_STATEMENTS):
        # An account no identifier names is the learner of that payroll number (store/learners.py `resolve`).
        if prefix and row.learner not in identifiers and row.learner.startswith(prefix) and row.learner != prefix:
            keys.setdefault(row.learner[len(prefix) :], set()).add(row.learner)
    for person, known in keys.items():
        known.add(payroll_key(person))
        if home_page:
            known.add(account_key(home_page, person))
    people = sorted(keys)
    _, hits = erased_rows(db, people, lambda person: sorted(keys[person]))
    erased = {person for person, _ in hits}
    merges = merged_into(db)
    return [person for person in sorted(erased) if merges.get(person) not in erased]


def read_log(db: Database) -> ErasureLog:
    erasures = tuple(
        Erasure(row.id, row.erased_at, row.action)
        for row in db.execute("SELECT id, erased_at, action FROM erasures ORDER BY erased_at, id")
    )
    hashes = tuple(
        (str(row.hash), str(row.erasure_id))
        for row in db.execute("SELECT hash, erasure_id FROM erased_identifiers ORDER BY erasure_id, hash")
    )
    return ErasureLog(_salt(db), erasures, hashes)


def read_backup_log(backup: Path) -> ErasureLog:
    """The log a SQLite backup holds, read without changing the file; empty for a backup older than the log. A
    file that is no store's backup is refused here, before anything is copied or migrated."""
    try:
        connection = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "schema_migrations" not in tables:
                raise not_a_backup(backup, "a SQLite database without the store's schema")
            if "erasures" not in tables:
                return ErasureLog(None, (), ())
            salt = connection.execute("SELECT salt FROM erasure_salt WHERE id = 1").fetchone()
            erasures = connection.execute("SELECT id, erased_at, action FROM erasures ORDER BY erased_at, id")
            found = tuple(Erasure(*row) for row in erasures)
            hashes = tuple(connection.execute("SELECT hash, erasure_id FROM erased_identifiers").fetchall())
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise not_a_backup(backup, error) from None
    return ErasureLog(salt[0] if salt else None, found, hashes)


def missing_from(current: ErasureLog, backup: ErasureLog) -> list[Erasure]:
    """The current store's erasures that the backup lacks (made after it was taken): what restoring it would undo.
    Refused when the two salts differ and both were used: the backup then comes from another installation, whose
    hashes this one cannot test."""
    if current.salt and backup.salt and backup.salt != current.salt and backup.erasures:
        raise ConfigError(
            "the backup comes from another installation: its erasure log is salted differently from this store's,"
            " and both hold erasures, so one of the two logs could no longer be checked after a restore.",
            fix="restore it into an empty store (a new store.url), or give a backup of this installation.",
        )
    have = {erasure.id for erasure in backup.erasures}
    return [erasure for erasure in current.erasures if erasure.id not in have]


def carry(db: Database, log: ErasureLog) -> None:
    """Put a log read from the store being replaced into the restored one: its salt where the restored store has
    none (or the same), and every erasure and hash it lacks. Call in a transaction."""
    if log.salt is None:
        return
    db.execute(
        "INSERT INTO erasure_salt (id, salt, created_at) VALUES (1, ?, NULL)"
        " ON CONFLICT (id) DO UPDATE SET salt = excluded.salt",
        (log.salt,),
    )
    counts: dict[str, int] = defaultdict(int)
    for _, erasure_id in log.hashes:
        counts[erasure_id] += 1
    db.executemany(
        "INSERT INTO erasures (id, erased_at, action, identifiers) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [(e.id, e.erased_at, e.action, counts[e.id]) for e in log.erasures],
    )
    db.executemany(
        "INSERT INTO erased_identifiers (hash, erasure_id) VALUES (?, ?) ON CONFLICT DO NOTHING", list(log.hashes)
    )
