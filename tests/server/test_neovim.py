"""A real editor session: headless Neovim opens a buggy file with `nnlint server` as its language server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import VIEW_BUG
from tests.server.cross_file_project import SOFTMAX, TRAIN

NVIM = shutil.which("nvim")

# Works from Neovim 0.7 (Debian 12's) on: vim.lsp.start_client + buf_attach_client; docs/editors.md shows
# the shorter vim.lsp.start of Neovim 0.8+.
INIT_LUA = """
local out = assert(os.getenv("NNLINT_NVIM_OUT"))
local client_id = vim.lsp.start_client({
  name = "nnlint",
  cmd = { os.getenv("NNLINT_PYTHON"), "-m", "nnlint", "server" },
  root_dir = vim.fn.getcwd(),
  init_options = { settings = { select = { "NN1", "NN2" } } },
})
vim.cmd("edit " .. os.getenv("NNLINT_FILE"))
vim.lsp.buf_attach_client(0, client_id)
local found = vim.wait(90000, function() return #vim.diagnostic.get(0) > 0 end, 50)
local lines = {}
for _, d in ipairs(vim.diagnostic.get(0)) do
  local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
  table.insert(lines, string.format("%s|%d|%d|%s|%s", code, d.lnum + 1, d.col + 1, d.source, d.message))
end
local handle = assert(io.open(out, "w"))
handle:write(found and table.concat(lines, "\\n") or "TIMEOUT")
handle:close()
vim.lsp.stop_client(client_id)
vim.cmd("qa!")
"""


@pytest.mark.skipif(NVIM is None, reason="nvim is not installed (Debian package `neovim`; .ci/run installs it)")
def test_neovim_shows_the_finding_on_its_line(tmp_path):
    (tmp_path / "train.py").write_text(textwrap.dedent(VIEW_BUG).lstrip("\n") + "\n\nloss = 1\n", encoding="utf-8")
    (tmp_path / "init.lua").write_text(INIT_LUA, encoding="utf-8")
    out = tmp_path / "diagnostics.txt"
    env = {**os.environ, "NNLINT_NVIM_OUT": str(out), "NNLINT_PYTHON": sys.executable,
           "NNLINT_FILE": str(tmp_path / "train.py"), "XDG_STATE_HOME": str(tmp_path / "state"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    completed = subprocess.run([NVIM, "--headless", "--clean", "-u", str(tmp_path / "init.lua")], cwd=tmp_path,
                               env=env, capture_output=True, timeout=180, stdin=subprocess.DEVNULL)
    assert completed.returncode == 0, completed.stderr.decode(errors="replace")
    printed = out.read_text(encoding="utf-8")
    print(printed)
    (line,) = printed.splitlines()
    code, row, column, source, message = line.split("|")
    assert (code, row, column, source) == ("NN101", "6", "12", "nnlint")
    assert message.startswith("`view` reorders dims (b, c, h, w) -> (b, h, w, c)")


# Two buffers, one server: the model's buffer is edited (never saved) and train.py's findings follow.
CROSS_FILE_LUA = """
local out = assert(os.getenv("NNLINT_NVIM_OUT"))
local client_id = vim.lsp.start_client({
  name = "nnlint",
  cmd = { os.getenv("NNLINT_PYTHON"), "-m", "nnlint", "server" },
  root_dir = vim.fn.getcwd(),
  init_options = { settings = { select = { "NN2" } } },
})
local function open(path)
  local buf = vim.fn.bufadd(path)
  vim.fn.bufload(buf)
  vim.bo[buf].filetype = "python"
  vim.lsp.buf_attach_client(buf, client_id)
  return buf
end
local function codes(buf)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(found, d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code))
  end
  table.sort(found)
  return table.concat(found, ",")
end
local train = open("train.py")
local model = open("models/net.py")
local steps = {}
local ok = vim.wait(90000, function() return codes(train) == "NN201" end, 50)
table.insert(steps, ok and codes(train) or "TIMEOUT")
for row, line in ipairs(vim.api.nvim_buf_get_lines(model, 0, -1, false)) do
  if line:find("F.softmax", 1, true) then
    vim.api.nvim_buf_set_lines(model, row - 1, row, false, { "        return self.fc(x)" })
  end
end
ok = vim.wait(90000, function() return codes(train) == "" end, 50)
table.insert(steps, ok and "clean" or ("TIMEOUT:" .. codes(train)))
table.insert(steps, vim.bo[train].modified and "train modified" or "train untouched")
local handle = assert(io.open(out, "w"))
handle:write(table.concat(steps, "|"))
handle:close()
vim.lsp.stop_client(client_id)
vim.cmd("qa!")
"""
@pytest.mark.skipif(NVIM is None, reason="nvim is not installed (Debian package `neovim`; .ci/run installs it)")
def test_neovim_editing_the_model_buffer_updates_the_open_train_py(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models/__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "models/net.py").write_text(textwrap.dedent(SOFTMAX).lstrip("\n"), encoding="utf-8")
    (tmp_path / "train.py").write_text(textwrap.dedent(TRAIN).lstrip("\n"), encoding="utf-8")
    (tmp_path / "init.lua").write_text(CROSS_FILE_LUA, encoding="utf-8")
    out = tmp_path / "steps.txt"
    env = {**os.environ, "NNLINT_NVIM_OUT": str(out), "NNLINT_PYTHON": sys.executable,
           "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    completed = subprocess.run([NVIM, "--headless", "--clean", "-u", str(tmp_path / "init.lua")], cwd=tmp_path,
                               env=env, capture_output=True, timeout=240, stdin=subprocess.DEVNULL)
    assert completed.returncode == 0, completed.stderr.decode(errors="replace")
    assert out.read_text(encoding="utf-8") == "NN201|clean|train untouched"
    assert "F.softmax" in (tmp_path / "models/net.py").read_text(encoding="utf-8")  # never saved
