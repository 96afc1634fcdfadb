// Logit-level collaboration: several local models vote on every next token, decoded in lockstep.
//
// API (for the sidecar's HTTP layer and anything else that holds loaded models):
//
//   const spec = parseMixSpec(untrustedJson, "preset ts-contrast");   // throws MixSpecError naming the problem
//   const mixer = await createMixer(spec, models, { threads: 1 });     // models: {name: LlamaModel} or a loader;
//                                                                      // also reusePrefix (true), lookahead (4)
//   const r = await mixer.generate({
//     prompt, context?,                  // context is prepended (context-contrastive also reads the prompt without it)
//     maxTokens?, stop?, topLogprobs?,   // defaults 128, [], 0 (at most 20)
//     sampling?: { temperature?, topP?, seed? },   // applied AFTER mixing; temperature 0 (default) = greedy
//     signal?,                           // abort → finishReason "cancelled", partial result, no rejection
//     onPiece?({text, tokens}),          // streamed text, with the tokens whose text starts in it
//     lookahead?,                        // drafts a step checks (0–16); the mixer's setting by default
//   });
//   r.text, r.finishReason ("stop" | "length" | "cancelled"), r.usage, r.tokens[i] = {token, text, logprob, top[],
//   writer} (a token wholly inside a cut stop string is not among them), r.writers (deferral: tokens per model), r.timing (native eval ms vs JS mixing ms,
//   promptTokensEvaluated: the prompt tokens the lanes evaluated after reusing their caches; draftTokens and
//   draftTokensAccepted: lookahead's guesses checked and kept)
//   await mixer.score({ text, context? })   // teacher-forced mixed log-probs and cross-entropy
//   await mixer.dispose()                   // frees the mixer's contexts; the models stay the caller's
//
// Strategies (spec.ts; formulas in strategies/*.ts): contrastive (expert, amateur, alpha 0.1, beta 0.5),
// dexperts (base, expert, antiExpert, alpha 2), proxy-tuning (large, tuned, untuned, alpha 1), product
// (models [{model, weight}]), context-contrastive (model, beta 0.5), deferral (small, large, tau 0.5).
// Every model must share one tokenizer (vocab.ts, llama.cpp's rule for speculative decoding: sizes may differ by
// padding, up to 128 ids); the mix only ever scores and chooses the ids all models share, padding excluded.
//
// Cost and the one approximation: each step reads only the top K entries of each model (spec.topK, default 40)
// through llama.cpp's top-k sampler, so JavaScript touches O(K) numbers per model whatever the vocabulary. The
// candidates are the union of the read-outs; a token missing from one model's read-out takes that model's K-th
// log-probability (an upper bound). Mixed log-probabilities and top alternatives are renormalised over the
// candidates, i.e. they describe the distribution actually sampled from. With topK "all" (or K ≥ vocabulary)
// everything is exact; the tests compare both against the bigram tables.
//
// Layout: spec.ts (MixSpec + validation), strategies/ (one file per strategy; linear.ts the shared weighted sum),
// distribution.ts (a read-out as log-probabilities), lockstep.ts (lanes = sequences fed the same tokens, each
// keeping its KV cache between requests so only the tokens after a shared prompt prefix are evaluated),
// native-batch.ts (the direct path into node-llama-cpp's native context that lanes use by default),
// decode.ts (the loop), lookahead.ts (drafts looked up in the text, and how many to check), score.ts (teacher forcing), sampling.ts, text.ts (streaming text, stop strings),
// vocab.ts, mixer.ts (createMixer).

export { createMixer, MixContextError, MixRequestError, type Mixer, type MixerOptions, type MixGenerateRequest, type ModelSource } from "./mixer";
export type { FinishReason, MixedToken, MixGenerateResult, ReplyPiece } from "./decode";
export type { ScoreResult } from "./score";
export { MIX_STRATEGIES, MixSpecError, mixSpecModels, parseMixSpec, type MixSpec, type MixStrategyName } from "./spec";
export { SamplingError, type SamplingOptions } from "./sampling";
export { VocabularyMismatchError } from "./vocab";
export { checkLookahead, DEFAULT_LOOKAHEAD, LookaheadError } from "./lookahead";
