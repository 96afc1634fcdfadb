// One LogOutputChannel ("Chorus") for the whole extension; every line is tagged with the component that wrote
// it, so a user reading "Chorus: Show Log" can tell the sidecar from the router. Never log prompts or API keys.
import * as vscode from "vscode";

export interface Log {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string | Error): void;
  /** A logger for a sub-component: `log.child("sidecar").info("…")` writes "[chorus/sidecar] …". */
  child(component: string): Log;
  /** Reveal the channel ("Chorus: Show Log"). */
  show(): void;
}

export function createLogChannel(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel("Chorus", { log: true });
}

export function componentLog(channel: vscode.LogOutputChannel, component: string): Log {
  const tag = (m: string) => `[${component}] ${m}`;
  return {
    trace: (m) => channel.trace(tag(m)),
    debug: (m) => channel.debug(tag(m)),
    info: (m) => channel.info(tag(m)),
    warn: (m) => channel.warn(tag(m)),
    error: (m) => channel.error(typeof m === "string" ? tag(m) : tag(m.message)),
    child: (sub) => componentLog(channel, `${component}/${sub}`),
    show: () => channel.show(true),
  };
}

/** The message of anything thrown, for a notification: never a stack trace. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
