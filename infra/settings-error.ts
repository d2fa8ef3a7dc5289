/** An invalid or missing stack setting; the message names the setting and how to fix it. */
export class StackSettingError extends Error {
  override name = "StackSettingError";
}
