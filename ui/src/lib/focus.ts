// Keyboard focus for dialogs and drawers: where focus goes when one opens, how Tab stays inside a
// modal one, and where it returns when it closes. What the dialog shows is its own business.

const focusable =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** The elements Tab reaches inside `root`, in order (hidden ones left out). */
export function tabStops(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(focusable)].filter((e) => e.getClientRects().length > 0);
}

/**
 * Svelte action: on mount, focus the first element matching `first` (else the first tab stop);
 * with `trap`, Tab and Shift+Tab cycle inside the node (an `aria-modal` dialog); on destroy, focus
 * returns to `returnTo` (the control that opens it: a click does not focus a button everywhere),
 * else to what had focus before, when that is still on the page.
 */
export function holdFocus(node: HTMLElement, opts: { first?: string; trap?: boolean; returnTo?: string } = {}) {
  const before = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null;
  queueMicrotask(() => {
    const start = (opts.first ? node.querySelector<HTMLElement>(opts.first) : null) ?? tabStops(node)[0] ?? node;
    if (start === node && !node.hasAttribute("tabindex")) node.setAttribute("tabindex", "-1");
    start.focus();
  });
  function onKey(e: KeyboardEvent) {
    if (!opts.trap || e.key !== "Tab") return;
    const stops = tabStops(node);
    const first = stops[0];
    const last = stops[stops.length - 1];
    if (!first || !last) return;
    const at = document.activeElement;
    if (e.shiftKey && (at === first || !node.contains(at))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (at === last || !node.contains(at))) {
      e.preventDefault();
      first.focus();
    }
  }
  node.addEventListener("keydown", onKey);
  // A modal keeps focus even when a click lands on the page behind it.
  function onFocusIn(e: FocusEvent) {
    if (opts.trap && e.target instanceof Node && !node.contains(e.target)) tabStops(node)[0]?.focus();
  }
  document.addEventListener("focusin", onFocusIn);
  return {
    destroy() {
      node.removeEventListener("keydown", onKey);
      document.removeEventListener("focusin", onFocusIn);
      const back = (opts.returnTo ? document.querySelector<HTMLElement>(opts.returnTo) : null) ?? before;
      if (back?.isConnected) back.focus();
    },
  };
}
