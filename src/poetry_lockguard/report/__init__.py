"""Reporters: each turns a Report into a string, never deciding the exit code."""

from __future__ import annotations
