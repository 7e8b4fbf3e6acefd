"""Fault injection for the server's robustness tests, loaded only by servers started with this folder on PYTHONPATH.

In every process of such a server (the server, its fork server, its lint workers) rule NN101 raises on a
buffer that contains `CRASH_NN101` and never returns on one that contains `HANG_NN101`: a rule with a bug.
"""

import time

from nnlint.rules.view_as_permute import ViewAsPermute

_visit_call = ViewAsPermute.visit_Call


def _faulty_visit_call(self, node):
    if "CRASH_NN101" in self.context.source:
        raise RuntimeError("injected fault in NN101")
    if "HANG_NN101" in self.context.source:
        time.sleep(3600)
    return _visit_call(self, node)


ViewAsPermute.visit_Call = _faulty_visit_call
