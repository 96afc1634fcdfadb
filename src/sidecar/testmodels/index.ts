// Generated test models with known next-token distributions (see the shared notes, test-models.md).
export { bigramTable, crossEntropyBitsPerByte, makeBigramModel, resolveDtype, tableFromLogProbs } from "./bigram";
export type { BigramModel, BigramModelOptions, BigramTable, Corpus, DtypeName } from "./bigram";
export { BASE_VOCAB, BOS_ID, EOS_ID, byteTokens, byteTokenizerMetadata, byteVocab } from "./byte-vocab";
export { findCorporaDir, loadLanguageCorpus, type LanguageCorpus } from "./corpora";
export { makeRandomModel, seededNormals, type RandomModel, type RandomModelOptions } from "./random";
export { oneHotActivationScale, readBigramTable } from "./stored-table";
export { makeTestModels, type MakeTestModelsOptions, type TestModelEntry, type TestModelManifest } from "./suite";
