// A conversation of "Ask" questions about one piece of code: the follow-up question carries the earlier turns, so
// every Ask mode (which sends one question) answers it in context. Earlier answers are clipped, oldest first, so a
// long thread never crowds out the code and the new question.

export interface AskTurn {
  question: string;
  answer: string;
}

/** Characters of earlier turns a follow-up carries at most. */
export const FOLLOW_UP_HISTORY_CHARS = 6000;

/** The question text sent for `question` after `earlier` turns (the question alone when there are none). */
export function followUpQuestion(earlier: readonly AskTurn[], question: string, maxChars = FOLLOW_UP_HISTORY_CHARS): string {
  const turns: string[] = [];
  let left = maxChars;
  // Newest first, so the turn the follow-up most likely refers to is the one kept whole.
  for (const t of [...earlier].reverse()) {
    const text = `Q: ${t.question}\nA: ${t.answer.trim() || "(no answer)"}`;
    if (text.length > left) {
      if (left > 200) turns.unshift(`${text.slice(0, left - 1)}…`);
      break;
    }
    turns.unshift(text);
    left -= text.length;
  }
  if (turns.length === 0) return question;
  return `Earlier in this conversation:\n\n${turns.join("\n\n")}\n\nFollow-up question: ${question}`;
}
