"""NN605 (off by default): CPU-clock timing around CUDA work without synchronising; points at the delta."""

from tests.rules.helpers import findings


def test_forward_pass_timed_with_time_time():
    source = """
        import time
        import torch

        model = model.cuda()
        x = torch.randn(64, 3, 224, 224, device="cuda")
        start = time.time()
        out = model(x)
        elapsed = time.time() - start
    """
    assert findings(source, "NN605") == [(9, 11)]


def test_perf_counter_pair_around_a_training_step():
    source = """
        from time import perf_counter

        def step(model, batch, optimizer):
            batch = batch.to("cuda")
            t0 = perf_counter()
            loss = model(batch).mean()
            loss.backward()
            optimizer.step()
            t1 = perf_counter()
            return t1 - t0
    """
    assert findings(source, "NN605") == [(11, 12)]


def test_time_ns_around_a_loop_of_matmuls():
    source = """
        import time
        import torch

        a = torch.randn(4096, 4096).cuda()
        begin = time.time_ns()
        for _ in range(10):
            c = a @ a
            c = torch.relu(c)
        print((time.time_ns() - begin) / 1e6, "ms")
    """
    assert findings(source, "NN605") == [(10, 8)]


def test_timing_an_epoch_in_a_trainer_method():
    source = """
        import time

        class Trainer:
            def run_epoch(self, loader):
                tic = time.perf_counter()
                for x, y in loader:
                    x, y = x.cuda(non_blocking=True), y.cuda(non_blocking=True)
                    self.train_step(x, y)
                toc = time.perf_counter()
                self.log(epoch_time=toc - tic)
    """
    assert findings(source, "NN605") == [(11, 29)]


def test_timeit_default_timer_around_inference():
    source = """
        import timeit
        import torch

        with torch.inference_mode():
            start = timeit.default_timer()
            preds = model(images.cuda())
            latency = timeit.default_timer() - start
    """
    assert findings(source, "NN605") == [(8, 15)]


def test_synchronize_before_reading_the_clock_is_clean():
    source = """
        import time
        import torch

        x = torch.randn(64, 3, 224, 224, device="cuda")
        torch.cuda.synchronize()
        start = time.time()
        out = model(x)
        torch.cuda.synchronize()
        elapsed = time.time() - start
    """
    assert findings(source, "NN605") == []


def test_cuda_events_are_clean():
    source = """
        import torch

        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        out = model(x.cuda())
        end.record()
        torch.cuda.synchronize()
        ms = start.elapsed_time(end)
    """
    assert findings(source, "NN605") == []


def test_loss_item_in_the_loop_waits_for_the_gpu():
    source = """
        import time

        def train(model, loader, optimizer):
            start = time.time()
            for x, y in loader:
                loss = model(x.cuda(), y.cuda())
                loss.backward()
                optimizer.step()
                running = loss.item()
            return time.time() - start
    """
    assert findings(source, "NN605") == []


def test_cpu_only_code_is_clean():
    source = """
        import time

        start = time.time()
        dataset = load_dataset(path)
        print("loaded in", time.time() - start)
    """
    assert findings(source, "NN605") == []


def test_a_deadline_check_without_work_between_is_clean():
    source = """
        import time
        import torch

        device = torch.device("cuda")
        deadline = time.time() + 3600
        remaining = deadline - time.time()
        t0 = time.time()
        t1 = time.time()
        overhead = t1 - t0
    """
    assert findings(source, "NN605") == []


def test_off_by_default(nnlint, tmp_path):
    script = tmp_path / "bench.py"
    script.write_text("import time\nx = x.cuda()\nt = time.time()\ny = f(x)\nprint(time.time() - t)\n")
    assert nnlint(str(script), "--no-cache").code == 0
    assert nnlint(str(script), "--no-cache", "--select", "NN605").code == 1


def test_loop_carried_eta_with_an_item_later_in_the_iteration_is_clean():
    source = """
        import time

        prev_time = time.time()
        for i, (real, _) in enumerate(dataloader):
            loss = train_step(real.cuda())
            time_left = batches_left * (time.time() - prev_time)
            prev_time = time.time()
            print(loss.item(), time_left)
    """
    assert findings(source, "NN605") == []


def test_helper_of_the_file_that_reads_the_loss_and_spawned_workers_are_clean():
    source = """
        import time
        import torch
        import torch.multiprocessing as mp

        def train(model, loader, optimizer):
            total = 0.0
            for x, y in loader:
                loss = model(x.cuda(), y.cuda())
                loss.backward()
                optimizer.step()
                total += loss.item()
            return total

        start = time.time()
        train(model, loader, optimizer)
        epoch_time = time.time() - start

        tik = time.time()
        mp.spawn(run_worker, args=(4,), nprocs=4, join=True)
        print(time.time() - tik)
    """
    assert findings(source, "NN605") == []
