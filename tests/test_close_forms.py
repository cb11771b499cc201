"""The closest names an unknown form gets: exactly what difflib.get_close_matches finds, for less work."""

from __future__ import annotations

import difflib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mgcalc.errors import MgcalcError
from mgcalc.schema.data import CLOSE_COLUMNS, Catalogue, _CloseIndex, name_key

#: what a name key is made of (name_key keeps letters, digits and single spaces)
KEY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789 "


def difflib_closest(word: str, keys: list[str]) -> list[str]:
    return difflib.get_close_matches(word, keys, n=8, cutoff=0.6)


@st.composite
def misspelt(draw: st.DrawFn, keys: list[str], alphabet: str = KEY_CHARS) -> str:
    """A key with a few letters dropped, doubled, swapped or replaced."""
    word = draw(st.sampled_from(keys))
    for _ in range(draw(st.integers(0, 4))):
        if not word:
            break
        at = draw(st.integers(0, len(word) - 1))
        edit = draw(st.sampled_from(["drop", "double", "swap", "replace", "insert"]))
        char = draw(st.sampled_from(alphabet))
        if edit == "drop":
            word = word[:at] + word[at + 1 :]
        elif edit == "double":
            word = word[:at] + word[at] + word[at:]
        elif edit == "swap":
            word = word[:at] + word[at + 1 : at + 2] + word[at : at + 1] + word[at + 2 :]
        elif edit == "replace":
            word = word[:at] + char + word[at + 1 :]
        else:
            word = word[:at] + char + word[at:]
    return word


def words(keys: list[str], alphabet: str = KEY_CHARS) -> st.SearchStrategy[str]:
    """Misspellings of ``keys``, random words, odd text, and very long strings (difflib's autojunk)."""
    return st.one_of(
        misspelt(keys, alphabet),
        st.text(alphabet=alphabet, max_size=30),
        st.text(max_size=12),
        st.text(alphabet=alphabet, min_size=200, max_size=260),
        st.lists(st.sampled_from(keys), min_size=2, max_size=8).map(" ".join),
    )


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_closest_keys_are_difflibs_for_the_catalogue(cat: Catalogue, data: st.DataObject) -> None:
    keys = list(cat.name_index())
    word = data.draw(words(keys))
    assert _CloseIndex(cat.name_index()).closest(word) == difflib_closest(word, keys)


# few letters: many equal scores (the order between them is difflib's), long keys: autojunk on both sides
small_keys = st.lists(
    st.one_of(
        st.text(alphabet="ab c", min_size=1, max_size=12), st.text(alphabet="abc", min_size=190, max_size=230)
    ),
    min_size=1,
    max_size=40,
    unique=True,
)


@settings(max_examples=300, deadline=None)
@given(keys=small_keys, data=st.data())
def test_closest_keys_are_difflibs_for_any_keys(keys: list[str], data: st.DataObject) -> None:
    word = data.draw(words(keys, "ab c"))
    assert _CloseIndex(dict.fromkeys(keys, "x")).closest(word) == difflib_closest(word, keys)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("citrat", "unknown form 'citrat'; closest: citrate, citrate-now, taurate, lactate-dihydrate"),
        (
            "glycinnate",
            "unknown form 'glycinnate'; closest: glycinate, gluconate-dihydrate, lysinate-glycinate, "
            "gluconate-anhydrous",
        ),
        ("unobtanium", "unknown form 'unobtanium'; run 'mgcalc forms' for the list"),
        ("magnesium stuff", "unknown form 'magnesium stuff'; run 'mgcalc forms' for the list"),
    ],
)
def test_unknown_form_names_the_closest(cat: Catalogue, name: str, message: str) -> None:
    with pytest.raises(MgcalcError) as err:
        cat.resolve(name)
    assert str(err.value) == message


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_unknown_form_message_is_the_one_difflib_gives(cat: Catalogue, data: st.DataObject) -> None:
    index = cat.name_index()
    name = data.draw(misspelt(list(index)))
    key = name_key(name)
    if not key or key in index:
        return
    ids = list(dict.fromkeys(index[k] for k in difflib_closest(key, list(index))))[:4]
    hint = f"closest: {', '.join(ids)}" if ids else "run 'mgcalc forms' for the list"
    with pytest.raises(MgcalcError) as err:
        cat.resolve(name)
    assert str(err.value) == f"unknown form '{name}'; {hint}"


def test_the_kept_character_columns_stay_bounded(cat: Catalogue) -> None:
    """Many distinct unknown spellings, each with characters of its own, keep at most
    CLOSE_COLUMNS columns between searches (memory does not grow with the batch), and the
    lists stay difflib's."""
    keys = list(cat.name_index())
    index = _CloseIndex(dict.fromkeys(keys, "x"))
    for n in range(3 * CLOSE_COLUMNS):
        word = f"citrat{chr(0x4E00 + n)}{chr(0x5E00 + n)}"
        assert index.closest(word) == difflib_closest(word, keys)
        assert len(index.times) <= CLOSE_COLUMNS + len(set(word))
