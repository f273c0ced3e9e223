// Text from the server as an error shows it: a program that prints the error to a terminal must
// not run what the server wrote (a clipboard write, a window title, a line overwritten by a
// carriage return).

// A terminal's control sequence (ECMA-48 CSI: colours, cursor moves), which starts with ESC.
const TERMINAL_CONTROL = new RegExp(`${String.fromCharCode(0x1b)}\\[[0-?]*[ -/]*[@-~]`, "g");

// A run of control characters (C0, DEL, C1), each run shown as one space.
const CONTROL_RUN = /\p{Cc}+/gu;

// One control character.
const CONTROL = /\p{Cc}/u;

// The same, line breaks aside.
const CONTROL_RUN_IN_LINE = /(?:(?!\n)\p{Cc})+/gu;

/** A text as shown in an error: no terminal control sequences, other control characters a space. */
export function plainText(text: string): string {
  return text.replace(TERMINAL_CONTROL, "").replace(CONTROL_RUN, " ");
}

/** Whether a text holds a control character (C0, DEL, C1), which {@link plainText} would show as a space. */
export function holdsControl(text: string): boolean {
  return CONTROL.test(text);
}

/** As {@link plainText}, its line breaks kept. */
export function plainLines(text: string): string {
  return text.replace(TERMINAL_CONTROL, "").replace(CONTROL_RUN_IN_LINE, " ");
}
