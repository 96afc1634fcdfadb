// Links an answer object returned to a surface to the decision that produced it, without widening the shared
// CompletionOutput/AskOutput types: the surface hands the same object back with its feedback.

import type { AskOutput, CompletionOutput } from "../../modes";

export const feedbackIds = new WeakMap<CompletionOutput | AskOutput, string>();
