"""`nnlint run` additions: NN913 exploding gradients, the automatic causality check of sequence models, NN904
naming zero_grad-between-backward-and-step, and the runtime extra's dependencies."""

from __future__ import annotations

from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from tests.runtime.test_run_command import codes, line_of, run

REPO = Path(__file__).resolve().parents[2]

REGRESSION = """
x = torch.randn(64, 10) * 3
y = x @ torch.randn(10, 1)
model = nn.Sequential(nn.Linear(10, 32), nn.Tanh(), nn.Linear(32, 1))
optimizer = torch.optim.SGD(model.parameters(), lr={lr})
for step in range(20):
    optimizer.zero_grad()
    loss = F.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()  # the step that blows up
print("final loss", loss.item())
"""


def test_exploding_loss_is_flagged_before_any_nan(tmp_path):
    result, findings, script = run(tmp_path, REGRESSION.format(lr=0.5), "--no-overfit-check")
    (finding,) = findings
    assert finding["code"] == "NN913" and finding["message"].startswith("the loss grew from")
    assert "final loss" in result.stderr and "nan" not in result.stderr.split("final loss")[1].splitlines()[0]
    assert finding["location"]["row"] == line_of(script, "the step that blows up")


def test_a_loss_that_falls_is_clean(tmp_path):
    result, findings, _ = run(tmp_path, REGRESSION.format(lr=0.01), "--no-overfit-check")
    assert findings == [] and result.exit_code == 0


def test_a_warm_up_bump_is_not_an_explosion(tmp_path):
    body = """
    model = nn.Linear(10, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for step, (x, y) in enumerate(data):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y) * (30.0 if step in (2, 3) else 1.0)  # a rough patch, not a blow-up
        loss.backward()
        optimizer.step()
    """
    assert "NN913" not in codes(run(tmp_path, body, "--no-overfit-check")[1])


LM = """
class TinyLM(nn.Module):
    def __init__(self, causal):
        super().__init__()
        self.causal = causal
        self.embed = nn.Embedding(40, 32)
        self.layer = nn.TransformerEncoderLayer(32, 4, 64, dropout=0.0, batch_first=True)
        self.out = nn.Linear(32, {outputs})

    def forward(self, tokens):
        mask = nn.Transformer.generate_square_subsequent_mask(tokens.shape[1]) if self.causal else None
        hidden = self.layer(self.embed(tokens), src_mask=mask)  # attention over the sequence
        return self.out(hidden{pool})

model = TinyLM(causal={causal})
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
tokens = torch.randint(0, 40, (32, 13))
for i in range(0, 32, 8):
    optimizer.zero_grad()
    logits = model(tokens[i:i + 8, :-1])
    loss = F.cross_entropy(logits.flatten(0, 1), tokens[i:i + 8, 1:].flatten()) if logits.dim() == 3 \\
        else F.cross_entropy(logits, tokens[i:i + 8, 0] % 3)
    loss.backward()
    optimizer.step()
"""


def test_a_language_model_without_a_causal_mask_is_caught_automatically(tmp_path):
    result, findings, script = run(tmp_path, LM.format(outputs=40, pool="", causal=False), "--no-overfit-check")
    (finding,) = findings
    assert finding["code"] == "NN902"
    assert "checks cost causality" in result.stderr  # its cost in the stats


def test_a_masked_language_model_passes_the_automatic_check(tmp_path):
    result, findings, _ = run(tmp_path, LM.format(outputs=40, pool="", causal=True), "--no-overfit-check")
    assert findings == [] and "checks cost causality" in result.stderr


def test_a_sequence_classifier_is_not_taken_for_a_language_model(tmp_path):
    result, findings, _ = run(tmp_path, LM.format(outputs=3, pool=".mean(1)", causal=False), "--no-overfit-check")
    assert findings == [] and "causality" not in result.stderr


ORDER = """
model = nn.Linear(10, 3)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in data:
    {first}
    {second}
    {third}
    optimizer.step()
"""


def test_zero_grad_between_backward_and_step_is_named_as_the_cause(tmp_path):
    body = ORDER.format(first="loss = F.cross_entropy(model(x), y)", second="loss.backward()",
                        third="optimizer.zero_grad()  # wipes what backward computed")
    result, findings, script = run(tmp_path, body, "--no-overfit-check")
    (finding,) = findings
    assert finding["code"] == "NN904"
    assert "zero_grad() runs between backward() and step()" in finding["message"]
    assert finding["location"]["row"] == line_of(script, "wipes what backward computed")


def test_zero_grad_before_backward_is_clean(tmp_path):
    body = ORDER.format(first="optimizer.zero_grad()", second="loss = F.cross_entropy(model(x), y)",
                        third="loss.backward()")
    result, findings, _ = run(tmp_path, body, "--no-overfit-check")
    assert findings == [] and result.exit_code == 0


def test_an_unused_layer_keeps_the_unused_message(tmp_path):
    body = """
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc, self.unused = nn.Linear(10, 3), nn.Linear(10, 3)

        def forward(self, x):
            return self.fc(x)

    model = Model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in data:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    """
    (finding,) = run(tmp_path, body, "--no-overfit-check")[1]
    assert finding["code"] == "NN904" and "unused in forward" in finding["message"]


def test_the_runtime_extra_installs_numpy():
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert any(requirement.startswith("numpy") for requirement in extras["runtime"])
    assert any(requirement.startswith("matplotlib") for requirement in extras["report"])
