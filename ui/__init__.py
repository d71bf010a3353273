"""The Streamlit face: `pages/` (one module per page), `parts/` (what pages share) and `i18n/` (the
interface catalogues, whose only actor is ui/). The top floor: it may import everything below it;
nothing imports it except streamlit_app.py.
"""
