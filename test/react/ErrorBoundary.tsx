import { Component, type ReactNode } from 'react';

/** A minimal error boundary for the tests: renders the caught error's message. */
export class ErrorBoundary extends Component<{ children?: ReactNode }, { error: unknown }> {
  override state: { error: unknown } = { error: undefined };
  static getDerivedStateFromError(error: unknown): { error: unknown } {
    return { error };
  }
  override render(): ReactNode {
    if (this.state.error === undefined) return this.props.children;
    const e = this.state.error as { name?: string; kind?: string; message?: string };
    return <p data-testid="boundary">{`${e.name}/${e.kind}: ${e.message}`}</p>;
  }
}

/** React logs caught render errors through console.error; silence it where errors are expected. */
export function silenceConsoleError(): { readonly calls: unknown[][]; restore(): void } {
  const original = console.error;
  const calls: unknown[][] = [];
  console.error = (...args: unknown[]) => void calls.push(args);
  return { calls, restore: () => void (console.error = original) };
}
