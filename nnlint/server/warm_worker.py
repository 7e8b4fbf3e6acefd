"""Preloaded by the lint workers' fork server: every worker forked from it starts with warm rules."""

from nnlint.server.worker import warm_up

warm_up()
