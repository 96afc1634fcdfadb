// Acting on a finding in the editor: reveal its lines, preview its fix as a diff against a virtual document,
// and apply it as one WorkspaceEdit (so Ctrl+Z undoes it). Every action finds the fix by the text it was computed
// for (fix-anchor.ts): where that text moved the fix follows it, where it changed the user gets a clear error
// instead of a fix in the wrong place.

import * as vscode from "vscode";
import type { Finding } from "../core/collab/text/findings";
import { currentLines, fixChange } from "../core/collab/text/finding-lines";
import { applyChange, type LineChange } from "../core/collab/text/patch";

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

export function docLines(doc: vscode.TextDocument): string[] {
  return doc.getText().split(/\r?\n/);
}

export async function revealFinding(uri: vscode.Uri, f: Finding): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const lines = currentLines(docLines(doc), f);
  const last = Math.min(lines.end, doc.lineCount) - 1;
  const range = new vscode.Range(Math.max(0, lines.start - 1), 0, Math.max(0, last), doc.lineAt(Math.max(0, last)).text.length);
  // Focus stays in the review panel: moved to the editor, the next Enter meant for a finding split a line of code.
  const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, selection: range, preserveFocus: true });
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

function eolOf(doc: vscode.TextDocument): string {
  return doc.eol === vscode.EndOfLine.CRLF ? "\r\n" : "\n";
}

export async function previewFix(uri: vscode.Uri, f: Finding, previews: FixPreviewProvider): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const lines = docLines(doc);
  const fixed = applyChange(lines, fixChange(lines, f)).join(eolOf(doc));
  const name = uri.path.split("/").pop() ?? "file";
  const virtual = vscode.Uri.from({ scheme: FIX_PREVIEW_SCHEME, path: `/${f.id}/${name}`, query: uri.toString() });
  previews.set(virtual, fixed);
  await vscode.commands.executeCommand("vscode.diff", uri, virtual, `${name} ↔ fix ${f.id} (Chorus)`, { viewColumn: vscode.ViewColumn.One, preview: true });
}

/** The one edit that makes `c`, in the document's own line ending. */
function editFor(doc: vscode.TextDocument, c: LineChange): vscode.WorkspaceEdit {
  const eol = eolOf(doc);
  const edit = new vscode.WorkspaceEdit();
  if (c.endLine >= c.startLine) {
    const end = doc.lineAt(c.endLine - 1).range.end;
    edit.replace(doc.uri, new vscode.Range(c.startLine - 1, 0, end.line, end.character), c.lines.join(eol));
  } else if (c.startLine > doc.lineCount) {
    // Inserting after the last line: the new lines follow it, each after a line break.
    const end = doc.lineAt(doc.lineCount - 1).range.end;
    edit.insert(doc.uri, end, c.lines.map((l) => eol + l).join(""));
  } else {
    edit.insert(doc.uri, new vscode.Position(c.startLine - 1, 0), c.lines.map((l) => l + eol).join(""));
  }
  return edit;
}

/**
 * Apply the fix as one WorkspaceEdit (Ctrl+Z undoes it). It is placed and applied against one version of the
 * document: VS Code sends that version with the edit and refuses it when the document changed in between
 * (extHostBulkEdits passes the document's version; the workbench's bulk text edit throws "has changed in the
 * meantime"), and that refusal is reported, never taken for success. Returns where the fix went, in the
 * document as it was just before.
 */
export async function applyFix(uri: vscode.Uri, f: Finding): Promise<LineChange> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const version = doc.version;
  const c = fixChange(docLines(doc), f);
  const edit = editFor(doc, c);
  let applied: boolean;
  try {
    applied = await vscode.workspace.applyEdit(edit);
  } catch {
    applied = false;
  }
  if (!applied) {
    const moved = doc.version !== version;
    throw new Error(
      moved
        ? "the file changed while the fix was being applied, so nothing was changed; try Apply fix again."
        : "VS Code refused the edit (the file may be read-only, or it changed at that moment); nothing was changed. Try Apply fix again.",
    );
  }
  const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, preserveFocus: true });
  const shownEnd = Math.max(c.startLine - 1, c.startLine - 1 + c.lines.length - 1);
  editor.revealRange(new vscode.Range(c.startLine - 1, 0, shownEnd, 0), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return c;
}
