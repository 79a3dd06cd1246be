// jsdom has no layout, so no ResizeObserver: Svelte's `bind:clientWidth` needs one. This one
// reports nothing (the width keeps its initial value), as a window without layout would.
if (!("ResizeObserver" in globalThis)) {
  (globalThis as { ResizeObserver?: unknown }).ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
}
