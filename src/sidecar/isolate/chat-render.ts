// A model's chat template rendered inside the helper process. The template is code from the model file (Jinja,
// run by node-llama-cpp's @huggingface/jinja): it may loop for ever or build strings until the heap is gone, and
// node-llama-cpp also renders it while choosing a chat wrapper. Here that costs only the helper; the parent bounds
// the time, and this caps what comes back.

import { statSync } from "node:fs";
import type { ChatHistoryItem, GgufFileInfo } from "node-llama-cpp";
import { nodeLlamaCpp } from "../registry/load-llama-lib";
import type { ChatRenderRequest, ChatRenderResult } from "./protocol";

const fileInfos = new Map<string, { stamp: string; info: GgufFileInfo }>();

async function fileInfo(path: string): Promise<GgufFileInfo> {
  const st = statSync(path);
  const stamp = `${st.size}:${st.mtimeMs}`;
  const known = fileInfos.get(path);
  if (known?.stamp === stamp) return known.info;
  const lib = await nodeLlamaCpp();
  const info = await lib.readGgufFileInfo(path, { readTensorInfo: false });
  if (fileInfos.size > 16) fileInfos.clear();
  fileInfos.set(path, { stamp, info });
  return info;
}

function history(messages: ChatRenderRequest["messages"]): ChatHistoryItem[] {
  const items: ChatHistoryItem[] = messages.map((m) =>
    m.role === "assistant"
      ? { type: "model", response: [m.content] }
      : m.role === "system"
        ? { type: "system", text: m.content }
        : { type: "user", text: m.content },
  );
  // An empty model turn at the end asks the template for the assistant's opening.
  items.push({ type: "model", response: [] });
  return items;
}

export async function renderChatInHelper(r: ChatRenderRequest): Promise<ChatRenderResult> {
  const lib = await nodeLlamaCpp();
  const info = await fileInfo(r.path);
  const wrapper = lib.resolveChatWrapper({ bosString: r.bosString, filename: r.path, fileInfo: info, warningLogs: false }) ?? new lib.GeneralChatWrapper();
  const state = wrapper.generateContextState({ chatHistory: history(r.messages) });
  const chars = state.contextText.toString().length;
  if (chars > r.maxChars) throw new Error(`the model's chat template made a prompt of ${chars} characters, more than the ${r.maxChars} allowed`);
  return { text: state.contextText.toJSON(), stops: state.stopGenerationTriggers.map((t) => t.toJSON()) };
}
