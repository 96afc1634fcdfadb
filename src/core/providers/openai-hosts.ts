/**
 * Which cloud an OpenAI-compatible endpoint URL belongs to, and the URL differences that follow from it. No SDK here:
 * error classification (classify.ts, shared with Ollama) reads it too.
 */

export type HostFamily = "openai" | "azure" | "deepseek" | "other";

export function hostOf(endpoint: string): string {
  try {
    return new URL(endpoint).hostname.toLowerCase();
  } catch {
    return "";
  }
}

// Azure OpenAI resources (classic and AI Foundry hosts).
const AZURE_HOST = /\.(?:openai\.azure\.com|cognitiveservices\.azure\.com|services\.ai\.azure\.com)$/;

export function hostFamily(endpoint: string): HostFamily {
  const host = hostOf(endpoint);
  if (host === "api.openai.com") return "openai";
  if (AZURE_HOST.test(host)) return "azure";
  if (host === "api.deepseek.com") return "deepseek";
  return "other";
}

/**
 * DeepSeek serves FIM completions only under its beta base URL (api-docs.deepseek.com, "Create FIM Completion
 * (Beta)": "User must set base_url="https://api.deepseek.com/beta""); chat stays on the normal one.
 */
export function fimBaseURL(baseURL: string): string {
  if (hostFamily(baseURL) !== "deepseek") return baseURL;
  const u = new URL(baseURL);
  return `${u.origin}/beta`;
}
