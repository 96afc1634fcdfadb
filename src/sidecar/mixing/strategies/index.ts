// The strategy for a validated MixSpec.

import type { MixSpec } from "../spec";
import { contextContrastiveStrategy } from "./context-contrastive";
import { contrastiveStrategy } from "./contrastive";
import { deferralStrategy } from "./deferral";
import { dexpertsStrategy } from "./dexperts";
import { productStrategy } from "./product";
import { proxyTuningStrategy } from "./proxy-tuning";
import type { Strategy } from "./types";

export function strategyFor(spec: MixSpec): Strategy {
  switch (spec.strategy) {
    case "contrastive":
      return contrastiveStrategy(spec);
    case "dexperts":
      return dexpertsStrategy(spec);
    case "proxy-tuning":
      return proxyTuningStrategy(spec);
    case "product":
      return productStrategy(spec);
    case "context-contrastive":
      return contextContrastiveStrategy(spec);
    case "deferral":
      return deferralStrategy(spec);
  }
}
