"""NN101: a view/reshape that lists a tensor's own dims in another order."""

import pytest

from tests.rules.helpers import findings, fixed, messages

FLAGGED = {
    "unpacked shape, channels last": """
        def forward(self, x):
            b, c, h, w = x.shape
            return x.view(b, h, w, c)
    """,
    "unpacked size()": """
        def forward(self, x):
            n, t, d = x.size()
            return x.reshape(t, n, d)
    """,
    "size(k) calls": """
        def f(x):
            return x.view(x.size(1), x.size(0))
    """,
    "shape[k] subscripts": """
        def f(x):
            return x.reshape(x.shape[0], x.shape[2], x.shape[1])
    """,
    "torch.reshape with a tuple": """
        import torch as T

        def f(x):
            b, c, h, w = x.shape
            return T.reshape(x, (b, w, h, c))
    """,
    "shape as one tuple argument": """
        def f(x):
            b, t, c = x.shape
            return x.view((b, c, t))
    """,
    "names bound one by one": """
        def f(x):
            b = x.size(0)
            t = x.shape[1]
            return x.view(t, b)
    """,
    "nested inside another call": """
        def forward(self, feats):
            b, c, h, w = feats.shape
            return self.norm(feats.view(b, h, w, c))
    """,
    "attribute receiver": """
        def forward(self):
            b, c, n = self.buffer.shape
            return self.buffer.view(b, n, c)
    """,
}

CLEAN = {
    "flatten the spatial dims": """
        def f(x):
            b, c, h, w = x.shape
            return x.view(b, c, h * w)
    """,
    "flatten with -1": """
        def f(x):
            b, c, h, w = x.shape
            return x.view(b, -1)
    """,
    "split channels into groups": """
        def f(x, g):
            b, c, h, w = x.shape
            return x.view(b, g, c // g, h, w)
    """,
    "same order": """
        def f(x):
            b, c, h, w = x.shape
            return x.reshape(b, c, h, w)
    """,
    "reshaping after a permute": """
        def f(x):
            b, c, h, w = x.shape
            x = x.permute(0, 2, 3, 1)
            return x.reshape(b, h, w, c)
    """,
    "dims of another tensor": """
        def f(x, y):
            b, c, h, w = y.shape
            return x.view(b, h, w, c)
    """,
    "permute then view of the permuted tensor": """
        def f(x):
            return x.permute(1, 0).reshape(x.size(1), x.size(0))
    """,
    "partial dims": """
        def f(x):
            b, c, h, w = x.shape
            return x.view(c, b)
    """,
    "numpy-style shape literal": """
        def f(x):
            return x.reshape(3, 2)
    """,
}


@pytest.mark.parametrize("source", FLAGGED.values(), ids=FLAGGED.keys())
def test_flagged(source):
    assert len(findings(source, "NN101")) == 1


@pytest.mark.parametrize("source", CLEAN.values(), ids=CLEAN.keys())
def test_clean(source):
    assert findings(source, "NN101") == []


def test_finding_points_at_the_view_call_and_names_the_permutation():
    source = FLAGGED["unpacked shape, channels last"]
    assert findings(source, "NN101") == [(4, 12)]
    assert messages(source, "NN101") == [
        "`view` reorders dims (b, c, h, w) -> (b, h, w, c); this mixes data — use `permute(0, 2, 3, 1)`"
    ]


def test_fix_writes_the_permute_and_keeps_comments():
    source = """
        def f(x):
            b, c, h, w = x.shape  # NCHW
            return x.view(b, h, w, c)  # channels last
    """
    assert fixed(source, "NN101") == (
        "\ndef f(x):\n    b, c, h, w = x.shape  # NCHW\n    return x.permute(0, 2, 3, 1)  # channels last\n"
    )


def test_fix_keeps_a_following_view_valid():
    source = """
        def f(x):
            b, c, h, w = x.shape
            return x.view(b, h, w, c).view(b, -1)
    """
    assert "x.permute(0, 2, 3, 1).contiguous().view(b, -1)" in fixed(source, "NN101")


def test_second_fix_run_changes_nothing():
    once = fixed(FLAGGED["torch.reshape with a tuple"], "NN101")
    assert fixed(once, "NN101") == once
    assert findings(once, "NN101") == []
