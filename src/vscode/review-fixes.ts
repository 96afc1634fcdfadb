// Acting on a finding in the editor: reveal its lines, preview its fix as a diff against a virtual document,
// and apply it as one WorkspaceEdit (so Ctrl+Z undoes it). The patch is re-read against the document as it is
// now, so a file edited since the review gets a clear error instead of a fix in the wrong place.

import * as vscode from "vscode";
import type { Finding } from "../core/collab/text/findings";
import { applyChange, patchToChange, type LineChange } from "../core/collab/text/patch";

export const FIX_PREVIEW_SCHEME = "chorus-review-fix";

/** Holds the text of previewed fixes for the virtual documents vscode.diff shows. */
export class FixPreviewProvider implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  set(uri: vscode.Uri, text: string): void {
    this.texts.set(uri.toString(), text);
    this.changed.fire(uri);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? "This preview is no longer available; preview the fix again from the review panel.";
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function docLines(doc: vscode.TextDocument): string[] {
  return doc.getText().split(/\r?\n/);
}

export function changeFor(doc: vscode.TextDocument, f: Finding): LineChange {
  if (!f.patch) throw new Error(`Finding ${f.id} has no suggested fix.`);
  return patchToChange(docLines(doc), f.lines, f.patch);
}

export async function revealFinding(uri: vscode.Uri, f: Finding): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const last = Math.min(f.lines.end, doc.lineCount) - 1;
  const range = new vscode.Range(Math.max(0, f.lines.start - 1), 0, Math.max(0, last), doc.lineAt(Math.max(0, last)).text.length);
  const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, selection: range, preserveFocus: false });
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

export async function previewFix(uri: vscode.Uri, f: Finding, previews: FixPreviewProvider): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const fixed = applyChange(docLines(doc), changeFor(doc, f)).join(doc.eol === vscode.EndOfLine.CRLF ? "\r\n" : "\n");
  const name = uri.path.split("/").pop() ?? "file";
  const virtual = vscode.Uri.from({ scheme: FIX_PREVIEW_SCHEME, path: `/${f.id}/${name}`, query: uri.toString() });
  previews.set(virtual, fixed);
  await vscode.commands.executeCommand("vscode.diff", uri, virtual, `${name} ↔ fix ${f.id} (Chorus)`, { viewColumn: vscode.ViewColumn.One, preview: true });
}

/** Apply the fix; returns how many lines the edit added (negative: removed), for shifting later findings. */
export async function applyFix(uri: vscode.Uri, f: Finding): Promise<number> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const c = changeFor(doc, f);
  const eol = doc.eol === vscode.EndOfLine.CRLF ? "\r\n" : "\n";
  const edit = new vscode.WorkspaceEdit();
  if (c.endLine >= c.startLine) {
    const end = doc.lineAt(c.endLine - 1).range.end;
    edit.replace(uri, new vscode.Range(c.startLine - 1, 0, end.line, end.character), c.lines.join(eol));
  } else {
    edit.insert(uri, new vscode.Position(c.startLine - 1, 0), c.lines.map((l) => l + eol).join(""));
  }
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`VS Code refused the edit for ${f.id}; the file may be read-only.`);
  const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, preserveFocus: true });
  const shownEnd = Math.max(c.startLine - 1, c.startLine - 1 + c.lines.length - 1);
  editor.revealRange(new vscode.Range(c.startLine - 1, 0, shownEnd, 0), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return c.lines.length - (c.endLine - c.startLine + 1);
}

/** After a fix changed the line count, findings below it move with their code. */
export function shiftFindings(findings: Finding[], applied: Finding, delta: number): Finding[] {
  if (delta === 0) return findings;
  return findings.map((f) => (f.id !== applied.id && f.lines.start > applied.lines.end ? { ...f, lines: { start: f.lines.start + delta, end: f.lines.end + delta } } : f));
}
