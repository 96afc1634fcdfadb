// What the CLI prints for an error that ends a command. Chorus's own errors already say what failed and what to
// do; Node's system errors ("EISDIR: illegal operation on a directory, read") do not, and some lack the path, so
// those are put in words a user can act on, keeping the path and the code for a search.

import { safeMessage } from "../core/quote";

interface SystemError extends Error {
  code?: string;
  path?: string;
  dest?: string;
  syscall?: string;
  address?: string;
  port?: number;
}

/** What the CLI prints: escaped and capped, since messages quote file names, GGUF contents and server replies. */
export function cliErrorMessage(e: unknown): string {
  return safeMessage(systemErrorMessage(e));
}

function systemErrorMessage(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const s = e as SystemError;
  if (typeof s.code !== "string" || typeof s.syscall !== "string") return e.message;
  const path = s.path ? ` ${s.path}` : "";
  switch (s.code) {
    case "ENOENT":
      return s.syscall === "mkdtemp" || s.syscall === "mkdir"
        ? `the folder for${path} does not exist (${s.code})`
        : `no such file or folder:${path} (${s.code})`;
    case "EISDIR":
      return path ? `${s.path} is a folder; a file was expected (${s.code})` : `a folder was given where a file was expected (${s.code})`;
    case "ENOTDIR":
      return `part of the path${path} is a file, not a folder (${s.code})`;
    case "EEXIST":
      return `${s.path ?? "the path"} already exists${s.syscall === "mkdir" ? " and is not a folder" : ""} (${s.code})`;
    case "EACCES":
    case "EPERM":
      return `permission denied:${path} (${s.code})`;
    case "ENOSPC":
      return `the disk is full${path ? ` writing${path}` : ""} (${s.code})`;
    case "EADDRINUSE":
      return `port ${s.port ?? "?"} on ${s.address ?? "127.0.0.1"} is already in use: choose another with --port, or stop what is using it (${s.code})`;
    default:
      return e.message;
  }
}
