// The attnscan command line: `attnscan <command> [options]`, dispatched to its command. Exit codes: 0 ok, 1 a failure while
// running, 2 a usage mistake, 3 a model that cannot be found, read or used for the command.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { CheckpointError, ModelNotFoundError, UnsupportedArchitectureError } from '../errors.js';
import { packageRoot } from '../util/paths.js';
import { benchCommand } from './bench.js';
import { type Command, type Io, UsageError } from './common.js';
import { classifyCommand, embedCommand, fillMaskCommand } from './encode.js';
import { generateCommand } from './generate.js';
import { infoCommand } from './info.js';
import { serveCommand } from './serve.js';

const COMMANDS: Command[] = [generateCommand, embedCommand, classifyCommand, fillMaskCommand, infoCommand, benchCommand, serveCommand];

const version = (): string => {
  try {
    return String(JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')).version);
  } catch {
    return 'unknown';
  }
};

const usage = () =>
  `attnscan ${version()}: language models on CPU in Node.js

Usage: attnscan <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n')}

Run 'attnscan <command> --help' for a command's options.
Exit codes: 0 ok, 1 failed while running, 2 usage error, 3 model not found or not usable.
`;

function exitCodeOf(e: unknown): number {
  if (e instanceof UsageError) return 2;
  if (e instanceof ModelNotFoundError || e instanceof CheckpointError || e instanceof UnsupportedArchitectureError) return 3;
  return 1;
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.out.write(`${version()}\n`);
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.err.write(`attnscan: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out.write(`${cmd.summary}\n\nUsage: ${cmd.usage}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    const code = exitCodeOf(e);
    const err = e as Error;
    io.err.write(`attnscan ${cmd.name}: ${err.name && err.name !== 'Error' && code !== 2 ? `${err.name}: ` : ''}${err.message ?? String(e)}\n`);
    if (code === 2) io.err.write(`\nUsage: ${cmd.usage}\n`);
    if (io.env.ATTNSCAN_DEBUG && err.stack) io.err.write(`${err.stack}\n`);
    return code;
  }
}

