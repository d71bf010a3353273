"""Narrow screens: the sidebar gets out of the way once a page is chosen.

Below Streamlit's `md` breakpoint (768 px) the sidebar is drawn over the page. Streamlit itself
collapses it after a click on a navigation link only when the browser's user agent names a phone
(`deviceType === "mobile"`); a tablet, a phone asking for the desktop site, an installed web app
on some Android browsers and a narrow desktop window all keep the menu over the page they just
opened. A small script, drawn once per run by the entry point, closes it in those cases too: after
a click on a link of the page menu, while the screen is narrow and the sidebar open, it presses
Streamlit's own collapse button, so Streamlit's state (and its remembered choice) stays the one
truth about the sidebar.
"""

from __future__ import annotations

import streamlit as st

# The media query repeats Streamlit's `md` breakpoint (parseInt("768px") - 0.02, see
# streamlit/static: theme.breakpoints.md), below which the sidebar overlays the page. The window
# flag keeps one listener per tab however many runs draw the element.
_SCRIPT = """
<script>
(() => {
  if (window.__zhizaoSidebarCloses) return;
  window.__zhizaoSidebarCloses = true;
  const narrow = window.matchMedia("(max-width: 767.98px)");
  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target || !target.closest("[data-testid='stSidebarNav'] a")) return;
    if (!narrow.matches) return;
    // After Streamlit has handled the click (its own collapse on phones may already have run).
    // Streamlit's collapse button says whether the sidebar is open (aria-expanded).
    window.setTimeout(() => {
      const close = document.querySelector("[data-testid='stSidebarCollapseButton'] button");
      if (close && close.getAttribute("aria-expanded") === "true") close.click();
    }, 0);
  }, true);
})();
</script>
"""


KEY = "zhizao-mobile"
# The element only carries the script: taken out of the layout with the wrapper Streamlit puts
# around it, it leaves no gap wherever the entry point draws it (a script runs when inserted,
# shown or not).
_HIDDEN = (
    f"<style>.st-key-{KEY}, [data-testid='stSidebarUserContent'] div:has(> .st-key-{KEY})"
    " { display: none; }</style>"
)


def close_sidebar_after_navigation() -> None:
    """Draw the script, in the sidebar, in a container that takes no room."""
    with st.sidebar.container(key=KEY):
        st.html(_SCRIPT + _HIDDEN, unsafe_allow_javascript=True)
