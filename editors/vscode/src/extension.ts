// A thin client: find nnlint (configured path, the selected Python environment, or PATH) and start
// `nnlint server`. Everything else (diagnostics, quick fixes, fix-all, hover) comes from the server.
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from "vscode-languageclient/node";

let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;

interface ServerCommand {
  command: string;
  args: string[];
}

async function selectedPython(): Promise<string | undefined> {
  // The Python extension's public API (ms-python.python): the interpreter the user selected.
  const python = vscode.extensions.getExtension("ms-python.python");
  if (!python) {
    return undefined;
  }
  try {
    const api: any = python.isActive ? python.exports : await python.activate();
    const environments = api?.environments;
    if (!environments) {
      return undefined;
    }
    const active = environments.getActiveEnvironmentPath(vscode.workspace.workspaceFolders?.[0]?.uri);
    const resolved = await environments.resolveEnvironment(active);
    return resolved?.executable?.uri?.fsPath ?? active?.path;
  } catch (error) {
    output?.appendLine(`nnlint: cannot ask the Python extension for the interpreter: ${error}`);
    return undefined;
  }
}

async function serverCommand(): Promise<ServerCommand> {
  const settings = vscode.workspace.getConfiguration("nnlint");
  const path = settings.get<string[]>("path") ?? [];
  if (path.length > 0) {
    return { command: path[0], args: [...path.slice(1), "server"] };
  }
  const interpreter = settings.get<string>("interpreter") || (await selectedPython());
  if (interpreter) {
    return { command: interpreter, args: ["-m", "nnlint", "server"] };
  }
  return { command: "nnlint", args: ["server"] };
}

function clientSettings(): Record<string, unknown> {
  const settings = vscode.workspace.getConfiguration("nnlint");
  return {
    enable: settings.get("enable"),
    select: settings.get("select"),
    extendSelect: settings.get("extendSelect"),
    ignore: settings.get("ignore"),
    fixUnsafe: settings.get("fixUnsafe"),
  };
}

async function start(): Promise<void> {
  const { command, args } = await serverCommand();
  output?.appendLine(`nnlint: starting ${command} ${args.join(" ")}`);
  const serverOptions: ServerOptions = { command, args, transport: TransportKind.stdio };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "python" },
      { scheme: "untitled", language: "python" },
    ],
    // The server pulls `nnlint.*` per workspace folder (workspace/configuration) and is told when it changes.
    synchronize: { configurationSection: "nnlint" },
    initializationOptions: { settings: clientSettings() },
    outputChannel: output,
  };
  client = new LanguageClient("nnlint", "nnlint", serverOptions, clientOptions);
  await client.start();
}

async function stop(): Promise<void> {
  if (client) {
    await client.stop();
    client = undefined;
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("nnlint");
  context.subscriptions.push(output);
  context.subscriptions.push(
    vscode.commands.registerCommand("nnlint.restart", async () => {
      await stop();
      await start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("nnlint.path") || event.affectsConfiguration("nnlint.interpreter")) {
        await stop();
        await start();
      }
    }),
  );
  try {
    await start();
  } catch (error) {
    vscode.window.showErrorMessage(
      `nnlint: cannot start \`nnlint server\` (${error}). Install it with \`pip install "nnlint[lsp]"\` in the ` +
        "selected Python environment, or set `nnlint.path`.",
    );
  }
}

export function deactivate(): Thenable<void> | undefined {
  return client ? stop() : undefined;
}
