import type { Command } from "commander";

export function register(program: Command): void {
  program
    .command("models")
    .description("List the configured models and what each provider offers.")
    .option("--json", "print JSON")
    .action(async (_opts: { json?: boolean }) => {
      throw new Error("not implemented yet");
    });
}
