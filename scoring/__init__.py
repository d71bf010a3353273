"""The pure scoring core: answers + standard → result. No I/O, no clock, no randomness.

Rooms, bottom up (each module's docstring says what it owns):

* `result` — the result records (frozen, JSON round trip);
* `applicability` — the one rule of whether an item or a gate applies to a profile and industry;
* `answers` — parsing and checking a firm's answers; their canonical form and hash;
* `plan` — a standard compiled for scoring, and the only cache of the core (by content);
* `path` — the path to the next tier and to the next maturity level;
* `engine` — the scoring rules: `score`, `score_summary`;
* `carbon` — carbon accounting and the carbon-efficiency grade;
* `crosswalk` — derived views of a result on another ladder;
* `benchmark/` — cohorts, suppression and statistics of firms among their peers.

May import `standards` and numpy, nothing above this floor.
"""

from scoring.answers import AnswerError, AnswerSet, parse_answers
from scoring.engine import score, score_summary
from scoring.plan import compile_standard
from scoring.result import ENGINE_VERSION, Result

__all__ = [
    "ENGINE_VERSION",
    "AnswerError",
    "AnswerSet",
    "Result",
    "compile_standard",
    "parse_answers",
    "score",
    "score_summary",
]
