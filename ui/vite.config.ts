import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig, type Plugin } from "vite";

/**
 * The window runs with Tauri's `freezePrototype` (Object.prototype frozen, so a script cannot
 * poison it). Preact, which FullCalendar renders with, copies objects in its `assign()` by plain
 * assignment, and a vnode's own `constructor: undefined` then hits the frozen
 * `Object.prototype.constructor` and throws ("the override mistake"). This rewrites that one
 * function in Preact's builds to define own properties instead (same result, no inherited setter
 * consulted). The build fails if the function is not found, so a Preact update is reviewed here.
 */
function preactUnderFrozenPrototype(): Plugin {
  const file = /node_modules[\\/]preact[\\/](compat[\\/])?dist[\\/](preact|compat)\.module\.js$/;
  const assign = /function ([\w$]+)\(([\w$]+),([\w$]+)\)\{for\(var ([\w$]+) in \3\)\2\[\4\]=\3\[\4\];return \2\}/;
  return {
    name: "rollcall:preact-under-frozen-prototype",
    enforce: "pre",
    transform(code, id) {
      if (!file.test(id)) return null;
      if (!assign.test(code)) this.error(`Preact's assign() is not where it was in ${id}: review the freezePrototype patch in vite.config.ts`);
      return code.replace(
        assign,
        (_m, f, o, p, k) => `function ${f}(${o},${p}){for(var ${k} in ${p})Object.defineProperty(${o},${k},{value:${p}[${k}],writable:!0,enumerable:!0,configurable:!0});return ${o}}`,
      );
    },
  };
}

export default defineConfig({
  plugins: [preactUnderFrozenPrototype(), svelte()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { target: "es2022", outDir: "dist", emptyOutDir: true },
  test: { environment: "jsdom", include: ["tests/**/*.test.ts"], setupFiles: ["tests/setup.ts"] },
  resolve: process.env.VITEST ? { conditions: ["browser"] } : undefined,
});
