"""What several pages share: the signed-in session (auth), the page language and formatting
(common), widgets, download buttons and the questionnaire's Excel section (offline).

Parts may import ui.i18n and the floors below (assessment/, scoring/, standards/), never a page.
"""
