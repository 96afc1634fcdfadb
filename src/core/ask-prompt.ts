// The chat messages for "Ask": one wording shared by every ask strategy (single, route, cascade, …) so that
// strategies differ only in which model answers, never in what it is asked.
import type { AskInput } from "./modes";
import type { ChatMessage } from "./providers/types";

const SYSTEM =
  "You are a precise programming assistant inside the user's editor. Answer the question about their code " +
  "directly. Use Markdown; put code in fenced blocks with a language tag. Say so when you are unsure.";

export function askMessages(input: AskInput): ChatMessage[] {
  const where = input.filePath ? ` from ${input.filePath}` : "";
  const code = input.code?.trim() ? `\n\nThe code${where}:\n\`\`\`${input.languageId ?? ""}\n${input.code}\n\`\`\`` : "";
  return [
    { role: "system", content: SYSTEM },
    { role: "user", content: `${input.question}${code}` },
  ];
}
