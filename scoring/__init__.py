"""The pure scoring core: answers + standard → result. No I/O, no clock, no randomness."""

from scoring.answers import AnswerError, AnswerSet, parse_answers
from scoring.engine import compile_standard, score, score_summary
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
