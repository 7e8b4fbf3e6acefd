"""A tutorial in a sub-folder trains a token transformer through an inferer class of the repository's own
package: calling the inferer returns the transformer's scores and the very token sequence it fed it. Scoring
one against the other unshifted trains each position to copy its input.

The shape of a generative-models repository's anomaly-detection tutorial (its maintainers shifted both sides
in the tutorial and left the inferer as it was); written here, not copied.
"""

from __future__ import annotations

from tests.project.helpers import codes_by_file, lint, write_project

INFERER = """
    import torch


    class Inferer:
        pass


    class TokenInferer(Inferer):
        def __call__(self, images, encoder, transformer, return_latent=False):
            with torch.no_grad():
                latent = encoder.index_quantize(images)
            latent = latent.reshape(latent.shape[0], -1)
            latent = latent.long()
            prediction = transformer(x=latent[:, : transformer.max_seq_len])
            if return_latent:
                return prediction, {returned}, latent.shape[1:]
            return prediction
"""

TUTORIAL = """
    import torch
    from torch.nn import CrossEntropyLoss

    from gen.inferers import TokenInferer

    inferer = TokenInferer()
    ce_loss = CrossEntropyLoss()


    def train(loader, encoder, transformer, optimizer):
        for batch in loader:
            optimizer.zero_grad()
            logits, target, _ = inferer(batch, encoder, transformer, return_latent=True)
            logits = logits.transpose(1, 2)
            loss = ce_loss({scored})
            loss.backward()
            optimizer.step()
"""


def project(root, returned, scored):
    write_project(root, {
        "gen/__init__.py": "",
        "gen/inferers/__init__.py": "from .inferer import TokenInferer\n",
        "gen/inferers/inferer.py": INFERER.format(returned=returned),
        "tutorials/anomaly/train.py": TUTORIAL.format(scored=scored),
    })
    return codes_by_file(lint(root, codes=("NN206",)))


def test_scores_against_the_tokens_the_inferer_fed_the_transformer(tmp_path):
    found = project(tmp_path, "latent[:, : transformer.max_seq_len]", "logits, target")
    assert found == {("tutorials/anomaly/train.py", 16, "NN206")}


def test_shifted_on_both_sides_is_clean(tmp_path):
    found = project(tmp_path, "latent[:, : transformer.max_seq_len]", "logits[:, :, :-1], target[:, 1:]")
    assert found == set()


def test_an_inferer_that_returns_the_next_tokens_is_clean(tmp_path):
    found = project(tmp_path, "latent[:, 1 : transformer.max_seq_len + 1]", "logits, target")
    assert found == set()
