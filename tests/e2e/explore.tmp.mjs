import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openApp, waitFor, sleep } from "./webdriver.mjs";
const data = mkdtempSync(join(tmpdir(), "rollcall-x-"));
const s = await openApp({ args: ["--demo"], env: { ROLLCALL_DATA_DIR: data } });
try {
  await waitFor(() => s.text('[data-testid="demo-badge"]'), "the app");
  const steps = (process.env.STEPS || "").split(";").filter(Boolean);
  for (const st of steps) {
    const [kind, arg] = [st.slice(0, st.indexOf(":")), st.slice(st.indexOf(":") + 1)];
    if (kind === "click") await s.clickWhenReady(arg, arg);
    else if (kind === "js") console.log(JSON.stringify(await s.exec(arg)));
    else if (kind === "sleep") await sleep(Number(arg));
    else if (kind === "shot") await s.shot(arg);
    else if (kind === "wait") await waitFor(() => s.find(arg), arg);
  }
} finally { await s.close(); }
