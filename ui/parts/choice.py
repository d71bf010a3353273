"""A selectbox whose shown label tells the truth after a write.

Streamlit 1.67 keeps a selectbox's value in the browser as the label text of the chosen option.
When a write changes that label (a submission's status, a certificate's state, a domain's count
of decisions), the browser goes on showing the old text, and the server, not finding the old
text among the new labels, falls back to the default option. Here the chosen option is kept
apart (`<key>::chosen`) and handed to the widget before each run, so the widget is told its
value, and its label is drawn anew from the current options.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st


def memory(key: str) -> str:
    """Where the choice of the selectbox `key` is kept; a page sets it to move the selection."""
    return f"{key}::chosen"


def choose(key: str, option: Any) -> None:
    """Select `option` in the selectbox `key` on its next drawing (e.g. "go to the next item")."""
    st.session_state[memory(key)] = option


def current_choice(
    label: str,
    options: Sequence[Any],
    labels: Mapping[Any, str],
    *,
    key: str,
    default: Any = None,
    placeholder: str | None = None,
    **widget: Any,
) -> Any:
    """The chosen option, drawn with `labels` as they are now.

    Starts at `default` (else the first option); with a `placeholder`, starts empty instead and
    returns None until someone chooses — for a choice that must never be made for them."""
    remembered = st.session_state.get(memory(key), default)
    if remembered not in options:
        remembered = default if default in options else None
        if remembered is None and placeholder is None and options:
            remembered = options[0]
    st.session_state[key] = remembered
    table = {option: labels[option] for option in options}

    def remember() -> None:
        st.session_state[memory(key)] = st.session_state[key]

    chosen = st.selectbox(
        label,
        list(options),
        index=None if placeholder is not None else 0,
        format_func=table.__getitem__,
        key=key,
        on_change=remember,
        placeholder=placeholder,
        **widget,
    )
    st.session_state[memory(key)] = chosen
    return chosen
