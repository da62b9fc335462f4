// Copy the browser builds hearth serves into src/hearth/web/static/vendor/.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, "..", "src", "hearth", "web", "static", "vendor");
const files = {
  "htmx.org/dist/htmx.min.js": "htmx.min.js",
  "uplot/dist/uPlot.iife.min.js": "uplot.min.js",
  "uplot/dist/uPlot.min.css": "uplot.min.css",
};

mkdirSync(target, { recursive: true });
for (const [source, name] of Object.entries(files)) {
  copyFileSync(join(here, "node_modules", source), join(target, name));
  console.log(`vendor/${name}`);
}
