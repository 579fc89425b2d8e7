"""The answers a worker keeps by version: the least recently used go first, within a budget of
bytes, and one too large for it is never kept."""

from api.presentation.public_views import Made


def key(n: int) -> tuple[str, str, str, str]:
    return ("json", "https://trace.example.com", f"AGB-{n}", f"v{n}")


def test_the_least_recently_used_answer_goes_first_past_the_budget() -> None:
    made = Made(budget=16 * 100)
    for n in range(16):
        made.put(key(n), b"x" * 100)
    assert made.get(key(0)) == b"x" * 100

    made.put(key(16), b"y" * 100)

    assert made.get(key(1)) is None
    assert all(made.get(key(n)) is not None for n in (0, *range(2, 17)))
    assert made.size == 1600


def test_an_answer_too_large_for_the_budget_is_never_kept() -> None:
    made = Made(budget=16 * 100)
    made.put(key(0), b"z" * 101)
    assert made.get(key(0)) is None
    assert len(made) == 0
