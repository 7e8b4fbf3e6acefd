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


# Shapes from real repositories: sizes read one way, used another (reshape algebra).
REAL_FLAGGED = {
    "attention heads: view(B, H, L, -1) after B, L, H, D = x.shape": (
        """
        def split_heads(x):
            B, L, H, D = x.shape
            return x.view(B, H, L, -1)
        """,
        "`view` reorders dims (B, L, H, D) -> (B, H, L, D); this mixes data — use `permute(0, 2, 1, 3)`",
    ),
    "feature map to tokens with size() calls and -1": (
        """
        def to_tokens(x):
            return x.view(x.size(0), -1, x.size(1))
        """,
        "`view` reads the dims of `x` in the order (0, ..., 1); this mixes data — move the dims into that "
        "order with `permute` (or `movedim`) before the `view`",
    ),
    "5-D video tensor folded with -1 over non-neighbouring dims": (
        """
        def fold_time(x):
            b, c, t, h, w = x.shape
            return x.reshape(-1, c, h, w)
        """,
        "`reshape` takes the dims (b, c, t, h, w) out of order, as (0, 2, 1, 3, 4); this mixes data — use "
        "`permute(0, 2, 1, 3, 4).reshape(-1, c, h, w)`",
    ),
    "sizes read into variables one by one": (
        """
        def to_sequence(x):
            b = x.shape[0]
            c = x.shape[1]
            n = x.shape[2] * x.shape[3]
            return x.view(b, n, c)
        """,
        "`view` takes the dims (b, c, d2, d3) out of order, as (0, 2, 3, 1); this mixes data — use "
        "`permute(0, 2, 3, 1).reshape(b, n, c)`",
    ),
    "shape kept through a residual": (
        """
        def forward(self, x):
            b, c, w, h = x.shape
            x = self.conv(x) + x
            return x.reshape(b, -1, c)
        """,
        "`reshape` takes the dims (b, c, w, h) out of order, as (0, 2, 3, 1); this mixes data — use "
        "`permute(0, 2, 3, 1).reshape(b, -1, c)`",
    ),
    "channels with -1 first": (
        """
        def pixels(x):
            N, C, H, W = x.size()
            return x.reshape(-1, C)
        """,
        "`reshape` takes the dims (N, C, H, W) out of order, as (0, 2, 3, 1); this mixes data — use "
        "`permute(0, 2, 3, 1).reshape(-1, C)`",
    ),
}

REAL_CLEAN = {
    "heads split after the transpose": """
        def split_heads(x):
            B, L, H, D = x.shape
            return x.transpose(1, 2).reshape(B, H, L, -1)
    """,
    "feature map flattened per sample": """
        def to_tokens(x):
            return x.view(x.size(0), x.size(1), -1)
    """,
    "5-D video tensor folded over neighbouring dims": """
        def fold_time(x):
            b, t, c, h, w = x.shape
            return x.reshape(-1, c, h, w)
    """,
    "sizes read one by one, channels first": """
        def to_sequence(x):
            b = x.shape[0]
            c = x.shape[1]
            n = x.shape[2] * x.shape[3]
            return x.view(b, c, n)
    """,
    "permuted between reading the sizes and the reshape": """
        def forward(self, x):
            b, c, w, h = x.shape
            x = self.conv(x).permute(0, 2, 3, 1)
            return x.reshape(b, -1, c)
    """,
    "rebound to another layer's output (shape unknown)": """
        def forward(self, x):
            b, c, w, h = x.shape
            x = self.proj(x)
            return x.reshape(b, -1, c)
    """,
    "channels last already": """
        def pixels(x):
            N, H, W, C = x.size()
            return x.reshape(-1, C)
    """,
    "last dim by negative index": """
        def rows(x):
            return x.view(-1, x.size(-1))
    """,
    "window split (sizes that divide a dim)": """
        def windows(x, ws):
            B, H, W, C = x.shape
            return x.view(B, H // ws, ws, W // ws, ws, C)
    """,
    "starred unpacking": """
        def f(x):
            *_, h, w = x.shape
            return x.view(-1, w, h)
    """,
}


@pytest.mark.parametrize("case", REAL_FLAGGED.values(), ids=REAL_FLAGGED.keys())
def test_real_shapes_flagged_with_the_permute_that_was_meant(case):
    source, message = case
    assert messages(source, "NN101") == [message]


@pytest.mark.parametrize("source", REAL_CLEAN.values(), ids=REAL_CLEAN.keys())
def test_real_look_alikes_clean(source):
    assert findings(source, "NN101") == []


def test_fix_for_a_merging_view_permutes_then_reshapes():
    source, _ = REAL_FLAGGED["sizes read into variables one by one"]
    assert "return x.permute(0, 2, 3, 1).reshape(b, n, c)" in fixed(source, "NN101")
    once = fixed(source, "NN101")
    assert findings(once, "NN101") == []


def test_sizes_matched_against_the_constructor_of_the_tensor():
    source = """
        import torch

        def multi_head(q, k, v, n_heads, batch_size, l, d):
            heads = torch.zeros(n_heads, batch_size, l, d)
            for i in range(n_heads):
                heads[i] = attend(q, k, v)
            return heads.view(batch_size, l, -1)
    """
    assert messages(source, "NN101") == [
        "`view` takes the dims (n_heads, batch_size, l, d) out of order, as (1, 2, 0, 3); this mixes data — "
        "use `permute(1, 2, 0, 3).reshape(batch_size, l, -1)`"
    ]


def test_constructor_sizes_in_their_order_are_clean():
    source = """
        import torch

        def multi_head(q, k, v, n_heads, batch_size, l, d):
            heads = torch.zeros(batch_size, l, n_heads, d)
            for i in range(n_heads):
                heads[:, :, i] = attend(q, k, v)
            return heads.view(batch_size, l, -1)
    """
    assert findings(source, "NN101") == []
