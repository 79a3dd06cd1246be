// Save-as that opens where the user saved last (the folder is kept in the preferences).
import { backend } from "../ipc";
import { prefs, updatePrefs } from "./prefs";

export async function saveAs(defaultName: string, filters: { name: string; extensions: string[] }[]): Promise<string | null> {
  const chosen = await backend().chooseSavePath(defaultName, filters, prefs().lastFolder ?? null);
  if (chosen) {
    const cut = Math.max(chosen.lastIndexOf("/"), chosen.lastIndexOf("\\"));
    if (cut > 0) await updatePrefs({ lastFolder: chosen.slice(0, cut) });
  }
  return chosen;
}
