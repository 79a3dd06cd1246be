// After a save (the dialog opens in the backend, never here): remember the folder, so the next
// dialog opens where the user saved last.
import { updatePrefs } from "./prefs";

export async function rememberFolder(path: string): Promise<void> {
  const cut = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  if (cut > 0) await updatePrefs({ lastFolder: path.slice(0, cut) });
}
