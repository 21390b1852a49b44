"""The name normaliser against its oracle, ``packaging.utils.canonicalize_name``."""

from __future__ import annotations

import sys

from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import canonicalize_name as packaging_canonicalize_name

from poetry_lockguard.names import canonicalize_name
from tests.fuzz.strategies import DIFFERENTIAL


#: Names made mostly of what names are made of: runs of separators, and letters whose
#: lower case depends on their neighbours (a final sigma before a "." but not a "-").
_NAME_LIKE = st.lists(
    st.sampled_from(["a", "Z", "0", "-", "_", ".", "--", "_.", "İ", "ß", "Σ", "AΣ", " "]),
    max_size=12,
).map("".join)


@DIFFERENTIAL
@given(st.one_of(_NAME_LIKE, st.text()))
def test_names_normalize_as_packaging_normalizes_them(name: str) -> None:
    assert canonicalize_name(name) == packaging_canonicalize_name(name)


def test_every_character_normalizes_as_packaging_normalizes_it() -> None:
    for point in range(sys.maxunicode + 1):
        char = chr(point)
        assert canonicalize_name(char) == packaging_canonicalize_name(char), hex(point)
