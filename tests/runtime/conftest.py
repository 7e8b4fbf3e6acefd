import pytest

torch = pytest.importorskip("torch", reason="the runtime extra (torch) is not installed")
