"""Loguru set-up: JSON lines outside development; never variable values in tracebacks."""

import sys

from loguru import logger


def configure(level: str, json_lines: bool) -> None:
    logger.remove()
    # diagnose=False: loguru would otherwise print local variables, tokens and passwords included.
    logger.add(sys.stderr, level=level, serialize=json_lines, backtrace=False, diagnose=False)
