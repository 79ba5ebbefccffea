"""tests/waiting.py: the one polling loop of the suite."""

import pytest

from tests.waiting import wait_until


def test_returns_the_first_true_answer():
    answers = iter([None, [], ["run"], ["later"]])
    assert wait_until(lambda: next(answers), timeout=5, interval=0, message="never") == ["run"]


def test_fails_with_the_message_as_it_is_at_the_timeout():
    asked = []
    with pytest.raises(AssertionError) as caught:
        wait_until(lambda: asked.append(1), timeout=0.05, interval=0.01,
                   message=lambda: f"asked {len(asked)} times")
    assert len(asked) > 1 and str(caught.value) == f"asked {len(asked)} times"
