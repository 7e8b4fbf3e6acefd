"""NN103: softmax / reductions over dim 0 of a batch-first forward, or a softmax with an implicit dim."""

import textwrap

import pytest

from tests.rules.helpers import findings, fixed, messages


def test_functional_softmax_without_dim():
    source = """
        import torch.nn.functional as F

        def predict(model, x):
            return F.softmax(model(x))
    """
    assert findings(source, "NN103") == [(5, 12)]
    assert "dim 0 for 0-, 1- and 3-D input" in messages(source, "NN103")[0]


def test_softmax_layer_without_dim_and_with_dim_none():
    source = """
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(32, 4)
                self.act = nn.LogSoftmax()
                self.probs = nn.Softmax(dim=None)
    """
    assert findings(source, "NN103") == [(8, 20), (9, 22)]


def test_sum_over_dim_zero_of_the_forward_input_after_layers():
    source = """
        import torch
        import torch.nn.functional as F
        from torch import nn

        class Pooler(nn.Module):
            def __init__(self):
                super().__init__()
                self.proj = nn.Linear(64, 64)

            def forward(self, x):
                h = F.gelu(self.proj(x))
                weights = torch.softmax(h, dim=0)
                return (weights * h).sum(0)
    """
    assert findings(source, "NN103") == [(13, 19), (14, 16)]
    assert "across the samples of the batch" in messages(source, "NN103")[0]


def test_softmax_dim_zero_layer_attribute_applied_in_lightning_forward():
    source = """
        import pytorch_lightning as pl
        from torch import nn

        class Lit(pl.LightningModule):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(128, 10)
                self.softmax = nn.Softmax(dim=0)

            def forward(self, x):
                x = x.view(x.size(0), -1)
                return self.softmax(self.fc(x))
    """
    assert findings(source, "NN103") == [(13, 16)]


def test_softmax_dim_zero_after_a_linear_in_a_sequential_and_mean_dim_zero():
    source = """
        import torch
        from torch import nn

        head = nn.Sequential(nn.Linear(64, 10), nn.Softmax(dim=0))

        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 8, 3)

            def forward(self, images):
                feats = torch.relu(self.conv(images))
                return feats.mean(dim=0)
    """
    assert findings(source, "NN103") == [(5, 41), (14, 16)]


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(
            """
            import torch.nn.functional as F
            from torch import nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(32, 4)

                def forward(self, x):
                    return F.log_softmax(self.fc(x), dim=1)
            """,
            id="class-dim",
        ),
        pytest.param(
            """
            import torch
            from torch import nn

            class Ensemble(nn.Module):
                def __init__(self, members):
                    super().__init__()
                    self.members = nn.ModuleList(members)

                def forward(self, x):
                    outs = [member(x) for member in self.members]
                    return torch.stack(outs).mean(0)
            """,
            id="mean-over-stacked-ensemble-members",
        ),
        pytest.param(
            """
            from torch import nn

            class Seq(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.rnn = nn.LSTM(32, 64)
                    self.attn = nn.MultiheadAttention(64, 4)

                def forward(self, x):
                    h = self.attn(x, x, x)[0]
                    pooled = self.attn.in_proj_weight.sum(0)
                    return self.rnn(x)[0].sum(0), h.mean(0), pooled
            """,
            id="sequence-first-layers",
        ),
        pytest.param(
            """
            import torch
            from torch import nn

            class GraphReadout(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.lin = nn.Linear(16, 16)

                def forward(self, x, edge_index):
                    return torch.relu(self.lin(x)).sum(dim=0)
            """,
            id="graph-nodes-are-not-a-batch",
        ),
        pytest.param(
            """
            from torch import nn

            class MyBatchNorm(nn.Module):
                def __init__(self, d):
                    super().__init__()
                    self.d = d

                def forward(self, x):
                    mean = x.mean(dim=0)
                    var = x.var(dim=0)
                    return (x - mean) / (var + 1e-5).sqrt()
            """,
            id="a-batch-norm-averages-over-the-batch-on-purpose",
        ),
        pytest.param(
            """
            import torch
            import torch.nn.functional as F

            @torch.no_grad()
            def class_balance(loader):
                counts = sum(F.one_hot(y, 10).sum(0) for _, y in loader)
                return counts / counts.sum()
            """,
            id="reduction-outside-forward",
        ),
        pytest.param(
            """
            from torch import nn

            class Transposed(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(8, 8)

                def forward(self, x):
                    x = self.fc(x).transpose(0, 1)
                    return x.softmax(dim=0)
            """,
            id="transposed-so-dim-zero-is-not-the-batch",
        ),
    ],
)
def test_look_alikes_stay_clean(source):
    assert findings(source, "NN103") == []


def test_fix_adds_dim_minus_one_to_a_functional_softmax_and_keeps_the_comment():
    source = """
        import torch.nn.functional as F

        def probs(logits):
            return F.softmax(logits)  # class probabilities
    """
    after = fixed(source, "NN103")
    assert "return F.softmax(logits, dim=-1)  # class probabilities" in after
    assert fixed(after, "NN103") == after


def test_fix_fills_an_empty_softmax_layer_and_replaces_dim_none():
    source = """
        from torch import nn

        head = nn.Sequential(nn.Linear(64, 10), nn.LogSoftmax())
        other = nn.Softmax(dim=None)
    """
    after = fixed(source, "NN103")
    assert "nn.Sequential(nn.Linear(64, 10), nn.LogSoftmax(dim=-1))" in after
    assert "other = nn.Softmax(dim=-1)" in after


def test_fix_uses_the_channel_dim_after_a_convolution():
    source = """
        from torch import nn

        segmenter = nn.Sequential(nn.Conv2d(64, 21, 1), nn.Softmax())
    """
    assert "nn.Conv2d(64, 21, 1), nn.Softmax(dim=1))" in fixed(source, "NN103")


def test_reductions_over_dim_zero_have_no_fix():
    source = """
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(x).sum(0)
    """
    assert len(findings(source, "NN103")) == 1
    assert fixed(source, "NN103") == textwrap.dedent(source)


def test_column_softmax_of_a_similarity_matrix_stays_clean_but_a_projection_does_not():
    source = """
        import torch
        import torch.nn.functional as F
        from torch import nn

        class Clip(nn.Module):
            def __init__(self):
                super().__init__()
                self.image_proj = nn.Linear(512, 256)
                self.weight = nn.Parameter(torch.zeros(256, 256))

            def forward(self, images, texts):
                image_emb = self.image_proj(images)
                similarity = image_emb @ texts.T
                text_to_image = F.log_softmax(similarity, dim=0)
                projected = image_emb @ self.weight
                return text_to_image, projected.softmax(dim=0)
    """
    assert findings(source, "NN103") == [(17, 31)]


def test_attention_pooling_over_instances_scored_by_a_linear_to_one_stays_clean():
    source = """
        import torch
        from torch import nn

        attention_pool = nn.Sequential(nn.Linear(256, 128), nn.Tanh(), nn.Linear(128, 1), nn.Softmax(dim=0))

        class AttentionMIL(nn.Module):
            def __init__(self):
                super().__init__()
                self.features = nn.Linear(1024, 256)
                self.score = nn.Linear(256, 1)

            def forward(self, instances_features):
                h = torch.relu(self.features(instances_features))
                weights = torch.softmax(self.score(h), dim=0)
                return (weights * h).sum(dim=0)
    """
    assert findings(source, "NN103") == []


def test_attention_pooling_does_not_hide_log_softmax_over_the_batch_of_a_classifier():
    source = """
        import torch
        import torch.nn.functional as F
        from torch import nn

        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.attn = nn.Linear(64, 1)
                self.fc = nn.Linear(64, 10)

            def forward(self, x):
                w = torch.softmax(self.attn(x), dim=0)
                context = (w * x).sum(0)
                logits = self.fc(x)
                return F.log_softmax(logits, dim=0), context
    """
    assert findings(source, "NN103") == [(16, 16)]


def test_mil_classifier_on_the_pooled_bag_stays_clean():
    source = """
        import torch
        import torch.nn.functional as F
        from torch import nn

        class AttentionMIL(nn.Module):
            def __init__(self):
                super().__init__()
                self.score = nn.Linear(256, 1)
                self.classifier = nn.Linear(256, 2)

            def forward(self, h):
                weights = torch.softmax(self.score(h), dim=0)
                bag = (weights * h).sum(dim=0, keepdim=True)
                return F.log_softmax(self.classifier(bag), dim=1), weights
    """
    assert findings(source, "NN103") == []
