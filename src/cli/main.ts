// `chorus`: the Chorus engine without VS Code. Each subcommand lives in src/cli/commands/<name>.ts and exports
// `register(program)`; add yours to the list below.
import { Command } from "commander";
import { threadPoolSize } from "../sidecar/thread-pool";
import { register as registerAsk } from "./commands/ask";
import { register as registerBench } from "./commands/bench";
import { register as registerMakeTestModels } from "./commands/make-test-models";
import { register as registerMerge } from "./commands/merge";
import { register as registerModels } from "./commands/models";
import { register as registerReview } from "./commands/review";
import { register as registerServe } from "./commands/serve";
import { register as registerUsage } from "./commands/usage";
import { cliErrorMessage } from "./error-message";

// Before anything uses libuv's thread pool (see thread-pool.ts): the bundle's requires are synchronous, so it is unused yet.
process.env.UV_THREADPOOL_SIZE = threadPoolSize();

const program = new Command()
  .name("chorus")
  .description("Several language models working together on your code.")
  .option("-c, --config <file>", "JSON config file (same shape as the chorus.* settings); default ./chorus.json or ~/.config/chorus/config.json")
  .showHelpAfterError();

for (const register of [registerModels, registerAsk, registerUsage, registerMerge, registerBench, registerMakeTestModels, registerServe, registerReview])
  register(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  // Errors a user can act on: the message, never a stack trace.
  console.error(`chorus: ${cliErrorMessage(e)}`);
  process.exit(1);
});
