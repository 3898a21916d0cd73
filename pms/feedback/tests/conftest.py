from collections.abc import Iterator
from unittest import mock

import pytest


@pytest.fixture(autouse=True)
def sent() -> Iterator[mock.MagicMock]:
    """Every notify() call the feedback services make (the notifications app is tested on
    its own); each test asserts on the calls it expects."""
    with mock.patch("pms.feedback.services.notify", return_value=1) as patched:
        yield patched
