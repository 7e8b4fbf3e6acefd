"""NN306: a running total or list of loss tensors in a training loop; points at the accumulating statement."""

from tests.rules.helpers import findings, messages


def test_running_total_of_the_loss_tensor_is_flagged():
    source = """
        import torch.nn.functional as F

        def train(model, loader, optimizer):
            total_loss = 0.0
            for x, y in loader:
                optimizer.zero_grad()
                loss = F.cross_entropy(model(x), y)
                loss.backward()
                optimizer.step()
                total_loss += loss
            return total_loss / len(loader)
    """
    assert findings(source, "NN306") == [(11, 9)]
    assert "`loss.item()`" in messages(source, "NN306")[0]


def test_list_of_losses_at_module_level():
    source = """
        from torch.nn import functional

        losses = []
        for images, labels in train_loader:
            optimizer.zero_grad()
            loss = functional.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
            losses.append(loss)
    """
    assert findings(source, "NN306") == [(10, 5)]


def test_criterion_attribute_and_a_weighted_total():
    source = """
        from torch import nn

        class Trainer:
            def __init__(self, model):
                self.model = model
                self.criterion = nn.CrossEntropyLoss()

            def epoch(self, loader):
                self.epoch_loss = 0
                for x, y in loader:
                    self.optimizer.zero_grad()
                    batch_loss = self.criterion(self.model(x), y)
                    batch_loss.backward()
                    self.optimizer.step()
                    self.epoch_loss += batch_loss * x.size(0)
    """
    assert findings(source, "NN306") == [(16, 13)]


def test_amp_loop_appending_the_loss_in_a_history():
    source = """
        def train(model, loader, optimizer, scaler, criterion, history):
            for x, y in loader:
                optimizer.zero_grad()
                loss = criterion(model(x), y)
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
                history.append(loss)
    """
    assert findings(source, "NN306") == [(9, 9)]


def test_accumulation_loop_total_of_the_scaled_loss():
    source = """
        def train(model, loader, optimizer, k=4):
            running = 0
            for i, batch in enumerate(loader):
                loss = model(**batch).loss / k
                loss.backward()
                running += loss
                if (i + 1) % k == 0:
                    optimizer.step()
                    optimizer.zero_grad()
    """
    assert findings(source, "NN306") == [(7, 9)]


def test_item_and_detach_are_clean():
    for value in ("loss.item()", "loss.detach()", "float(loss)", "loss.item() * x.size(0)", "loss.detach().cpu()"):
        source = f"""
            def train(model, loader, optimizer, criterion):
                total_loss, losses = 0.0, []
                for x, y in loader:
                    optimizer.zero_grad()
                    loss = criterion(model(x), y)
                    loss.backward()
                    optimizer.step()
                    total_loss += {value}
                    losses.append({value})
        """
        assert findings(source, "NN306") == [], value


def test_building_the_step_loss_from_parts_is_clean():
    source = """
        import torch.nn.functional as F

        def train(model, loader, optimizer):
            for x, y in loader:
                optimizer.zero_grad()
                loss = F.cross_entropy(model(x), y)
                loss += 0.01 * model.aux_loss
                loss.backward()
                optimizer.step()
    """
    assert findings(source, "NN306") == []


def test_collecting_losses_that_are_backpropagated_together_is_clean():
    source = """
        def train(model, loader, optimizer, criterion):
            for batch in loader:
                optimizer.zero_grad()
                losses = []
                for head, target in zip(model.heads, batch.targets):
                    losses.append(criterion(head(batch.x), target))
                sum(losses).backward()
                optimizer.step()
    """
    assert findings(source, "NN306") == []


def test_micro_batch_total_backpropagated_at_the_end_is_clean():
    source = """
        def train(model, loader, optimizer, k):
            accumulated_loss = 0
            for i, batch in enumerate(loader):
                accumulated_loss += model(**batch).loss / k
                if (i + 1) % k == 0:
                    accumulated_loss.backward()
                    optimizer.step()
                    optimizer.zero_grad()
                    accumulated_loss = 0
    """
    assert findings(source, "NN306") == []


def test_validation_loop_without_backward_is_clean():
    source = """
        import torch

        @torch.no_grad()
        def evaluate(model, val_loader, criterion):
            model.eval()
            total = 0
            for x, y in val_loader:
                loss = criterion(model(x), y)
                total += loss
            return total / len(val_loader)
    """
    assert findings(source, "NN306") == []


def test_loss_read_off_the_graph_when_computed_is_clean():
    source = """
        def train(model, loader, optimizer, criterion):
            epoch_loss = 0
            for x, y in loader:
                optimizer.zero_grad()
                out = model(x)
                criterion(out, y).backward()
                optimizer.step()
                loss = criterion(out, y).item()
                epoch_loss += loss
    """
    assert findings(source, "NN306") == []


def test_loss_returned_as_a_number_by_a_train_step_helper_is_clean():
    source = """
        def train_step(model, batch, optimizer, criterion):
            optimizer.zero_grad()
            loss = criterion(model(batch.x), batch.y)
            loss.backward()
            optimizer.step()
            return loss.item()

        def train(model, loader, optimizer, criterion):
            total_loss = 0.0
            for batch in loader:
                loss = train_step(model, batch, optimizer, criterion)
                total_loss += loss
            return total_loss
    """
    assert findings(source, "NN306") == []


def test_loss_tensor_returned_by_a_train_step_helper_is_flagged():
    source = """
        def train_step(model, batch, optimizer, criterion):
            optimizer.zero_grad()
            loss = criterion(model(batch.x), batch.y)
            loss.backward()
            optimizer.step()
            return loss

        def train(model, loader, optimizer, criterion):
            total_loss = 0.0
            for batch in loader:
                loss = train_step(model, batch, optimizer, criterion)
                total_loss += loss
            return total_loss
    """
    assert findings(source, "NN306") == [(13, 9)]


def test_epoch_history_of_a_number_total_is_clean():
    source = """
        def fit(model, loader, optimizer, criterion, epochs):
            history = []
            for epoch in range(epochs):
                epoch_loss = 0.0
                for x, y in loader:
                    optimizer.zero_grad()
                    loss = criterion(model(x), y)
                    loss.backward()
                    optimizer.step()
                    epoch_loss += loss.item()
                avg_loss = epoch_loss / len(loader)
                history.append(avg_loss)
                history.append(epoch_loss)
    """
    assert findings(source, "NN306") == []


def test_the_tensor_total_is_reported_where_it_accumulates_not_where_it_is_logged():
    source = """
        def fit(model, loader, optimizer, criterion, epochs):
            history = []
            for epoch in range(epochs):
                epoch_loss = 0.0
                for x, y in loader:
                    optimizer.zero_grad()
                    loss = criterion(model(x), y)
                    loss.backward()
                    optimizer.step()
                    epoch_loss += loss
                history.append(epoch_loss)
    """
    assert findings(source, "NN306") == [(11, 13)]


def test_unpacked_number_from_a_train_step_helper_is_clean():
    source = """
        def train_step(model, batch, optimizer):
            optimizer.zero_grad()
            loss = model(batch)
            loss.backward()
            optimizer.step()
            return loss.item(), batch.size(0)

        def train(model, loader, optimizer):
            total_loss = 0.0
            for batch in loader:
                loss, n = train_step(model, batch, optimizer)
                total_loss += loss * n
    """
    assert findings(source, "NN306") == []


def test_epoch_average_of_a_number_total_over_an_unknown_count_is_clean():
    source = """
        def train(model, loader, optimizer, criterion, history):
            for epoch in range(10):
                running_loss = 0.0
                for i, (x, y) in enumerate(loader):
                    optimizer.zero_grad()
                    loss = criterion(model(x), y)
                    loss.backward()
                    optimizer.step()
                    running_loss += loss.item()
                epoch_loss = running_loss / (i + 1)
                history.append(epoch_loss)
    """
    assert findings(source, "NN306") == []


def test_running_average_over_a_parameter_count_is_clean():
    source = """
        def train(model, loader, optimizer, criterion, n):
            history = []
            running_loss = 0.0
            for x, y in loader:
                optimizer.zero_grad()
                loss = criterion(model(x), y)
                loss.backward()
                optimizer.step()
                running_loss += loss.item()
                avg_loss = running_loss / n
                history.append(avg_loss)
            return history
    """
    assert findings(source, "NN306") == []


def test_loss_tensor_scaled_by_an_unknown_count_is_still_flagged():
    source = """
        def train(model, loader, optimizer, criterion, n):
            history = []
            for x, y in loader:
                optimizer.zero_grad()
                loss = criterion(model(x), y)
                loss.backward()
                optimizer.step()
                scaled_loss = loss / n
                history.append(scaled_loss)
            return history
    """
    assert findings(source, "NN306") == [(10, 9)]
