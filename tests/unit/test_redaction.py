from api.infrastructure.redaction import REDACTED, redact, redact_data

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTYifQ.c2lnbmF0dXJlLXZhbHVl"


def test_bearer_tokens_and_bare_jwts_are_hidden() -> None:
    text = redact(f"Authorization: Bearer {JWT} then {JWT}")
    assert JWT not in text
    assert text.startswith("Authorization: ")
    assert redact("sent Bearer abc.def-ghi") == f"sent Bearer {REDACTED}"


def test_secret_fields_lose_their_values_in_json_and_query_strings() -> None:
    text = redact(
        '{"email": "a@b.c", "password": "hunter2!", "refresh_token": "abc.def"} '
        "?api_key=K3Y&page=2 token=tok123"
    )
    for secret in ("hunter2!", "abc.def", "K3Y", "tok123"):
        assert secret not in text
    assert "a@b.c" in text
    assert "page=2" in text


def test_passwords_in_connection_urls_are_hidden() -> None:
    text = redact("could not connect to postgres://agrobridge:pa55word@db:5432/agrobridge")
    assert "pa55word" not in text
    assert "agrobridge:" in text


def test_private_keys_are_hidden_whole() -> None:
    # Assembled here so that no key-shaped block sits in the repository.
    label = "PRIVATE" + " KEY"
    pem = f"-----BEGIN {label}-----\nMIIEvQIBADANBg\n-----END {label}-----"
    assert redact(f"loaded {pem}") == f"loaded {REDACTED}"


def test_nested_data_loses_secret_keys_and_keeps_the_rest() -> None:
    event = {
        "request": {"headers": {"Authorization": "Basic dXNlcjpwYXNz", "Accept": "*/*"}},
        "extra": [{"cookie": "session=1"}, {"note": f"token was {JWT}"}],
        "tags": {"request_id": "r-1"},
    }
    clean = redact_data(event)
    assert clean["request"]["headers"] == {"Authorization": REDACTED, "Accept": "*/*"}
    assert clean["extra"][0] == {"cookie": REDACTED}
    assert JWT not in clean["extra"][1]["note"]
    assert clean["tags"] == {"request_id": "r-1"}


def test_a_token_requests_client_credentials_are_hidden() -> None:
    form = "grant_type=client_credentials&client_secret=s3cr3t-V4lue&client_assertion=abc.d-e.f"
    text = redact(f"token request {form} with Basic Y2xpZW50OnNlY3JldA==")
    for secret in ("s3cr3t-V4lue", "abc.d-e.f", "Y2xpZW50OnNlY3JldA=="):
        assert secret not in text
    assert "grant_type=client_credentials" in text
    clean = redact_data({"client_secret": "s3cr3t", "client_assertion": "a.b.c", "scope": "x"})
    assert clean == {"client_secret": REDACTED, "client_assertion": REDACTED, "scope": "x"}
