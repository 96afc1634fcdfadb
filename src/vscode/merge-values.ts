// The wizard's t / weights / density step of "Chorus: Merge Models…": numbers typed in a box, validated as typed.
// Where the value can also be tuned on the workspace's code, the box is a quick pick that offers "Tune on my code"
// beside the typed values, so either answer is the same step and the wizard's step count holds.
import * as vscode from "vscode";

function numberList(raw: string, count: number, range: [number, number]): string | undefined {
  const parts = raw.split(",").map((s) => s.trim());
  if (parts.length !== 1 && parts.length !== count) return `Give one number, or ${count} separated by commas`;
  for (const p of parts) {
    const v = Number(p);
    if (p === "" || !Number.isFinite(v) || v < range[0] || v > range[1]) return `"${p}" is not a number between ${range[0]} and ${range[1]}`;
  }
  return undefined;
}

const parseNumbers = (raw: string) => raw.split(",").map((s) => Number(s.trim()));

export interface ValuesStep {
  title: string;
  prompt: string;
  value: string;
  count: number;
  range: [number, number];
  /** What tuning would do, when this value can be tuned on the workspace's code. */
  tune?: string;
}

/** The typed values, "tune", or undefined when the user backs out. */
export async function askValues(s: ValuesStep): Promise<number[] | "tune" | undefined> {
  if (!s.tune) {
    const raw = await vscode.window.showInputBox({
      title: s.title,
      prompt: s.prompt,
      value: s.value,
      ignoreFocusOut: true,
      validateInput: (v) => numberList(v, s.count, s.range),
    });
    return raw === undefined ? undefined : parseNumbers(raw);
  }
  const qp = vscode.window.createQuickPick();
  const tune: vscode.QuickPickItem = { label: "$(beaker) Tune on my code", detail: s.tune, alwaysShow: true };
  const render = () => {
    const typed = { label: `$(edit) Use ${qp.value.trim() || "…"}`, detail: numberList(qp.value, s.count, s.range) ?? s.prompt, alwaysShow: true };
    qp.items = [typed, tune];
    qp.activeItems = [typed]; // Enter takes what was typed; the tune row is a click or an arrow key away
  };
  qp.title = s.title;
  qp.value = s.value;
  qp.placeholder = s.prompt;
  qp.ignoreFocusOut = true;
  render();
  const subs: vscode.Disposable[] = [];
  try {
    return await new Promise((resolve) => {
      subs.push(
        qp.onDidChangeValue(render),
        qp.onDidAccept(() => {
          if (qp.selectedItems[0] === tune) resolve("tune");
          else if (numberList(qp.value, s.count, s.range) === undefined) resolve(parseNumbers(qp.value));
        }),
        qp.onDidHide(() => resolve(undefined)),
      );
      qp.show();
    });
  } finally {
    subs.forEach((d) => d.dispose());
    qp.dispose();
  }
}
