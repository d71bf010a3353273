"""One module per Streamlit page, run by `st.navigation` (streamlit_app.py) for the signed-in role.

A page reads state, calls an assessment/ service, and draws the answer: no rule of the domain is
decided here. Pages import ui.parts and ui.i18n, assessment/ services, and the standards/ and
scoring/ models they draw; never another page.
"""
