"""NN201/NN202 see activations as real code hides them, and losses held where real code keeps them."""

import pytest

from tests.rules.helpers import findings, fixed

FLAGGED = {
    "NN201 exp of log_softmax into cross_entropy": ("NN201", """
        import torch
        import torch.nn.functional as F

        def loss_fn(logits, y):
            probs = torch.exp(F.log_softmax(logits, -1))
            return F.cross_entropy(probs, y)
    """),
    "NN201 softmax passed on through names and a loop over rows": ("NN201", """
        import torch
        from torch import nn

        class TripletLoss(nn.Module):
            def __init__(self, loss=nn.CrossEntropyLoss(reduction="sum")):
                super().__init__()
                self.loss = loss

            def forward(self, raw_scores, target):
                outputs = torch.softmax(raw_scores, -1)
                total = 0
                for out in outputs:
                    total = total + self.loss(out, target)
                return total
    """),
    "NN201 criterion as a default argument": ("NN201", """
        import torch.nn.functional as F
        from torch import nn

        def classify_loss(logits, y, criterion=nn.CrossEntropyLoss()):
            return criterion(F.softmax(logits, 1), y)
    """),
    "NN201 softmax inside the tuple the discriminator returns": ("NN201", """
        import torch.nn.functional as F
        from torch import nn

        class Discriminator(nn.Module):
            def __init__(self, n_classes):
                super().__init__()
                self.adv = nn.Linear(128, 1)
                self.aux = nn.Linear(128, n_classes)

            def forward(self, x):
                validity = self.adv(x)
                label = F.softmax(self.aux(x), dim=1)
                return validity, label

        discriminator = Discriminator(10)
        auxiliary_loss = nn.CrossEntropyLoss()
        for imgs, labels in dataloader:
            validity, pred_label = discriminator(imgs)
            d_loss = auxiliary_loss(pred_label, labels)
    """),
    "NN202 sigmoid applied by the caller of a with-logits loss helper": ("NN202", """
        import torch
        import torch.nn.functional as F

        def bce_loss(pred, target):
            return F.binary_cross_entropy_with_logits(pred, target)

        def train_step(model, x, y):
            return bce_loss(torch.sigmoid(model(x)), y)
    """),
    "NN202 sigmoid hidden behind torch.flatten": ("NN202", """
        import torch
        import torch.nn.functional as F

        def mask_loss(logits, masks):
            probs = torch.flatten(torch.sigmoid(logits))
            return F.binary_cross_entropy_with_logits(probs, masks.flatten())
    """),
}

CLEAN = {
    "NN201 exp of log_softmax for sampling, logits into the loss": ("NN201", """
        import torch
        import torch.nn.functional as F

        def loss_fn(logits, y):
            probs = torch.exp(F.log_softmax(logits, -1))
            sample = torch.multinomial(probs, 1)
            return F.cross_entropy(logits, y)
    """),
    "NN201 loop over raw scores": ("NN201", """
        import torch
        from torch import nn

        class TripletLoss(nn.Module):
            def __init__(self, loss=nn.CrossEntropyLoss(reduction="sum")):
                super().__init__()
                self.loss = loss

            def forward(self, raw_scores, target):
                total = 0
                for out in raw_scores:
                    total = total + self.loss(out, target)
                return total
    """),
    "NN201 default-argument criterion given logits": ("NN201", """
        from torch import nn

        def classify_loss(logits, y, criterion=nn.CrossEntropyLoss()):
            return criterion(logits, y)
    """),
    "NN201 the discriminator's logits element into the loss": ("NN201", """
        import torch.nn.functional as F
        from torch import nn

        class Discriminator(nn.Module):
            def __init__(self, n_classes):
                super().__init__()
                self.adv = nn.Linear(128, 1)
                self.aux = nn.Linear(128, n_classes)

            def forward(self, x):
                return self.adv(x), self.aux(x)

        discriminator = Discriminator(10)
        auxiliary_loss = nn.CrossEntropyLoss()
        for imgs, labels in dataloader:
            validity, pred_label = discriminator(imgs)
            d_loss = auxiliary_loss(pred_label, labels)
    """),
    "NN202 helper called with logits": ("NN202", """
        import torch.nn.functional as F

        def bce_loss(pred, target):
            return F.binary_cross_entropy_with_logits(pred, target)

        def train_step(model, x, y):
            return bce_loss(model(x), y)
    """),
    "NN202 helper called with logits by one caller and probabilities by none": ("NN202", """
        import torch
        import torch.nn.functional as F

        def bce_loss(pred, target):
            return F.binary_cross_entropy_with_logits(pred, target)

        def steps(model, x, y):
            a = bce_loss(model(x), y)
            b = bce_loss(torch.sigmoid(model(x)), y)
            return a + b
    """),
}


@pytest.mark.parametrize("case", FLAGGED.values(), ids=FLAGGED.keys())
def test_flagged(case):
    code, source = case
    assert len(findings(source, code)) == 1


@pytest.mark.parametrize("case", CLEAN.values(), ids=CLEAN.keys())
def test_clean(case):
    code, source = case
    assert findings(source, code) == []


def test_no_fix_that_would_leave_exp_of_the_logits():
    source = """
        import torch
        import torch.nn.functional as F

        def loss_fn(logits, y):
            return F.cross_entropy(torch.exp(F.log_softmax(logits, -1)), y)
    """
    assert findings(source, "NN201") == [(6, 12)]
    assert "torch.exp(logits" not in fixed(source, "NN201")
