"""The redactor on its own: each form a server may echo a secret in, and the cut made only after the redaction."""

from __future__ import annotations

from lrs_adapter.xapi.refusals import MESSAGE_LENGTH, REDACTED, Redactor, basic_credentials, one_line

PASSWORD = "p@ss word/1"


def test_a_secret_is_taken_out_as_sent_percent_encoded_and_in_its_basic_form() -> None:
    redact = Redactor.of([PASSWORD, *basic_credentials("user", PASSWORD)])
    text = f"got {PASSWORD}, p%40ss%20word%2F1, p%40ss+word%2F1 and {basic_credentials('user', PASSWORD)[0]}"
    assert redact(text) == f"got {REDACTED}, {REDACTED}, {REDACTED} and {REDACTED}"


def test_a_secret_straddling_the_cut_leaves_no_half_behind() -> None:
    secret = "0123456789abcdef"
    text = "x" * (MESSAGE_LENGTH - 8) + " " + secret
    assert "01234" in one_line(text)  # cut without redaction, half the secret would show
    assert "01234" not in one_line(Redactor.of([secret])(text))


def test_values_too_short_to_be_secrets_leave_the_message_alone() -> None:
    assert Redactor.of(["ab", None, ""])("a bad request") == "a bad request"
