/** What podvisor knows of its stdin when it is about to start a server. */
export interface TerminalFacts {
  /** isatty(0). */
  readonly stdinIsTerminal: boolean;
  /** tcgetpgrp(0): the terminal's foreground process group; -1 when it is not podvisor's controlling terminal. */
  readonly foregroundGroup: number;
  /** getpgrp(): podvisor's own process group. */
  readonly ownGroup: number;
}

export type Handover =
  | { readonly give: true }
  | {
      readonly give: false;
      /**
       * `not_a_terminal`: stdin is a file, a pipe or /dev/null (a pod without `tty: true`); `not_controlling`: a
       * terminal, but not podvisor's controlling one (started by setsid, or with a terminal's device as its stdin);
       * `background`: podvisor is not the terminal's foreground (`podvisor … &`), so it has no foreground to give.
       */
      readonly why: 'not_a_terminal' | 'not_controlling' | 'background';
    };

/**
 * Whether the next server gets podvisor's terminal: its controlling terminal, with the server's process group as
 * the foreground (docs/supervision.md, "On a terminal"), as tini and dumb-init give it. Only what podvisor holds
 * can be given: a terminal that is podvisor's controlling terminal, while podvisor's group is its foreground. Pure.
 */
export function decideHandover(facts: TerminalFacts): Handover {
  if (!facts.stdinIsTerminal) return { give: false, why: 'not_a_terminal' };
  if (facts.foregroundGroup < 0) return { give: false, why: 'not_controlling' };
  if (facts.foregroundGroup !== facts.ownGroup) return { give: false, why: 'background' };
  return { give: true };
}
