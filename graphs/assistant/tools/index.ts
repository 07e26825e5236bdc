// Every module in this folder that exports `createTool` is one of the assistant's tools:
// adding a tool is adding a file.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { StructuredToolInterface } from '@langchain/core/tools';
import type { ToolDeps, ToolFactory } from './tool-deps.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const NOT_TOOLS = new Set(['index', 'tool-deps']);

export async function loadTools(deps: ToolDeps): Promise<StructuredToolInterface[]> {
  const files = fs
    .readdirSync(here)
    .filter((file) => /\.(ts|js)$/.test(file) && !file.endsWith('.d.ts'))
    .filter((file) => !NOT_TOOLS.has(file.replace(/\.(ts|js)$/, '')))
    .sort();
  const modules = await Promise.all(
    files.map((file) => import(pathToFileURL(path.join(here, file)).href) as Promise<{ createTool?: ToolFactory }>),
  );
  return modules.flatMap((module) => (module.createTool ? [module.createTool(deps)] : []));
}
