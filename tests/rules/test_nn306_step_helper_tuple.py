"""NN306: the losses a step helper returns as a tuple are still graph-attached when summed in the loop."""

from tests.rules.helpers import findings

METHOD_HELPER = """
    import torch.nn.functional as F

    class Trainer:
        def train_step(self, x, y):
            self.optimizer.zero_grad()
            out = self.model(x)
            cls = F.cross_entropy(out, y)
            reg = out.pow(2).mean()
            total = cls + 0.1 * reg
            total.backward()
            self.optimizer.step()
            return RETURNED

        def fit(self, loader):
            total_loss = 0
            for x, y in loader:
                total, cls, reg = self.train_step(x, y)
                total_loss += total
            return total_loss
"""


def test_tuple_unpacked_from_a_method_step_helper():
    assert findings(METHOD_HELPER.replace("RETURNED", "total, cls, reg"), "NN306") == [(19, 13)]


def test_helper_returning_items_is_clean():
    source = METHOD_HELPER.replace("RETURNED", "total.item(), cls.item(), reg.item()")
    assert findings(source, "NN306") == []


def test_helper_returning_detached_values_is_clean():
    source = METHOD_HELPER.replace("RETURNED", "total.detach(), cls.detach(), reg.detach()")
    assert findings(source, "NN306") == []


FUNCTION_HELPER = """
    import torch.nn.functional as F

    def train_step(model, optimizer, x, y):
        optimizer.zero_grad()
        out = model(x)
        loss = F.cross_entropy(out, y)
        loss.backward()
        optimizer.step()
        return loss, out.argmax(1)

    def fit(model, optimizer, loader):
        running, correct = 0, 0
        for x, y in loader:
            losses = train_step(model, optimizer, x, y)
            nll, preds = losses
            ACCUMULATED
        return running, correct
"""


def test_tuple_kept_whole_then_unpacked_from_a_function_helper():
    source = FUNCTION_HELPER.replace("ACCUMULATED", "running += nll")
    assert findings(source, "NN306") == [(17, 9)]


def test_accumulating_the_non_loss_element_is_clean():
    source = FUNCTION_HELPER.replace("ACCUMULATED", "correct += (preds == y).sum().item()")
    assert findings(source, "NN306") == []


def test_accumulating_the_item_of_the_unpacked_loss_is_clean():
    source = FUNCTION_HELPER.replace("ACCUMULATED", "running += nll.item()")
    assert findings(source, "NN306") == []


INSTANCE_HELPER = """
    import torch.nn.functional as F

    class Trainer:
        def __init__(self, model, optimizer):
            self.model, self.optimizer = model, optimizer

        def train_step(self, x, y):
            self.optimizer.zero_grad()
            out = self.model(x)
            nll = F.cross_entropy(out, y)
            total = nll + out.pow(2).mean()
            total.backward()
            self.optimizer.step()
            return RETURNED

    def fit(model, optimizer, loader):
        trainer = Trainer(model, optimizer)
        total_loss = 0
        for x, y in loader:
            total, nll = trainer.train_step(x, y)
            total_loss += total
        return total_loss
"""


def test_tuple_from_a_method_called_on_an_instance_of_a_class_of_the_file():
    assert findings(INSTANCE_HELPER.replace("RETURNED", "total, nll"), "NN306") == [(22, 9)]


def test_instance_method_returning_items_is_clean():
    assert findings(INSTANCE_HELPER.replace("RETURNED", "total.item(), nll.item()"), "NN306") == []


def test_instance_of_an_unknown_class_is_not_guessed():
    source = INSTANCE_HELPER.replace("RETURNED", "total, nll").replace(
        "trainer = Trainer(model, optimizer)", "trainer = make_trainer(model, optimizer)")
    assert findings(source, "NN306") == []
