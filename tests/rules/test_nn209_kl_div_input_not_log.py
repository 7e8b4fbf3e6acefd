"""NN209: `kl_div` fed probabilities as input; points at the loss call, fix turns softmax into log_softmax."""

import textwrap

from tests.rules.helpers import findings, fixed, messages


def test_distillation_with_softmax_student_is_flagged_and_fixed():
    source = """
        import torch.nn.functional as F

        def distill_loss(student_logits, teacher_logits, T=4.0):
            return F.kl_div(F.softmax(student_logits / T, dim=1), F.softmax(teacher_logits / T, dim=1),
                            reduction="batchmean") * T * T
    """
    assert findings(source, "NN209") == [(5, 12)]
    assert "log-probabilities" in messages(source, "NN209")[0]
    assert "F.kl_div(F.log_softmax(student_logits / T, dim=1), F.softmax(teacher_logits / T" in fixed(source, "NN209")


def test_kl_div_loss_module_with_a_softmax_variable():
    source = """
        import torch
        import torch.nn as nn

        criterion = nn.KLDivLoss(reduction="batchmean")
        for x, target_dist in trainloader:
            pred = torch.softmax(model(x), dim=-1)
            loss = criterion(pred, target_dist)
            loss.backward()
    """
    assert findings(source, "NN209") == [(8, 12)]


def test_softmax_method_on_self_criterion():
    source = """
        from torch import nn

        class Distiller:
            def __init__(self, student, teacher):
                self.student, self.teacher = student, teacher
                self.kl = nn.KLDivLoss(reduction="batchmean")

            def loss(self, x):
                return self.kl(self.student(x).softmax(-1), self.teacher(x).softmax(-1))
    """
    assert findings(source, "NN209") == [(10, 16)]
    assert "self.student(x).log_softmax(-1)" in fixed(source, "NN209")


def test_model_ending_in_softmax_into_kl_div():
    source = """
        import torch.nn.functional as F
        from torch import nn

        model = nn.Sequential(nn.Linear(32, 10), nn.Softmax(dim=1))
        loss = F.kl_div(model(x), target, reduction="batchmean")
    """
    assert findings(source, "NN209") == [(6, 8)]
    assert fixed(source, "NN209") == textwrap.dedent(source)  # no fix: the softmax is inside the model


def test_sigmoid_probabilities_into_kl_div():
    source = """
        import torch
        import torch.nn.functional as F

        loss = F.kl_div(torch.sigmoid(logits), soft_labels, reduction="batchmean")
    """
    assert findings(source, "NN209") == [(5, 8)]


def test_log_softmax_input_is_clean():
    source = """
        import torch.nn.functional as F

        loss = F.kl_div(F.log_softmax(s / T, dim=1), F.softmax(t / T, dim=1), reduction="batchmean")
    """
    assert findings(source, "NN209") == []


def test_log_target_with_log_probabilities_on_both_sides_is_clean():
    source = """
        import torch.nn as nn
        import torch.nn.functional as F

        kl = nn.KLDivLoss(reduction="batchmean", log_target=True)
        loss = kl(F.log_softmax(student(x), 1), F.log_softmax(teacher(x), 1))
    """
    assert findings(source, "NN209") == []


def test_log_of_softmax_is_log_probabilities():
    source = """
        import torch
        import torch.nn.functional as F

        probs = F.softmax(logits, dim=-1)
        loss = F.kl_div(torch.log(probs + 0), prior, reduction="sum")
        loss2 = F.kl_div(probs.log(), prior, reduction="sum")
    """
    assert findings(source, "NN209") == []


def test_softmax_only_in_the_target_is_clean():
    source = """
        import torch.nn.functional as F

        def vae_like(log_q, p_logits):
            return F.kl_div(log_q, F.softmax(p_logits, -1), reduction="batchmean")
    """
    assert findings(source, "NN209") == []


def test_a_local_function_named_kl_div_is_not_torch():
    source = """
        def kl_div(p, q):
            return (p * (p / q).log()).sum()

        loss = kl_div(probs.softmax(-1), prior)
    """
    assert findings(source, "NN209") == []


# Seen in the wild (lightly-ai/lightly#1341): a prior-matching regulariser averages the anchors' softmax over the
# batch and hands that mean to `kl_div` as its input; the fix took its log first.
def test_batch_mean_of_softmax_probabilities_as_input():
    source = """
        import torch
        import torch.nn.functional as F

        def regularization(anchors, prototypes, prior, temperature):
            probs = F.softmax(anchors @ prototypes.T / temperature, dim=1)
            mean_probs = probs.mean(dim=0)
            direct = F.kl_div(torch.mean(probs, 0), prior, reduction="sum")
            return F.kl_div(mean_probs, prior, reduction="sum") + direct
    """
    assert findings(source, "NN209") == [(8, 14), (9, 12)]
    assert "an average of softmax probabilities" in messages(source, "NN209")[0]
    assert fixed(source, "NN209") == textwrap.dedent(source)


def test_log_of_the_batch_mean_and_mean_of_log_softmax_are_clean():
    source = """
        import torch
        import torch.nn.functional as F

        def regularization(anchors, prototypes, prior, temperature):
            probs = F.softmax(anchors @ prototypes.T / temperature, dim=1)
            mean_probs = probs.mean(dim=0)
            log_mean = F.kl_div(torch.log(mean_probs), prior, reduction="sum")
            mean_log = F.log_softmax(anchors, dim=1).mean(dim=0)
            return log_mean + F.kl_div(mean_log, prior, reduction="sum") + F.kl_div(mean_probs.log(), prior)
    """
    assert findings(source, "NN209") == []
